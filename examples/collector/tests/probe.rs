//! The delivery probe, `GET`/`HEAD /v1/ingest?site=&pv=&seq=`, against the
//! real server: stored / not stored, parameter checks, origin, CORS, HEAD,
//! rate limit.

#[macro_use]
mod common;

use common::*;
use iob_collector::client::{request, Connection, Response};

fn query(site: &str, pv: &str, seq: &str) -> String {
    format!("/v1/ingest?site={site}&pv={pv}&seq={seq}")
}

async fn probe(s: &TestServer, method: &str, path: &str, origin: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = origin.iter().map(|o| ("Origin", *o)).collect();
    request(s.addr, method, path, &headers, b"")
        .await
        .expect("probe request")
}

/// Stores page view 1 of `demo` at seq 2 (after seq 1).
async fn store_pv1_seq2(s: &TestServer) {
    for seq in [1, 2] {
        let r = s
            .ingest(&payload(1, seq, Some(10), "/a", active(100)).to_json())
            .await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    let rows = s.rows();
    assert_eq!((rows.len(), rows[0].seq), (1, 2));
}

async fn probe_answers_204_up_to_the_stored_seq_and_404_beyond(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    let pv = hex(1);
    let r = probe(&s, "GET", &query("demo", &pv, "1"), Some(ORIGIN)).await;
    assert_eq!(r.status, 404, "nothing stored yet: {}", r.text());

    store_pv1_seq2(&s).await;
    for (seq, status) in [("2", 204), ("1", 204), ("3", 404), ("4294967295", 404)] {
        let r = probe(&s, "GET", &query("demo", &pv, seq), Some(ORIGIN)).await;
        assert_eq!(r.status, status, "seq {seq}: {}", r.text());
        assert_eq!(r.header("cache-control"), Some("no-store"), "seq {seq}");
        assert_eq!(r.header("vary"), Some("Origin"), "seq {seq}");
        if status == 204 {
            assert!(r.body.is_empty(), "seq {seq}");
            // Names the snapshot: the page view and its highest stored seq
            // (2, also when seq 1 was asked).
            assert_eq!(
                r.header("iob-stored"),
                Some(format!("{pv}.2").as_str()),
                "seq {seq}"
            );
        } else {
            assert_eq!(r.json()["error"]["field"], "pv", "seq {seq}: {}", r.text());
            assert!(r.header("iob-stored").is_none(), "seq {seq}");
        }
    }
    let r = probe(&s, "GET", &query("demo", &hex(2), "1"), Some(ORIGIN)).await;
    assert_eq!(r.status, 404, "unknown pv: {}", r.text());
    // The key is (site, pv): the same pv under another site is not stored.
    let r = probe(&s, "GET", &query("other", &pv, "1"), Some(OTHER_ORIGIN)).await;
    assert_eq!(r.status, 404, "pv of another site: {}", r.text());
    // Unknown extra parameters are ignored.
    let r = probe(&s, "GET", &(query("demo", &pv, "2") + "&v=1&x=y"), None).await;
    assert_eq!(r.status, 204, "extra params: {}", r.text());
    assert_eq!(r.header("iob-stored"), Some(format!("{pv}.2").as_str()));
    // A later snapshot raises the stored seq the probe names.
    let r = s
        .ingest(&payload(1, 5, Some(10), "/a", active(100)).to_json())
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = probe(&s, "GET", &query("demo", &pv, "3"), None).await;
    assert_eq!(
        (r.status, r.header("iob-stored")),
        (204, Some(format!("{pv}.5").as_str()))
    );
    assert_eq!(s.rows().len(), 1, "probes store nothing");
    s.stop().await;
}

async fn probe_refuses_bad_parameters_and_origins_naming_the_field(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    store_pv1_seq2(&s).await;
    let pv = hex(1);
    let upper = pv.replace('0', "A").to_uppercase();
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        (
            "pv not hex",
            query("demo", &"z".repeat(32), "1"),
            None,
            400,
            "pv",
        ),
        ("pv uppercase", query("demo", &upper, "1"), None, 400, "pv"),
        (
            "pv too short",
            query("demo", &pv[1..], "1"),
            None,
            400,
            "pv",
        ),
        (
            "pv too long",
            query("demo", &(pv.clone() + "0"), "1"),
            None,
            400,
            "pv",
        ),
        (
            "pv missing",
            "/v1/ingest?site=demo&seq=1".into(),
            None,
            400,
            "pv",
        ),
        (
            "seq missing",
            format!("/v1/ingest?site=demo&pv={pv}"),
            None,
            400,
            "seq",
        ),
        ("seq empty", query("demo", &pv, ""), None, 400, "seq"),
        ("seq 0", query("demo", &pv, "0"), None, 400, "seq"),
        ("seq negative", query("demo", &pv, "-1"), None, 400, "seq"),
        (
            "seq plus sign",
            query("demo", &pv, "%2B1"),
            None,
            400,
            "seq",
        ),
        ("seq fraction", query("demo", &pv, "1.5"), None, 400, "seq"),
        (
            "seq above u32",
            query("demo", &pv, "4294967296"),
            None,
            400,
            "seq",
        ),
        ("site uppercase", query("Demo", &pv, "1"), None, 400, "site"),
        ("site empty", query("", &pv, "1"), None, 400, "site"),
        (
            "site missing",
            format!("/v1/ingest?pv={pv}&seq=1"),
            None,
            400,
            "site",
        ),
        (
            "site not configured",
            query("nosuch", &pv, "1"),
            None,
            403,
            "site",
        ),
        (
            "wrong origin",
            query("demo", &pv, "1"),
            Some("http://evil.test"),
            403,
            "origin",
        ),
        (
            "origin of another site",
            query("demo", &pv, "1"),
            Some(OTHER_ORIGIN),
            403,
            "origin",
        ),
    ];
    for (name, path, origin, status, field) in cases {
        let r = probe(&s, "GET", &path, origin).await;
        assert_eq!(r.status, status, "{name}: {}", r.text());
        let err = r.json();
        assert_eq!(err["error"]["field"], field, "{name}: {}", r.text());
        assert!(
            err["error"]["reason"]
                .as_str()
                .is_some_and(|x| !x.is_empty()),
            "{name}"
        );
    }
    // The same probe done right is answered: the cases failed for their reason.
    let r = probe(&s, "GET", &query("demo", &pv, "1"), Some(ORIGIN)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(s.healthy().await);
    s.stop().await;
}

async fn probe_grants_cors_only_to_an_allowed_origin(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    store_pv1_seq2(&s).await;
    let path = query("demo", &hex(1), "2");
    let r = probe(&s, "GET", &path, Some(ORIGIN)).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(r.header("access-control-allow-credentials").is_none());
    // A cross-origin caller can read Iob-Stored only when it is exposed.
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("Iob-Stored")
    );
    assert_eq!(
        r.header("iob-stored"),
        Some(format!("{}.2", hex(1)).as_str())
    );
    let r = probe(&s, "GET", &query("demo", &hex(1), "3"), Some(ORIGIN)).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        (
            r.header("access-control-allow-origin"),
            r.header("access-control-expose-headers")
        ),
        (Some(ORIGIN), Some("Iob-Stored")),
        "exposed whenever CORS headers are sent"
    );
    let r = probe(&s, "GET", &path, None).await;
    assert_eq!(r.status, 204, "same-origin requests carry no Origin");
    assert!(r.header("access-control-allow-origin").is_none());
    assert!(r.header("access-control-expose-headers").is_none());
    let r = probe(&s, "GET", &path, Some("http://evil.test")).await;
    assert_eq!(r.status, 403);
    assert!(r.header("access-control-allow-origin").is_none());
    assert!(r.header("access-control-expose-headers").is_none());
    assert_eq!(r.header("vary"), Some("Origin"));
    s.stop().await;
}

async fn head_probe_answers_like_get_without_a_body(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    store_pv1_seq2(&s).await;
    let pv = hex(1);
    let cases = [
        (query("demo", &pv, "2"), None, 204),
        (query("demo", &pv, "3"), None, 404),
        (query("demo", &hex(9), "1"), Some(ORIGIN), 404),
        (query("demo", &pv, "0"), None, 400),
        (query("nosuch", &pv, "1"), None, 403),
        (query("demo", &pv, "1"), Some("http://evil.test"), 403),
    ];
    for (path, origin, status) in cases {
        let got = probe(&s, "GET", &path, origin).await;
        assert_eq!(got.status, status, "GET {path}: {}", got.text());
        let headers: Vec<(&str, &str)> = origin.iter().map(|o| ("Origin", *o)).collect();
        let mut conn = Connection::open(s.addr).await.unwrap();
        let head = conn.send("HEAD", &path, &headers, b"").await.unwrap();
        assert_eq!(head.status, status, "HEAD {path}");
        let stored = (status == 204).then(|| format!("{pv}.2"));
        assert_eq!(got.header("iob-stored"), stored.as_deref(), "GET {path}");
        assert_eq!(head.header("iob-stored"), stored.as_deref(), "HEAD {path}");
        assert_eq!(
            head.header("cache-control"),
            Some("no-store"),
            "HEAD {path}"
        );
        // No body was sent: the next response on the same connection parses.
        let next = conn.send("GET", "/healthz", &[], b"").await.unwrap();
        assert_eq!(
            (next.status, next.text().as_str()),
            (200, r#"{"status":"ok"}"#),
            "after HEAD {path}"
        );
    }
    s.stop().await;
}

async fn probes_share_the_ingest_rate_limit(backend: Backend) {
    let s = start_on(backend, |c| {
        c.rate = 0.01;
        c.burst = 4.0;
    })
    .await;
    let r = s
        .ingest(&payload(1, 1, Some(10), "/a", active(1)).to_json())
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    for i in 0..3 {
        let r = probe(&s, "GET", &query("demo", &hex(1), "1"), None).await;
        assert_eq!(r.status, 204, "probe {i} within the burst: {}", r.text());
    }
    let r = probe(&s, "GET", &query("demo", &hex(1), "1"), None).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["error"]["field"], "client");
    let mut conn = Connection::open(s.addr).await.unwrap();
    let head = conn
        .send("HEAD", &query("demo", &hex(1), "1"), &[], b"")
        .await
        .unwrap();
    assert_eq!(head.status, 429, "HEAD is limited too");
    let r = s
        .ingest(&payload(2, 1, Some(10), "/a", active(1)).to_json())
        .await;
    assert_eq!(r.status, 429, "probes drew from the ingest bucket");
    assert_eq!(s.rows().len(), 1);
    s.stop().await;
}

on_both_backends!(
    probe_answers_204_up_to_the_stored_seq_and_404_beyond,
    probe_refuses_bad_parameters_and_origins_naming_the_field,
    probe_grants_cors_only_to_an_allowed_origin,
    head_probe_answers_like_get_without_a_body,
    probes_share_the_ingest_rate_limit,
);
