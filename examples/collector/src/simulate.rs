//! Synthetic visitors for the demo: realistic payloads (varied pages,
//! devices, engagement, some frustration, some bots, some retries) sent
//! through the real ingest endpoint. Deterministic for a given seed.

use std::net::SocketAddr;
use std::time::Duration;

use iob_sdk::Purpose;
use iob_sdk::{
    parse, BrowserFamily, ConsentRef, Context, DeviceClass, Features, Payload, CATALOG, DAY_MS,
};

use crate::client::{resolve, Connection};

/// The SDK's seeded SplitMix64, with the draws synthetic data needs.
pub struct Rng(iob_sdk::SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(iob_sdk::SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform integer in [lo, hi].
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.unit() * f64::from(hi - lo + 1)) as u32
    }

    /// A random 128-bit id as 32 lowercase hex digits.
    pub fn hex128(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }

    /// Log-normal around `median` (spread `sigma` in log space).
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        let (u1, u2) = (self.unit().max(1e-12), self.unit());
        let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (median.ln() + sigma * normal).exp()
    }

    pub fn pick<T: Copy>(&mut self, weighted: &[(T, f64)]) -> T {
        let total: f64 = weighted.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (v, w) in weighted {
            if x < *w {
                return *v;
            }
            x -= w;
        }
        weighted[weighted.len() - 1].0
    }
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub url: String,
    pub site: String,
    pub origin: String,
    pub visitors: u32,
    /// Spread visits over this many past days (including today).
    pub days: u32,
    pub seed: u64,
    pub connections: usize,
    /// `--ldp SPEC` (`--ldp-epsilon E`): privatise these features as the
    /// SDK's `ldp` option does (no daily budget: every payload is sent).
    pub ldp: Option<iob_sdk::ldp::Settings>,
}

impl SimOptions {
    pub fn from_args(args: &[String]) -> Result<SimOptions, String> {
        let mut o = SimOptions {
            url: "http://127.0.0.1:8080".into(),
            site: "demo".into(),
            origin: String::new(),
            visitors: 300,
            days: 14,
            seed: 42,
            connections: 4,
            ldp: None,
        };
        let mut eps_milli = None;
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag}: missing value"))?;
            let num = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("{flag}: not a number: {v:?}"))
            };
            match flag.as_str() {
                "--url" => o.url = value.clone(),
                "--site" => o.site = value.clone(),
                "--origin" => o.origin = value.clone(),
                "--visitors" => o.visitors = num(value)?.min(1_000_000) as u32,
                "--days" => o.days = num(value)?.clamp(1, 365) as u32,
                "--seed" => o.seed = num(value)?,
                "--connections" => o.connections = num(value)?.clamp(1, 64) as usize,
                "--ldp" => {
                    let features = iob_sdk::ldp::Settings::parse_features(value)
                        .map_err(|e| format!("--ldp: {e}"))?;
                    o.ldp = Some(iob_sdk::ldp::Settings {
                        features,
                        ..Default::default()
                    });
                }
                "--ldp-epsilon" => {
                    eps_milli = Some(
                        iob_sdk::ldp::parse_milli(value)
                            .filter(|m| (10..=10_000).contains(m))
                            .ok_or_else(|| {
                                format!("--ldp-epsilon: expected 0.01-10, got {value:?}")
                            })?,
                    )
                }
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if o.origin.is_empty() {
            o.origin = o.url.trim_end_matches('/').to_string();
        }
        match (&mut o.ldp, eps_milli) {
            (Some(s), Some(e)) => s.eps_milli = e,
            (None, Some(_)) => return Err("--ldp-epsilon needs --ldp".into()),
            _ => {}
        }
        Ok(o)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Reader,
    Skimmer,
    Frustrated,
    Bot,
}

const PATHS: &[(&str, f64)] = &[
    ("/", 3.0),
    ("/pricing", 2.0),
    ("/blog/:id", 3.0),
    ("/docs/getting-started", 2.0),
    ("/signup", 1.0),
    ("/checkout", 1.0),
    ("/about", 1.0),
];

/// One visitor's page views, each as its snapshots in `seq` order (a retried
/// final snapshot appears twice).
fn visitor(rng: &mut Rng, base: &Payload, hour: u64) -> Vec<Payload> {
    let kind = rng.pick(&[
        (Kind::Reader, 0.33),
        (Kind::Skimmer, 0.48),
        (Kind::Frustrated, 0.12),
        (Kind::Bot, 0.07),
    ]);
    let anonymous = rng.chance(0.08);
    let vid = (!anonymous).then(|| rng.hex128());
    let sid = (!anonymous).then(|| rng.hex128());
    let device_class = if kind == Kind::Bot {
        rng.pick(&[(DeviceClass::Desktop, 0.6), (DeviceClass::Other, 0.4)])
    } else {
        rng.pick(&[
            (DeviceClass::Desktop, 0.55),
            (DeviceClass::Mobile, 0.35),
            (DeviceClass::Tablet, 0.08),
            (DeviceClass::Other, 0.02),
        ])
    };
    let browser_family = rng.pick(&[
        (BrowserFamily::Chrome, 0.6),
        (BrowserFamily::Safari, 0.2),
        (BrowserFamily::Firefox, 0.08),
        (BrowserFamily::Edge, 0.1),
        (BrowserFamily::Other, 0.02),
    ]);
    let mut purposes = vec![Purpose::Analytics];
    if rng.chance(0.6) {
        purposes.push(Purpose::Personalization);
    }
    if rng.chance(0.12) {
        purposes.push(Purpose::Marketing);
    }
    let consent = ConsentRef {
        reference: rng.hex128(),
        purposes,
    };
    let referrer = rng.pick(&[
        (None, 0.6),
        (Some("search.example"), 0.3),
        (Some("news.example"), 0.1),
    ]);
    let pages = if kind == Kind::Bot {
        rng.range(5, 15)
    } else {
        1 + (rng.lognormal(1.2, 0.8) as u32).min(8)
    };
    let mut out = Vec::new();
    for page in 0..pages {
        let path = rng.pick(PATHS);
        let hot = path == "/checkout" || path == "/pricing";
        let (active, scroll, clicks) = match kind {
            Kind::Reader => (
                rng.lognormal(60_000.0, 0.7),
                rng.range(70, 100),
                rng.range(0, 4),
            ),
            Kind::Skimmer => (
                rng.lognormal(7_000.0, 0.8),
                rng.range(10, 60),
                rng.range(0, 2),
            ),
            Kind::Frustrated if hot => (
                rng.lognormal(30_000.0, 0.6),
                rng.range(30, 90),
                rng.range(10, 35),
            ),
            Kind::Frustrated => (
                rng.lognormal(20_000.0, 0.6),
                rng.range(30, 90),
                rng.range(2, 8),
            ),
            Kind::Bot => (
                rng.unit() * 400.0,
                if rng.chance(0.5) { 0 } else { 100 },
                rng.range(20, 60),
            ),
        };
        let active = (active as u32).min(DAY_MS / 2);
        let visible = active + (rng.unit() * 0.5 * f64::from(active)) as u32 + rng.range(0, 3000);
        let total = visible + rng.range(0, 10_000);
        let snapshots: &[f64] = match rng.range(1, 3) {
            1 => &[1.0],
            2 => &[0.5, 1.0],
            _ => &[0.3, 0.7, 1.0],
        };
        let pv = rng.hex128();
        let extras = extra_features(rng, kind, path, device_class, active);
        let frac = |x: u32, f: f64| (f64::from(x) * f) as u32;
        for (i, &f) in snapshots.iter().enumerate() {
            let mut p = base.clone();
            p.id = rng.hex128();
            p.pv = pv.clone();
            p.seq = i as u32 + 1;
            p.vid = vid.clone();
            p.rot = vid.as_ref().map(|_| 24);
            p.sid = sid.clone();
            p.hour = hour + u64::from(page) / 6 * 3600;
            p.consent = consent.clone();
            p.ctx = Context {
                path: path.into(),
                referrer_domain: referrer.map(Into::into),
                device_class,
                browser_family,
            };
            p.f = Features {
                active_ms: frac(active, f),
                visible_ms: frac(visible, f),
                total_ms: frac(total, f),
                scroll_depth_max_pct: frac(scroll, f.max(0.5)),
                clicks: frac(clicks, f),
                ..Features::default()
            };
            if i + 1 == snapshots.len() {
                p = with_features(p, &extras);
            }
            out.push(p);
        }
        if rng.chance(0.05) {
            if let Some(last) = out.last().cloned() {
                out.push(last); // a beacon retried after a lost response
            }
        }
    }
    out
}

/// Values for catalog features beyond the core five, by name: the page
/// view's frustration, forms, automation signals and web vitals.
fn extra_features(
    rng: &mut Rng,
    kind: Kind,
    path: &str,
    device: DeviceClass,
    active_ms: u32,
) -> Vec<(&'static str, f64)> {
    let frustrated = kind == Kind::Frustrated;
    let bot = kind == Kind::Bot;
    let form_page = path == "/signup" || path == "/checkout";
    let mut v = vec![
        ("engaged", f64::from(u8::from(active_ms >= 10_000))),
        (
            "rage_clicks",
            if frustrated {
                f64::from(rng.range(0, 4))
            } else {
                0.0
            },
        ),
        (
            "dead_clicks",
            if frustrated {
                f64::from(rng.range(0, 5))
            } else {
                f64::from(rng.range(0, 1))
            },
        ),
        (
            "error_clicks",
            if frustrated && rng.chance(0.2) {
                1.0
            } else {
                0.0
            },
        ),
        (
            "quick_backs",
            if kind == Kind::Skimmer && rng.chance(0.15) {
                1.0
            } else {
                0.0
            },
        ),
        (
            "frustration_score",
            if frustrated {
                0.35 + rng.unit() * 0.6
            } else {
                rng.unit() * 0.1
            },
        ),
        (
            "automation_score",
            if bot {
                0.7 + rng.unit() * 0.3
            } else {
                rng.unit() * 0.15
            },
        ),
        (
            "flag_webdriver",
            f64::from(u8::from(bot && rng.chance(0.5))),
        ),
        (
            "flag_click_no_path",
            f64::from(u8::from(bot && rng.chance(0.8))),
        ),
        (
            "flag_regular_timing",
            f64::from(u8::from(bot && rng.chance(0.6))),
        ),
        (
            "flag_straight_path",
            f64::from(u8::from(bot && rng.chance(0.4))),
        ),
        (
            "flag_superhuman",
            f64::from(u8::from(bot && rng.chance(0.3))),
        ),
        (
            "lcp_ms",
            rng.lognormal(
                if device == DeviceClass::Mobile {
                    2600.0
                } else {
                    1600.0
                },
                0.4,
            ),
        ),
        (
            "inp_ms",
            rng.lognormal(if frustrated { 350.0 } else { 140.0 }, 0.5),
        ),
        ("cls", rng.unit().powi(3) * 0.4),
        (
            "long_tasks",
            f64::from(rng.range(0, 3) + if frustrated { 3 } else { 0 }),
        ),
        ("scroll_distance_px", f64::from(rng.range(0, 12_000))),
        ("scroll_reversals", f64::from(rng.range(0, 6))),
    ];
    if form_page && !bot && rng.chance(0.7) {
        let submitted = !frustrated && rng.chance(0.65);
        v.extend([
            ("forms_started", 1.0),
            ("forms_submitted", f64::from(u8::from(submitted))),
            ("forms_abandoned", f64::from(u8::from(!submitted))),
            (
                "field_corrections",
                f64::from(rng.range(0, if frustrated { 8 } else { 2 })),
            ),
            (
                "time_to_submit_ms",
                if submitted {
                    rng.lognormal(45_000.0, 0.5)
                } else {
                    0.0
                },
            ),
            ("keystrokes", f64::from(rng.range(20, 200))),
        ]);
    }
    v
}

/// `p` with the named features set, for those the SDK's catalog has (typed
/// and clamped from the catalog); unchanged if the result would not parse.
fn with_features(p: Payload, extras: &[(&str, f64)]) -> Payload {
    let Ok(mut json) = serde_json::from_str::<serde_json::Value>(&p.to_json()) else {
        return p;
    };
    let Some(f) = json.get_mut("f").and_then(|f| f.as_object_mut()) else {
        return p;
    };
    for (name, x) in extras {
        let Some(doc) = CATALOG.iter().find(|d| d.name == *name) else {
            continue;
        };
        let x = x.clamp(0.0, doc.max);
        let value = match doc.json_type {
            "boolean" => serde_json::Value::Bool(x >= 0.5),
            "integer" => serde_json::Value::from(x.round() as u64),
            _ => serde_json::Value::from((x * 1e4).round() / 1e4),
        };
        f.insert((*name).to_string(), value);
    }
    serde_json::to_vec(&json)
        .ok()
        .and_then(|b| parse(&b).ok())
        .unwrap_or(p)
}

/// Every visitor's payloads, spread over the last `days` days before `now`.
pub fn generate(opts: &SimOptions, now: u64) -> Result<Vec<Vec<Payload>>, String> {
    let base = crate::sample::payload(&opts.site).map_err(|e| format!("--site: {e}"))?;
    let mut rng = Rng::new(opts.seed);
    let this_hour = now / 3600 * 3600;
    Ok((0..opts.visitors)
        .map(|_| {
            let back = u64::from(rng.range(0, opts.days - 1)) * 86_400
                + u64::from(rng.range(0, 23)) * 3600;
            let hour = this_hour.saturating_sub(back + 3 * 3600);
            let mut payloads = visitor(&mut rng, &base, hour);
            if let Some(ldp) = &opts.ldp {
                privatize_all(&mut rng, ldp, &mut payloads);
            }
            payloads
        })
        .collect())
}

/// Replaces the LDP features of each payload by noisy reports, with the
/// SDK's own mechanisms; a retried payload (same id) keeps its noise.
fn privatize_all(rng: &mut Rng, s: &iob_sdk::ldp::Settings, payloads: &mut [Payload]) {
    let mut last: Option<Payload> = None;
    for p in payloads.iter_mut() {
        match &last {
            Some(prev) if prev.id == p.id => *p = prev.clone(),
            _ => {
                p.ldp = iob_sdk::ldp::privatize(&mut p.f, s, &mut || rng.next_u64());
                last = Some(p.clone());
            }
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub visitors: u32,
    pub payloads: u64,
    pub accepted: u64,
    pub retried: u64,
    pub failed: u64,
}

async fn send_all(addr: SocketAddr, origin: String, payloads: Vec<Payload>) -> Summary {
    let mut s = Summary::default();
    let mut conn = None;
    for p in payloads {
        s.payloads += 1;
        let body = p.to_json();
        let headers = [
            ("Content-Type", "text/plain;charset=UTF-8"),
            ("Origin", origin.as_str()),
        ];
        let mut attempts = 0;
        loop {
            attempts += 1;
            if conn.is_none() {
                conn = Connection::open(addr).await.ok();
            }
            let result = match conn.as_mut() {
                Some(c) => c
                    .send("POST", "/v1/ingest", &headers, body.as_bytes())
                    .await
                    .ok(),
                None => None,
            };
            match result.map(|r| r.status) {
                Some(200..=299) => {
                    s.accepted += 1;
                    break;
                }
                Some(429 | 503) if attempts < 120 => {
                    s.retried += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                None if attempts < 5 => {
                    conn = None;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => {
                    s.failed += 1;
                    break;
                }
            }
        }
    }
    s
}

/// Sends every synthetic payload, spreading visitors over a few connections.
pub async fn run(opts: &SimOptions) -> Result<Summary, String> {
    let addr = resolve(&opts.url)
        .await
        .map_err(|e| format!("--url: {e}"))?;
    let visitors = generate(opts, crate::days::now_unix())?;
    let mut lanes: Vec<Vec<Payload>> = vec![Vec::new(); opts.connections];
    for (i, v) in visitors.into_iter().enumerate() {
        lanes[i % opts.connections].extend(v);
    }
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|lane| tokio::spawn(send_all(addr, opts.origin.clone(), lane)))
        .collect();
    let mut total = Summary {
        visitors: opts.visitors,
        ..Summary::default()
    };
    for t in tasks {
        let s = t.await.map_err(|e| format!("sender task failed: {e}"))?;
        total.payloads += s.payloads;
        total.accepted += s.accepted;
        total.retried += s.retried;
        total.failed += s.failed;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_payloads_are_valid_and_varied() {
        let opts = SimOptions::from_args(&[]).unwrap();
        let visitors = generate(&opts, 1_800_000_000).unwrap();
        assert_eq!(visitors.len(), 300);
        let all: Vec<&Payload> = visitors.iter().flatten().collect();
        for p in &all {
            assert_eq!(iob_sdk::parse(p.to_json().as_bytes()).as_ref(), Ok(*p));
            assert!(p.hour <= 1_800_000_000);
        }
        let paths: std::collections::HashSet<_> = all.iter().map(|p| p.ctx.path.as_str()).collect();
        assert_eq!(paths.len(), PATHS.len());
        assert!(
            all.iter().any(|p| p.vid.is_none()),
            "some no-identifier visitors"
        );
        assert!(
            all.iter().any(|p| p.f.clicks >= 20),
            "some frustration or bots"
        );
        for name in [
            "rage_clicks",
            "automation_score",
            "lcp_ms",
            "forms_started",
            "engaged",
        ] {
            if CATALOG.iter().any(|d| d.name == name) {
                let key = format!("\"{name}\":");
                assert!(
                    all.iter().any(|p| p.to_json().contains(&key)),
                    "{name} is simulated"
                );
            }
        }
    }

    #[test]
    fn ldp_option_privatises_with_the_sdk_mechanisms() {
        let args: Vec<String> = [
            "--ldp",
            "clicks:20,engaged",
            "--ldp-epsilon",
            "0.5",
            "--visitors",
            "50",
        ]
        .map(String::from)
        .into();
        let opts = SimOptions::from_args(&args).unwrap();
        let all: Vec<Payload> = generate(&opts, 1_800_000_000)
            .unwrap()
            .into_iter()
            .flatten()
            .collect();
        for p in &all {
            assert_eq!(iob_sdk::parse(p.to_json().as_bytes()).as_ref(), Ok(p));
            let params: Vec<_> = p
                .ldp
                .iter()
                .map(|r| (r.f.as_str(), r.m.as_str(), r.eps_milli, r.hi))
                .collect();
            assert_eq!(
                params,
                [
                    ("clicks", "geo", 500, Some(20)),
                    ("engaged", "rr", 500, None)
                ]
            );
            assert_eq!((p.f.clicks, p.f.engaged), (0, false), "no clear value");
        }
        assert!(all.iter().any(|p| p.ldp[0].v < 0), "noise is not clamped");
        for w in all.windows(2) {
            if w[0].id == w[1].id {
                assert_eq!(w[0].ldp, w[1].ldp, "a retried payload keeps its noise");
            }
        }
        let bad = |a: &[&str]| {
            SimOptions::from_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>()).is_err()
        };
        assert!(
            bad(&["--ldp", "nope"])
                && bad(&["--ldp-epsilon", "1"])
                && bad(&["--ldp", "clicks", "--ldp-epsilon", "50"])
        );
    }
}
