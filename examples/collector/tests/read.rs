//! Read API, CSV and dashboard: tokens, k-anonymity, statistics, filters.

#[macro_use]
mod common;

use common::*;
use iob_sdk::Features;
use serde_json::Value;

/// k = 3. Path /k-1 has 2 visitors, /k has 3 (active_ms 1000/2000/3000 and
/// a second page view of the first visitor), /anon has 5 page views
/// without a pseudonym.
async fn seeded(backend: Backend) -> TestServer {
    let s = start_on(backend, |c| c.k = 3).await;
    let mut pv = 0;
    let mut send = |vid: Option<u128>, path: &'static str, f: Features| {
        pv += 1;
        payload(pv, 1, vid, path, f).to_json()
    };
    let bodies = vec![
        send(Some(1), "/k-1", active(100)),
        send(Some(2), "/k-1", active(100)),
        send(Some(1), "/k", active(1000)),
        send(Some(2), "/k", active(2000)),
        send(Some(3), "/k", active(3000)),
        send(
            Some(1),
            "/k",
            Features {
                active_ms: 4000,
                scroll_depth_max_pct: 50,
                ..Features::default()
            },
        ),
        send(None, "/anon", active(1)),
        send(None, "/anon", active(1)),
        send(None, "/anon", active(1)),
        send(None, "/anon", active(1)),
        send(None, "/anon", active(1)),
    ];
    for b in bodies {
        assert_eq!(s.ingest(&b).await.status, 204);
    }
    s
}

fn group<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["key"] == key))
        .unwrap_or(&Value::Null)
}

async fn reads_need_the_token_and_no_token_means_no_reads(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    for path in ["/v1/features", "/v1/features.csv", "/dashboard"] {
        let r = s.get(path, None).await;
        assert_eq!(
            (r.status, r.json()["error"]["field"].as_str()),
            (401, Some("token")),
            "{path}"
        );
        assert!(r
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")));
        assert_eq!(s.get(path, Some("wrong-token")).await.status, 401, "{path}");
        assert_eq!(s.get(path, Some(TOKEN)).await.status, 200, "{path}");
        assert_eq!(
            s.get(&format!("{path}?token={TOKEN}"), None).await.status,
            200,
            "{path} with ?token="
        );
    }
    s.stop().await;

    let closed = start_on(backend, |c| c.read_token = None).await;
    for path in ["/v1/features", "/v1/features.csv", "/dashboard"] {
        assert_eq!(closed.get(path, Some(TOKEN)).await.status, 403, "{path}");
    }
    closed.stop().await;
}

async fn groups_below_k_are_suppressed_and_statistics_are_exact(backend: Backend) {
    let s = seeded(backend).await;
    let r = s
        .get("/v1/features?group_by=path", Some(TOKEN))
        .await
        .json();
    assert_eq!(r["k"], 3);
    let keys: Vec<&str> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["key"].as_str())
        .collect();
    assert_eq!(
        keys,
        vec!["/k"],
        "k-1 visitors and no-identifier page views are suppressed"
    );
    assert_eq!(r["suppressed_groups"], 2);
    let g = group(&r, "/k");
    assert_eq!(
        (g["pageviews"].as_u64(), g["pseudonyms"].as_u64()),
        (Some(4), Some(3))
    );
    let a = &g["features"]["active_ms"];
    assert_eq!(
        (a["mean"].as_f64(), a["p50"].as_f64(), a["p90"].as_f64()),
        (Some(2500.0), Some(2000.0), Some(4000.0))
    );
    let hist: Vec<u64> = a["hist"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["count"].as_u64())
        .collect();
    assert_eq!(
        hist,
        vec![0, 4, 0, 0, 0, 0, 0, 0],
        "1-4 s all fall in [1 s, 5 s)"
    );
    let scroll = &g["features"]["scroll_depth_max_pct"];
    assert_eq!(
        (scroll["mean"].as_f64(), scroll["p50"].as_f64()),
        (Some(12.5), Some(0.0))
    );
    assert_eq!(g["features"]["clicks"]["mean"].as_f64(), Some(1.5));
    assert_eq!(g["consent"]["personalization"].as_f64(), Some(1.0));
    assert_eq!(g["consent"]["marketing"].as_f64(), Some(0.0));

    let all = s.get("/v1/features?group_by=all", Some(TOKEN)).await.json();
    let g = group(&all, "all");
    assert_eq!(
        (g["pageviews"].as_u64(), g["pseudonyms"].as_u64()),
        (Some(11), Some(3))
    );
    assert_eq!(
        g["pageviews_without_vid"].as_u64(),
        Some(5),
        "no-identifier page views count in totals, not toward k"
    );
    s.stop().await;
}

async fn filters_and_bad_parameters(backend: Backend) {
    let s = seeded(backend).await;
    let pageviews = |r: &Value| -> Vec<u64> {
        r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|g| g["pageviews"].as_u64())
            .collect()
    };
    let get = |q: &str| {
        let path = format!("/v1/features?{q}");
        let s = &s;
        async move { s.get(&path, Some(TOKEN)).await }
    };
    let day = get("group_by=day&site=demo&from=2027-01-15&to=2027-01-15")
        .await
        .json();
    assert_eq!(group(&day, "2027-01-15")["pageviews"], 11);
    assert_eq!(
        pageviews(&get("from=2027-01-16").await.json()),
        Vec::<u64>::new()
    );
    assert_eq!(
        pageviews(&get("to=2027-01-14").await.json()),
        Vec::<u64>::new()
    );
    assert_eq!(
        pageviews(&get("group_by=day&path=/k").await.json()),
        vec![4]
    );
    assert_eq!(
        pageviews(&get("group_by=device_class").await.json()),
        vec![11]
    );
    let seg = get("group_by=segment").await.json();
    assert_eq!(
        group(&seg, "unknown")["pageviews"],
        11,
        "schema v1 has no segment yet"
    );
    assert_eq!(
        pageviews(&get("site=other").await.json()),
        Vec::<u64>::new()
    );
    for (q, field) in [
        ("group_by=bogus", "group_by"),
        ("from=2027-13-01", "from"),
        ("from=2027-01-16&to=2027-01-15", "from"),
        ("site=nosuch", "site"),
        ("path=nopath", "path"),
        ("evil=1", "evil"),
        ("from=%FF%FE", "from"),
    ] {
        let r = get(q).await;
        assert_eq!(
            (r.status, r.json()["error"]["field"].as_str()),
            (400, Some(field)),
            "{q}: {}",
            r.text()
        );
    }
    s.stop().await;
}

async fn csv_export_has_the_same_table(backend: Backend) {
    let s = seeded(backend).await;
    let r = s.get("/v1/features.csv?group_by=path", Some(TOKEN)).await;
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = r.text();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &head[..4],
        &["path", "pageviews", "pseudonyms", "consent_security"]
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| row[head.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        (col("path"), col("pageviews"), col("pseudonyms")),
        ("\"/k\"", "4", "3")
    );
    assert_eq!(
        (
            col("active_ms_mean"),
            col("active_ms_p50"),
            col("active_ms_p90")
        ),
        ("2500", "2000", "4000")
    );
    assert_eq!(lines.next(), None, "suppressed groups are not exported");
    s.stop().await;
}

async fn dashboard_renders_the_numbers_under_a_strict_csp(backend: Backend) {
    let s = seeded(backend).await;
    for vid in 1..=3 {
        let p = payload(
            100 + vid,
            1,
            Some(vid),
            "/<script>alert(1)</script>",
            active(1),
        );
        assert_eq!(s.ingest(&p.to_json()).await.status, 204);
    }
    let r = s.get(&format!("/dashboard?token={TOKEN}"), None).await;
    assert_eq!(r.status, 200);
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = r.text();
    assert!(
        !html.contains("<script") && html.contains("/&lt;script&gt;alert(1)&lt;/script&gt;"),
        "paths are escaped"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources"
    );
    let bar = |chart: &str, key: &str, series: &str, value: &str| {
        let start = html
            .find(&format!("data-chart=\"{chart}\""))
            .unwrap_or_else(|| panic!("chart {chart}"));
        let end = start + html[start..].find("</svg>").unwrap();
        let needle = format!("data-key=\"{key}\" data-series=\"{series}\" data-value=\"{value}\"");
        assert!(html[start..end].contains(&needle), "{chart}: {needle}");
    };
    bar("pageviews-by-day", "2027-01-15", "pageviews", "14");
    bar("pageviews-by-day", "2027-01-15", "pseudonyms", "3");
    bar("active_ms-by-page", "/k", "p50", "2000");
    bar("active_ms-by-page", "/k", "p90", "4000");
    bar("scroll_depth_max_pct-by-page", "/k", "p50", "0");
    bar("clicks-by-page", "/k", "mean", "1.5");
    bar("active_ms-hist", "1.0 s – 5.0 s", "page views", "4");
    bar("consent-by-day", "2027-01-15", "personalization", "1");
    assert!(html.contains("data-tile=\"pageviews\"><b>14</b>"));
    // A section shows its chart once the SDK's catalog has the feature, and
    // a "not yet collected" placeholder before.
    for (section, feature) in [
        ("automation", "automation_score"),
        ("experience", "lcp_ms"),
        ("form-funnel", "forms_started"),
    ] {
        let collected = iob_sdk::CATALOG.iter().any(|d| d.name == feature);
        let chart = html.contains(&format!("data-chart=\"{feature}-by-page\""));
        let placeholder = html.contains(&format!("data-placeholder=\"{section}\""));
        assert_eq!((chart, placeholder), (collected, !collected), "{section}");
    }
    s.stop().await;
}

/// k counts pseudonyms within one pseudonym period (the SDK's rotation,
/// 24 h unless payloads say otherwise), not over the whole range: one person
/// seen on many days has a new pseudonym every day but is one person.
async fn k_counts_pseudonyms_within_one_rotation_period(backend: Backend) {
    let s = start_on(backend, |c| c.k = 3).await;
    let day = 86_400;
    let mut send = Vec::new();
    // /one: one visitor on 10 days, a fresh pseudonym each day.
    for d in 0..10u64 {
        let mut p = payload(
            100 + u128::from(d),
            1,
            Some(100 + u128::from(d)),
            "/one",
            active(1000),
        );
        p.hour = HOUR + d * day;
        send.push(p);
    }
    // /spread: 2 visitors a day on 4 days: 8 pseudonyms, never 3 in a period.
    for d in 0..4u64 {
        for v in 0..2u128 {
            let mut p = payload(
                200 + u128::from(d) * 2 + v,
                1,
                Some(200 + u128::from(d) * 2 + v),
                "/spread",
                active(1000),
            );
            p.hour = HOUR + d * day;
            send.push(p);
        }
    }
    // /three: 3 visitors within one day (different hours of it): shown.
    for v in 0..3u64 {
        let mut p = payload(
            300 + u128::from(v),
            1,
            Some(300 + u128::from(v)),
            "/three",
            active(2000),
        );
        p.hour = HOUR / day * day + v * 3600;
        send.push(p);
    }
    for p in send {
        let r = s.ingest(&p.to_json()).await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    let r = s
        .get("/v1/features?group_by=path", Some(TOKEN))
        .await
        .json();
    let keys: Vec<&str> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["key"].as_str())
        .collect();
    assert_eq!(keys, vec!["/three"]);
    assert_eq!(r["suppressed_groups"], 2);
    let g = group(&r, "/three");
    assert_eq!(
        (
            g["pseudonyms"].as_u64(),
            g["max_period_pseudonyms"].as_u64()
        ),
        (Some(3), Some(3))
    );

    // The whole range: /one and /spread add 18 pseudonyms, but the busiest
    // day still has the 3 of /three (plus /one's and /spread's of that day).
    let all = s.get("/v1/features?group_by=all", Some(TOKEN)).await.json();
    let g = group(&all, "all");
    assert_eq!(
        (
            g["pageviews"].as_u64(),
            g["pseudonyms"].as_u64(),
            g["max_period_pseudonyms"].as_u64()
        ),
        (Some(21), Some(21), Some(6))
    );
    // From 2027-01-20 on only /one is left: 5 distinct pseudonyms, at most
    // 1 a day: suppressed, as one person.
    let later = s
        .get("/v1/features?group_by=all&from=2027-01-20", Some(TOKEN))
        .await
        .json();
    assert_eq!(
        (
            later["groups"].as_array().map(Vec::len),
            later["suppressed_groups"].as_u64()
        ),
        (Some(0), Some(1)),
        "{later}"
    );
    s.stop().await;
}

on_both_backends!(
    reads_need_the_token_and_no_token_means_no_reads,
    groups_below_k_are_suppressed_and_statistics_are_exact,
    filters_and_bad_parameters,
    csv_export_has_the_same_table,
    dashboard_renders_the_numbers_under_a_strict_csp,
    k_counts_pseudonyms_within_one_rotation_period,
);
