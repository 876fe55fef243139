//! What only the ClickHouse backend has: SQL literals against hostile
//! strings, migrations shared by several collectors, versions kept until
//! merges (read through `FINAL`), batching bounds, retention by partition,
//! and a ClickHouse outage (503, nothing acknowledged lost).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::clickhouse::{own, shared};
use common::*;
use iob_collector::config::Config;
use iob_collector::server;
use iob_collector::stats::FeatureStats;
use iob_collector::storage::clickhouse::http::Client;
use iob_collector::storage::clickhouse::{sql, Batching, ClickHouseStorage, ServerUrl, Settings};
use iob_collector::storage::{Filter, Snapshot, Storage};
use serde_json::Value;

fn client(url: &str) -> Client {
    Client::new(ServerUrl::parse(url).expect("url"), None)
}

/// The rows of a `FORMAT JSON` answer to `statement`.
fn query(c: &Client, statement: &str) -> Vec<Value> {
    let body = c
        .execute(format!("{statement} FORMAT JSON").as_bytes())
        .unwrap_or_else(|e| panic!("{statement}: {}", e.summary()));
    let v: Value = serde_json::from_slice(&body).expect("json");
    v["data"].as_array().cloned().unwrap_or_default()
}

fn settings(url: &str, database: &str, batching: Batching) -> Settings {
    Settings {
        url: ServerUrl::parse(url).expect("url"),
        database: database.into(),
        credentials: None,
        batching,
    }
}

const NOW: Batching = Batching {
    interval: Duration::ZERO,
    max_rows: 10_000,
};

fn all() -> Filter {
    Filter {
        site: None,
        from_day: None,
        to_day: None,
        path: None,
    }
}

fn snapshot(pv: u128, seq: u32) -> Snapshot {
    Snapshot::from_payload(payload(pv, seq, Some(pv), "/p", active(seq * 1000)))
}

/// Every string comes back byte for byte from a literal, and a literal
/// never ends early (a second statement would be an error, not a result).
#[test]
fn string_literals_round_trip_hostile_strings() {
    let Some(server) = shared() else { return };
    let c = client(&server.url);
    let mut hostile: Vec<String> = [
        "'",
        "\\",
        "\\'",
        "''",
        "'; DROP DATABASE system; --",
        "\" ` $ { } ?",
        "\0\x01\x7f\n\r\t",
        "😀 ünï",
        "\\x27",
        "%27",
        "a'||'b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    hostile.push((0u8..128).map(char::from).collect());
    for s in &hostile {
        let rows = query(
            &c,
            &format!("SELECT {} AS s, length(s) AS n", sql::string(s)),
        );
        assert_eq!(rows.len(), 1, "{s:?}");
        assert_eq!(rows[0]["s"].as_str(), Some(s.as_str()), "{s:?}");
        assert_eq!(rows[0]["n"].as_u64(), Some(s.len() as u64), "{s:?}");
    }
    // Exact floats: the bits of 0.9 survive, where the literal 0.9 may not.
    for x in [0.9, 0.1, 3.444_228_6, 1e-300, 123_456_789.123_456_79] {
        let rows = query(&c, &format!("SELECT {} AS x", sql::float(x)));
        assert_eq!(rows[0]["x"].as_f64(), Some(x), "{x}");
    }
}

#[test]
fn migrations_are_recorded_shared_and_never_downgraded() {
    let Some(server) = shared() else { return };
    let db = unique_name("mig");
    // Two collectors starting at once on a new database.
    let opened: Vec<_> = (0..2)
        .map(|_| {
            let s = settings(&server.url, &db, NOW);
            std::thread::spawn(move || ClickHouseStorage::open(&s).map(|st| st.close()))
        })
        .collect();
    for o in opened {
        o.join().expect("thread").expect("opens");
    }
    let c = client(&server.url);
    let versions = query(
        &c,
        &format!("SELECT DISTINCT version FROM {db}.schema_migrations ORDER BY version"),
    );
    let versions: Vec<u64> = versions
        .iter()
        .filter_map(|r| r["version"].as_u64())
        .collect();
    assert_eq!(
        versions,
        (1..=sql::MIGRATIONS.len() as u64).collect::<Vec<_>>()
    );
    let engine = query(&c, &format!("SELECT engine, partition_key, sorting_key FROM system.tables WHERE database = '{db}' AND name = 'pageviews'"));
    assert_eq!(engine[0]["engine"], "ReplacingMergeTree");
    assert_eq!(engine[0]["sorting_key"], "site, pv");
    assert!(
        engine[0]["partition_key"]
            .as_str()
            .is_some_and(|k| k.contains("toYYYYMM")),
        "{}",
        engine[0]
    );
    // Reopening applies nothing twice.
    ClickHouseStorage::open(&settings(&server.url, &db, NOW))
        .expect("reopens")
        .close();
    let count = query(
        &c,
        &format!("SELECT count() AS n FROM {db}.schema_migrations"),
    );
    assert!(count[0]["n"]
        .as_u64()
        .is_some_and(|n| n <= 2 * sql::MIGRATIONS.len() as u64));
    // A database a newer collector migrated is refused, naming both versions.
    c.execute(format!("INSERT INTO {db}.schema_migrations (version, description, applied_at) VALUES (99, 'future', now())").as_bytes())
        .expect("insert");
    let err = ClickHouseStorage::open(&settings(&server.url, &db, NOW))
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("schema version 99") && err.to_string().contains("newer"),
        "{err}"
    );
    let bad = ClickHouseStorage::open(&settings(&server.url, "no-such;db", NOW))
        .err()
        .expect("refused");
    assert!(bad.to_string().contains("database name"), "{bad}");
}

/// Each insert is a part; the versions of a page view stay side by side
/// until ClickHouse merges them, and reads see only the highest `seq`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_wait_for_merges_but_reads_see_one_page_view() {
    let Some(server) = shared() else { return };
    let db = unique_name("final");
    let storage = ClickHouseStorage::open(&settings(&server.url, &db, NOW)).expect("open");
    let c = client(&server.url);
    c.execute(format!("SYSTEM STOP MERGES {db}.pageviews").as_bytes())
        .expect("stop merges");
    for seq in [2, 1, 3, 3] {
        storage
            .upsert(snapshot(1, seq))
            .expect("queued")
            .await
            .expect("answer")
            .expect("insert");
    }
    let physical = query(&c, &format!("SELECT count() AS n FROM {db}.pageviews"));
    assert_eq!(physical[0]["n"].as_u64(), Some(4), "four versions stored");
    let mut rows = Vec::new();
    storage.scan(&all(), &mut |v| rows.push(v)).expect("scan");
    assert_eq!(rows, vec![snapshot(1, 3).into_view()]);
    let report = storage
        .aggregate(&all(), iob_collector::storage::GroupBy::All, 1)
        .expect("aggregate");
    assert_eq!(report.groups[0].pageviews, 1);
    match &report.groups[0].features["active_ms"] {
        FeatureStats::Number { mean, p50, p90, .. } => {
            assert_eq!((*mean, *p50, *p90), (3000.0, 3000.0, 3000.0))
        }
        other => panic!("{other:?}"),
    }
    tokio::task::block_in_place(|| storage.close());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserts_are_spaced_by_the_interval_and_bounded_in_rows() {
    let Some(server) = shared() else { return };
    let c = client(&server.url);

    // Interval: the second of two back-to-back rows waits for it.
    let interval = Duration::from_millis(400);
    let db = unique_name("interval");
    let storage = ClickHouseStorage::open(&settings(
        &server.url,
        &db,
        Batching {
            interval,
            max_rows: 100,
        },
    ))
    .expect("open");
    let start = Instant::now();
    storage
        .upsert(snapshot(1, 1))
        .expect("queued")
        .await
        .expect("answer")
        .expect("insert");
    let first = start.elapsed();
    storage
        .upsert(snapshot(2, 1))
        .expect("queued")
        .await
        .expect("answer")
        .expect("insert");
    assert!(
        start.elapsed() >= interval,
        "second insert after {:?} (first acknowledged after {first:?})",
        start.elapsed()
    );
    tokio::task::block_in_place(|| storage.close());

    // Size: rows queued together go out in inserts of at most max_rows.
    let db = unique_name("rows");
    let storage = ClickHouseStorage::open(&settings(
        &server.url,
        &db,
        Batching {
            interval: Duration::from_millis(200),
            max_rows: 3,
        },
    ))
    .expect("open");
    c.execute(format!("SYSTEM STOP MERGES {db}.pageviews").as_bytes())
        .expect("stop merges");
    let tickets: Vec<_> = (1..=10)
        .map(|pv| storage.upsert(snapshot(pv, 1)).expect("queued"))
        .collect();
    for t in tickets {
        t.await.expect("answer").expect("insert");
    }
    let parts = query(&c, &format!("SELECT count() AS parts, max(rows) AS most, sum(rows) AS total FROM system.parts WHERE database = '{db}' AND table = 'pageviews' AND active"));
    assert_eq!(parts[0]["total"].as_u64(), Some(10));
    assert!(
        parts[0]["most"].as_u64().is_some_and(|m| m <= 3),
        "{}",
        parts[0]
    );
    assert!(
        parts[0]["parts"]
            .as_u64()
            .is_some_and(|p| (4..=10).contains(&p)),
        "{}",
        parts[0]
    );
    tokio::task::block_in_place(|| storage.close());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_old_months_and_deletes_up_to_the_cutoff() {
    let Some(server) = shared() else { return };
    let db = unique_name("retention");
    let storage = ClickHouseStorage::open(&settings(&server.url, &db, NOW)).expect("open");
    let c = client(&server.url);
    let at = |pv: u128, hour: u64| {
        let mut s = snapshot(pv, 1);
        s.hour = hour;
        s
    };
    // January and February 2024 whole, March 5 and 20; cutoff March 10.
    for (pv, hour) in [
        (1, 1_704_844_800),
        (2, 1_707_523_200),
        (3, 1_709_596_800),
        (4, 1_710_892_800),
    ] {
        storage
            .upsert(at(pv, hour))
            .expect("queued")
            .await
            .expect("answer")
            .expect("insert");
    }
    let deleted = storage
        .purge_before(1_710_028_800)
        .expect("queued")
        .await
        .expect("answer");
    assert_eq!(deleted, Ok(3));
    let partitions = query(&c, &format!("SELECT DISTINCT partition FROM system.parts WHERE database = '{db}' AND table = 'pageviews' AND active ORDER BY partition"));
    let partitions: Vec<&str> = partitions
        .iter()
        .filter_map(|r| r["partition"].as_str())
        .collect();
    assert_eq!(partitions, vec!["202403"], "whole months dropped");
    // The boundary month's older row goes by a mutation, in the background.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = query(&c, &format!("SELECT count() AS n FROM {db}.pageviews"));
        if left[0]["n"].as_u64() == Some(1) {
            break;
        }
        assert!(Instant::now() < deadline, "mutation not done: {}", left[0]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut rows = Vec::new();
    storage
        .scan(&all(), &mut |v| rows.push(v.pv))
        .expect("scan");
    assert_eq!(rows, vec![hex(4)]);
    tokio::task::block_in_place(|| storage.close());
}

/// ClickHouse down: ingest answers a retryable 503 (the SDK keeps the
/// payload), probes and reads too; nothing acknowledged before is lost, and
/// the collector recovers by itself once ClickHouse is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_a_retryable_503_and_loses_nothing_acknowledged() {
    let data = TempDir::new();
    let Some(mut ch) = own(data.0.join("clickhouse")) else {
        return;
    };
    let url = ch.url.clone();
    let s = start_on(Backend::ClickHouse, |c: &mut Config| {
        c.apply("clickhouse-url", &url).expect("url");
    })
    .await;
    let body = |pv| payload(pv, 1, Some(pv), "/p", active(1000)).to_json();
    for pv in 1..=3 {
        assert_eq!(s.ingest(&body(pv)).await.status, 204);
    }

    tokio::task::block_in_place(|| ch.stop());
    let r = s.ingest(&body(4)).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["error"]["field"], "storage");
    assert!(
        !r.text().contains("/p"),
        "no payload data in the error: {}",
        r.text()
    );
    let probe = s
        .get(&format!("/v1/ingest?site=demo&pv={}&seq=1", hex(1)), None)
        .await;
    assert_eq!(probe.status, 503);
    assert_eq!(s.get("/v1/features", Some(TOKEN)).await.status, 503);
    assert!(s.healthy().await, "the collector itself stays up");

    tokio::task::block_in_place(|| ch.restart()).expect("restart");
    let r = s.ingest(&body(4)).await;
    assert_eq!(
        r.status,
        204,
        "the SDK's retry after the outage: {}",
        r.text()
    );
    let pvs: Vec<String> = tokio::task::block_in_place(|| s.rows())
        .into_iter()
        .map(|v| v.pv)
        .collect();
    assert_eq!(pvs, (1..=4).map(hex).collect::<Vec<_>>());
    let probe = s
        .get(&format!("/v1/ingest?site=demo&pv={}&seq=1", hex(1)), None)
        .await;
    assert_eq!(probe.status, 204);
    s.stop().await;
    drop(ch);
}

/// The storage opened from a config on the shared server (used by the
/// collector processes of `multinode.rs` too): a sanity check that the
/// configuration path and the direct one agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_opens_the_same_database() {
    let Some(server) = shared() else { return };
    let mut cfg = Config::default();
    cfg.apply("storage", "clickhouse").expect("storage");
    cfg.apply("clickhouse-url", &server.url).expect("url");
    cfg.apply("clickhouse-db", &unique_name("cfg")).expect("db");
    let via_config: Arc<dyn Storage> = server::open_storage(&cfg).expect("open");
    via_config
        .upsert(snapshot(9, 2))
        .expect("queued")
        .await
        .expect("answer")
        .expect("insert");
    let direct = ClickHouseStorage::open(&settings(&server.url, &cfg.clickhouse.database, NOW))
        .expect("open");
    assert_eq!(direct.stored_seq("demo", &hex(9)), Ok(Some(2)));
    tokio::task::block_in_place(|| {
        direct.close();
        via_config.close();
    });
}
