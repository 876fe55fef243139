//! The read API's aggregation in ClickHouse: each group's sufficient
//! statistics ([`GroupSums`]) computed in SQL over `pageviews FINAL`, then
//! [`publish`]ed by the same code as SQLite's, so both backends answer the
//! same. Three statements:
//!
//! 1. LDP reports (`ARRAY JOIN`), per group and parameter set: count, ones,
//!    sum, sum of squares, distinct pseudonyms, k figure. This also tells
//!    which features some page views privatised.
//! 2. Groups whose busiest pseudonym period has at least k pseudonyms
//!    (`HAVING`): counts, `uniqExact(vid)`, consent counts, and per catalog
//!    feature the clear values' count, sum, nearest-rank p50/p90 and
//!    histogram counts; for the privatised features, the k figure of the
//!    page views that sent them in the clear.
//! 3. The number of groups below k.
//!
//! Exactness: percentiles are nearest-rank on the sorted values
//! (`arraySort(groupArray(..))[ceil(p·n)]`), as [`crate::stats::percentile`];
//! ClickHouse's `quantiles` are sampled estimates, and `quantilesExact`
//! takes rank ⌊p·n⌋+1, one above nearest-rank whenever p·n is whole. Sums
//! add the sorted values in order, as the in-memory fold does, so even
//! fractional means agree to the last bit. Like `quantileExact`, this keeps
//! a group's values of a feature in memory while the statement runs.

use std::collections::BTreeMap;

use iob_sdk::Purpose;
use iob_sdk::{Mechanism, CATALOG};
use serde_json::Value;

use super::http::Client;
use super::sql::{self, max_period_pseudonyms, PERIOD};
use crate::days::format_day;
use crate::stats::{hist_edges, publish, ClearSums, GroupSums, LdpSums, Report};
use crate::storage::{Filter, GroupBy, StorageError};

/// What rows a read sees: the page views of `db` matching `filter`, minus
/// those retention has purged (`hour < purged_before`).
pub struct Rows<'a> {
    pub db: &'a str,
    pub filter: &'a Filter,
    pub purged_before: u64,
}

impl Rows<'_> {
    /// The kept snapshot of each page view, with `columns`: `FINAL` in a
    /// subquery filtered only on `site` (a key column: every version of a
    /// page view has the same), then the other conditions. A condition on
    /// `hour` next to `FINAL` would let ClickHouse skip the partitions (months)
    /// that cannot match before merging versions, so the older snapshot of a
    /// page view whose newest one is in another month would be read as
    /// current. (And `optimize_move_to_prewhere=0`,
    /// `enable_optimize_predicate_expression=0` keep the conditions where
    /// they are written.)
    pub fn kept(&self, columns: &str) -> String {
        let site = match &self.filter.site {
            Some(site) => format!(" WHERE site = {}", sql::string(site)),
            None => String::new(),
        };
        let (from, to) = self.filter.hour_range();
        let mut c = vec![format!(
            "hour >= {}",
            from.max(0).max(self.purged_before as i64)
        )];
        if to < i64::MAX {
            c.push(format!("hour < {to}"));
        }
        if let Some(path) = &self.filter.path {
            c.push(format!("path = {}", sql::string(path)));
        }
        format!(
            "SELECT {columns} FROM (SELECT {columns} FROM {db}.pageviews FINAL{site}) WHERE {cond}",
            db = self.db,
            cond = c.join(" AND "),
        )
    }

    /// A subquery of the kept rows with `key`, `vid`, `period` and `extra`.
    fn select(&self, group_by: GroupBy, extra: &str) -> String {
        format!(
            "SELECT {key} AS key, vid, {PERIOD} AS period{sep}{extra} FROM ({kept})",
            key = key_expression(group_by),
            sep = if extra.is_empty() { "" } else { ", " },
            kept = self.kept(READ_COLUMNS),
        )
    }
}

/// The columns aggregations read.
const READ_COLUMNS: &str = "site, hour, rot, vid, path, device_class, segment, purposes, \
feature_names, feature_bits, ldp_f, ldp_m, ldp_eps_milli, ldp_hi, ldp_v";

/// The group key in SQL. Days come back as day numbers ([`key_of`]).
fn key_expression(group_by: GroupBy) -> &'static str {
    match group_by {
        GroupBy::Day => "toString(intDiv(hour, 86400))",
        GroupBy::Path => "path",
        GroupBy::DeviceClass => "device_class",
        GroupBy::Segment => "ifNull(segment, 'unknown')",
        GroupBy::All => "'all'",
    }
}

fn key_of(group_by: GroupBy, raw: &str) -> Result<String, StorageError> {
    match group_by {
        GroupBy::Day => raw
            .parse::<i64>()
            .map(format_day)
            .map_err(|_| unexpected("day key")),
        _ => Ok(raw.to_string()),
    }
}

fn unexpected(what: &str) -> StorageError {
    StorageError::Backend(format!("unexpected clickhouse answer: {what}"))
}

/// The rows of a `FORMAT JSON` answer.
fn data(body: &[u8]) -> Result<Vec<serde_json::Map<String, Value>>, StorageError> {
    let mut v: Value = serde_json::from_slice(body).map_err(|_| unexpected("not JSON"))?;
    match v.get_mut("data").map(Value::take) {
        Some(Value::Array(rows)) => rows
            .into_iter()
            .map(|r| match r {
                Value::Object(o) => Ok(o),
                _ => Err(unexpected("row")),
            })
            .collect(),
        _ => Err(unexpected("no data")),
    }
}

fn u64_of(row: &serde_json::Map<String, Value>, name: &str) -> Result<u64, StorageError> {
    row.get(name)
        .and_then(Value::as_u64)
        .ok_or_else(|| unexpected(name))
}

fn f64_of(row: &serde_json::Map<String, Value>, name: &str) -> Result<f64, StorageError> {
    row.get(name)
        .and_then(Value::as_f64)
        .ok_or_else(|| unexpected(name))
}

fn str_of<'r>(
    row: &'r serde_json::Map<String, Value>,
    name: &str,
) -> Result<&'r str, StorageError> {
    row.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| unexpected(name))
}

fn u64s_of(row: &serde_json::Map<String, Value>, name: &str) -> Result<Vec<u64>, StorageError> {
    row.get(name)
        .and_then(Value::as_array)
        .ok_or_else(|| unexpected(name))?
        .iter()
        .map(|x| x.as_u64().ok_or_else(|| unexpected(name)))
        .collect()
}

fn run(
    client: &Client,
    statement: String,
) -> Result<Vec<serde_json::Map<String, Value>>, StorageError> {
    let body = client
        .execute((statement + " FORMAT JSON").as_bytes())
        .map_err(|e| StorageError::Backend(e.summary()))?;
    data(&body)
}

/// Per catalog feature `i`: its value in the row (`v{i}`, 0 when not
/// stored, i.e. the default), whether it was sent in the clear (`c{i}`),
/// and for numbers its histogram bucket (`b{i}`: the index in
/// [`hist_edges`], -1 below the first edge).
fn feature_columns() -> String {
    CATALOG
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let name = sql::string(d.name);
            let withheld_by: Vec<String> = iob_sdk::withheld_by(d.name)
                .into_iter()
                .map(sql::string)
                .collect();
            let mut cols = format!(
                "reinterpretAsFloat64(reinterpretAsString(feature_bits[indexOf(feature_names, {name})])) AS v{i}, \
                 NOT hasAny(ldp_f, [{}]) AS c{i}",
                withheld_by.join(", ")
            );
            if d.json_type != "boolean" {
                let edges = hist_edges(d);
                let branches: Vec<String> = edges
                    .iter()
                    .enumerate()
                    .map(|(b, &lo)| format!("v{i} < {}, {}", sql::float(lo), b as i64 - 1))
                    .collect();
                cols.push_str(&format!(
                    ", toInt8(multiIf({}, {})) AS b{i}",
                    branches.join(", "),
                    edges.len() - 1
                ));
            }
            cols
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The aggregates of catalog feature `i` (and, when `partial`, the k
/// figure of its clear senders).
fn feature_aggregates(i: usize, partial: bool) -> String {
    let doc = &CATALOG[i];
    let mut cols = vec![format!("countIf(c{i}) AS n{i}")];
    if doc.json_type == "boolean" {
        cols.push(format!("sumIf(v{i}, c{i}) AS s{i}"));
    } else {
        let sorted = format!("arraySort(groupArrayIf(v{i}, c{i}))");
        cols.push(format!("arraySum({sorted}) AS s{i}"));
        for (p, name) in [(0.5, "p50"), (0.9, "p90")] {
            cols.push(format!(
                "{sorted}[toUInt64(greatest(1, ceil({} * n{i})))] AS {name}_{i}",
                sql::float(p)
            ));
        }
        // Bucket counts from each group's bucket indexes: no per-row
        // condition per bucket, no lambda (ClickHouse 18.16 analyses a
        // statement with hundreds of either for seconds).
        let buckets: Vec<String> = (0..hist_edges(doc).len())
            .map(|b| format!("countEqual(groupArrayIf(b{i}, c{i}), {b})"))
            .collect();
        cols.push(format!("[{}] AS h{i}", buckets.join(", ")));
    }
    if partial {
        cols.push(format!(
            "{} AS k{i}",
            max_period_pseudonyms(&format!("c{i}"))
        ));
    }
    cols.join(", ")
}

/// Statement 1: the LDP sums per (group, parameter set).
fn ldp_sums(
    client: &Client,
    rows: &Rows,
    group_by: GroupBy,
) -> Result<Vec<(String, LdpSums)>, StorageError> {
    let inner = rows.select(group_by, "ldp_f, ldp_m, ldp_eps_milli, ldp_hi, ldp_v");
    let statement = format!(
        "SELECT key, f, m, eps, hi, count() AS n, countIf(v = 1) AS ones, sum(v) AS s, \
         sum(toFloat64(v) * toFloat64(v)) AS ss, uniqExact(vid) AS pseudonyms, {kp} AS kp \
         FROM ({inner}) ARRAY JOIN ldp_f AS f, ldp_m AS m, ldp_eps_milli AS eps, ldp_hi AS hi, ldp_v AS v \
         GROUP BY key, f, m, eps, hi",
        kp = max_period_pseudonyms("1"),
    );
    run(client, statement)?
        .iter()
        .map(|r| {
            let mechanism = match str_of(r, "m")? {
                "rr" => Mechanism::Rr,
                "geo" => Mechanism::Geo,
                _ => return Err(unexpected("mechanism")),
            };
            let hi = u32::try_from(u64_of(r, "hi")?).map_err(|_| unexpected("hi"))?;
            let sum = r
                .get("s")
                .and_then(Value::as_i64)
                .ok_or_else(|| unexpected("s"))?;
            Ok((
                key_of(group_by, str_of(r, "key")?)?,
                LdpSums {
                    feature: str_of(r, "f")?.to_string(),
                    mechanism,
                    eps_milli: u32::try_from(u64_of(r, "eps")?).map_err(|_| unexpected("eps"))?,
                    hi: (hi != 0).then_some(hi),
                    n: u64_of(r, "n")?,
                    ones: u64_of(r, "ones")?,
                    sum: sum as f64,
                    sum_sq: f64_of(r, "ss")?,
                    pseudonyms: u64_of(r, "pseudonyms")?,
                    max_period_pseudonyms: u64_of(r, "kp")?,
                },
            ))
        })
        .collect()
}

/// Statement 2: the groups with at least k pseudonyms in one period.
/// `privatised`: catalog indexes some page view privatised.
fn group_sums(
    client: &Client,
    rows: &Rows,
    group_by: GroupBy,
    k: u32,
    privatised: &[bool],
) -> Result<Vec<GroupSums>, StorageError> {
    let inner = rows.select(group_by, &format!("purposes, {}", feature_columns()));
    let purposes: Vec<String> = Purpose::ALL
        .iter()
        .map(|p| format!("countIf(has(purposes, {}))", sql::string(p.as_str())))
        .collect();
    let features: Vec<String> = (0..CATALOG.len())
        .map(|i| feature_aggregates(i, privatised.get(i).copied().unwrap_or(false)))
        .collect();
    let statement = format!(
        "SELECT key, count() AS pageviews, uniqExact(vid) AS pseudonyms, countIf(isNull(vid)) AS without_vid, \
         {kp} AS kp, [{purposes}] AS purposes, {features} \
         FROM ({inner}) GROUP BY key HAVING kp >= {k}",
        kp = max_period_pseudonyms("1"),
        purposes = purposes.join(", "),
        features = features.join(", "),
    );
    run(client, statement)?
        .iter()
        .map(|r| {
            let counts = u64s_of(r, "purposes")?;
            let purposes = Purpose::ALL
                .iter()
                .zip(counts)
                .map(|(p, n)| (p.as_str().to_string(), n))
                .collect();
            let features = CATALOG
                .iter()
                .enumerate()
                .map(|(i, doc)| clear_sums(r, i, doc.json_type == "boolean"))
                .collect::<Result<_, _>>()?;
            Ok(GroupSums {
                key: key_of(group_by, str_of(r, "key")?)?,
                pageviews: u64_of(r, "pageviews")?,
                pseudonyms: u64_of(r, "pseudonyms")?,
                max_period_pseudonyms: u64_of(r, "kp")?,
                without_vid: u64_of(r, "without_vid")?,
                purposes,
                features,
                ldp: Vec::new(),
            })
        })
        .collect()
}

fn clear_sums(
    r: &serde_json::Map<String, Value>,
    i: usize,
    flag: bool,
) -> Result<Option<ClearSums>, StorageError> {
    let n = u64_of(r, &format!("n{i}"))?;
    if n == 0 {
        return Ok(None);
    }
    let k_figure = match r.get(&format!("k{i}")) {
        Some(v) => Some(v.as_u64().ok_or_else(|| unexpected("k"))?),
        None => None,
    };
    let sum = f64_of(r, &format!("s{i}"))?;
    if flag {
        return Ok(Some(ClearSums {
            n,
            sum,
            p50: 0.0,
            p90: 0.0,
            hist: Vec::new(),
            max_period_pseudonyms: k_figure,
        }));
    }
    Ok(Some(ClearSums {
        n,
        sum,
        p50: f64_of(r, &format!("p50_{i}"))?,
        p90: f64_of(r, &format!("p90_{i}"))?,
        hist: u64s_of(r, &format!("h{i}"))?,
        max_period_pseudonyms: k_figure,
    }))
}

/// Statement 3: how many groups have fewer than k pseudonyms in every period.
fn suppressed_groups(
    client: &Client,
    rows: &Rows,
    group_by: GroupBy,
    k: u32,
) -> Result<u64, StorageError> {
    let statement = format!(
        "SELECT count() AS n FROM (SELECT key, {kp} AS kp FROM ({inner}) GROUP BY key HAVING kp < {k})",
        kp = max_period_pseudonyms("1"),
        inner = rows.select(group_by, ""),
    );
    let rows = run(client, statement)?;
    rows.first()
        .map_or(Err(unexpected("count")), |r| u64_of(r, "n"))
}

/// The report of `rows` grouped by `group_by`, at k.
pub fn report(
    client: &Client,
    rows: &Rows,
    group_by: GroupBy,
    k: u32,
) -> Result<Report, StorageError> {
    let ldp = ldp_sums(client, rows, group_by)?;
    let privatised: Vec<bool> = CATALOG
        .iter()
        .map(|d| {
            let by = iob_sdk::withheld_by(d.name);
            ldp.iter().any(|(_, s)| by.contains(&s.feature.as_str()))
        })
        .collect();
    let mut groups = group_sums(client, rows, group_by, k, &privatised)?;
    let below_k = suppressed_groups(client, rows, group_by, k)?;
    let mut by_key: BTreeMap<String, Vec<LdpSums>> = BTreeMap::new();
    for (key, sums) in ldp {
        by_key.entry(key).or_default().push(sums);
    }
    for g in &mut groups {
        g.ldp = by_key.remove(&g.key).unwrap_or_default();
    }
    Ok(publish(groups, below_k, k))
}
