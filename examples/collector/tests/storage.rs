//! The `Storage` contract on both backends: what is written reads back as
//! the page view of its snapshot, the highest `seq` of a page view is kept
//! whatever the order and however often it arrives, aggregates equal the
//! in-memory fold of the same rows, k counts pseudonyms within each row's
//! rotation period, retention deletes what is older than the cutoff, and
//! hostile strings are stored and matched exactly.

#[macro_use]
mod common;

use std::sync::Arc;

use common::*;
use iob_collector::config::Config;
use iob_collector::server;
use iob_collector::stats::Aggregator;
use iob_collector::storage::{Filter, GroupBy, PageView, Snapshot, Storage};
use iob_sdk::{Features, LdpReport, Mechanism, Payload};

const DAY: u64 = 86_400;

struct Store {
    storage: Arc<dyn Storage>,
    _dir: TempDir,
}

impl Drop for Store {
    fn drop(&mut self) {
        // `close` blocks (SQLite's refuses to on an async thread).
        tokio::task::block_in_place(|| self.storage.close());
    }
}

fn open(backend: Backend) -> Store {
    let dir = TempDir::new();
    let mut cfg = Config::default();
    backend.fresh_store(&mut cfg, &dir);
    let storage = server::open_storage(&cfg).expect("open storage");
    Store { storage, _dir: dir }
}

async fn commit(s: &Store, snapshot: Snapshot) {
    let ticket = s.storage.upsert(snapshot).expect("queued");
    ticket.await.expect("answered").expect("committed");
}

fn all() -> Filter {
    Filter {
        site: None,
        from_day: None,
        to_day: None,
        path: None,
    }
}

fn scan(s: &Store, filter: &Filter) -> Vec<PageView> {
    let mut rows = Vec::new();
    s.storage.scan(filter, &mut |v| rows.push(v)).expect("scan");
    rows
}

/// Paths no SQL literal should be able to break.
const HOSTILE: &[&str] = &[
    "/a'b",
    "/a\\'b",
    "/'; DROP TABLE pageviews; --",
    "/\"quoted\"",
    "/tab\tnew\nline\0nul",
    "/ünïcødé/😀",
    "/a\\x27",
    "/{db}?%27",
];

/// Page view `n`: several sites, days, hours, paths (some hostile),
/// rotations, pseudonyms (some none), fractional features, LDP reports.
fn varied(n: u32) -> Snapshot {
    let mut p: Payload = iob_collector::sample::payload("demo").expect("sample");
    p.site = if n % 5 == 4 { "other" } else { "demo" }.into();
    p.pv = format!("{:032x}", 0xabc000 + n);
    p.seq = 1 + n % 3;
    p.vid = (n % 6 != 5).then(|| format!("{:032x}", n % 9));
    p.rot = p.vid.as_ref().map(|_| 24);
    p.sid = p.vid.clone();
    p.hour = HOUR + u64::from(n % 4) * DAY + u64::from(n % 3) * 3600;
    p.ctx.path = match n % 4 {
        0 => "/a".into(),
        1 => "/b".into(),
        2 => HOSTILE[n as usize % HOSTILE.len()].into(),
        _ => "/a".into(),
    };
    p.ctx.referrer_domain = n.is_multiple_of(3).then(|| "search.example".into());
    p.ctx.device_class =
        [iob_sdk::DeviceClass::Desktop, iob_sdk::DeviceClass::Mobile][n as usize % 2];
    p.f = Features {
        active_ms: n * 1370 % 200_000,
        clicks: n % 7,
        engaged: n.is_multiple_of(2),
        scroll_depth_max_pct: n * 13 % 101,
        cls: (n % 5) as f32 * 0.037,
        frustration_score: (n % 4) as f32 / 7.0,
        interkey_mean_ms: n as f32 * 3.444_228_6,
        flag_webdriver: n.is_multiple_of(11),
        ..Features::default()
    };
    if n % 3 == 1 {
        p.ldp = vec![
            LdpReport {
                f: "clicks".into(),
                m: Mechanism::Geo,
                eps_milli: 1000,
                hi: Some(20),
                v: i64::from(n % 13) - 4,
            },
            LdpReport {
                f: "engaged".into(),
                m: Mechanism::Rr,
                eps_milli: [500, 1000][n as usize % 2],
                hi: None,
                v: i64::from(n % 2),
            },
        ];
    }
    let mut s = Snapshot::from_payload(p);
    s.rot = match n % 4 {
        0 => Some(1),
        1 => Some(168),
        _ => None,
    };
    s.segment = (n % 7 == 3).then(|| "returning".into());
    s
}

/// The order both backends scan in.
fn in_scan_order(mut views: Vec<PageView>) -> Vec<PageView> {
    views.sort_by(|a, b| (&a.site, a.hour, &a.pv).cmp(&(&b.site, b.hour, &b.pv)));
    views
}

async fn written_snapshots_read_back_as_their_page_views(backend: Backend) {
    let s = open(backend);
    let snapshots: Vec<Snapshot> = (0..40).map(varied).collect();
    for v in &snapshots {
        commit(&s, v.clone()).await;
    }
    let expected = in_scan_order(snapshots.iter().cloned().map(Snapshot::into_view).collect());
    assert_eq!(scan(&s, &all()), expected);
    let demo_a = Filter {
        site: Some("demo".into()),
        from_day: Some((HOUR / DAY) as i64 + 2),
        to_day: Some((HOUR / DAY) as i64 + 3),
        path: Some("/a".into()),
    };
    let want: Vec<PageView> = expected
        .iter()
        .filter(|v| {
            v.site == "demo" && v.path == "/a" && (2..=3).contains(&(v.hour / DAY - HOUR / DAY))
        })
        .cloned()
        .collect();
    assert!(!want.is_empty() && want.len() < expected.len());
    assert_eq!(scan(&s, &demo_a), want);
}

async fn the_highest_seq_is_kept_in_any_order_and_counted_once(backend: Backend) {
    let s = open(backend);
    // 2027-01-31T23:00Z for seqs 1-3, 2027-02-01 for 4-5: two months (two
    // ClickHouse partitions) for one page view.
    let jan31 = 1_801_436_400;
    let snapshot = |seq: u32| {
        let mut v = varied(1);
        v.pv = hex(77);
        v.seq = seq;
        v.path = format!("/s{seq}");
        v.hour = if seq <= 3 { jan31 } else { jan31 + 3600 };
        v.features.active_ms = seq * 1000;
        v
    };
    for seq in [3, 1, 5, 5, 2, 4, 3] {
        commit(&s, snapshot(seq)).await;
        // Another site's page view with the same pv is another key.
    }
    let mut other = snapshot(9);
    other.site = "other".into();
    commit(&s, other).await;
    let rows = scan(
        &s,
        &Filter {
            site: Some("demo".into()),
            ..all()
        },
    );
    assert_eq!(rows, vec![snapshot(5).into_view()]);
    assert_eq!(s.storage.stored_seq("demo", &hex(77)), Ok(Some(5)));
    assert_eq!(s.storage.stored_seq("other", &hex(77)), Ok(Some(9)));
    assert_eq!(s.storage.stored_seq("demo", &hex(78)), Ok(None));
    // Filters apply to the kept snapshot only, never to an older one.
    let old_path = Filter {
        path: Some("/s3".into()),
        ..all()
    };
    assert_eq!(scan(&s, &old_path), Vec::<PageView>::new());
    let jan = Filter {
        to_day: Some((jan31 / DAY) as i64),
        ..all()
    };
    assert_eq!(scan(&s, &jan), Vec::<PageView>::new());
    let report = s
        .storage
        .aggregate(&all(), GroupBy::Path, 1)
        .expect("aggregate");
    let keys: Vec<(&str, u64)> = report
        .groups
        .iter()
        .map(|g| (g.key.as_str(), g.pageviews))
        .collect();
    assert_eq!(keys, vec![("/s5", 1), ("/s9", 1)]);
}

/// The reference: the in-memory fold of the scanned rows.
fn folded(s: &Store, filter: &Filter, group_by: GroupBy, k: u32) -> iob_collector::stats::Report {
    let mut agg = Aggregator::default();
    for v in scan(s, filter) {
        agg.add(group_by.key(&v), &v);
    }
    agg.finish(k)
}

async fn aggregates_equal_the_fold_of_the_rows(backend: Backend) {
    let s = open(backend);
    for n in 0..150 {
        commit(&s, varied(n)).await;
    }
    let day = (HOUR / DAY) as i64;
    let filters = [
        all(),
        Filter {
            site: Some("demo".into()),
            ..all()
        },
        Filter {
            path: Some("/a".into()),
            ..all()
        },
        Filter {
            path: Some(HOSTILE[2].into()),
            ..all()
        },
        Filter {
            from_day: Some(day + 1),
            to_day: Some(day + 2),
            ..all()
        },
    ];
    let (mut published, mut suppressed, mut partial) = (0, 0, 0);
    for filter in &filters {
        for group_by in [
            GroupBy::Day,
            GroupBy::Path,
            GroupBy::DeviceClass,
            GroupBy::Segment,
            GroupBy::All,
        ] {
            for k in [1, 3, 8] {
                let got = s.storage.aggregate(filter, group_by, k).expect("aggregate");
                assert_eq!(
                    got,
                    folded(&s, filter, group_by, k),
                    "{filter:?} {group_by:?} k={k}"
                );
                published += got.groups.len();
                suppressed += got.suppressed_groups;
                partial += got.groups.iter().map(|g| g.suppressed_stats).sum::<u64>();
            }
        }
    }
    assert!(
        published > 0 && suppressed > 0 && partial > 0,
        "every outcome compared: {published} {suppressed} {partial}"
    );
}

async fn k_counts_distinct_pseudonyms_within_each_rows_rotation(backend: Backend) {
    let s = open(backend);
    let day0 = HOUR / DAY * DAY;
    let mut n = 0u128;
    let mut view = |path: &str, vid: u128, hour: u64, rot: Option<u32>| {
        n += 1;
        let mut p = payload(n, 1, Some(vid), path, active(1000));
        p.hour = hour;
        let mut v = Snapshot::from_payload(p);
        v.rot = rot;
        v
    };
    let mut all_views = Vec::new();
    for i in 0..3u64 {
        // Hourly rotation: 3 pseudonyms in 3 hours are 3 periods of one each.
        all_views.push(view(
            "/hourly",
            10 + u128::from(i),
            day0 + i * 3600,
            Some(1),
        ));
        // Daily (unknown: 24 h): the same 3 hours are one period of 3.
        all_views.push(view("/daily", 20 + u128::from(i), day0 + i * 3600, None));
        // Weekly: 3 days of one aligned week are one period.
        all_views.push(view(
            "/weekly",
            30 + u128::from(i),
            day0 / (168 * 3600) * (168 * 3600) + i * DAY,
            Some(168),
        ));
    }
    for v in all_views {
        commit(&s, v).await;
    }
    let report = s
        .storage
        .aggregate(&all(), GroupBy::Path, 3)
        .expect("aggregate");
    let shown: Vec<(&str, u64, u64)> = report
        .groups
        .iter()
        .map(|g| (g.key.as_str(), g.pseudonyms, g.max_period_pseudonyms))
        .collect();
    assert_eq!(shown, vec![("/daily", 3, 3), ("/weekly", 3, 3)]);
    assert_eq!(report.suppressed_groups, 1, "/hourly");
    let k1 = s
        .storage
        .aggregate(&all(), GroupBy::Path, 1)
        .expect("aggregate");
    assert_eq!(k1.groups[1].key, "/hourly");
    assert_eq!(
        (k1.groups[1].pseudonyms, k1.groups[1].max_period_pseudonyms),
        (3, 1)
    );

    // One person privatising clicks on 5 days (5 pseudonyms), among 5
    // people sending it in the clear on the first day: the LDP set is one
    // person, the clear values are five.
    let s = open(backend);
    let mut n = 1000u128;
    for d in 0..5u64 {
        n += 1;
        let mut p = payload(n, 1, Some(500 + u128::from(d)), "/mix", active(1000));
        p.hour = HOUR + d * DAY;
        p.f.clicks = 0;
        p.ldp = vec![LdpReport {
            f: "clicks".into(),
            m: Mechanism::Geo,
            eps_milli: 1000,
            hi: Some(20),
            v: 3,
        }];
        commit(&s, Snapshot::from_payload(p)).await;
        n += 1;
        let p = payload(n, 1, Some(600 + u128::from(d)), "/mix", active(1000));
        commit(&s, Snapshot::from_payload(p)).await;
    }
    let report = s
        .storage
        .aggregate(&all(), GroupBy::All, 5)
        .expect("aggregate");
    let g = &report.groups[0];
    assert_eq!((g.pageviews, g.max_period_pseudonyms), (10, 6));
    assert!(g.ldp.is_empty(), "5 pseudonyms, one a day: {:?}", g.ldp);
    assert_eq!(g.suppressed_stats, 1);
    assert!(
        g.features.contains_key("clicks"),
        "5 clear senders on one day"
    );
}

async fn purge_deletes_page_views_before_the_cutoff(backend: Backend) {
    let s = open(backend);
    let at = |pv: u128, hour: u64| {
        let mut p = payload(pv, 1, Some(pv), "/p", active(1));
        p.hour = hour;
        Snapshot::from_payload(p)
    };
    let jan10 = 1_704_844_800; // 2024-01-10
    let mar05 = 1_709_596_800; // 2024-03-05
    let mar10 = 1_710_028_800; // 2024-03-10, the cutoff
    let mar20 = 1_710_892_800; // 2024-03-20
    for (pv, hour) in [(1, jan10), (2, mar05), (3, mar20), (4, HOUR)] {
        commit(&s, at(pv, hour)).await;
    }
    let deleted = s
        .storage
        .purge_before(mar10)
        .expect("queued")
        .await
        .expect("answered");
    assert_eq!(deleted, Ok(2));
    let left: Vec<String> = scan(&s, &all()).into_iter().map(|v| v.pv).collect();
    assert_eq!(left, vec![hex(3), hex(4)]);
    assert_eq!(s.storage.stored_seq("demo", &hex(2)), Ok(None));
    assert_eq!(s.storage.stored_seq("demo", &hex(3)), Ok(Some(1)));
    let report = s
        .storage
        .aggregate(&all(), GroupBy::All, 1)
        .expect("aggregate");
    assert_eq!(report.groups[0].pageviews, 2);
}

async fn hostile_strings_are_stored_and_matched_exactly(backend: Backend) {
    let s = open(backend);
    for (i, path) in HOSTILE.iter().enumerate() {
        let mut v = Snapshot::from_payload(payload(i as u128 + 1, 1, Some(1), path, active(1)));
        v.segment = Some(format!("seg{path}"));
        commit(&s, v).await;
    }
    for (i, path) in HOSTILE.iter().enumerate() {
        let rows = scan(
            &s,
            &Filter {
                path: Some(path.to_string()),
                ..all()
            },
        );
        assert_eq!(rows.len(), 1, "{path:?}");
        assert_eq!(
            (rows[0].path.as_str(), rows[0].pv.clone()),
            (*path, hex(i as u128 + 1))
        );
        assert_eq!(
            rows[0].segment.as_deref(),
            Some(format!("seg{path}").as_str())
        );
    }
    let report = s
        .storage
        .aggregate(&all(), GroupBy::Path, 1)
        .expect("aggregate");
    let mut keys: Vec<&str> = report.groups.iter().map(|g| g.key.as_str()).collect();
    let mut want = HOSTILE.to_vec();
    keys.sort();
    want.sort();
    assert_eq!(keys, want);
    for pv in ["x' OR '1'='1", "\\", "'", ""] {
        assert_eq!(s.storage.stored_seq("demo", pv), Ok(None), "{pv:?}");
    }
    assert_eq!(scan(&s, &all()).len(), HOSTILE.len(), "nothing dropped");
}

on_both_backends!(
    written_snapshots_read_back_as_their_page_views,
    the_highest_seq_is_kept_in_any_order_and_counted_once,
    aggregates_equal_the_fold_of_the_rows,
    k_counts_distinct_pseudonyms_within_each_rows_rotation,
    purge_deletes_page_views_before_the_cutoff,
    hostile_strings_are_stored_and_matched_exactly,
);
