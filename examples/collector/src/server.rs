//! HTTP routes: ingest, read API, CSV, dashboard, operations, static files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use iob_sdk::{is_valid_site, parse, CATALOG, MAX_PATH_BYTES, MAX_PAYLOAD_BYTES};
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

use crate::config::{Config, StorageKind};
use crate::days::{format_day, now_unix, parse_day, rfc3339};
use crate::log;
use crate::ratelimit::RateLimiter;
use crate::stats::{FeatureStats, Report};
use crate::storage::{
    ClickHouseStorage, Filter, GroupBy, Snapshot, SqliteStorage, Storage, StorageError,
};

/// When the policy behind `/.well-known/gpc.json` last changed.
const GPC_LAST_UPDATE: &str = "2026-11-28";
/// A body still incomplete after this is refused (slow-body clients).
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Strict CSP of the dashboard: no scripts, no external resources.
pub const DASHBOARD_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub struct AppState {
    pub cfg: Config,
    pub storage: Arc<dyn Storage>,
    limiter: RateLimiter,
    /// Union of every site's allowed origins (checked before parsing).
    origins: HashSet<String>,
    accepted: std::sync::atomic::AtomicU64,
    /// Rejections by (status, field), for the periodic log line.
    rejected: Mutex<BTreeMap<(u16, String), u64>>,
    /// Delivery probes answered 204 / 404 / with another refusal.
    probes: [std::sync::atomic::AtomicU64; 3],
}

/// A 4xx/5xx answer: `{"error":{"field":..,"reason":..}}`.
#[derive(Debug)]
pub struct Rejection {
    pub status: StatusCode,
    pub field: String,
    pub reason: String,
}

fn reject(status: StatusCode, field: &str, reason: impl Into<String>) -> Rejection {
    Rejection {
        status,
        field: field.to_string(),
        reason: reason.into(),
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let body = json!({"error": {"field": self.field, "reason": self.reason}}).to_string();
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        match self.status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            StatusCode::UNAUTHORIZED => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"iob-collector\""),
                );
            }
            _ => {}
        }
        resp
    }
}

/// Shortens client-supplied text quoted back in an error.
fn quote(s: &str) -> String {
    let s: String = s.chars().take(100).collect();
    format!("{s:?}")
}

impl AppState {
    pub fn new(cfg: Config, storage: Arc<dyn Storage>) -> AppState {
        let origins = cfg.sites.values().flatten().cloned().collect();
        AppState {
            limiter: RateLimiter::new(cfg.rate, cfg.burst),
            origins,
            storage,
            cfg,
            accepted: Default::default(),
            rejected: Mutex::new(BTreeMap::new()),
            probes: Default::default(),
        }
    }

    async fn ingest(
        &self,
        ip: std::net::IpAddr,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<(), Rejection> {
        if !self.limiter.allow(ip, Instant::now()) {
            return Err(reject(
                StatusCode::TOO_MANY_REQUESTS,
                "client",
                "rate limited: retry later",
            ));
        }
        let ctype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media = ctype.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("text/plain")
            && !media.eq_ignore_ascii_case("application/json")
        {
            return Err(reject(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content-type",
                format!("{} is not text/plain or application/json", quote(ctype)),
            ));
        }
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let Some(origin) = origin else {
            return Err(reject(
                StatusCode::FORBIDDEN,
                "origin",
                "missing Origin header",
            ));
        };
        if !self.origins.contains(origin) {
            return Err(reject(
                StatusCode::FORBIDDEN,
                "origin",
                format!("origin {} is not allowed", quote(origin)),
            ));
        }
        let limit = self.cfg.body_limit.min(MAX_PAYLOAD_BYTES);
        let too_large = || {
            reject(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body",
                format!("larger than {limit} bytes"),
            )
        };
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let read = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit));
        let read = read
            .await
            .map_err(|_| reject(StatusCode::REQUEST_TIMEOUT, "body", "not received in time"))?;
        let bytes = read.map_err(|e| {
            let inner = e.into_inner();
            if inner
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                too_large()
            } else {
                reject(
                    StatusCode::BAD_REQUEST,
                    "body",
                    "could not read the request body",
                )
            }
        })?;
        let payload =
            parse(&bytes).map_err(|e| reject(StatusCode::BAD_REQUEST, &e.field, e.reason))?;
        self.check_site(&payload.site, Some(origin))?;
        let ticket = self
            .storage
            .upsert(Snapshot::from_payload(payload))
            .map_err(storage_rejection)?;
        ticket
            .await
            .map_err(|_| storage_rejection(StorageError::Closed))?
            .map_err(storage_rejection)
    }

    /// The delivery probe: `Ok(Some(stored))` when a snapshot of `(site,
    /// pv)` with at least the asked `seq` is stored (its `pv` and highest
    /// stored seq), `Ok(None)` when not. Same rate limit as ingest; an
    /// `Origin`, when sent, must be allowed for the site (same-origin
    /// HEAD/GET requests send none).
    async fn probe(
        self: &Arc<Self>,
        ip: std::net::IpAddr,
        headers: &HeaderMap,
        params: Result<HashMap<String, String>, Rejection>,
    ) -> Result<Option<StoredSnapshot>, Rejection> {
        if !self.limiter.allow(ip, Instant::now()) {
            return Err(reject(
                StatusCode::TOO_MANY_REQUESTS,
                "client",
                "rate limited: retry later",
            ));
        }
        let params = params?;
        let bad = |field: &str, reason: &str| reject(StatusCode::BAD_REQUEST, field, reason);
        let site = params.get("site").map(String::as_str).unwrap_or("");
        if !is_valid_site(site) {
            return Err(bad("site", "must be 1-64 characters of a-z 0-9 . _ -"));
        }
        let pv = params.get("pv").map(String::as_str).unwrap_or("");
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if pv.len() != 32 || !pv.bytes().all(lower_hex) {
            return Err(bad("pv", "must be 32 lowercase hex digits"));
        }
        let seq = params
            .get("seq")
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| bad("seq", "must be a whole number between 1 and 4294967295"))?;
        let origin = headers
            .get(header::ORIGIN)
            .map(|o| o.to_str().unwrap_or(""));
        self.check_site(site, origin)?;
        let (site, pv) = (site.to_string(), pv.to_string());
        let key = pv.clone();
        let stored = self
            .blocking(move |st| st.storage.stored_seq(&site, &key))
            .await?;
        Ok(stored
            .filter(|&s| s >= seq)
            .map(|seq| StoredSnapshot { pv, seq }))
    }

    /// 403 unless `site` is configured and `origin` (when the request has
    /// one) is among its allowed origins.
    fn check_site(&self, site: &str, origin: Option<&str>) -> Result<(), Rejection> {
        let Some(site_origins) = self.cfg.sites.get(site) else {
            return Err(reject(
                StatusCode::FORBIDDEN,
                "site",
                format!("site {} is not configured", quote(site)),
            ));
        };
        match origin {
            Some(origin) if !site_origins.iter().any(|o| o == origin) => Err(reject(
                StatusCode::FORBIDDEN,
                "origin",
                format!(
                    "origin {} is not allowed for site {}",
                    quote(origin),
                    quote(site)
                ),
            )),
            _ => Ok(()),
        }
    }

    fn count(&self, result: &Result<(), Rejection>) {
        match result {
            Ok(()) => {
                self.accepted
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(r) => {
                if let Ok(mut m) = self.rejected.lock() {
                    *m.entry((r.status.as_u16(), r.field.clone())).or_default() += 1;
                }
            }
        }
    }

    fn count_probe(&self, result: &Result<Option<StoredSnapshot>, Rejection>) {
        let i = match result {
            Ok(Some(_)) => 0,
            Ok(None) => 1,
            Err(_) => 2,
        };
        self.probes[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Logs and resets the ingest counters (if anything happened).
    fn log_counters(&self) {
        let accepted = self.accepted.swap(0, std::sync::atomic::Ordering::Relaxed);
        let rejected = self
            .rejected
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default();
        let probes = self
            .probes
            .each_ref()
            .map(|n| n.swap(0, std::sync::atomic::Ordering::Relaxed));
        if accepted == 0 && rejected.is_empty() && probes == [0; 3] {
            return;
        }
        let rejected: Vec<_> = rejected
            .into_iter()
            .map(|((s, f), n)| json!({"status": s, "field": f, "count": n}))
            .collect();
        let [stored, missing, refused] = probes;
        log::info(
            "ingest stats",
            json!({"accepted": accepted, "rejected": rejected,
                   "probes": {"stored": stored, "missing": missing, "refused": refused}}),
        );
    }

    fn allowed_origin(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let o = headers.get(header::ORIGIN)?;
        self.origins.contains(o.to_str().ok()?).then(|| o.clone())
    }

    /// CORS headers of an `/v1/ingest` answer: `Access-Control-Allow-Origin`
    /// for an allowed origin (no credentials), always `Vary: Origin`.
    fn cors(&self, request: &HeaderMap, resp: &mut Response) {
        if let Some(origin) = self.allowed_origin(request) {
            resp.headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        resp.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
    }

    /// Bearer token from the header, or `?token=` for a browser.
    fn authorize(
        &self,
        headers: &HeaderMap,
        params: &HashMap<String, String>,
    ) -> Result<(), Rejection> {
        let Some(expected) = &self.cfg.read_token else {
            return Err(reject(
                StatusCode::FORBIDDEN,
                "token",
                "reads are disabled: the collector has no --read-token",
            ));
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(given) = bearer.or(params.get("token").map(String::as_str)) else {
            return Err(reject(
                StatusCode::UNAUTHORIZED,
                "token",
                "missing bearer token",
            ));
        };
        if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Err(reject(StatusCode::UNAUTHORIZED, "token", "invalid token"));
        }
        Ok(())
    }

    /// Filters (and group-by) of a read request.
    pub fn read_params(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<(Filter, GroupBy), Rejection> {
        let bad = |field: &str, reason: String| reject(StatusCode::BAD_REQUEST, field, reason);
        for key in params.keys() {
            if !["site", "from", "to", "path", "group_by", "token"].contains(&key.as_str()) {
                return Err(bad(key, "unknown parameter".into()));
            }
        }
        let get = |k: &str| params.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
        let day = |k: &str| match get(k) {
            None => Ok(None),
            Some(s) => parse_day(s)
                .map(Some)
                .ok_or_else(|| bad(k, "expected a date YYYY-MM-DD".into())),
        };
        let filter = Filter {
            site: match get("site") {
                Some(s) if !self.cfg.sites.contains_key(s) => {
                    return Err(bad("site", format!("unknown site {}", quote(s))))
                }
                s => s.map(str::to_string),
            },
            from_day: day("from")?,
            to_day: day("to")?,
            path: match get("path") {
                Some(p) if !p.starts_with('/') || p.len() > MAX_PATH_BYTES => {
                    return Err(bad(
                        "path",
                        "must start with / and be at most 256 bytes".into(),
                    ))
                }
                p => p.map(str::to_string),
            },
        };
        if let (Some(f), Some(t)) = (filter.from_day, filter.to_day) {
            if f > t {
                return Err(bad("from", "must not be after to".into()));
            }
        }
        let group_by = match get("group_by") {
            None => GroupBy::Day,
            Some(g) => GroupBy::parse(g)
                .ok_or_else(|| bad("group_by", format!("must be one of {}", GroupBy::NAMES)))?,
        };
        Ok((filter, group_by))
    }

    /// Runs an aggregation off the async threads.
    pub async fn aggregate(
        self: &Arc<Self>,
        filter: Filter,
        group_by: GroupBy,
    ) -> Result<Report, Rejection> {
        self.blocking(move |st| st.storage.aggregate(&filter, group_by, st.cfg.k))
            .await
    }

    /// Runs a storage query on the blocking pool: a failed query is a 503
    /// (`storage_rejection`), a task that died a 500.
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        query: impl FnOnce(&AppState) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, Rejection> {
        let st = Arc::clone(self);
        tokio::task::spawn_blocking(move || query(&st))
            .await
            .map_err(|_| {
                reject(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage",
                    "query task failed",
                )
            })?
            .map_err(storage_rejection)
    }
}

/// A storage failure as a 503 (the client retries later).
fn storage_rejection(e: StorageError) -> Rejection {
    match e {
        StorageError::Busy => reject(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            "busy: retry later",
        ),
        other => reject(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            other.to_string(),
        ),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

type Shared = State<Arc<AppState>>;
type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

async fn ingest(
    State(st): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    // The request's own headers: the `HeaderMap` extractor would copy them.
    let (parts, body) = req.into_parts();
    let result = st.ingest(peer.ip(), &parts.headers, body).await;
    st.count(&result);
    let mut resp = match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => r.into_response(),
    };
    st.cors(&parts.headers, &mut resp);
    resp
}

/// The probe's answer header naming the stored snapshot: `<pv>.<seq>`, the
/// highest stored seq of the page view. The SDK takes only a 2xx carrying a
/// matching one as confirmation, so a server that answers 2xx to anything
/// cannot fool it.
pub const STORED_HEADER: &str = "iob-stored";

/// What the probe found: the page view and its highest stored seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    pub pv: String,
    pub seq: u32,
}

/// `GET`/`HEAD /v1/ingest?site=&pv=&seq=`: 204 with `Iob-Stored: <pv>.<seq>`
/// when a snapshot of the page view with at least `seq` is stored, else 404.
/// Lets the SDK skip re-posting a snapshot its unload beacon already
/// delivered. A miss may be a write not yet committed: harmless, the SDK
/// posts and upsert is idempotent.
async fn probe(
    State(st): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    q: Params,
) -> Response {
    let result = st.probe(peer.ip(), &headers, query_params(q)).await;
    st.count_probe(&result);
    let mut resp = match result {
        Ok(Some(stored)) => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            // pv is 32 hex digits (checked), so the value is a valid header.
            if let Ok(v) = HeaderValue::from_str(&format!("{}.{}", stored.pv, stored.seq)) {
                resp.headers_mut().insert(STORED_HEADER, v);
            }
            resp
        }
        Ok(None) => reject(
            StatusCode::NOT_FOUND,
            "pv",
            "no stored snapshot of this page view with at least this seq",
        )
        .into_response(),
        Err(r) => r.into_response(),
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    st.cors(&headers, &mut resp);
    if resp
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        resp.headers_mut().insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Iob-Stored"),
        );
    }
    resp
}

/// CORS preflight: only needed for `application/json` from `fetch`.
async fn preflight(State(st): Shared, headers: HeaderMap) -> Response {
    let method_ok = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .is_some_and(|m| m == "POST");
    match st.allowed_origin(&headers) {
        Some(origin) if method_ok => (
            StatusCode::NO_CONTENT,
            [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin),
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("POST"),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("content-type"),
                ),
                (
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static("86400"),
                ),
                (header::VARY, HeaderValue::from_static("Origin")),
            ],
        )
            .into_response(),
        _ => reject(
            StatusCode::FORBIDDEN,
            "origin",
            "preflight refused: origin not allowed or method not POST",
        )
        .into_response(),
    }
}

fn query_params(q: Params) -> Result<HashMap<String, String>, Rejection> {
    q.map(|Query(p)| p)
        .map_err(|e| reject(StatusCode::BAD_REQUEST, "query", e.body_text()))
}

async fn read_report(
    st: &Arc<AppState>,
    headers: &HeaderMap,
    q: Params,
) -> Result<(Filter, GroupBy, Report), Rejection> {
    let params = query_params(q)?;
    st.authorize(headers, &params)?;
    let (filter, group_by) = st.read_params(&params)?;
    let report = st.aggregate(filter.clone(), group_by).await?;
    Ok((filter, group_by, report))
}

async fn features_json(State(st): Shared, headers: HeaderMap, q: Params) -> Response {
    match read_report(&st, &headers, q).await {
        Ok((filter, group_by, report)) => {
            let body = json!({
                "site": filter.site,
                "from": filter.from_day.map(format_day),
                "to": filter.to_day.map(format_day),
                "path": filter.path,
                "group_by": group_by.as_str(),
                "k": report.k,
                "groups": report.groups,
                "suppressed_groups": report.suppressed_groups,
            });
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                body.to_string(),
            )
                .into_response()
        }
        Err(r) => r.into_response(),
    }
}

/// Quotes a CSV cell and defuses spreadsheet formulas.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The same table as `/v1/features`, one row per group.
pub fn report_csv(group_by: GroupBy, report: &Report) -> String {
    let purposes = iob_sdk::Purpose::ALL.map(|p| p.as_str());
    let mut head = vec![
        group_by.as_str().to_string(),
        "pageviews".into(),
        "pseudonyms".into(),
    ];
    head.extend(purposes.iter().map(|p| format!("consent_{p}")));
    for d in CATALOG {
        if d.json_type == "boolean" {
            head.push(format!("{}_share", d.name));
        } else {
            head.extend(["mean", "p50", "p90"].map(|s| format!("{}_{s}", d.name)));
        }
    }
    // LDP estimates: three columns per parameter set found in any group.
    let ldp_sets: std::collections::BTreeSet<(String, &str, u32, Option<u32>)> = report
        .groups
        .iter()
        .flat_map(|g| g.ldp.iter())
        .flat_map(|(f, sets)| {
            sets.iter()
                .map(move |e| (f.clone(), e.mechanism, e.eps_milli, e.hi))
        })
        .collect();
    for (f, m, eps, hi) in &ldp_sets {
        let hi = hi.map(|h| format!("_hi{h}")).unwrap_or_default();
        head.extend(["n", "estimate", "stderr"].map(|s| format!("ldp_{f}_{m}_eps{eps}{hi}_{s}")));
    }
    let mut out = head.join(",") + "\n";
    for g in &report.groups {
        let mut row = vec![
            csv_cell(&g.key),
            g.pageviews.to_string(),
            g.pseudonyms.to_string(),
        ];
        row.extend(
            purposes
                .iter()
                .map(|p| g.consent.get(*p).copied().unwrap_or(0.0).to_string()),
        );
        for d in CATALOG {
            match g.features.get(d.name) {
                Some(FeatureStats::Number { mean, p50, p90, .. }) => {
                    row.extend([mean, p50, p90].map(f64::to_string))
                }
                Some(FeatureStats::Flag { share }) => row.push(share.to_string()),
                None => match d.json_type {
                    "boolean" => row.push(String::new()),
                    _ => row.extend([String::new(), String::new(), String::new()]),
                },
            }
        }
        for (f, m, eps, hi) in &ldp_sets {
            let e = g.ldp.get(f).and_then(|sets| {
                sets.iter()
                    .find(|e| e.mechanism == *m && e.eps_milli == *eps && e.hi == *hi)
            });
            match e {
                Some(e) => row.extend([
                    e.n.to_string(),
                    e.estimate.to_string(),
                    e.stderr.to_string(),
                ]),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        out += &(row.join(",") + "\n");
    }
    out
}

async fn features_csv(State(st): Shared, headers: HeaderMap, q: Params) -> Response {
    match read_report(&st, &headers, q).await {
        Ok((_, group_by, report)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"iob-features.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            report_csv(group_by, &report),
        )
            .into_response(),
        Err(r) => r.into_response(),
    }
}

async fn dashboard(State(st): Shared, headers: HeaderMap, q: Params) -> Response {
    let page = async {
        let params = query_params(q)?;
        st.authorize(&headers, &params)?;
        let (filter, _) = st.read_params(&params)?;
        let by_day = st.aggregate(filter.clone(), GroupBy::Day).await?;
        let mut by_path = st.aggregate(filter.clone(), GroupBy::Path).await?;
        crate::dashboard::keep_top_pages(&mut by_path);
        let all = st.aggregate(filter.clone(), GroupBy::All).await?;
        let token = params.get("token").cloned();
        let sites: Vec<String> = st.cfg.sites.keys().cloned().collect();
        Ok::<_, Rejection>(crate::dashboard::render(&crate::dashboard::Data {
            filter: &filter,
            token: token.as_deref(),
            sites: &sites,
            by_day: &by_day,
            by_path: &by_path,
            all: &all,
        }))
    };
    match page.await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_SECURITY_POLICY, DASHBOARD_CSP),
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(r) => r.into_response(),
    }
}

async fn healthz() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
        .into_response()
}

async fn gpc() -> Response {
    let body = json!({"gpc": true, "lastUpdate": GPC_LAST_UPDATE}).to_string();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

pub fn router(state: Arc<AppState>) -> Router {
    let mut app = Router::new()
        .route(
            "/v1/ingest",
            axum::routing::post(ingest).options(preflight).get(probe),
        )
        .route("/v1/features", get(features_json))
        .route("/v1/features.csv", get(features_csv))
        .route("/dashboard", get(dashboard))
        .route("/healthz", get(healthz))
        .route("/.well-known/gpc.json", get(gpc));
    for (prefix, dir) in &state.cfg.serve {
        let files = ServeDir::new(dir);
        app = if prefix == "/" {
            app.fallback_service(files)
        } else {
            app.nest_service(prefix, files)
        };
    }
    app.layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Opens the configured storage backend: SQLite at `--db`, or ClickHouse.
pub fn open_storage(cfg: &Config) -> Result<Arc<dyn Storage>, String> {
    match cfg.storage {
        StorageKind::Sqlite => {
            let s = SqliteStorage::open(&cfg.db)
                .map_err(|e| format!("cannot open database {}: {e}", cfg.db.display()))?;
            Ok(Arc::new(s))
        }
        StorageKind::ClickHouse => {
            let settings = cfg
                .clickhouse
                .settings()
                .ok_or("--storage clickhouse needs --clickhouse-url")?;
            let s = ClickHouseStorage::open(&settings).map_err(|e| {
                format!(
                    "cannot open ClickHouse database {} at {}: {e}",
                    settings.database, settings.url
                )
            })?;
            Ok(Arc::new(s))
        }
    }
}

async fn retention(st: &AppState) {
    let cutoff = now_unix().saturating_sub(u64::from(st.cfg.retention_days) * 86_400) / 3600 * 3600;
    let result = match st.storage.purge_before(cutoff) {
        Ok(ticket) => ticket.await.unwrap_or(Err(StorageError::Closed)),
        Err(e) => Err(e),
    };
    match result {
        Ok(deleted) => log::info(
            "retention",
            json!({"deleted": deleted, "cutoff": rfc3339(cutoff)}),
        ),
        Err(e) => log::warn("retention failed", json!({"error": e.to_string()})),
    }
}

/// Serves until `shutdown` resolves, then flushes pending writes.
pub async fn run(
    cfg: Config,
    storage: Arc<dyn Storage>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = Arc::new(AppState::new(cfg, Arc::clone(&storage)));
    let addr = listener.local_addr()?;
    log::info(
        "started",
        json!({"addr": addr.to_string(), "storage": match state.cfg.storage {
                   StorageKind::Sqlite => "sqlite",
                   StorageKind::ClickHouse => "clickhouse",
               }, "sites": state.cfg.sites.keys().collect::<Vec<_>>(), "k": state.cfg.k,
               "retention_days": state.cfg.retention_days, "reads_enabled": state.cfg.read_token.is_some()}),
    );
    let housekeeping = {
        let st = Arc::clone(&state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            let mut minutes = 0u64;
            loop {
                tick.tick().await;
                if minutes.is_multiple_of(60) {
                    retention(&st).await;
                }
                minutes += 1;
                st.limiter.sweep(Instant::now());
                st.log_counters();
            }
        })
    };
    let app = router(Arc::clone(&state)).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    housekeeping.abort();
    state.log_counters();
    let _ = tokio::task::spawn_blocking(move || storage.close()).await;
    log::info("stopped", json!({"pending_writes": "flushed"}));
    served
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    log::info("shutdown requested", json!({}));
}
