//! The built binary end to end: startup line on 127.0.0.1:0, `simulate`
//! through the real ingest path, graceful SIGTERM, then `dump`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_iob-collector");

#[test]
fn serve_simulate_sigterm_dump() {
    let dir = TempDir::new();
    let db = dir.0.join("cli.sqlite");
    let config = dir.0.join("collector.conf");
    std::fs::write(&config, "# test config\nsite = demo=http://demo.test\nread-token = cli-token\nrate = 100000\nburst = 100000\n")
        .unwrap();
    let mut server = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the collector");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("iob-collector listening on ")
        .map(str::to_string);
    let Some(url) = url.filter(|u| u.starts_with("http://127.0.0.1:") && !u.ends_with(":0")) else {
        let _ = server.kill();
        panic!("unexpected startup line {line:?}");
    };

    let sim = Command::new(BIN)
        .args([
            "simulate",
            "--url",
            &url,
            "--origin",
            "http://demo.test",
            "--visitors",
            "40",
            "--seed",
            "7",
        ])
        .output()
        .unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let status = server.wait().unwrap();
    let report = String::from_utf8_lossy(&sim.stdout).to_string();
    assert!(sim.status.success(), "{report}");
    assert!(status.success(), "graceful shutdown exits 0, got {status}");

    let accepted: usize = report
        .split(" accepted")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let dump = Command::new(BIN)
        .arg("dump")
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(dump.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&dump.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pvs: std::collections::HashSet<&str> =
        rows.iter().filter_map(|r| r["pv"].as_str()).collect();
    assert_eq!(pvs.len(), rows.len(), "one row per page view");
    assert!(
        !rows.is_empty() && rows.len() < accepted,
        "{} rows from {accepted} snapshots: highest seq kept",
        rows.len()
    );
    for r in &rows {
        assert_eq!(r["site"], "demo");
        assert!(r["seq"].as_u64().is_some_and(|s| s >= 1));
        assert!(
            r["features"]["active_ms"].is_u64() && r["day"].as_str().is_some_and(|d| d.len() == 10)
        );
        assert!(r.get("ip").is_none() && r.get("user_agent").is_none());
    }
}
