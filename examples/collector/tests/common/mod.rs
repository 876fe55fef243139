//! Starts the real server in-process on 127.0.0.1:0 with a throwaway
//! database, on either storage backend: a SQLite file, or a fresh database
//! on a real ClickHouse server ([`clickhouse`]).
#![allow(dead_code)] // each test binary uses a different subset

pub mod clickhouse;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use iob_collector::client::{request, Response};
use iob_collector::config::{Config, StorageKind};
use iob_collector::server;
use iob_collector::storage::{Filter, PageView, Storage};
use iob_sdk::Purpose;
use iob_sdk::{BrowserFamily, ConsentRef, Context, DeviceClass, Features, Payload};
use tokio::sync::oneshot;

pub const ORIGIN: &str = "http://site.test";
pub const OTHER_ORIGIN: &str = "https://other.test";
pub const TOKEN: &str = "test-read-token-0123456789";
/// 2027-01-15T08:00:00Z
pub const HOUR: u64 = 1_800_000_000;

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "iob-collector-test-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The storage a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    ClickHouse,
}

impl Backend {
    /// ClickHouse when a server is available (see [`clickhouse::shared`]),
    /// `None` when the test should skip.
    pub fn clickhouse() -> Option<Backend> {
        clickhouse::shared().map(|_| Backend::ClickHouse)
    }

    /// Points `cfg` at a new, empty store: a SQLite file in `dir`, or a
    /// database of its own on the shared ClickHouse server, whose inserts
    /// go out as soon as the previous one is done (no interval: tests send
    /// one request after another).
    pub fn fresh_store(self, cfg: &mut Config, dir: &TempDir) {
        match self {
            Backend::Sqlite => {
                cfg.storage = StorageKind::Sqlite;
                cfg.db = dir.0.join("test.sqlite");
            }
            Backend::ClickHouse => {
                let server = clickhouse::shared().expect("ClickHouse server");
                cfg.storage = StorageKind::ClickHouse;
                cfg.apply("clickhouse-url", &server.url).expect("url");
                cfg.clickhouse.database = unique_name("t");
                cfg.clickhouse.batching.interval = std::time::Duration::ZERO;
            }
        }
    }
}

/// A name unique in this test run: letters, digits and _.
pub fn unique_name(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Copies the store `from` uses into `to` (to reopen it).
pub fn same_store(from: &Config, to: &mut Config) {
    to.storage = from.storage;
    to.db = from.db.clone();
    to.clickhouse = from.clickhouse.clone();
}

/// Generates, for each async test function `name(backend: Backend)`, a
/// module `name` with the tests `sqlite` and `clickhouse` (which skips
/// without a server, unless one is required).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(super::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn clickhouse() {
                    if let Some(b) = super::common::Backend::clickhouse() {
                        super::$name(b).await
                    }
                }
            }
        )*
    };
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub backend: Backend,
    /// The configuration it runs with (its store, to reopen it).
    pub cfg: Config,
    pub storage: Arc<dyn Storage>,
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    pub dir: TempDir,
}

/// A config with sites `demo` (ORIGIN) and `other` (OTHER_ORIGIN), a read
/// token and a generous rate limit, on SQLite; `tweak` adjusts it.
pub async fn start(tweak: impl FnOnce(&mut Config)) -> TestServer {
    start_on(Backend::Sqlite, tweak).await
}

/// [`start`] on `backend`, with a new, empty store (`tweak` may point it
/// at an existing one with [`same_store`]).
pub async fn start_on(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestServer {
    let dir = TempDir::new();
    let mut cfg = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    };
    backend.fresh_store(&mut cfg, &dir);
    cfg.apply("site", &format!("demo={ORIGIN}")).unwrap();
    cfg.apply("site", &format!("other={OTHER_ORIGIN}")).unwrap();
    cfg.read_token = Some(TOKEN.into());
    cfg.rate = 100_000.0;
    cfg.burst = 100_000.0;
    tweak(&mut cfg);
    cfg.check().expect("test config");
    let storage = server::open_storage(&cfg).expect("storage");
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(server::run(
        cfg.clone(),
        Arc::clone(&storage),
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    TestServer {
        addr,
        backend,
        cfg,
        storage,
        stop,
        handle,
        dir,
    }
}

impl TestServer {
    /// Graceful shutdown; returns once pending writes are flushed, handing
    /// back the directory of the database (deleted when dropped).
    pub async fn stop(self) -> TempDir {
        let _ = self.stop.send(());
        self.handle
            .await
            .expect("server task")
            .expect("server result");
        self.dir
    }

    pub async fn ingest(&self, body: &str) -> Response {
        self.post(body.as_bytes(), "text/plain;charset=UTF-8", Some(ORIGIN))
            .await
    }

    pub async fn post(&self, body: &[u8], content_type: &str, origin: Option<&str>) -> Response {
        let mut headers = vec![("Content-Type", content_type)];
        if let Some(o) = origin {
            headers.push(("Origin", o));
        }
        request(self.addr, "POST", "/v1/ingest", &headers, body)
            .await
            .expect("ingest request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        request(self.addr, "GET", path, &headers, b"")
            .await
            .expect("get request")
    }

    pub async fn healthy(&self) -> bool {
        self.get("/healthz", None).await.status == 200
    }

    /// Every stored page view, in a stable order.
    pub fn rows(&self) -> Vec<PageView> {
        let mut rows = Vec::new();
        let filter = Filter {
            site: None,
            from_day: None,
            to_day: None,
            path: None,
        };
        self.storage
            .scan(&filter, &mut |v| rows.push(v))
            .expect("scan");
        rows
    }
}

pub fn hex(n: u128) -> String {
    format!("{n:032x}")
}

/// A valid payload for page view `pv` of visitor `vid` (None = no identifier).
pub fn payload(pv: u128, seq: u32, vid: Option<u128>, path: &str, f: Features) -> Payload {
    let mut p = iob_collector::sample::payload("demo").expect("sample payload");
    p.id = hex(pv * 1000 + u128::from(seq));
    p.pv = hex(pv);
    p.seq = seq;
    p.vid = vid.map(hex);
    p.rot = vid.map(|_| 24);
    p.sid = vid.map(|v| hex(v + 1_000_000));
    p.hour = HOUR;
    p.consent = ConsentRef {
        reference: hex(7),
        purposes: vec![Purpose::Analytics, Purpose::Personalization],
    };
    p.ctx = Context {
        path: path.into(),
        referrer_domain: None,
        device_class: DeviceClass::Mobile,
        browser_family: BrowserFamily::Firefox,
    };
    p.f = f;
    p
}

pub fn active(ms: u32) -> Features {
    Features {
        active_ms: ms,
        clicks: 2,
        ..Features::default()
    }
}
