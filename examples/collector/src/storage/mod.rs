//! Storage behind a small trait: SQLite embedded (the default), or
//! ClickHouse when one machine is not enough; the server does not know which.

pub mod clickhouse;
mod sqlite;

pub use clickhouse::ClickHouseStorage;
pub use sqlite::{scan_file, SqliteStorage};

use iob_sdk::Purpose;
use iob_sdk::{BrowserFamily, DeviceClass, Features, LdpReport, Payload, CATALOG};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use crate::stats::{Aggregator, Report};

/// One stored page view: the latest snapshot (highest `seq`) of a `pv`.
/// There is deliberately no IP, no user agent, no payload id and no consent
/// record id (that id is stable across pseudonym rotations and would let the
/// collector link periods).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageView {
    pub site: String,
    pub pv: String,
    pub seq: u32,
    pub vid: Option<String>,
    pub sid: Option<String>,
    /// Start of the UTC hour, Unix seconds.
    pub hour: u64,
    /// The SDK's pseudonym rotation in hours, when the payload said (`None`:
    /// unknown, counted as 24); with `hour` it gives the pseudonym period
    /// ([`crate::period::pseudonym_period`]) k-anonymity counts within.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rot: Option<u32>,
    pub path: String,
    pub referrer_domain: Option<String>,
    pub device_class: String,
    pub browser_family: String,
    /// Consent purposes in effect, as their names.
    pub purposes: Vec<String>,
    /// On-device segment, when a payload carries one (schema v1 does not yet).
    pub segment: Option<String>,
    /// Every catalog feature sent in the clear, defaults filled in (payloads
    /// omit them). A feature the payload privatised (see `ldp`) is absent:
    /// its placeholder in `f` is not a measurement.
    pub features: Map<String, Value>,
    /// The payload's local-differential-privacy reports, as sent (noisy
    /// values, never true values: only `stats` debiases them, in aggregate).
    pub ldp: Vec<LdpReport>,
}

impl PageView {
    /// The read form of a validated payload: what a backend returns for
    /// it once stored.
    pub fn from_payload(p: &Payload) -> PageView {
        Snapshot::from_payload(p.clone()).into_view()
    }

    /// The UTC day number of the snapshot.
    pub fn day(&self) -> i64 {
        (self.hour / 86_400) as i64
    }
}

/// What [`Storage::upsert`] stores: a validated payload without what is
/// never stored (payload id, consent record id), its strings moved rather
/// than copied.
///
/// The features stay the typed struct: a backend stores only the
/// non-default ones sent in the clear ([`Snapshot::features_json`]), and
/// its reads fill the defaults back in ([`with_defaults`]), so a stored
/// snapshot reads back as [`PageView::from_payload`] of its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub site: String,
    pub pv: String,
    pub seq: u32,
    pub vid: Option<String>,
    pub sid: Option<String>,
    pub hour: u64,
    /// Rotation of the pseudonym in hours (see [`PageView::rot`]).
    pub rot: Option<u32>,
    pub path: String,
    pub referrer_domain: Option<String>,
    pub device_class: DeviceClass,
    pub browser_family: BrowserFamily,
    pub purposes: Vec<Purpose>,
    pub segment: Option<String>,
    /// Features sent in the clear: a privatised one (see `ldp`) is reset to
    /// its default, as its placeholder in `f` is not a measurement.
    pub features: Features,
    pub ldp: Vec<LdpReport>,
}

impl Snapshot {
    pub fn from_payload(p: Payload) -> Snapshot {
        let mut features = p.f;
        for r in &p.ldp {
            features.take(&r.f);
        }
        Snapshot {
            site: p.site,
            pv: p.pv,
            seq: p.seq,
            vid: p.vid,
            sid: p.sid,
            hour: p.hour,
            rot: p.rot,
            path: p.ctx.path,
            referrer_domain: p.ctx.referrer_domain,
            device_class: p.ctx.device_class,
            browser_family: p.ctx.browser_family,
            purposes: p.consent.purposes,
            // Schema v1 has no segment; read it here once payloads carry one.
            segment: None,
            features,
            ldp: p.ldp,
        }
    }

    /// The non-default clear features as a JSON object, in catalog order
    /// (`{}` when all are default). Written by serde, so an `f32` feature
    /// reads back as its shortest decimal (0.1), not as the widened
    /// 0.10000000149.
    pub fn features_json(&self) -> String {
        serde_json::to_string(&self.features).unwrap_or_else(|_| "{}".into())
    }

    /// Consent purposes as stored: their names, comma-separated.
    pub fn purposes_csv(&self) -> String {
        let mut out = String::new();
        for (i, p) in self.purposes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(p.as_str());
        }
        out
    }

    /// The read form (what a backend returns for this snapshot).
    pub fn into_view(self) -> PageView {
        let sent = serde_json::from_str(&self.features_json()).unwrap_or_default();
        PageView {
            purposes: self
                .purposes
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            features: with_defaults(sent, &self.ldp),
            site: self.site,
            pv: self.pv,
            seq: self.seq,
            vid: self.vid,
            sid: self.sid,
            hour: self.hour,
            rot: self.rot,
            path: self.path,
            referrer_domain: self.referrer_domain,
            device_class: self.device_class.as_str().to_string(),
            browser_family: self.browser_family.as_str().to_string(),
            segment: self.segment,
            ldp: self.ldp,
        }
    }
}

/// Whether a page view with reports `ldp` sent `name` only as a
/// placeholder: it privatised `name` or a feature `name` reveals
/// ([`iob_sdk::withheld_by`]).
pub fn withheld(ldp: &[LdpReport], name: &str) -> bool {
    iob_sdk::withheld_by(name)
        .iter()
        .any(|w| ldp.iter().any(|r| r.f == *w))
}

/// The features of a stored page view as [`PageView::features`]: `stored`
/// (its non-default clear features; rows written before only non-default
/// ones were stored hold every feature) with every other catalog feature
/// filled in as its default, except the ones `ldp` withheld (absent).
pub fn with_defaults(mut stored: Map<String, Value>, ldp: &[LdpReport]) -> Map<String, Value> {
    for d in CATALOG {
        if stored.contains_key(d.name) || withheld(ldp, d.name) {
            continue;
        }
        let default = if d.json_type == "boolean" {
            Value::Bool(false)
        } else {
            Value::from(0)
        };
        stored.insert(d.name.to_string(), default);
    }
    stored
}

/// What a read groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Day,
    Path,
    DeviceClass,
    Segment,
    /// One group, `all`: the whole filtered range.
    All,
}

impl GroupBy {
    pub const NAMES: &'static str = "day, path, device_class, segment, all";

    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "day" => GroupBy::Day,
            "path" => GroupBy::Path,
            "device_class" => GroupBy::DeviceClass,
            "segment" => GroupBy::Segment,
            "all" => GroupBy::All,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::Path => "path",
            GroupBy::DeviceClass => "device_class",
            GroupBy::Segment => "segment",
            GroupBy::All => "all",
        }
    }

    /// The group key of a page view.
    pub fn key(self, v: &PageView) -> String {
        match self {
            GroupBy::Day => crate::days::format_day(v.day()),
            GroupBy::Path => v.path.clone(),
            GroupBy::DeviceClass => v.device_class.clone(),
            GroupBy::Segment => v.segment.clone().unwrap_or_else(|| "unknown".into()),
            GroupBy::All => "all".into(),
        }
    }
}

/// Filters of a read. Days are inclusive UTC day numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub site: Option<String>,
    pub from_day: Option<i64>,
    pub to_day: Option<i64>,
    pub path: Option<String>,
}

impl Filter {
    /// Half-open range of `hour` values covered by the day filters.
    pub fn hour_range(&self) -> (i64, i64) {
        (
            self.from_day.map_or(0, |d| d * 86_400),
            self.to_day.map_or(i64::MAX, |d| (d + 1) * 86_400),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The write queue is full: back-pressure, the client should retry.
    Busy,
    /// The backend has shut down.
    Closed,
    /// A database error (message only, never payload data).
    Backend(String),
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageError::Busy => f.write_str("write queue full"),
            StorageError::Closed => f.write_str("storage closed"),
            StorageError::Backend(m) => write!(f, "storage error: {m}"),
        }
    }
}

impl std::error::Error for StorageError {}

/// Resolves when a queued write is durable (committed) or has failed.
pub type Ticket<T> = oneshot::Receiver<Result<T, StorageError>>;

/// A storage backend.
///
/// Writes are queued (never blocking the caller) and acknowledged through a
/// [`Ticket`] once committed, so a backend can batch them. `upsert` must be
/// idempotent per `(site, pv)`: it keeps the snapshot with the highest `seq`.
/// The read methods block and are called from `spawn_blocking`.
pub trait Storage: Send + Sync + 'static {
    fn upsert(&self, snapshot: Snapshot) -> Result<Ticket<()>, StorageError>;
    /// Deletes page views whose `hour` is before `cutoff_hour`; yields the count.
    fn purge_before(&self, cutoff_hour: u64) -> Result<Ticket<u64>, StorageError>;
    /// Calls `f` with every stored page view matching `filter`.
    fn scan(&self, filter: &Filter, f: &mut dyn FnMut(PageView)) -> Result<(), StorageError>;
    /// The `seq` of the stored snapshot of page view `(site, pv)`, `None`
    /// when there is none: a point lookup by key (the delivery probe).
    ///
    /// It sees committed writes only, so a write still queued (or in the
    /// batch being committed) reads as `None`. Callers must treat `None` as
    /// "maybe not stored": the SDK then posts the body again, which
    /// [`Storage::upsert`] makes harmless.
    fn stored_seq(&self, site: &str, pv: &str) -> Result<Option<u32>, StorageError>;
    /// Flushes pending writes and stops the writer (blocking: call it from
    /// `spawn_blocking` or outside a runtime). Later writes fail.
    fn close(&self);

    /// Per-group statistics. The default folds [`Storage::scan`]; a column
    /// store would push the aggregation down instead.
    fn aggregate(
        &self,
        filter: &Filter,
        group_by: GroupBy,
        k: u32,
    ) -> Result<Report, StorageError> {
        let mut agg = Aggregator::default();
        self.scan(filter, &mut |v| agg.add(group_by.key(&v), &v))?;
        Ok(agg.finish(k))
    }
}
