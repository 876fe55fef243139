//! ClickHouse backend: the same [`Storage`] contract as SQLite, for more
//! than one machine. Several collector processes can write to one
//! database; each batches its inserts ([`writer`]) and acknowledges a
//! payload once ClickHouse acknowledged the insert holding it.
//!
//! Table `pageviews` is a `ReplacingMergeTree(seq)` keyed by `(site, pv)`
//! ([`sql::MIGRATIONS`]): a retried or duplicated snapshot, from any node,
//! is one more version of the same key, and reads use `FINAL` to see only
//! the highest `seq` of each page view before background merges have
//! removed the others. Reads aggregate in ClickHouse ([`aggregate`]).
//!
//! Tested against ClickHouse 18.16 (Debian's package), the minimum
//! version: [`MIN_VERSION`].

mod aggregate;
pub mod http;
mod retention;
mod rows;
pub mod sql;
mod writer;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

pub use http::{Credentials, ServerUrl};
pub use writer::Batching;

use super::{Filter, GroupBy, PageView, Snapshot, Storage, StorageError, Ticket};
use crate::stats::Report;
use aggregate::Rows;
use http::Client;
use writer::Writer;

/// The oldest ClickHouse this backend is tested with (major, minor).
pub const MIN_VERSION: (u32, u32) = (18, 16);

/// How the collector reaches its ClickHouse database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub url: ServerUrl,
    /// Database name ([`sql::is_identifier`]); created when missing.
    pub database: String,
    pub credentials: Option<Credentials>,
    pub batching: Batching,
}

/// Defaults: database `iob`; an insert at most every 100 ms per collector
/// (10 parts a second at most, whatever the load), up to 10 000 rows each.
pub const DEFAULT_DATABASE: &str = "iob";
pub const DEFAULT_BATCHING: Batching = Batching {
    interval: Duration::from_millis(100),
    max_rows: 10_000,
};

pub struct ClickHouseStorage {
    client: Arc<Client>,
    db: String,
    writer: Writer,
    /// Retention's cutoff (Unix seconds): rows with an earlier `hour` are
    /// not read any more, even while ClickHouse is still deleting them.
    purged_before: Arc<AtomicU64>,
}

fn backend(e: http::Error) -> StorageError {
    StorageError::Backend(e.summary())
}

/// The `data` rows of a `FORMAT JSON` answer's first row, as a map.
fn first_row(body: &[u8]) -> Result<serde_json::Map<String, Value>, StorageError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| StorageError::Backend("unexpected clickhouse answer: not JSON".into()))?;
    match v.get("data").and_then(|d| d.get(0)) {
        Some(Value::Object(row)) => Ok(row.clone()),
        _ => Err(StorageError::Backend(
            "unexpected clickhouse answer: no row".into(),
        )),
    }
}

/// Runs a `SELECT` returning one row.
fn select_one(
    client: &Client,
    statement: &str,
) -> Result<serde_json::Map<String, Value>, StorageError> {
    let body = client
        .execute(format!("{statement} FORMAT JSON").as_bytes())
        .map_err(backend)?;
    first_row(&body)
}

/// (major, minor) of a version string such as `18.16.1` or `24.3.2.23`.
fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// A schema step failed: the server's own message helps the operator (a
/// DDL statement carries no payload data), shortened.
fn schema_error(what: &str, e: http::Error) -> StorageError {
    let detail = match &e {
        http::Error::Server { message, .. } => message.chars().take(300).collect::<String>(),
        http::Error::Transport(io) => io.to_string(),
    };
    StorageError::Backend(format!("{what}: {}: {}", e.summary(), detail.trim()))
}

/// Creates the database and applies the pending migrations, recording each
/// in `schema_migrations`; refuses a database migrated by a newer collector.
fn migrate(client: &Client, db: &str) -> Result<(), StorageError> {
    let run = |what: &str, statement: &str| {
        client
            .execute(statement.as_bytes())
            .map(|_| ())
            .map_err(|e| schema_error(what, e))
    };
    run(
        "create database",
        &format!("CREATE DATABASE IF NOT EXISTS {db}"),
    )?;
    run(
        "create schema_migrations",
        &sql::in_database(sql::MIGRATIONS_TABLE, db),
    )?;
    let applied = select_one(
        client,
        &format!("SELECT max(version) AS v FROM {db}.schema_migrations"),
    )?
    .get("v")
    .and_then(Value::as_u64)
    .unwrap_or(0);
    let known = sql::MIGRATIONS.len() as u64;
    if applied > known {
        return Err(StorageError::Backend(format!(
            "database {db} has schema version {applied}, newer than this collector ({known})"
        )));
    }
    for (i, m) in sql::MIGRATIONS.iter().enumerate().skip(applied as usize) {
        for statement in m.statements {
            run(m.description, &sql::in_database(statement, db))?;
        }
        run(
            "record migration",
            &format!(
                "INSERT INTO {db}.schema_migrations (version, description, applied_at) VALUES ({}, {}, now())",
                i + 1,
                sql::string(m.description)
            ),
        )?;
    }
    Ok(())
}

impl ClickHouseStorage {
    /// Connects, checks the server version, migrates and starts the writer.
    pub fn open(settings: &Settings) -> Result<ClickHouseStorage, StorageError> {
        if !sql::is_identifier(&settings.database) {
            return Err(StorageError::Backend(format!(
                "database name {:?} must be letters, digits and _",
                settings.database
            )));
        }
        let client = Arc::new(Client::new(
            settings.url.clone(),
            settings.credentials.clone(),
        ));
        let version = select_one(&client, "SELECT version() AS v")?;
        let version = version.get("v").and_then(Value::as_str).unwrap_or("");
        match parse_version(version) {
            Some(v) if v >= MIN_VERSION => {}
            _ => {
                return Err(StorageError::Backend(format!(
                    "ClickHouse {version:?} at {} is older than {}.{}, the oldest this collector supports",
                    settings.url, MIN_VERSION.0, MIN_VERSION.1
                )))
            }
        }
        let db = settings.database.clone();
        migrate(&client, &db)?;
        let writer = Writer::start(
            Arc::clone(&client),
            format!("INSERT INTO {db}.pageviews FORMAT JSONEachRow"),
            settings.batching,
        )?;
        Ok(ClickHouseStorage {
            client,
            db,
            writer,
            purged_before: Arc::new(AtomicU64::new(0)),
        })
    }

    fn rows<'a>(&'a self, filter: &'a Filter) -> Rows<'a> {
        Rows {
            db: &self.db,
            filter,
            purged_before: self.purged_before.load(Ordering::Relaxed),
        }
    }
}

impl Storage for ClickHouseStorage {
    fn upsert(&self, snapshot: Snapshot) -> Result<Ticket<()>, StorageError> {
        self.writer.push(rows::encode(snapshot))
    }

    fn purge_before(&self, cutoff_hour: u64) -> Result<Ticket<u64>, StorageError> {
        self.purged_before.fetch_max(cutoff_hour, Ordering::Relaxed);
        let (reply, ticket) = oneshot::channel();
        let client = Arc::clone(&self.client);
        let db = self.db.clone();
        std::thread::Builder::new()
            .name("iob-clickhouse-retention".into())
            .spawn(move || {
                let _ = reply.send(retention::purge(&client, &db, cutoff_hour));
            })
            .map_err(|e| StorageError::Backend(format!("cannot start retention: {e}")))?;
        Ok(ticket)
    }

    fn scan(&self, filter: &Filter, f: &mut dyn FnMut(PageView)) -> Result<(), StorageError> {
        let statement = format!(
            "{} ORDER BY site, hour, pv FORMAT JSONEachRow",
            self.rows(filter).kept(rows::COLUMNS)
        );
        let body = self.client.execute(statement.as_bytes()).map_err(backend)?;
        let text = String::from_utf8(body)
            .map_err(|_| StorageError::Backend("unexpected clickhouse answer: not UTF-8".into()))?;
        for line in text.lines().filter(|l| !l.is_empty()) {
            f(rows::decode(line).map_err(StorageError::Backend)?);
        }
        Ok(())
    }

    /// `max(seq)` over every stored version of the key: no `FINAL` needed,
    /// and a primary-key range read, as `(site, pv)` is the sort key.
    fn stored_seq(&self, site: &str, pv: &str) -> Result<Option<u32>, StorageError> {
        let row = select_one(
            &self.client,
            &format!(
                "SELECT max(seq) AS stored_seq, argMax(hour, seq) AS stored_hour FROM {}.pageviews WHERE site = {} AND pv = {}",
                self.db,
                sql::string(site),
                sql::string(pv)
            ),
        )?;
        let number = |name: &str| {
            row.get(name).and_then(Value::as_u64).ok_or_else(|| {
                StorageError::Backend(format!("unexpected clickhouse answer: {name}"))
            })
        };
        // An empty key gives 0 for both (no row has seq 0).
        let (seq, hour) = (number("stored_seq")?, number("stored_hour")?);
        let purged = hour < self.purged_before.load(Ordering::Relaxed);
        Ok(u32::try_from(seq).ok().filter(|&s| s > 0 && !purged))
    }

    fn close(&self) {
        self.writer.close();
    }

    fn aggregate(
        &self,
        filter: &Filter,
        group_by: GroupBy,
        k: u32,
    ) -> Result<Report, StorageError> {
        aggregate::report(&self.client, &self.rows(filter), group_by, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_major_and_minor() {
        assert_eq!(parse_version("18.16.1"), Some((18, 16)));
        assert_eq!(parse_version("24.3.2.23"), Some((24, 3)));
        assert!(parse_version("18.14.9").is_some_and(|v| v < MIN_VERSION));
        assert!(parse_version("19.1").is_some_and(|v| v >= MIN_VERSION));
        assert_eq!(parse_version("x"), None);
    }
}
