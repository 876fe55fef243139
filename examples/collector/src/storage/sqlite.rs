//! SQLite backend: WAL, one writer thread with batched transactions,
//! versioned migrations (`PRAGMA user_version`), short-lived read connections.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use iob_sdk::LdpReport;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::{Map, Value};

use tokio::sync::{mpsc, oneshot};

use super::{with_defaults, Filter, PageView, Snapshot, Storage, StorageError, Ticket};

/// Schema migrations; `user_version` is the number applied. Append only.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE pageviews (
        site TEXT NOT NULL,
        pv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        vid TEXT,
        sid TEXT,
        hour INTEGER NOT NULL,
        path TEXT NOT NULL,
        referrer_domain TEXT,
        device_class TEXT NOT NULL,
        browser_family TEXT NOT NULL,
        purposes TEXT NOT NULL,
        segment TEXT,
        features TEXT NOT NULL,
        PRIMARY KEY (site, pv)
    ) WITHOUT ROWID;
    CREATE INDEX pageviews_site_hour ON pageviews (site, hour);
    CREATE INDEX pageviews_hour ON pageviews (hour);
",
    "
    -- LDP reports of the stored snapshot: a JSON array, NULL when none.
    ALTER TABLE pageviews ADD COLUMN ldp TEXT;
",
    "
    -- The SDK's pseudonym rotation in hours, NULL when the payload did not
    -- say (counted as 24): k-anonymity counts within one rotation period.
    ALTER TABLE pageviews ADD COLUMN rot INTEGER;
",
];

/// Most commands folded into one transaction.
const MAX_BATCH: usize = 1024;
/// Queue depth before ingest answers 503 (back-pressure).
const QUEUE: usize = 16_384;

const UPSERT: &str = "
    INSERT INTO pageviews (site, pv, seq, vid, sid, hour, path, referrer_domain, device_class,
                           browser_family, purposes, segment, features, ldp, rot)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
    ON CONFLICT (site, pv) DO UPDATE SET
        seq = excluded.seq, vid = excluded.vid, sid = excluded.sid, hour = excluded.hour,
        path = excluded.path, referrer_domain = excluded.referrer_domain,
        device_class = excluded.device_class, browser_family = excluded.browser_family,
        purposes = excluded.purposes, segment = excluded.segment, features = excluded.features,
        ldp = excluded.ldp, rot = excluded.rot
    WHERE excluded.seq > pageviews.seq";

enum Cmd {
    Upsert(Box<Snapshot>, oneshot::Sender<Result<(), StorageError>>),
    Purge(u64, oneshot::Sender<Result<u64, StorageError>>),
    Close,
}

pub struct SqliteStorage {
    path: PathBuf,
    /// Idle read-only connections reused by [`Storage::stored_seq`] (a probe
    /// per page view is too frequent to open a connection each time).
    readers: Mutex<Vec<Connection>>,
    tx: mpsc::Sender<Cmd>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Dropping the sender stops the checkpointer.
    checkpointer: Mutex<Option<(std::sync::mpsc::Sender<()>, JoinHandle<()>)>>,
}

/// Idle read connections kept for point lookups.
const MAX_IDLE_READERS: usize = 8;

/// Point lookup by primary key `(site, pv)`: no table scan.
const STORED_SEQ: &str = "SELECT seq FROM pageviews WHERE site = ?1 AND pv = ?2";

/// When the checkpointer runs, and when the writer finishes a checkpoint.
#[derive(Debug, Clone, Copy)]
struct Checkpoints {
    /// How often the checkpointer copies the WAL into the database.
    every: std::time::Duration,
    /// WAL frames (pages) above which the writer finishes a checkpoint the
    /// checkpointer could not, so the WAL starts over.
    restart_frames: i64,
}

const CHECKPOINTS: Checkpoints = Checkpoints {
    every: std::time::Duration::from_millis(500),
    // 64 MB of 4 KB pages: above what 2 000 req/s writes between two
    // passes, so only sustained saturation makes the writer checkpoint.
    restart_frames: 16_384,
};

/// Runs passive checkpoints on its own connection, so the writer never
/// stalls on copying the bulk of the WAL or on its fsyncs (the writer's
/// auto-checkpoint is off).
///
/// A passive checkpoint cannot catch up with a writer that commits while
/// it runs, and SQLite starts the WAL over only once every frame is in the
/// database: under sustained saturation the WAL would grow without bound
/// (300 MB in 5 s of the load test). So when a pass finds a WAL of at least
/// `restart_frames`, it runs passes back to back until one has little left
/// to copy, then asks the writer (`tail`) to checkpoint the rest: only the
/// frames committed during that last pass, and no new frame can arrive
/// meanwhile, so the next commit starts the WAL over (the writer pauses for
/// that copy and two fsyncs, a few ms, only under saturation).
fn checkpoint_loop(
    conn: Connection,
    stop: std::sync::mpsc::Receiver<()>,
    tail: Arc<AtomicBool>,
    cfg: Checkpoints,
) {
    let pass = || {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
            .ok()
    };
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(cfg.every) {
        // `log` counts the frames when the pass began: commits made during
        // the pass are left behind even when all of `log` was copied.
        let Some(mut log) = pass() else { continue };
        if log < cfg.restart_frames {
            continue;
        }
        // Catch up first, so the writer is left only what a short pass
        // missed: each pass copies what was committed during the last.
        for _ in 0..4 {
            let Some(next) = pass() else { break };
            let behind = next - log;
            log = next;
            if behind < cfg.restart_frames / 16 {
                break;
            }
        }
        tail.store(true, Ordering::Relaxed);
    }
}

fn backend(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(e.to_string())
}

fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(StorageError::Backend(format!(
            "database schema version {version} is newer than this collector ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

impl SqliteStorage {
    /// Opens (or creates) the database, migrates it and starts the writer.
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        SqliteStorage::open_with(path, CHECKPOINTS)
    }

    fn open_with(path: &Path, checkpoints: Checkpoints) -> Result<SqliteStorage, StorageError> {
        let mut conn = Connection::open(path).map_err(backend)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 0;",
        )
        .map_err(backend)?;
        migrate(&mut conn)?;
        let ckpt_conn = Connection::open(path).map_err(backend)?;
        ckpt_conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        let (stop, stopped) = std::sync::mpsc::channel();
        let tail = Arc::new(AtomicBool::new(false));
        let wanted = Arc::clone(&tail);
        let checkpointer = std::thread::Builder::new()
            .name("iob-sqlite-ckpt".into())
            .spawn(move || checkpoint_loop(ckpt_conn, stopped, wanted, checkpoints))
            .map_err(backend)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = std::thread::Builder::new()
            .name("iob-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, &tail))
            .map_err(backend)?;
        Ok(SqliteStorage {
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
            tx,
            writer: Mutex::new(Some(writer)),
            checkpointer: Mutex::new(Some((stop, checkpointer))),
        })
    }

    /// An idle read connection, or a new one.
    fn reader(&self) -> Result<Connection, StorageError> {
        if let Some(conn) = self.readers.lock().ok().and_then(|mut r| r.pop()) {
            return Ok(conn);
        }
        open_reader(&self.path)
    }

    /// Keeps `conn` for the next lookup (unless enough are idle).
    fn give_back(&self, conn: Connection) {
        if let Ok(mut r) = self.readers.lock() {
            if r.len() < MAX_IDLE_READERS {
                r.push(conn);
            }
        }
    }

    fn send(&self, cmd: Cmd) -> Result<(), StorageError> {
        self.tx.try_send(cmd).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => StorageError::Busy,
            mpsc::error::TrySendError::Closed(_) => StorageError::Closed,
        })
    }
}

/// A read-only connection (usable while a server writes to the database).
fn open_reader(path: &Path) -> Result<Connection, StorageError> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(backend)?;
    Ok(conn)
}

/// Streams the page views of the database at `path` matching `filter`,
/// through a read-only connection (usable while a server writes to it).
pub fn scan_file(
    path: &Path,
    filter: &Filter,
    f: &mut dyn FnMut(PageView),
) -> Result<(), StorageError> {
    let conn = open_reader(path)?;
    let (from, to) = filter.hour_range();
    let mut stmt = conn
        .prepare(
            "SELECT site, pv, seq, vid, sid, hour, path, referrer_domain, device_class, browser_family,
                    purposes, segment, features, ldp, rot
             FROM pageviews
             WHERE (?1 IS NULL OR site = ?1) AND hour >= ?2 AND hour < ?3 AND (?4 IS NULL OR path = ?4)
             ORDER BY site, hour, pv",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![filter.site, from, to, filter.path], row_to_view)
        .map_err(backend)?;
    for row in rows {
        f(row.map_err(backend)?);
    }
    Ok(())
}

/// Stores `v`: its features as the JSON object of the non-default ones.
fn upsert(stmt: &mut rusqlite::CachedStatement<'_>, v: &Snapshot) -> rusqlite::Result<()> {
    let ldp = if v.ldp.is_empty() {
        None
    } else {
        Some(
            serde_json::to_string(&v.ldp)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
        )
    };
    stmt.execute(params![
        v.site,
        v.pv,
        v.seq,
        v.vid,
        v.sid,
        v.hour as i64,
        v.path,
        v.referrer_domain,
        v.device_class.as_str(),
        v.browser_family.as_str(),
        v.purposes_csv(),
        v.segment,
        v.features_json(),
        ldp,
        v.rot,
    ])?;
    Ok(())
}

/// Runs one batch in one transaction and answers every command in it.
fn run_batch(conn: &mut Connection, batch: Vec<Cmd>) {
    let mut purged = Vec::new();
    let result = (|| -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        let mut stmt = tx.prepare_cached(UPSERT)?;
        for cmd in &batch {
            match cmd {
                Cmd::Upsert(v, _) => upsert(&mut stmt, v)?,
                Cmd::Purge(cutoff, _) => purged.push(tx.execute(
                    "DELETE FROM pageviews WHERE hour < ?1",
                    params![*cutoff as i64],
                )? as u64),
                Cmd::Close => {}
            }
        }
        drop(stmt);
        tx.commit()
    })()
    .map_err(backend);
    let mut purged = purged.into_iter();
    for cmd in batch {
        match cmd {
            Cmd::Upsert(_, reply) => {
                let _ = reply.send(result.clone());
            }
            Cmd::Purge(_, reply) => {
                let _ = reply.send(result.clone().map(|()| purged.next().unwrap_or(0)));
            }
            Cmd::Close => {}
        }
    }
}

fn writer_loop(mut conn: Connection, mut rx: mpsc::Receiver<Cmd>, tail: &AtomicBool) {
    let mut closing = false;
    while !closing {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        closing = batch.iter().any(|c| matches!(c, Cmd::Close));
        run_batch(&mut conn, batch);
        // After the batch is answered: the checkpointer left frames behind
        // in a large WAL. Passive (never waits for a reader), so the next
        // commit starts the WAL over unless a reader still needs it.
        if tail.swap(false, Ordering::Relaxed) {
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }
    // Commands queued after Close are answered with an error when dropped.
    rx.close();
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

fn row_to_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<PageView> {
    let purposes: String = r.get(10)?;
    let features: String = r.get(12)?;
    let ldp: Option<String> = r.get(13)?;
    let ldp: Vec<LdpReport> = match ldp {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, Box::new(e))
        })?,
        None => Vec::new(),
    };
    let hour: i64 = r.get(5)?;
    Ok(PageView {
        site: r.get(0)?,
        pv: r.get(1)?,
        seq: r.get(2)?,
        vid: r.get(3)?,
        sid: r.get(4)?,
        hour: hour.max(0) as u64,
        rot: r.get(14)?,
        path: r.get(6)?,
        referrer_domain: r.get(7)?,
        device_class: r.get(8)?,
        browser_family: r.get(9)?,
        purposes: purposes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        segment: r.get(11)?,
        features: with_defaults(
            serde_json::from_str::<Map<String, Value>>(&features).unwrap_or_default(),
            &ldp,
        ),
        ldp,
    })
}

impl Storage for SqliteStorage {
    fn upsert(&self, snapshot: Snapshot) -> Result<Ticket<()>, StorageError> {
        let (reply, ticket) = oneshot::channel();
        self.send(Cmd::Upsert(Box::new(snapshot), reply))?;
        Ok(ticket)
    }

    fn purge_before(&self, cutoff_hour: u64) -> Result<Ticket<u64>, StorageError> {
        let (reply, ticket) = oneshot::channel();
        self.send(Cmd::Purge(cutoff_hour, reply))?;
        Ok(ticket)
    }

    fn scan(&self, filter: &Filter, f: &mut dyn FnMut(PageView)) -> Result<(), StorageError> {
        scan_file(&self.path, filter, f)
    }

    fn stored_seq(&self, site: &str, pv: &str) -> Result<Option<u32>, StorageError> {
        let conn = self.reader()?;
        // Outside a transaction each statement reads the latest commit.
        let seq = conn
            .prepare_cached(STORED_SEQ)
            .and_then(|mut stmt| stmt.query_row(params![site, pv], |r| r.get::<_, u32>(0)))
            .optional()
            .map_err(backend)?;
        self.give_back(conn);
        Ok(seq)
    }

    fn close(&self) {
        if let Some((stop, handle)) = self.checkpointer.lock().ok().and_then(|mut c| c.take()) {
            drop(stop);
            let _ = handle.join();
        }
        // A full queue still drains: wait for room rather than drop the close.
        let _ = self.tx.blocking_send(Cmd::Close);
        let handle = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Aggregator;
    use crate::storage::GroupBy;
    use iob_sdk::{Features, Mechanism, Payload, CATALOG};

    struct TempDb(PathBuf);

    impl TempDb {
        fn new(name: &str) -> TempDb {
            let dir = std::env::temp_dir().join(format!(
                "iob-sqlite-{name}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            TempDb(dir)
        }
        fn path(&self) -> PathBuf {
            self.0.join("t.sqlite")
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn all_rows() -> Filter {
        Filter {
            site: None,
            from_day: None,
            to_day: None,
            path: None,
        }
    }

    /// The stored page view as defined before rows kept only non-default
    /// features: every clear catalog feature, its default filled in when
    /// the payload omitted it, at write time. (The code as it was.)
    fn reference_view(p: &Payload) -> PageView {
        let sent = serde_json::to_string(&p.f)
            .ok()
            .and_then(|text| serde_json::from_str::<Map<String, Value>>(&text).ok())
            .unwrap_or_default();
        let features = CATALOG
            .iter()
            .filter(|d| !crate::storage::withheld(&p.ldp, d.name))
            .map(|d| {
                let default = if d.json_type == "boolean" {
                    Value::Bool(false)
                } else {
                    Value::from(0)
                };
                (
                    d.name.to_string(),
                    sent.get(d.name).cloned().unwrap_or(default),
                )
            })
            .collect();
        PageView {
            site: p.site.clone(),
            pv: p.pv.clone(),
            seq: p.seq,
            vid: p.vid.clone(),
            sid: p.sid.clone(),
            hour: p.hour,
            rot: p.rot,
            path: p.ctx.path.clone(),
            referrer_domain: p.ctx.referrer_domain.clone(),
            device_class: p.ctx.device_class.as_str().to_string(),
            browser_family: p.ctx.browser_family.as_str().to_string(),
            purposes: p
                .consent
                .purposes
                .iter()
                .map(|x| x.as_str().to_string())
                .collect(),
            segment: None,
            features,
            ldp: p.ldp.clone(),
        }
    }

    /// Page view `n`: features of every type, default or not, some
    /// privatised (with a non-default placeholder left in `f`), some
    /// without a pseudonym, on three paths.
    fn varied_payload(n: u32) -> Payload {
        let mut p = crate::sample::payload("demo").expect("sample");
        p.pv = format!("{n:032x}");
        p.vid = (!n.is_multiple_of(7)).then(|| format!("{:032x}", n % 13));
        p.rot = p.vid.as_ref().map(|_| 24);
        p.ctx.path = ["/", "/a", "/b"][n as usize % 3].into();
        p.f = Features {
            active_ms: n * 1000,
            clicks: n % 4,
            engaged: n.is_multiple_of(2),
            flag_webdriver: n.is_multiple_of(5),
            cls: (n % 3) as f32 * 0.1,
            frustration_score: if n % 4 == 1 { 0.35 } else { 0.0 },
            interkey_mean_ms: n as f32 * 1.7,
            ..Features::default()
        };
        if n % 3 == 1 {
            p.ldp = vec![
                LdpReport {
                    f: "clicks".into(),
                    m: Mechanism::Geo,
                    eps_milli: 1000,
                    hi: Some(20),
                    v: i64::from(n % 11) - 3,
                },
                LdpReport {
                    f: "engaged".into(),
                    m: Mechanism::Rr,
                    eps_milli: 1000,
                    hi: None,
                    v: i64::from(n % 2),
                },
            ];
            // As the SDK does: what reveals a privatised feature is withheld.
            for r in iob_sdk::revealers("clicks")
                .into_iter()
                .chain(iob_sdk::revealers("engaged"))
            {
                p.f.take(r);
            }
            // A placeholder left in `f` is not a measurement.
            p.f.clicks = 5;
        }
        p
    }

    fn commit(s: &SqliteStorage, snapshot: Snapshot) {
        let ticket = s.upsert(snapshot).expect("queue");
        ticket.blocking_recv().expect("ticket").expect("commit");
    }

    fn stored_features(db: &Path, pv: &str) -> String {
        let conn = open_reader(db).expect("reader");
        conn.query_row(
            "SELECT features FROM pageviews WHERE pv = ?1",
            params![pv],
            |r| r.get(0),
        )
        .expect("row")
    }

    #[test]
    fn the_wal_starts_over_under_sustained_writes() {
        let dir = TempDb::new("wal-restart");
        let checkpoints = Checkpoints {
            every: std::time::Duration::from_millis(20),
            restart_frames: 64,
        };
        let s = SqliteStorage::open_with(&dir.path(), checkpoints).expect("open");
        // Keep the writer busy (a queue that never empties) for a while.
        let start = std::time::Instant::now();
        let mut n = 0u32;
        while start.elapsed() < std::time::Duration::from_millis(1000) {
            let tickets: Vec<_> = (0..64)
                .map(|_| {
                    n += 1;
                    let mut v = view("demo", &format!("{n:032x}"), 1);
                    v.features.active_ms = n;
                    s.upsert(v).expect("queue")
                })
                .collect();
            for t in tickets {
                t.blocking_recv().expect("ticket").expect("commit");
            }
        }
        let wal = std::fs::metadata(dir.0.join("t.sqlite-wal"))
            .expect("wal")
            .len();
        let db = std::fs::metadata(dir.path()).expect("db").len();
        // Without restarts the WAL holds every committed page: about 7 times
        // the database after this second (measured). Starting over, its
        // file (which keeps its high-water mark) stays near the database's
        // size; a checkpoint thread starved by parallel tests leaves it at
        // about twice that, so the bound is 4 times.
        assert!(
            wal < 4 * db,
            "WAL {wal} bytes, database {db} bytes, {n} rows"
        );
        let rows: u32 = open_reader(&dir.path())
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM pageviews", [], |r| r.get(0))
                    .map_err(backend)
            })
            .expect("count");
        assert_eq!(rows, n, "every acknowledged row is stored");
        s.close();
    }

    #[test]
    fn rows_store_only_non_default_features_and_read_back_in_full() {
        let dir = TempDb::new("compact");
        let s = SqliteStorage::open(&dir.path()).expect("open");
        let payloads: Vec<Payload> = (0..12).map(varied_payload).collect();
        for p in &payloads {
            commit(&s, Snapshot::from_payload(p.clone()));
        }
        let mut rows = Vec::new();
        s.scan(&all_rows(), &mut |v| rows.push(v)).expect("scan");
        let expected: Vec<PageView> = payloads.iter().map(reference_view).collect();
        assert_eq!(rows, expected);
        let p0 = &payloads[0];
        assert_eq!(rows[0].features["visible_ms"], 0);
        assert_eq!(rows[0].features["flag_untrusted"], false);
        assert_eq!(rows[3].features["cls"].as_f64(), Some(0.0));
        assert_eq!(
            rows[4].features["cls"].as_f64(),
            Some(0.1),
            "f32 read back as its shortest decimal"
        );
        assert!(
            !rows[1].features.contains_key("clicks"),
            "privatised: absent, not its placeholder"
        );
        assert_eq!(
            stored_features(&dir.path(), &p0.pv),
            r#"{"engaged":true,"flag_webdriver":true}"#,
            "defaults are not stored"
        );
        let stored1 = stored_features(&dir.path(), &payloads[1].pv);
        assert!(
            !stored1.contains("clicks") && !stored1.contains("visible_ms"),
            "{stored1}"
        );
        s.close();
    }

    #[test]
    fn rows_stored_with_every_feature_read_back_unchanged() {
        let dir = TempDb::new("full-rows");
        let s = SqliteStorage::open(&dir.path()).expect("open");
        let conn = Connection::open(dir.path()).expect("conn");
        let payloads: Vec<Payload> = (0..6).map(varied_payload).collect();
        for p in &payloads {
            // The row as the collector wrote it before: every clear feature.
            let v = reference_view(p);
            conn.execute(
                "INSERT INTO pageviews (site, pv, seq, vid, sid, hour, path, referrer_domain, device_class,
                                        browser_family, purposes, segment, features, ldp)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, ?13)",
                params![
                    v.site, v.pv, v.seq, v.vid, v.sid, v.hour as i64, v.path, v.referrer_domain,
                    v.device_class, v.browser_family, v.purposes.join(","),
                    serde_json::to_string(&v.features).expect("json"),
                    (!v.ldp.is_empty()).then(|| serde_json::to_string(&v.ldp).expect("json")),
                ],
            )
            .expect("insert");
        }
        assert_eq!(
            stored_features(&dir.path(), &payloads[2].pv)
                .matches(':')
                .count(),
            CATALOG.len()
        );
        let mut rows = Vec::new();
        s.scan(&all_rows(), &mut |v| rows.push(v)).expect("scan");
        // Rows written before migration 3 have no `rot`.
        assert_eq!(
            rows,
            payloads
                .iter()
                .map(|p| PageView {
                    rot: None,
                    ..reference_view(p)
                })
                .collect::<Vec<_>>()
        );
        s.close();
    }

    #[test]
    fn aggregates_of_compact_rows_equal_those_of_full_page_views() {
        let dir = TempDb::new("aggregate");
        let s = SqliteStorage::open(&dir.path()).expect("open");
        let payloads: Vec<Payload> = (0..60).map(varied_payload).collect();
        for p in &payloads {
            commit(&s, Snapshot::from_payload(p.clone()));
        }
        let (mut published, mut suppressed) = (0, 0);
        for group_by in [GroupBy::Path, GroupBy::All, GroupBy::Day] {
            for k in [1, 5, 12, 20] {
                let mut reference = Aggregator::default();
                for p in &payloads {
                    let v = reference_view(p);
                    reference.add(group_by.key(&v), &v);
                }
                let reference = reference.finish(k);
                let report = s.aggregate(&all_rows(), group_by, k).expect("aggregate");
                assert_eq!(report, reference, "{group_by:?} k={k}");
                published += report.groups.len();
                suppressed += report.suppressed_groups
                    + report
                        .groups
                        .iter()
                        .map(|g| g.suppressed_stats)
                        .sum::<u64>();
            }
        }
        assert!(
            published > 0 && suppressed > 0,
            "both outcomes of k-anonymity compared"
        );
        s.close();
    }

    fn view(site: &str, pv: &str, seq: u32) -> Snapshot {
        Snapshot {
            site: site.into(),
            pv: pv.into(),
            seq,
            vid: None,
            sid: None,
            hour: 1_800_000_000,
            rot: None,
            path: "/".into(),
            referrer_domain: None,
            device_class: iob_sdk::DeviceClass::Desktop,
            browser_family: iob_sdk::BrowserFamily::Chrome,
            purposes: vec![iob_sdk::Purpose::Analytics],
            segment: None,
            features: Default::default(),
            ldp: Vec::new(),
        }
    }

    #[test]
    fn stored_seq_is_a_primary_key_lookup_of_committed_rows() {
        let dir = std::env::temp_dir().join(format!(
            "iob-sqlite-stored-seq-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("t.sqlite");
        let s = SqliteStorage::open(&db).expect("open");
        let pv = "0123456789abcdef0123456789abcdef";
        assert_eq!(s.stored_seq("demo", pv), Ok(None));
        for seq in [3, 1] {
            let ticket = s.upsert(view("demo", pv, seq)).expect("queue");
            ticket.blocking_recv().expect("ticket").expect("commit");
        }
        let kept = s.stored_seq("demo", pv);
        assert_eq!(kept, Ok(Some(3)), "the highest seq is kept");
        assert_eq!(s.stored_seq("other", pv), Ok(None), "keyed by site too");
        assert_eq!(
            s.stored_seq("demo", "ffffffffffffffffffffffffffffffff"),
            Ok(None)
        );
        // Reused pooled connection sees later commits.
        let ticket = s.upsert(view("demo", pv, 7)).expect("queue");
        ticket.blocking_recv().expect("ticket").expect("commit");
        assert_eq!(s.stored_seq("demo", pv), Ok(Some(7)));

        let conn = open_reader(&db).expect("reader");
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {STORED_SEQ}"))
            .and_then(|mut st| {
                st.query_map(params!["demo", pv], |r| r.get::<_, String>(3))?
                    .collect()
            })
            .expect("plan");
        assert!(
            plan.iter()
                .any(|d| d.starts_with("SEARCH") && d.contains("PRIMARY KEY")),
            "not an indexed lookup: {plan:?}"
        );
        s.close();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
