//! Retention in ClickHouse: whole months go by dropping their partition
//! (instant, no rewrite); the rows of the month holding the cutoff that are
//! older than it go by one `ALTER TABLE ... DELETE` mutation (ClickHouse
//! rewrites that month's parts in the background). Reads are exact at once
//! regardless: the storage stops reading rows older than the cutoff as soon
//! as retention starts (`purged_before`).

use serde_json::Value;

use super::http::Client;
use super::{backend, select_one};
use crate::days::days_from_civil;
use crate::storage::StorageError;

/// First hour (Unix seconds) after the month of partition `YYYYMM`.
fn month_end(partition: &str) -> Option<u64> {
    let n: u32 = partition.parse().ok()?;
    let (year, month) = (i64::from(n / 100), n % 100);
    if !(1..=12).contains(&month) {
        return None;
    }
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    u64::try_from(days_from_civil(y, m, 1) * 86_400).ok()
}

fn count(client: &Client, statement: &str) -> Result<u64, StorageError> {
    select_one(client, statement)?
        .get("n")
        .and_then(Value::as_u64)
        .ok_or_else(|| StorageError::Backend("unexpected clickhouse answer: count".into()))
}

/// Deletes the page views of `db` whose kept snapshot is older than
/// `cutoff` (Unix seconds); yields how many there were.
pub fn purge(client: &Client, db: &str, cutoff: u64) -> Result<u64, StorageError> {
    let deleted = count(
        client,
        // FINAL in a subquery: see `Rows::kept`.
        &format!("SELECT count() AS n FROM (SELECT hour FROM {db}.pageviews FINAL) WHERE hour < {cutoff}"),
    )?;
    let parts = client
        .execute(
            format!(
                "SELECT DISTINCT partition FROM system.parts WHERE database = {} AND table = 'pageviews' AND active FORMAT JSON",
                super::sql::string(db)
            )
            .as_bytes(),
        )
        .map_err(backend)?;
    let parts: Value = serde_json::from_slice(&parts)
        .map_err(|_| StorageError::Backend("unexpected clickhouse answer: parts".into()))?;
    let partitions = parts["data"].as_array().cloned().unwrap_or_default();
    for p in partitions.iter().filter_map(|r| r["partition"].as_str()) {
        if month_end(p).is_some_and(|end| end <= cutoff) {
            // `p` parsed as a number above: safe to write as one.
            client
                .execute(format!("ALTER TABLE {db}.pageviews DROP PARTITION {p}").as_bytes())
                .map_err(backend)?;
        }
    }
    let older = count(
        client,
        &format!("SELECT count() AS n FROM {db}.pageviews WHERE hour < {cutoff}"),
    )?;
    let pending = count(
        client,
        &format!(
            "SELECT count() AS n FROM system.mutations WHERE database = {} AND table = 'pageviews' AND is_done = 0",
            super::sql::string(db)
        ),
    )?;
    // One mutation at a time: each rewrites the month's parts, and the
    // next hourly run (of any node) catches what a running one misses.
    if older > 0 && pending == 0 {
        client
            .execute(format!("ALTER TABLE {db}.pageviews DELETE WHERE hour < {cutoff}").as_bytes())
            .map_err(backend)?;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_end_at_the_next_month() {
        assert_eq!(month_end("202401"), Some(1_706_745_600)); // 2024-02-01
        assert_eq!(month_end("202412"), Some(1_735_689_600)); // 2025-01-01
        assert_eq!(month_end("202413"), None);
        assert_eq!(month_end("tuple()"), None);
    }
}
