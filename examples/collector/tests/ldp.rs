//! LDP debiasing: payloads privatised with the SDK's own mechanisms, from
//! simulated visitors whose true values are known, read back debiased.

#[macro_use]
mod common;

use common::*;
use iob_sdk::ldp::{privatize, rr_keep_probability, LdpFeature, Settings};
use iob_sdk::{Features, LdpReport, Payload};
use serde_json::Value;

/// The SDK's deterministic generator (SplitMix64), as in its own tests.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut r = iob_sdk::SplitMix64::new(seed);
    move || r.next_u64()
}

fn settings(eps_milli: u32, features: &[(&'static str, Option<u32>)]) -> Settings {
    Settings {
        features: features
            .iter()
            .map(|&(name, hi)| LdpFeature { name, hi })
            .collect(),
        eps_milli,
        ..Settings::default()
    }
}

/// Page view `pv` of visitor `vid` with `f`, privatised with `s` (as the SDK does).
fn private_payload(
    pv: u128,
    vid: Option<u128>,
    path: &str,
    mut f: Features,
    s: &Settings,
    r: &mut dyn FnMut() -> u64,
) -> Payload {
    let ldp = privatize(&mut f, s, r);
    let mut p = payload(pv, 1, vid, path, f);
    p.ldp = ldp;
    p
}

fn group<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["key"] == key))
        .unwrap_or(&Value::Null)
}

async fn features(s: &TestServer, query: &str) -> Value {
    let r = s.get(&format!("/v1/features?{query}"), Some(TOKEN)).await;
    assert_eq!(r.status, 200);
    r.json()
}

const VISITORS: u128 = 1200;

async fn debiased_estimates_recover_the_true_values_of_many_visitors(backend: Backend) {
    let s = start_on(backend, |c| c.k = 5).await;
    let mut r = rng(2026);
    let eps = 1000;
    let ldp = settings(eps, &[("engaged", None), ("clicks", Some(20))]);
    let (mut true_engaged, mut true_clicks) = (0u64, 0u64);
    let (mut noisy_ones, mut noisy_sum, mut noisy_clamped_sum) = (0i64, 0i64, 0i64);
    for v in 1..=VISITORS {
        // ~12% engaged (far from 1/2); clicks 10..=40, clamped at 20 by the
        // SDK (mostly at the bound, where clamping noisy values hurts most).
        let engaged = r() % 100 < 12;
        let clicks = 10 + (r() % 31) as u32;
        true_engaged += u64::from(engaged);
        true_clicks += u64::from(clicks.min(20));
        let f = Features {
            engaged,
            clicks,
            active_ms: 1000,
            keystrokes: 7,
            ..Features::default()
        };
        let p = private_payload(v, Some(v), "/ldp", f, &ldp, &mut r);
        assert!(
            p.f.clicks == 0 && !p.f.engaged,
            "privatised values are not sent in the clear"
        );
        for rep in &p.ldp {
            match rep.f.as_str() {
                "engaged" => noisy_ones += rep.v,
                _ => {
                    noisy_sum += rep.v;
                    noisy_clamped_sum += rep.v.clamp(0, 20);
                }
            }
        }
        assert_eq!(s.ingest(&p.to_json()).await.status, 204);
    }
    let n = VISITORS as f64;
    let report = features(&s, "group_by=all").await;
    let g = group(&report, "all");
    assert_eq!(g["pageviews"], VISITORS as u64);

    // Flag (randomised response): the debiased share is within 4 standard
    // errors of the truth; the naive share of noisy bits is far off.
    let e = &g["ldp"]["engaged"];
    assert_eq!(e.as_array().map(Vec::len), Some(1), "{e}");
    let e = &e[0];
    assert_eq!(
        (
            e["mechanism"].as_str(),
            e["eps_milli"].as_u64(),
            e["n"].as_u64()
        ),
        (Some("rr"), Some(1000), Some(VISITORS as u64))
    );
    assert!(e.get("hi").is_none());
    let (est, se) = (
        e["estimate"].as_f64().unwrap(),
        e["stderr"].as_f64().unwrap(),
    );
    let truth = true_engaged as f64 / n;
    assert!(se > 0.0 && se < 0.05, "useful precision: {se}");
    assert!(
        (est - truth).abs() <= 4.0 * se,
        "share {est} ± {se} vs true {truth}"
    );
    let naive = noisy_ones as f64 / n;
    assert!(
        (naive - truth).abs() > 4.0 * se,
        "the naive share {naive} is biased (true {truth})"
    );
    let p = rr_keep_probability(eps);
    let expected_naive = truth * p + (1.0 - truth) * (1.0 - p);
    assert!(
        (naive - expected_naive).abs() < 0.05,
        "noisy bits behave as RR: {naive} vs {expected_naive}"
    );

    // Count (geometric): the estimate of the clamped mean is within 4
    // standard errors; clamping the noisy values (what a naive reader would
    // do to "fix" negative counts) is biased.
    let e = &g["ldp"]["clicks"][0];
    assert_eq!(
        (e["mechanism"].as_str(), e["hi"].as_u64(), e["n"].as_u64()),
        (Some("geo"), Some(20), Some(VISITORS as u64))
    );
    let (est, se) = (
        e["estimate"].as_f64().unwrap(),
        e["stderr"].as_f64().unwrap(),
    );
    let truth = true_clicks as f64 / n;
    assert!(se > 0.0 && se < 1.5, "useful precision: {se}");
    assert!(
        (est - truth).abs() <= 4.0 * se,
        "clicks {est} ± {se} vs true {truth}"
    );
    assert!(
        (est - noisy_sum as f64 / n).abs() < 1e-9,
        "geo noise has mean 0: the estimate is the mean report"
    );
    let clamped = noisy_clamped_sum as f64 / n;
    assert!(
        (clamped - truth).abs() > 4.0 * se,
        "clamping noisy values biases: {clamped} vs {truth}"
    );

    // Privatised features are not in the clear statistics (their 0
    // placeholders are not measurements), other features are.
    assert!(
        g["features"].get("clicks").is_none(),
        "{}",
        g["features"]["clicks"]
    );
    assert!(g["features"].get("engaged").is_none());
    assert!(
        g["features"].get("active_ms").is_none(),
        "active_ms reveals engaged, so the SDK withholds it"
    );
    assert_eq!(g["features"]["keystrokes"]["mean"], 7.0);
    assert_eq!(g["suppressed_stats"], 0);

    // CSV: the estimate columns, and no clear numbers for the privatised feature.
    let csv = s
        .get("/v1/features.csv?group_by=all", Some(TOKEN))
        .await
        .text();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(head.len(), row.len(), "aligned columns");
    let col = |name: &str| head.iter().position(|h| *h == name).map(|i| row[i]);
    assert_eq!(col("ldp_clicks_geo_eps1000_hi20_n"), Some("1200"));
    assert_eq!(
        col("ldp_clicks_geo_eps1000_hi20_estimate").and_then(|x| x.parse::<f64>().ok()),
        Some(est)
    );
    assert!(col("ldp_engaged_rr_eps1000_stderr").is_some_and(|x| x.parse::<f64>().is_ok()));
    assert_eq!(col("clicks_mean"), Some(""));
    assert_eq!(col("engaged_share"), Some(""));

    // Dashboard: the estimate with its standard error, in a dedicated table
    // and under the feature's charts, never as a clear statistic.
    let html = s.get("/dashboard", Some(TOKEN)).await.text();
    assert!(html.contains(r#"<table data-table="ldp">"#));
    let share_text = format!(
        "{:.1}% ± {:.1}%",
        est_of(g, "engaged").0 * 100.0,
        est_of(g, "engaged").1 * 100.0
    );
    assert!(html.contains(&share_text), "dashboard shows {share_text}");
    assert!(html.contains(&format!(
        r#"data-ldp-feature="clicks" data-estimate="{est}" data-stderr="{se}""#
    )));
    // The clicks chart has no bar: no clear value, and no noisy value drawn as one.
    let chart = html
        .split(r#"data-chart="clicks-by-page""#)
        .nth(1)
        .and_then(|rest| rest.split("data-chart=").next())
        .unwrap_or("");
    assert!(!chart.contains("data-value"), "{chart}");
    s.stop().await;
}

fn est_of(g: &Value, name: &str) -> (f64, f64) {
    let e = &g["ldp"][name][0];
    (
        e["estimate"].as_f64().unwrap_or(f64::NAN),
        e["stderr"].as_f64().unwrap_or(f64::NAN),
    )
}

/// k = 5. Every published statistic rests on at least k pseudonyms.
async fn k_anonymity_applies_to_groups_parameter_sets_and_clear_remainders(backend: Backend) {
    let s = start_on(backend, |c| c.k = 5).await;
    let mut r = rng(7);
    let eps1 = settings(1000, &[("clicks", Some(20))]);
    let eps2 = settings(2000, &[("clicks", Some(20))]);
    let mut pv = 0;
    let mut send = Vec::new();
    // /few: 4 visitors, all privatised: the whole group is below k.
    for v in 1..=4 {
        pv += 1;
        send.push(private_payload(
            pv,
            Some(v),
            "/few",
            active(1000),
            &eps1,
            &mut r,
        ));
    }
    // /mixed: 8 visitors at ε = 1 and 3 visitors at ε = 2 (a set below k),
    // plus 3 visitors sending clicks in the clear (a clear remainder below k).
    for v in 10..18 {
        pv += 1;
        send.push(private_payload(
            pv,
            Some(v),
            "/mixed",
            active(1000),
            &eps1,
            &mut r,
        ));
    }
    for v in 20..23 {
        pv += 1;
        send.push(private_payload(
            pv,
            Some(v),
            "/mixed",
            active(1000),
            &eps2,
            &mut r,
        ));
    }
    for v in 30..33 {
        pv += 1;
        send.push(payload(pv, 1, Some(v), "/mixed", active(1000)));
    }
    // /clear: 6 visitors in the clear and 6 at ε = 1, 6 at ε = 2: both sets
    // and the clear remainder pass, reported separately.
    for v in 40..46 {
        pv += 1;
        send.push(payload(
            pv,
            1,
            Some(v),
            "/clear",
            Features {
                clicks: 3,
                ..Features::default()
            },
        ));
        pv += 1;
        send.push(private_payload(
            pv,
            Some(v + 100),
            "/clear",
            active(1000),
            &eps1,
            &mut r,
        ));
        pv += 1;
        send.push(private_payload(
            pv,
            Some(v + 200),
            "/clear",
            active(1000),
            &eps2,
            &mut r,
        ));
    }
    // 6 page views of one visitor: 6 reports, but 1 pseudonym.
    for _ in 0..6 {
        pv += 1;
        send.push(private_payload(
            pv,
            Some(99),
            "/one",
            active(1000),
            &eps1,
            &mut r,
        ));
    }
    for v in 50..55 {
        pv += 1;
        send.push(payload(pv, 1, Some(v), "/one", active(1000)));
    }
    for p in send {
        assert_eq!(s.ingest(&p.to_json()).await.status, 204);
    }
    let report = features(&s, "group_by=path").await;
    assert_eq!(report["suppressed_groups"], 1, "/few");
    assert!(group(&report, "/few").is_null());

    let mixed = group(&report, "/mixed");
    let sets = mixed["ldp"]["clicks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        sets.len(),
        1,
        "only the ε = 1 set has k pseudonyms: {sets:?}"
    );
    assert_eq!(
        (
            sets[0]["eps_milli"].as_u64(),
            sets[0]["n"].as_u64(),
            sets[0]["pseudonyms"].as_u64()
        ),
        (Some(1000), Some(8), Some(8))
    );
    assert!(
        mixed["features"].get("clicks").is_none(),
        "3 clear senders are below k"
    );
    assert_eq!(
        mixed["features"]["active_ms"]["mean"], 1000.0,
        "clear features of everyone still count"
    );
    // clicks and its ε = 2 set, plus each feature withheld with clicks
    // (it reveals clicks): their 3 clear senders are below k too.
    assert_eq!(
        mixed["suppressed_stats"],
        2 + iob_sdk::revealers("clicks").len()
    );

    let clear = group(&report, "/clear");
    let sets = clear["ldp"]["clicks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let params: Vec<_> = sets
        .iter()
        .map(|e| (e["eps_milli"].as_u64(), e["n"].as_u64()))
        .collect();
    assert_eq!(
        params,
        vec![(Some(1000), Some(6)), (Some(2000), Some(6))],
        "parameter sets are reported separately"
    );
    assert_eq!(
        clear["features"]["clicks"]["mean"], 3.0,
        "clear values only, no privatised placeholder zeros"
    );
    assert_eq!(clear["features"]["clicks"]["p50"], 3.0);
    assert_eq!(clear["suppressed_stats"], 0);

    let one = group(&report, "/one");
    assert_eq!(one["pseudonyms"], 6);
    assert!(
        one["ldp"].get("clicks").is_none(),
        "6 reports of one pseudonym are suppressed: {}",
        one["ldp"]
    );
    assert_eq!(
        one["features"]["clicks"]["mean"], 2.0,
        "5 clear senders reach k"
    );
    assert_eq!(one["suppressed_stats"], 1);
    s.stop().await;
}

/// The stored row keeps the reports of the highest seq only.
async fn storage_keeps_the_reports_of_the_highest_seq(backend: Backend) {
    let s = start_on(backend, |_| {}).await;
    let mut r = rng(1);
    let set = settings(1000, &[("clicks", Some(20)), ("engaged", None)]);
    let clear = Features {
        keystrokes: 7,
        ..active(1000)
    };
    let mut first = private_payload(1, Some(1), "/a", clear, &set, &mut r);
    first.seq = 2;
    first.id = hex(2);
    let mut stale = first.clone();
    stale.seq = 1;
    stale.id = hex(1);
    stale.ldp = vec![LdpReport {
        f: "clicks".into(),
        m: iob_sdk::Mechanism::Geo,
        eps_milli: 500,
        hi: Some(5),
        v: -3,
    }];
    assert_eq!(s.ingest(&first.to_json()).await.status, 204);
    assert_eq!(s.ingest(&stale.to_json()).await.status, 204);
    let rows = s.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].ldp, first.ldp, "the highest seq's reports");
    assert!(rows[0].features.get("clicks").is_none() && rows[0].features.get("engaged").is_none());
    assert!(
        rows[0].features.get("active_ms").is_none(),
        "withheld: it reveals engaged"
    );
    assert_eq!(rows[0].features["keystrokes"], 7);
    s.stop().await;
}

#[test]
fn a_version_1_database_migrates_and_reads_with_no_reports() {
    let dir = TempDir::new();
    let db = dir.0.join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE pageviews (site TEXT NOT NULL, pv TEXT NOT NULL, seq INTEGER NOT NULL, vid TEXT, sid TEXT,
                hour INTEGER NOT NULL, path TEXT NOT NULL, referrer_domain TEXT, device_class TEXT NOT NULL,
                browser_family TEXT NOT NULL, purposes TEXT NOT NULL, segment TEXT, features TEXT NOT NULL,
                PRIMARY KEY (site, pv)) WITHOUT ROWID;
             INSERT INTO pageviews VALUES ('demo', 'p1', 1, 'v1', 's1', 1800000000, '/old', NULL, 'mobile', 'firefox',
                'analytics', NULL, '{\"clicks\":4}');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let storage = iob_collector::storage::SqliteStorage::open(&db).expect("migrates");
    let mut rows = Vec::new();
    let all = iob_collector::storage::Filter {
        site: None,
        from_day: None,
        to_day: None,
        path: None,
    };
    iob_collector::storage::Storage::scan(&storage, &all, &mut |v| rows.push(v)).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].ldp.is_empty());
    assert_eq!(rows[0].features["clicks"], 4);
    assert_eq!(rows[0].rot, None, "migration 3: rotation unknown (24 h)");
    iob_collector::storage::Storage::close(&storage);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
}

on_both_backends!(
    debiased_estimates_recover_the_true_values_of_many_visitors,
    k_anonymity_applies_to_groups_parameter_sets_and_clear_remainders,
    storage_keeps_the_reports_of_the_highest_seq,
);
