//! Ingest against the real server: acceptance, hostile input, idempotency,
//! floods, CORS, static files, shutdown.

#[macro_use]
mod common;

use common::*;
use iob_collector::client::request;
use iob_collector::server;
use iob_collector::storage::Filter;
use iob_sdk::Features;

async fn accepts_text_plain_and_json_and_stores_no_ip_or_ua(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    let p = payload(1, 1, Some(10), "/a", active(1500));
    let r = s.ingest(&p.to_json()).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    let r = s
        .post(
            payload(2, 1, Some(10), "/b", active(10))
                .to_json()
                .as_bytes(),
            "application/json",
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());

    let rows = s.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].pv.as_str(), rows[0].seq, rows[0].path.as_str()),
        (hex(1).as_str(), 1, "/a")
    );
    assert_eq!(rows[0].features["active_ms"], 1500);
    assert_eq!(
        rows[0].features["visible_ms"], 0,
        "omitted features are stored as their default"
    );
    assert_eq!(rows[0].purposes, vec!["analytics", "personalization"]);
    let dumped = serde_json::to_string(&rows).unwrap();
    assert!(
        !dumped.contains("127.0.0.1") && !dumped.to_lowercase().contains("agent"),
        "{dumped}"
    );
    s.stop().await;
}

async fn media_type_is_matched_without_case_and_parameters(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    let accepted = [
        "TEXT/PLAIN",
        "Text/Plain; charset=UTF-8",
        " application/JSON ;charset=utf-8",
    ];
    for (i, ctype) in accepted.iter().enumerate() {
        let body = payload(100 + i as u128, 1, Some(10), "/a", active(10)).to_json();
        let r = s.post(body.as_bytes(), ctype, Some(ORIGIN)).await;
        assert_eq!(r.status, 204, "{ctype}: {}", r.text());
    }
    let refused = [
        "text/plainx",
        "text/html",
        "application/json-seq",
        "text /plain",
    ];
    for (i, ctype) in refused.iter().enumerate() {
        let body = payload(200 + i as u128, 1, Some(10), "/a", active(10)).to_json();
        let r = s.post(body.as_bytes(), ctype, Some(ORIGIN)).await;
        assert_eq!(r.status, 415, "{ctype}: {}", r.text());
        assert_eq!(r.json()["error"]["field"], "content-type");
    }
    assert_eq!(s.rows().len(), accepted.len());
    s.stop().await;
}

struct Case {
    name: &'static str,
    content_type: &'static str,
    origin: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    field: &'static str,
}

async fn hostile_input_gets_4xx_with_field_and_leaves_data_unchanged(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    let good = payload(1, 1, Some(10), "/a", active(1500)).to_json();
    assert_eq!(s.ingest(&good).await.status, 204);
    let before = s.rows();
    // A fresh page view, so an accidental acceptance would add a row.
    let fresh = payload(
        2,
        1,
        Some(11),
        "/a",
        Features {
            clicks: 3,
            ..Features::default()
        },
    )
    .to_json();
    let swap = |from: &str, to: &str| {
        assert!(fresh.contains(from), "{from}");
        fresh.replacen(from, to, 1).into_bytes()
    };
    let case = |name, status, field, body: Vec<u8>| Case {
        name,
        content_type: "text/plain",
        origin: Some(ORIGIN),
        body,
        status,
        field,
    };
    let cases = vec![
        case("malformed JSON", 400, "body", b"{\"v\":1,".to_vec()),
        case("empty body", 400, "body", Vec::new()),
        case("binary garbage", 400, "body", vec![0xff, 0x00, 0xfe, 0x7b]),
        case("deep nesting", 400, "[0]", "[".repeat(1500).into_bytes()),
        case("array instead of object", 400, "[1]", b"[1,2,3]".to_vec()),
        case(
            "wrong type seq",
            400,
            "seq",
            swap("\"seq\":1", "\"seq\":\"1\""),
        ),
        case(
            "wrong type clicks",
            400,
            "f.clicks",
            swap("\"clicks\":3", "\"clicks\":true"),
        ),
        case(
            "negative count",
            400,
            "f.clicks",
            swap("\"clicks\":3", "\"clicks\":-1"),
        ),
        case(
            "out of range",
            400,
            "f.clicks",
            swap("\"clicks\":3", "\"clicks\":100001"),
        ),
        case(
            "unknown schema version",
            400,
            "v",
            swap("\"v\":2", "\"v\":1"),
        ),
        case(
            "unknown field",
            400,
            "f.email",
            swap("\"clicks\":3", "\"clicks\":3,\"email\":\"a@b.c\""),
        ),
        case(
            "full URL as path",
            400,
            "ctx.path",
            swap("\"path\":\"/a\"", "\"path\":\"https://x.test/?q=1\""),
        ),
        case(
            "bad pv",
            400,
            "pv",
            swap(&format!("\"pv\":\"{}\"", hex(2)), "\"pv\":\"XYZ\""),
        ),
        case(
            "no analytics consent",
            400,
            "consent.purposes",
            swap(
                "[\"analytics\",\"personalization\"]",
                "[\"personalization\"]",
            ),
        ),
        case(
            "oversized body",
            413,
            "body",
            format!(
                "{}{}",
                &fresh[..fresh.len() - 1],
                ",\"x\":\"".to_string() + &"a".repeat(3000) + "\"}"
            )
            .into_bytes(),
        ),
        case(
            "unknown site",
            403,
            "site",
            swap("\"site\":\"demo\"", "\"site\":\"nosuch\""),
        ),
        Case {
            name: "wrong content type",
            content_type: "application/x-www-form-urlencoded",
            ..case("", 415, "content-type", fresh.clone().into_bytes())
        },
        Case {
            name: "no content type",
            content_type: "",
            ..case("", 415, "content-type", fresh.clone().into_bytes())
        },
        Case {
            name: "wrong origin",
            origin: Some("http://evil.test"),
            ..case("", 403, "origin", fresh.clone().into_bytes())
        },
        Case {
            name: "missing origin",
            origin: None,
            ..case("", 403, "origin", fresh.clone().into_bytes())
        },
        Case {
            name: "origin of another site",
            origin: Some(OTHER_ORIGIN),
            ..case("", 403, "origin", fresh.clone().into_bytes())
        },
    ];
    for c in cases {
        let r = s.post(&c.body, c.content_type, c.origin).await;
        assert_eq!(r.status, c.status, "{}: {}", c.name, r.text());
        let err = r.json();
        assert_eq!(err["error"]["field"], c.field, "{}: {}", c.name, r.text());
        assert!(
            err["error"]["reason"]
                .as_str()
                .is_some_and(|x| !x.is_empty()),
            "{}",
            c.name
        );
        assert!(s.healthy().await, "server down after {}", c.name);
        assert_eq!(s.rows(), before, "stored data changed after {}", c.name);
    }
    // The same body with the right headers is accepted: the cases failed for their reason.
    assert_eq!(s.ingest(&fresh).await.status, 204);
    assert_eq!(s.rows().len(), before.len() + 1);
    s.stop().await;
}

async fn oversized_declared_length_is_refused_before_reading(backend: Backend) {
    let s = start_on(backend, |c| c.body_limit = 512).await;
    let p = payload(1, 1, Some(10), "/a", active(1)).to_json();
    assert!(p.len() < 512);
    assert_eq!(s.ingest(&p).await.status, 204);
    let big = format!("{}{}", p, " ".repeat(600));
    let r = s.ingest(&big).await;
    assert_eq!(
        (r.status, r.json()["error"]["field"].as_str()),
        (413, Some("body"))
    );
    assert_eq!(s.rows().len(), 1);

    // Chunked: no declared length, the limit applies while reading.
    let chunk = "x".repeat(600);
    let raw = format!(
        "POST /v1/ingest HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nOrigin: {ORIGIN}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let r = iob_collector::client::Connection::open(s.addr)
        .await
        .unwrap()
        .send_raw(raw.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["field"].as_str()),
        (413, Some("body"))
    );
    assert!(s.healthy().await);
    assert_eq!(s.rows().len(), 1);
    s.stop().await;
}

async fn idempotent_per_page_view_and_sequence(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    let first = payload(1, 1, Some(10), "/a", active(1000)).to_json();
    for _ in 0..3 {
        assert_eq!(s.ingest(&first).await.status, 204);
    }
    let rows = s.rows();
    assert_eq!(
        (rows.len(), rows[0].seq),
        (1, 1),
        "same payload 3x counts once"
    );

    let second = payload(1, 2, Some(10), "/a", active(5000)).to_json();
    assert_eq!(s.ingest(&second).await.status, 204);
    assert_eq!(
        s.ingest(&first).await.status,
        204,
        "a late lower seq is acknowledged (so the SDK stops retrying)"
    );
    let rows = s.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].seq, rows[0].features["active_ms"].as_u64()),
        (2, Some(5000)),
        "lower seq after higher is ignored"
    );

    let r = s.get("/v1/features?group_by=all", Some(TOKEN)).await;
    assert_eq!(
        r.json()["suppressed_groups"],
        1,
        "one page view of one visitor is below k"
    );
    s.stop().await;
}

async fn a_flood_gets_429_and_the_server_survives(backend: Backend) {
    let s = start_on(backend, |c| {
        c.rate = 5.0;
        c.burst = 10.0;
    })
    .await;
    let (mut ok, mut limited) = (0, 0);
    for i in 0..40 {
        let r = s
            .ingest(&payload(100 + i, 1, Some(10), "/a", active(1)).to_json())
            .await;
        match r.status {
            204 => ok += 1,
            429 => {
                limited += 1;
                assert_eq!(r.header("retry-after"), Some("1"));
                assert_eq!(r.json()["error"]["field"], "client");
            }
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
    assert!(
        (10..=13).contains(&ok),
        "burst of 10 plus a little refill, got {ok}"
    );
    assert_eq!(ok + limited, 40);
    assert!(s.healthy().await);
    assert_eq!(s.rows().len(), ok, "only accepted payloads are stored");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_only_what_the_sdk_needs() {
    let s = start(|_| {}).await;
    let preflight = |origin: &'static str| {
        let addr = s.addr;
        async move {
            let h = [
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ];
            request(addr, "OPTIONS", "/v1/ingest", &h, b"")
                .await
                .unwrap()
        }
    };
    let r = preflight(ORIGIN).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
    assert!(r.header("access-control-allow-credentials").is_none());
    let r = preflight("http://evil.test").await;
    assert_eq!(r.status, 403);
    assert!(r.header("access-control-allow-origin").is_none());
    let r = s.post(b"{}", "text/plain", Some("http://evil.test")).await;
    assert!(
        r.header("access-control-allow-origin").is_none(),
        "no CORS grant for a foreign origin"
    );
    s.stop().await;
}

async fn shutdown_flushes_every_acknowledged_write(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    let addr = s.addr;
    let senders: Vec<_> = (0..8u128)
        .map(|lane| {
            tokio::spawn(async move {
                let mut acked = 0;
                for i in 0..50u128 {
                    let body =
                        payload(lane * 1000 + i + 1, 1, Some(lane), "/a", active(1)).to_json();
                    let h = [("Content-Type", "text/plain"), ("Origin", ORIGIN)];
                    match request(addr, "POST", "/v1/ingest", &h, body.as_bytes()).await {
                        Ok(r) if r.status == 204 => acked += 1,
                        _ => break,
                    }
                }
                acked
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let cfg = s.cfg.clone();
    let _dir = s.stop().await;
    let mut acked = 0;
    for t in senders {
        acked += t.await.unwrap();
    }
    assert!(acked > 0);
    // Reopen the store: every acknowledged write is there, nothing else.
    let stored = tokio::task::spawn_blocking(move || {
        let reopened = server::open_storage(&cfg).unwrap();
        let mut stored = 0;
        let all = Filter {
            site: None,
            from_day: None,
            to_day: None,
            path: None,
        };
        reopened.scan(&all, &mut |_| stored += 1).unwrap();
        reopened.close();
        stored
    })
    .await
    .unwrap();
    assert_eq!(stored, acked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_static_files_with_wasm_and_js_types() {
    let files = TempDir::new();
    std::fs::write(files.0.join("iob_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(files.0.join("iob.js"), b"export {}").unwrap();
    std::fs::write(files.0.join("index.html"), b"<p>site</p>").unwrap();
    let s = start(|c| {
        c.apply("serve", &format!("/pkg={}", files.0.display()))
            .unwrap();
        c.apply("serve", &format!("/={}", files.0.display()))
            .unwrap();
    })
    .await;
    let r = s.get("/pkg/iob_bg.wasm", None).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("application/wasm"))
    );
    let r = s.get("/pkg/iob.js", None).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("text/javascript"))
    );
    let r = s.get("/", None).await;
    assert_eq!((r.status, r.text().as_str()), (200, "<p>site</p>"));
    assert_eq!(s.get("/pkg/../../etc/passwd", None).await.status, 404);
    assert_eq!(
        s.get("/healthz", None).await.status,
        200,
        "API routes win over the / mount"
    );
    let gpc = s.get("/.well-known/gpc.json", None).await.json();
    assert_eq!(gpc["gpc"], true);
    assert!(gpc["lastUpdate"].as_str().is_some());
    s.stop().await;
}

async fn retention_deletes_old_page_views_at_start(backend: Backend) {
    let s = start_on(backend, |c| {
        c.retention_days = 100_000; // keep everything on the first run
    })
    .await;
    let mut old = payload(1, 1, Some(1), "/old", active(1));
    old.hour = iob_sdk::MIN_HOUR; // 2024-01-01, more than 760 days ago
    let recent = payload(2, 1, Some(1), "/recent", active(1));
    assert_eq!(s.ingest(&old.to_json()).await.status, 204);
    assert_eq!(s.ingest(&recent.to_json()).await.status, 204);
    assert_eq!(s.rows().len(), 2);
    let first = s.cfg.clone();
    let _kept = s.stop().await;

    let s = start_on(backend, |c| same_store(&first, c)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.rows().len() == 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let paths: Vec<String> = s.rows().into_iter().map(|v| v.path).collect();
    assert_eq!(paths, vec!["/recent"]);
    s.stop().await;
}

on_both_backends!(
    accepts_text_plain_and_json_and_stores_no_ip_or_ua,
    media_type_is_matched_without_case_and_parameters,
    hostile_input_gets_4xx_with_field_and_leaves_data_unchanged,
    oversized_declared_length_is_refused_before_reading,
    idempotent_per_page_view_and_sequence,
    a_flood_gets_429_and_the_server_survives,
    shutdown_flushes_every_acknowledged_write,
    retention_deletes_old_page_views_at_start,
);
