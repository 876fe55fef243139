//! Load generator for `bench.sh`: keep-alive connections on loopback, either
//! closed-loop (maximum throughput) or open-loop at a fixed rate (latency,
//! measured from each request's scheduled send time so a stalled server
//! cannot hide its queueing delay).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iob_sdk::{BrowserFamily, Context, DeviceClass, Features};

use crate::client::{build_request, resolve, Connection};
use crate::sample;

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub url: String,
    pub site: String,
    pub origin: String,
    pub seconds: f64,
    pub connections: usize,
    /// Fixed request rate (open loop); `None` = as fast as possible.
    pub rate: Option<f64>,
}

impl BenchOptions {
    pub fn from_args(args: &[String]) -> Result<BenchOptions, String> {
        let mut o = BenchOptions {
            url: "http://127.0.0.1:8080".into(),
            site: "demo".into(),
            origin: String::new(),
            seconds: 5.0,
            connections: 32,
            rate: None,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag}: missing value"))?;
            let num = |v: &str| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or(format!("{flag}: bad number {v:?}"))
            };
            match flag.as_str() {
                "--url" => o.url = value.clone(),
                "--site" => o.site = value.clone(),
                "--origin" => o.origin = value.clone(),
                "--seconds" => o.seconds = num(value)?.min(120.0),
                "--connections" => o.connections = num(value)?.clamp(1.0, 1024.0) as usize,
                "--rate" => o.rate = Some(num(value)?),
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if o.origin.is_empty() {
            o.origin = o.url.trim_end_matches('/').to_string();
        }
        Ok(o)
    }
}

#[derive(Debug, Clone)]
pub struct BenchResult {
    pub ok: u64,
    pub rejected: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Sorted latencies of successful requests, microseconds.
    pub latencies_us: Vec<u64>,
}

impl BenchResult {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        let v: Vec<f64> = self
            .latencies_us
            .iter()
            .map(|&x| x as f64 / 1000.0)
            .collect();
        crate::stats::percentile(&v, p)
    }
}

/// A valid request whose page-view id is a placeholder, patched per request
/// (building JSON per request would spend the CPU the server needs).
struct Template {
    bytes: Vec<u8>,
    pv_at: usize,
}

const PV_PLACEHOLDER: &str = "ffffffffffffffffffffffffffffffff";

impl Template {
    fn new(opts: &BenchOptions, hour: u64) -> Result<Template, String> {
        let mut p = sample::payload(&opts.site).map_err(|e| format!("--site: {e}"))?;
        p.pv = PV_PLACEHOLDER.into();
        p.vid = Some(format!("{:032x}", 2));
        p.rot = Some(24);
        p.sid = Some(format!("{:032x}", 3));
        p.hour = hour;
        p.ctx = Context {
            path: "/pricing".into(),
            referrer_domain: Some("search.example".into()),
            device_class: DeviceClass::Desktop,
            browser_family: BrowserFamily::Chrome,
        };
        p.f = Features {
            active_ms: 42_000,
            visible_ms: 95_000,
            total_ms: 120_000,
            scroll_depth_max_pct: 80,
            clicks: 4,
            ..Features::default()
        };
        let headers = [
            ("Content-Type", "text/plain;charset=UTF-8"),
            ("Origin", opts.origin.as_str()),
        ];
        let bytes = build_request("POST", "/v1/ingest", &headers, p.to_json().as_bytes());
        let pv_at = bytes
            .windows(PV_PLACEHOLDER.len())
            .position(|w| w == PV_PLACEHOLDER.as_bytes())
            .unwrap_or(0);
        Ok(Template { bytes, pv_at })
    }

    /// The request for page view `run:n`, unique per run and request.
    fn request(&self, run: u64, n: u64) -> Vec<u8> {
        let mut req = self.bytes.clone();
        let pv = format!("{run:016x}{n:016x}");
        req[self.pv_at..self.pv_at + 32].copy_from_slice(pv.as_bytes());
        req
    }
}

struct Lane {
    ok: u64,
    rejected: u64,
    errors: u64,
    latencies: Vec<u64>,
}

async fn lane(
    addr: SocketAddr,
    opts: BenchOptions,
    template: Arc<Template>,
    run: u64,
    index: usize,
    start: Instant,
    end: Instant,
) -> Lane {
    let mut l = Lane {
        ok: 0,
        rejected: 0,
        errors: 0,
        latencies: Vec::new(),
    };
    let mut conn: Option<Connection> = None;
    let stride = opts.connections as u64;
    let mut i = 0u64;
    loop {
        let n = i * stride + index as u64;
        i += 1;
        let scheduled = match opts.rate {
            Some(rate) => start + Duration::from_secs_f64(n as f64 / rate),
            None => Instant::now(),
        };
        if scheduled >= end {
            break;
        }
        tokio::time::sleep_until(scheduled.into()).await;
        let req = template.request(run, n);
        if conn.is_none() {
            conn = Connection::open(addr).await.ok();
        }
        let Some(c) = conn.as_mut() else {
            l.errors += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        match c.send_raw(&req).await {
            Ok(r) if (200..300).contains(&r.status) => {
                l.ok += 1;
                l.latencies.push(scheduled.elapsed().as_micros() as u64);
            }
            Ok(_) => l.rejected += 1,
            Err(_) => {
                l.errors += 1;
                conn = None;
            }
        }
    }
    l
}

pub async fn run(opts: &BenchOptions) -> Result<BenchResult, String> {
    let addr = resolve(&opts.url)
        .await
        .map_err(|e| format!("--url: {e}"))?;
    if !addr.ip().is_loopback() {
        return Err("bench only targets loopback addresses".into());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let template = Arc::new(Template::new(opts, now.as_secs() / 3600 * 3600)?);
    let run = now.as_nanos() as u64;
    let start = Instant::now() + Duration::from_millis(50);
    let end = start + Duration::from_secs_f64(opts.seconds);
    let tasks: Vec<_> = (0..opts.connections)
        .map(|i| {
            tokio::spawn(lane(
                addr,
                opts.clone(),
                Arc::clone(&template),
                run,
                i,
                start,
                end,
            ))
        })
        .collect();
    let mut r = BenchResult {
        ok: 0,
        rejected: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for t in tasks {
        let l = t.await.map_err(|e| format!("lane failed: {e}"))?;
        r.ok += l.ok;
        r.rejected += l.rejected;
        r.errors += l.errors;
        r.latencies_us.extend(l.latencies);
    }
    r.elapsed = start.elapsed();
    r.latencies_us.sort_unstable();
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_requests_are_valid_and_unique() {
        let opts = BenchOptions::from_args(&[]).unwrap();
        let t = Template::new(&opts, 1_800_000_000).unwrap();
        let body = |req: Vec<u8>| {
            let at = req.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            iob_sdk::parse(&req[at..]).unwrap()
        };
        let (a, b) = (body(t.request(7, 1)), body(t.request(7, 2)));
        assert_ne!(a.pv, b.pv);
        assert_eq!(a.pv, format!("{:016x}{:016x}", 7, 1));
    }
}
