//! Optional local differential privacy, per feature.
//!
//! - Flags use **randomised response**: the true bit is reported with
//!   probability `e^ε / (1 + e^ε)`, the flipped bit otherwise.
//! - Counts and durations are **clamped** to `[0, hi]` and get two-sided
//!   **geometric** (discrete Laplace) noise with scale `hi / ε`, so any two
//!   values in the range are ε-indistinguishable (sensitivity `hi`).
//!
//! Sampling is exact and uses integers only (Canonne, Kamath, Steinke 2020,
//! "The Discrete Gaussian for Differential Privacy", algorithms 1 and 2):
//! no floating-point `exp`/`ln` whose rounding would leak through the
//! noise's low bits, and nothing that needs `std` in the no-std wasm.
//! ε is carried as an integer number of thousandths (`eps_milli`).
//!
//! A per-visitor [`Budget`] caps the ε spent per UTC day: once a payload
//! would exceed it, nothing is sent until the next day.
//!
//! The estimators for the collector ([`rr_estimate`], [`mean_estimate`]) are
//! native-only (they need `f64::exp`).

use crate::catalog::{Features, JsonType};
use crate::payload::{LdpReport, Mechanism};
use alloc::vec::Vec;

/// A source of uniformly random 64-bit words.
pub(crate) type Rand<'a> = &'a mut dyn FnMut() -> u64;

/// Uniform integer in `[0, n)` (`n >= 1`), by rejection: no modulo bias.
pub(crate) fn uniform_below(rng: Rand, n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = rng();
        if x < zone {
            return x % n;
        }
    }
}

/// `true` with probability `num / den`.
pub(crate) fn bernoulli(rng: Rand, num: u64, den: u64) -> bool {
    uniform_below(rng, den) < num
}

/// `true` with probability `exp(-num / den)`, exactly (CKS algorithm 1).
pub(crate) fn bernoulli_exp_neg(rng: Rand, num: u64, den: u64) -> bool {
    if den == 0 {
        return false;
    }
    // exp(-γ) = exp(-1)^floor(γ) · exp(-frac(γ)).
    for _ in 0..num / den {
        if !bernoulli_exp_neg_le1(rng, den, den) {
            return false;
        }
    }
    bernoulli_exp_neg_le1(rng, num % den, den)
}

/// `exp(-γ)` for `γ = num/den ∈ [0, 1]`: the parity of the first k with
/// Bernoulli(γ/k) false.
fn bernoulli_exp_neg_le1(rng: Rand, num: u64, den: u64) -> bool {
    let mut k: u64 = 1;
    loop {
        if !bernoulli(rng, num, den.saturating_mul(k)) {
            return k % 2 == 1;
        }
        k += 1;
    }
}

/// Randomised response: `bit`, flipped with probability `1 / (1 + e^ε)`.
pub(crate) fn randomized_response(rng: Rand, bit: bool, eps_milli: u32) -> bool {
    // Each round: keep with probability 1/2, flip with probability e^-ε / 2;
    // otherwise try again. Conditioned on stopping, P(flip) = 1 / (1 + e^ε).
    loop {
        if bernoulli(rng, 1, 2) {
            return bit;
        }
        if bernoulli_exp_neg(rng, u64::from(eps_milli), 1000) {
            return !bit;
        }
    }
}

/// Discrete Laplace noise with scale `t / s`: P(z) ∝ exp(-|z|·s/t) (CKS algorithm 2).
pub(crate) fn discrete_laplace(rng: Rand, t: u64, s: u64) -> i64 {
    let (t, s) = (t.max(1), s.max(1));
    loop {
        let u = uniform_below(rng, t);
        if !bernoulli_exp_neg(rng, u, t) {
            continue;
        }
        let mut v: u64 = 0;
        while bernoulli_exp_neg(rng, 1, 1) {
            v += 1;
        }
        let y = (u + t.saturating_mul(v)) / s;
        let negative = bernoulli(rng, 1, 2);
        if negative && y == 0 {
            continue;
        }
        let y = y.min(i64::MAX as u64) as i64;
        return if negative { -y } else { y };
    }
}

/// The geometric mechanism: `value` clamped to `[0, hi]`, plus discrete
/// Laplace noise of scale `hi / ε` (sensitivity `hi`). The result may be
/// negative or above `hi`: it must not be clamped again, or the estimate
/// would be biased.
pub(crate) fn geometric(rng: Rand, value: u64, hi: u32, eps_milli: u32) -> i64 {
    let clamped = value.min(u64::from(hi)) as i64;
    clamped + discrete_laplace(rng, u64::from(hi) * 1000, u64::from(eps_milli.max(1)))
}

/// One feature reported under LDP instead of in the clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LdpFeature {
    /// A catalog feature name.
    pub name: &'static str,
    /// Clamp bound of a count or duration (geometric mechanism); `None` for
    /// a flag (randomised response).
    pub hi: Option<u32>,
}

/// The LDP configuration (`ldp`, `ldpEpsilon`, `ldpDailyEpsilon`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub features: Vec<LdpFeature>,
    /// ε spent per feature per payload, thousandths. Default 1000 (ε = 1).
    pub eps_milli: u32,
    /// Most ε a visitor spends per UTC day, thousandths. Default 10000 (ε = 10).
    pub daily_milli: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            features: Vec::new(),
            eps_milli: 1000,
            daily_milli: 10_000,
        }
    }
}

impl Settings {
    /// ε one payload spends: every LDP feature at `eps_milli`.
    pub fn cost(&self) -> u32 {
        self.eps_milli.saturating_mul(self.features.len() as u32)
    }

    /// Parses `"active_ms:600000,clicks:20,engaged"`: features this build
    /// computes (a lite build refuses a full-only one: its value would be a
    /// constant 0, and its noisy reports would read as measurements), a
    /// clamp bound (1..=the feature's max, default its max) for counts and
    /// durations, none for flags. Fractional features are refused.
    pub fn parse_features(spec: &str) -> Result<Vec<LdpFeature>, &'static str> {
        let mut out: Vec<LdpFeature> = Vec::new();
        for item in crate::split::pieces(spec, b",")
            .map(str::trim_ascii)
            .filter(|s| !s.is_empty())
        {
            let (name, bound) = match crate::split::once(item, b':') {
                Some((n, b)) => (n, Some(b)),
                None => (item, None),
            };
            let doc =
                crate::catalog::built_spec(name).ok_or("names no feature this build computes")?;
            if out.iter().any(|f| f.name == doc.name) {
                return Err("lists a feature twice");
            }
            let hi = match (doc.json_type, bound) {
                (JsonType::Boolean, None) => None,
                (JsonType::Boolean, Some(_)) => return Err("takes no bound for a flag"),
                (JsonType::Integer, None) => Some(doc.max),
                (JsonType::Integer, Some(b)) => match crate::flat::parse_u32(b) {
                    Some(v) if v >= 1 && v <= doc.max => Some(v),
                    _ => return Err("has a bound outside 1..the feature's maximum"),
                },
                _ => return Err("can only privatise counts, durations and flags"),
            };
            out.push(LdpFeature { name: doc.name, hi });
        }
        Ok(out)
    }
}

/// Parses a positive decimal with at most 3 decimals (`"0.5"`, `"2"`) into thousandths.
pub fn parse_milli(s: &str) -> Option<u32> {
    let (int, frac) = crate::split::once(s, b'.').unwrap_or((s, ""));
    if frac.len() > 3
        || (int.is_empty() && frac.is_empty())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = if int.is_empty() {
        0
    } else {
        crate::flat::parse_u32(int)?
    };
    let mut milli: u32 = 0;
    for b in frac.bytes() {
        milli = milli * 10 + u32::from(b - b'0');
    }
    for _ in frac.len()..3 {
        milli *= 10;
    }
    whole.checked_mul(1000)?.checked_add(milli)
}

/// Replaces each LDP feature of `f` by a noisy report: the clear value is
/// removed from `f` (so it is never sent) and returned noised. Every
/// feature that reveals a privatised one ([`crate::catalog::REVEALED_BY`])
/// and is not privatised itself is removed from `f` too.
pub fn privatize(f: &mut Features, s: &Settings, rng: Rand) -> Vec<LdpReport> {
    let mut out = Vec::with_capacity(s.features.len());
    let privatised = |n: &str| s.features.iter().any(|p| p.name == n);
    for feat in &s.features {
        for r in crate::catalog::built_revealers(feat.name) {
            if !privatised(r) {
                f.take(r);
            }
        }
    }
    for feat in &s.features {
        let value = f.take(feat.name).unwrap_or(0);
        let (mech, v) = match feat.hi {
            None => (
                Mechanism::Rr,
                i64::from(randomized_response(rng, value != 0, s.eps_milli)),
            ),
            Some(hi) => (Mechanism::Geo, geometric(rng, value, hi, s.eps_milli)),
        };
        out.push(LdpReport {
            f: feat.name.into(),
            m: mech,
            eps_milli: s.eps_milli,
            hi: feat.hi,
            v,
        });
    }
    out
}

/// The ε a visitor has spent today, in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Budget {
    /// UTC day number (Unix ms / 86 400 000).
    pub day: u64,
    pub spent_milli: u32,
}

impl Budget {
    /// Spends `cost` on `day` if the daily limit allows it; `false` (and no
    /// change) when it would be exceeded. A new day starts from zero.
    pub(crate) fn try_spend(&mut self, day: u64, cost: u32, daily_milli: u32) -> bool {
        let spent = if day == self.day { self.spent_milli } else { 0 };
        let next = spent.saturating_add(cost);
        if next > daily_milli {
            return false;
        }
        *self = Budget {
            day,
            spent_milli: next,
        };
        true
    }

    /// Stored form: `<day>.<spent_milli>`.
    pub(crate) fn encode(&self) -> alloc::string::String {
        let mut s = alloc::string::String::new();
        crate::json_out::push_u64(&mut s, self.day);
        s.push('.');
        crate::json_out::push_u64(&mut s, u64::from(self.spent_milli));
        s
    }

    pub(crate) fn decode(raw: &str) -> Option<Budget> {
        let (day, spent) = crate::split::once(raw, b'.')?;
        Some(Budget {
            day: crate::flat::parse_uint(day)?,
            spent_milli: crate::flat::parse_u32(spent)?,
        })
    }
}

/// Probability that randomised response reports the true bit.
#[cfg(feature = "std")]
pub fn rr_keep_probability(eps_milli: u32) -> f64 {
    let e = (f64::from(eps_milli) / 1000.0).exp();
    e / (1.0 + e)
}

/// Unbiased estimate of the true share of `true` flags from `ones` reported
/// ones out of `n` randomised-response reports at one ε, and its standard
/// error: `(ȳ - (1-p)) / (2p - 1)`.
#[cfg(feature = "std")]
pub fn rr_estimate(ones: u64, n: u64, eps_milli: u32) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let p = rr_keep_probability(eps_milli);
    let y = ones as f64 / n as f64;
    let est = (y - (1.0 - p)) / (2.0 * p - 1.0);
    let se = (y * (1.0 - y) / n as f64).sqrt() / (2.0 * p - 1.0);
    (est, se)
}

/// Unbiased estimate of the mean clamped value from geometric-mechanism
/// reports (the noise has mean zero), and its standard error. Reports are
/// `(sum, sum of squares, n)` so the collector can aggregate in SQL.
#[cfg(feature = "std")]
pub fn mean_estimate(sum: f64, sum_sq: f64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let nf = n as f64;
    let mean = sum / nf;
    let var = if n > 1 {
        ((sum_sq - nf * mean * mean) / (nf - 1.0)).max(0.0)
    } else {
        0.0
    };
    (mean, (var / nf).sqrt())
}

/// Variance of the geometric mechanism's noise at `hi` and ε:
/// `2α / (1-α)²` with `α = exp(-ε/hi)`.
#[cfg(feature = "std")]
pub fn geometric_noise_variance(hi: u32, eps_milli: u32) -> f64 {
    let a = (-(f64::from(eps_milli) / 1000.0) / f64::from(hi.max(1))).exp();
    2.0 * a / ((1.0 - a) * (1.0 - a))
}

#[cfg(test)]
mod tests;
