//! SQLite backend: WAL, one writer thread with batched transactions,
//! versioned migrations (`PRAGMA user_version`), short-lived read connections.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::{Map, Value};

use tokio::sync::{mpsc, oneshot};

use super::{Filter, PageView, Storage, StorageError, Ticket};

/// Schema migrations; `user_version` is the number applied. Append only.
const MIGRATIONS: &[&str] = &["
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
", "
    -- LDP reports of the stored snapshot: a JSON array, NULL when none.
    ALTER TABLE pageviews ADD COLUMN ldp TEXT;
"];

/// Most commands folded into one transaction.
const MAX_BATCH: usize = 1024;
/// Queue depth before ingest answers 503 (back-pressure).
const QUEUE: usize = 16_384;

const UPSERT: &str = "
    INSERT INTO pageviews (site, pv, seq, vid, sid, hour, path, referrer_domain, device_class,
                           browser_family, purposes, segment, features, ldp)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
    ON CONFLICT (site, pv) DO UPDATE SET
        seq = excluded.seq, vid = excluded.vid, sid = excluded.sid, hour = excluded.hour,
        path = excluded.path, referrer_domain = excluded.referrer_domain,
        device_class = excluded.device_class, browser_family = excluded.browser_family,
        purposes = excluded.purposes, segment = excluded.segment, features = excluded.features,
        ldp = excluded.ldp
    WHERE excluded.seq > pageviews.seq";

enum Cmd {
    Upsert(Box<PageView>, oneshot::Sender<Result<(), StorageError>>),
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

/// How often the checkpointer copies the WAL into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs passive checkpoints on its own connection, so the writer never
/// stalls on a checkpoint's fsync (its auto-checkpoint is off).
fn checkpoint_loop(conn: Connection, stop: std::sync::mpsc::Receiver<()>) {
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY)
    {
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
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
        let checkpointer = std::thread::Builder::new()
            .name("iob-sqlite-ckpt".into())
            .spawn(move || checkpoint_loop(ckpt_conn, stopped))
            .map_err(backend)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = std::thread::Builder::new()
            .name("iob-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
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
                    purposes, segment, features, ldp
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

fn upsert(tx: &rusqlite::Transaction<'_>, v: &PageView) -> rusqlite::Result<()> {
    let features = serde_json::to_string(&v.features).unwrap_or_default();
    let ldp = if v.ldp.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&v.ldp).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?)
    };
    tx.prepare_cached(UPSERT)?.execute(params![
        v.site,
        v.pv,
        v.seq,
        v.vid,
        v.sid,
        v.hour as i64,
        v.path,
        v.referrer_domain,
        v.device_class,
        v.browser_family,
        v.purposes.join(","),
        v.segment,
        features,
        ldp,
    ])?;
    Ok(())
}

/// Runs one batch in one transaction and answers every command in it.
fn run_batch(conn: &mut Connection, batch: Vec<Cmd>) {
    let mut purged = Vec::new();
    let result = (|| -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        for cmd in &batch {
            match cmd {
                Cmd::Upsert(v, _) => upsert(&tx, v)?,
                Cmd::Purge(cutoff, _) => purged.push(tx.execute(
                    "DELETE FROM pageviews WHERE hour < ?1",
                    params![*cutoff as i64],
                )? as u64),
                Cmd::Close => {}
            }
        }
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

fn writer_loop(mut conn: Connection, mut rx: mpsc::Receiver<Cmd>) {
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
    }
    // Commands queued after Close are answered with an error when dropped.
    rx.close();
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

fn row_to_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<PageView> {
    let purposes: String = r.get(10)?;
    let features: String = r.get(12)?;
    let ldp: Option<String> = r.get(13)?;
    let hour: i64 = r.get(5)?;
    Ok(PageView {
        site: r.get(0)?,
        pv: r.get(1)?,
        seq: r.get(2)?,
        vid: r.get(3)?,
        sid: r.get(4)?,
        hour: hour.max(0) as u64,
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
        features: serde_json::from_str::<Map<String, Value>>(&features).unwrap_or_default(),
        ldp: match ldp {
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, Box::new(e))
            })?,
            None => Vec::new(),
        },
    })
}

impl Storage for SqliteStorage {
    fn upsert(&self, view: PageView) -> Result<Ticket<()>, StorageError> {
        let (reply, ticket) = oneshot::channel();
        self.send(Cmd::Upsert(Box::new(view), reply))?;
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

    fn view(site: &str, pv: &str, seq: u32) -> PageView {
        PageView {
            site: site.into(),
            pv: pv.into(),
            seq,
            vid: None,
            sid: None,
            hour: 1_800_000_000,
            path: "/".into(),
            referrer_domain: None,
            device_class: "desktop".into(),
            browser_family: "chrome".into(),
            purposes: vec!["analytics".into()],
            segment: None,
            features: Map::new(),
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
