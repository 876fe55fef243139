//! Several ingest nodes: two collector processes (the built binary, default
//! batching) on different ports write to one ClickHouse database. Each page
//! view's snapshots go through both, duplicated and out of order; reads from
//! either node, the probe and `dump` count each page view once, with its
//! highest `seq`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use common::clickhouse::shared;
use common::*;
use iob_collector::client::request;

const BIN: &str = env!("CARGO_BIN_EXE_iob-collector");

/// A collector process, stopped with SIGTERM when dropped.
struct Node {
    child: Child,
    addr: SocketAddr,
}

impl Node {
    fn start(clickhouse: &str, db: &str) -> Node {
        let mut child = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--storage", "clickhouse"])
            .args(["--clickhouse-url", clickhouse, "--clickhouse-db", db])
            .args([
                "--site",
                &format!("demo={ORIGIN}"),
                "--read-token",
                TOKEN,
                "--k",
                "2",
            ])
            .args(["--rate", "100000", "--burst", "100000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a collector");
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let addr = line
            .trim()
            .strip_prefix("iob-collector listening on http://")
            .and_then(|a| a.parse().ok());
        match addr {
            Some(addr) => Node { child, addr },
            None => {
                let _ = child.kill();
                panic!("collector did not start: {line:?}");
            }
        }
    }

    /// SIGTERM, and the exit status (0 once pending writes are flushed).
    fn stop(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().is_ok_and(|s| s.success())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(addr: SocketAddr, body: String) -> u16 {
    let h = [("Content-Type", "text/plain"), ("Origin", ORIGIN)];
    request(addr, "POST", "/v1/ingest", &h, body.as_bytes())
        .await
        .map(|r| r.status)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_count_each_page_view_once_with_its_highest_seq() {
    let Some(server) = shared() else { return };
    let db = unique_name("nodes");
    // Both start at once: they migrate the new database concurrently.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Node::start(&server.url, &db));
        let b = s.spawn(|| Node::start(&server.url, &db));
        (a.join().expect("node a"), b.join().expect("node b"))
    });
    // Per page view: (node, seq), duplicates and lower seqs after higher.
    let plan = [
        (0, 3),
        (1, 1),
        (0, 5),
        (1, 5),
        (1, 2),
        (0, 4),
        (1, 3),
        (0, 5),
    ];
    let visitors = 3u128;
    let sends: Vec<_> = (1..=visitors)
        .map(|v| {
            let nodes = [a.addr, b.addr];
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for (node, seq) in plan {
                    let body = payload(v, seq, Some(v), "/p", active(seq * 1000)).to_json();
                    statuses.push(post(nodes[node], body).await);
                }
                statuses
            })
        })
        .collect();
    for s in sends {
        assert_eq!(s.await.expect("sender"), vec![204; plan.len()]);
    }

    for node in [a.addr, b.addr] {
        let r = request(
            node,
            "GET",
            "/v1/features?group_by=all",
            &[("Authorization", &format!("Bearer {TOKEN}"))],
            b"",
        )
        .await
        .expect("read");
        let g = &r.json()["groups"][0];
        assert_eq!(
            (g["pageviews"].as_u64(), g["pseudonyms"].as_u64()),
            (Some(3), Some(3)),
            "{}",
            r.text()
        );
        let a_ms = &g["features"]["active_ms"];
        assert_eq!(
            (
                a_ms["mean"].as_f64(),
                a_ms["p50"].as_f64(),
                a_ms["p90"].as_f64()
            ),
            (Some(5000.0), Some(5000.0), Some(5000.0))
        );
        for (seq, status) in [(5, 204), (6, 404)] {
            let probe = request(
                node,
                "HEAD",
                &format!("/v1/ingest?site=demo&pv={}&seq={seq}", hex(1)),
                &[],
                b"",
            )
            .await
            .expect("probe");
            assert_eq!(probe.status, status);
            let stored = (status == 204).then(|| format!("{}.5", hex(1)));
            assert_eq!(probe.header("iob-stored"), stored.as_deref());
        }
    }
    assert!(a.stop() && b.stop(), "both exit 0 after flushing");

    let dump = Command::new(BIN)
        .args([
            "dump",
            "--clickhouse-url",
            &server.url,
            "--clickhouse-db",
            &db,
        ])
        .output()
        .expect("dump");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&dump.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let kept: Vec<(String, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["pv"].as_str().unwrap_or("").to_string(),
                r["seq"].as_u64().unwrap_or(0),
                r["features"]["active_ms"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let want: Vec<(String, u64, u64)> = (1..=visitors).map(|v| (hex(v), 5, 5000)).collect();
    assert_eq!(kept, want);
}
