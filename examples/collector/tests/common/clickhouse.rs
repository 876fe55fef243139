//! A real ClickHouse server for the tests: `scripts/clickhouse.sh run` on
//! free loopback ports, everything in a temp directory. The script stops the
//! server when its stdin closes, so a server is stopped when its fixture is
//! dropped or, for the one shared by a test process, when that process
//! exits (its end of the pipe closes).
//!
//! Without `clickhouse-server` the ClickHouse variants of the tests skip,
//! unless `IOB_REQUIRE_CLICKHOUSE=1` (set by `make test`): then they fail.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// Set to 1 to make a missing ClickHouse server a test failure.
pub const REQUIRE_ENV: &str = "IOB_REQUIRE_CLICKHOUSE";

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/clickhouse.sh");

pub struct LocalClickHouse {
    pub url: String,
    http_port: u16,
    tcp_port: u16,
    dir: PathBuf,
    cleanup: bool,
    child: Option<Child>,
}

/// Whether `clickhouse-server` is on the PATH.
pub fn installed() -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|p| p.join("clickhouse-server").is_file())
    })
}

fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl LocalClickHouse {
    /// Starts a server with its data in `dir` (deleted when it stops if
    /// `cleanup`).
    pub fn start(dir: PathBuf, cleanup: bool) -> Result<LocalClickHouse, String> {
        let mut server = LocalClickHouse {
            url: String::new(),
            http_port: free_port(),
            tcp_port: free_port(),
            dir,
            cleanup,
            child: None,
        };
        server.run()?;
        Ok(server)
    }

    fn run(&mut self) -> Result<(), String> {
        let mut child = Command::new("bash")
            .arg(SCRIPT)
            .arg("run")
            .arg(&self.dir)
            .arg(self.http_port.to_string())
            .arg(self.tcp_port.to_string())
            .env("CLICKHOUSE_CLEANUP", if self.cleanup { "1" } else { "0" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {SCRIPT}: {e}"))?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        match line.trim().strip_prefix("clickhouse listening on ") {
            Some(url) => {
                self.url = url.to_string();
                self.child = Some(child);
                Ok(())
            }
            None => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let _ = child.wait();
                Err(format!("clickhouse did not start: {line}{err}"))
            }
        }
    }

    /// Stops the server (closing the script's stdin) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    /// Starts it again on the same ports and data.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.run()
    }
}

impl Drop for LocalClickHouse {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether the ClickHouse variants run: `clickhouse-server` is installed.
/// When it is not: `false` (skip), or a failure naming the fix when
/// [`REQUIRE_ENV`] is 1.
pub fn available() -> bool {
    if installed() {
        return true;
    }
    assert!(
        !required(),
        "{REQUIRE_ENV}=1 but clickhouse-server is not installed: run `apt-get install -y clickhouse-server` (make setup does)"
    );
    eprintln!("skipped: clickhouse-server is not installed (set {REQUIRE_ENV}=1 to fail instead)");
    false
}

/// This test process's shared server; `None` when the test should skip
/// ([`available`]). Panics with the reason when it does not start.
pub fn shared() -> Option<&'static LocalClickHouse> {
    static SHARED: OnceLock<Result<LocalClickHouse, String>> = OnceLock::new();
    if !available() {
        return None;
    }
    let server = SHARED.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("iob-clickhouse-test-{}", std::process::id()));
        LocalClickHouse::start(dir, true)
    });
    match server {
        Ok(s) => Some(s),
        Err(e) => panic!("{e}"),
    }
}

/// A server of the test's own (to stop and restart it), with its data in
/// `dir`; `None` when the test should skip ([`available`]).
pub fn own(dir: PathBuf) -> Option<LocalClickHouse> {
    if !available() {
        return None;
    }
    Some(LocalClickHouse::start(dir, false).unwrap_or_else(|e| panic!("{e}")))
}
