//! Backend-independent statistics of the read API: per group, page views,
//! distinct pseudonyms, consent coverage, and per catalog feature
//! mean/p50/p90 and a histogram (numbers) or a share (booleans).
//!
//! A backend computes each group's sufficient statistics ([`GroupSums`]:
//! counts, sums, nearest-rank percentiles, histogram counts, LDP sums, and
//! k figures); [`publish`] turns them into the [`Report`], so k-anonymity,
//! debiasing and the report's shape are the same whichever backend computed
//! them. SQLite folds rows in memory ([`Aggregator`]); ClickHouse computes
//! the same sums in SQL.
//!
//! **k-anonymity.** k counts distinct pseudonyms **within one pseudonym
//! period** ([`crate::period`]): a group is published only if the period
//! with the most distinct pseudonyms has at least k
//! (`max_period_pseudonyms`), so one person seen on five days (five
//! pseudonyms) is one person, not five. Page views without a visitor
//! pseudonym (the SDK's no-identifier mode) count in `pageviews` and in the
//! feature statistics of their group, but never toward k: a group made only
//! of such page views is always suppressed.
//!
//! Features a payload privatised with local differential privacy (its `ldp`
//! reports) are left out of that page view's clear statistics and debiased
//! separately, per group and per parameter set (feature, mechanism, ε, clamp
//! bound), with the SDK's own estimators ([`ldp_estimate`]). Noisy values
//! never enter a mean, a percentile or a histogram. Every published
//! statistic rests on at least k distinct pseudonyms within one period: an
//! LDP parameter set reported by fewer, or the clear values of a feature
//! that fewer sent in the clear (when others privatised it), is left out and
//! counted in `suppressed_stats`.

mod fold;

pub use fold::Aggregator;

use std::collections::BTreeMap;

use iob_sdk::ldp::{geometric_noise_variance, mean_estimate, rr_estimate, rr_keep_probability};
use iob_sdk::Purpose;
use iob_sdk::{FeatureDoc, Mechanism, CATALOG};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub lo: f64,
    /// Exclusive upper edge; `None` for the last, open bucket.
    pub hi: Option<f64>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FeatureStats {
    Number {
        mean: f64,
        p50: f64,
        p90: f64,
        hist: Vec<Bucket>,
    },
    Flag {
        share: f64,
    },
}

/// A debiased estimate from the LDP reports of one parameter set in a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LdpEstimate {
    /// `rr` (randomised response on a flag) or `geo` (geometric mechanism on
    /// a count or duration).
    pub mechanism: &'static str,
    pub eps_milli: u32,
    /// Clamp bound (geo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hi: Option<u32>,
    /// Page views whose payload reported the feature with these parameters.
    pub n: u64,
    /// Distinct pseudonyms among them (at least k within one pseudonym
    /// period, or the set is suppressed).
    pub pseudonyms: u64,
    /// rr: the share of page views whose flag is true; geo: the mean per page
    /// view of the value clamped to `[0, hi]`. Unbiased, hence not clamped:
    /// with few reports it can fall below 0 or above 1 (rr) / `hi` (geo).
    pub estimate: f64,
    /// Its standard error (at least the mechanism's own noise alone).
    pub stderr: f64,
}

/// Debiases `n` reports of one parameter set: `ones` reported ones (rr), or
/// the sum and sum of squares of the noisy values (geo), with
/// `iob_sdk::ldp`'s estimators. The standard error is floored at
/// what the mechanism's noise alone implies (the sample variance of a
/// handful of reports can be 0 by chance).
pub fn ldp_estimate(
    m: Mechanism,
    eps_milli: u32,
    hi: Option<u32>,
    n: u64,
    ones: u64,
    sum: f64,
    sum_sq: f64,
) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let nf = n as f64;
    match m {
        Mechanism::Rr => {
            let (est, se) = rr_estimate(ones, n, eps_milli);
            let p = rr_keep_probability(eps_milli);
            // A reported bit is 1 with probability in [1-p, p]: variance >= p(1-p).
            let floor = (p * (1.0 - p) / nf).sqrt() / (2.0 * p - 1.0);
            (est, se.max(floor))
        }
        Mechanism::Geo => {
            let (est, se) = mean_estimate(sum, sum_sq, n);
            let floor = (geometric_noise_variance(hi.unwrap_or(1), eps_milli) / nf).sqrt();
            (est, se.max(floor))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    pub key: String,
    pub pageviews: u64,
    /// Distinct visitor pseudonyms (`vid`) in the group, over the whole
    /// range (a person seen in several pseudonym periods counts once per
    /// period).
    pub pseudonyms: u64,
    /// Distinct pseudonyms of the busiest pseudonym period: the number
    /// compared with k.
    pub max_period_pseudonyms: u64,
    pub pageviews_without_vid: u64,
    /// Share of page views whose consent included each purpose.
    pub consent: BTreeMap<String, f64>,
    /// Statistics of the values sent in the clear. A feature no page view of
    /// the group sent in the clear (all privatised it) is absent.
    pub features: BTreeMap<String, FeatureStats>,
    /// Debiased estimates of privatised features: per feature, one entry per
    /// parameter set (mechanism, ε, clamp bound) found in the group, ordered
    /// by mechanism, ε, bound. Estimates of different parameter sets are not
    /// pooled: different bounds estimate different clamped means.
    pub ldp: BTreeMap<String, Vec<LdpEstimate>>,
    /// Statistics of this group left out because fewer than k distinct
    /// pseudonyms stood behind them (an LDP parameter set, or a feature's
    /// clear values when other page views privatised it).
    pub suppressed_stats: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub k: u32,
    pub groups: Vec<GroupStats>,
    /// Groups left out because no pseudonym period had k distinct pseudonyms.
    pub suppressed_groups: u64,
}

/// Lower bucket edges for a numeric feature, chosen from its unit and bound,
/// so a new catalog feature gets a sensible histogram without code changes.
pub fn hist_edges(doc: &FeatureDoc) -> Vec<f64> {
    match doc.unit {
        "ms" => vec![0.0, 1e3, 5e3, 10e3, 30e3, 60e3, 180e3, 600e3],
        "percent" => (0..10).map(|i| f64::from(i) * 10.0).collect(),
        _ if doc.max <= 1.0 => (0..10).map(|i| f64::from(i) / 10.0).collect(),
        _ => vec![0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0],
    }
}

/// Nearest-rank percentile of sorted values (`p` in 0..=1).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Sufficient statistics of one group, as a backend computes them: all
/// that [`publish`] needs. Counts are page views.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSums {
    pub key: String,
    pub pageviews: u64,
    /// Distinct pseudonyms over the whole range.
    pub pseudonyms: u64,
    /// Distinct pseudonyms of the busiest pseudonym period (the k figure).
    pub max_period_pseudonyms: u64,
    pub without_vid: u64,
    /// Page views whose consent included each purpose, by purpose name.
    pub purposes: BTreeMap<String, u64>,
    /// Per [`CATALOG`] entry, in catalog order: its clear values, `None`
    /// when no page view of the group sent it in the clear.
    pub features: Vec<Option<ClearSums>>,
    /// One entry per LDP parameter set found in the group, any order.
    pub ldp: Vec<LdpSums>,
}

/// The clear values of one feature in a group.
#[derive(Debug, Clone, PartialEq)]
pub struct ClearSums {
    /// Page views that sent it in the clear.
    pub n: u64,
    /// Sum of the values (flags as 0/1).
    pub sum: f64,
    /// Nearest-rank percentiles ([`percentile`]); numbers only (0 for flags).
    pub p50: f64,
    pub p90: f64,
    /// Counts per bucket of [`hist_edges`]; numbers only (empty for flags).
    pub hist: Vec<u64>,
    /// The k figure of the page views that sent it in the clear. Needed only
    /// when others privatised it (`n` < the group's page views); `None` when
    /// the backend did not compute it.
    pub max_period_pseudonyms: Option<u64>,
}

/// The reports of one LDP parameter set in a group.
#[derive(Debug, Clone, PartialEq)]
pub struct LdpSums {
    pub feature: String,
    pub mechanism: Mechanism,
    pub eps_milli: u32,
    pub hi: Option<u32>,
    /// Reports (page views).
    pub n: u64,
    /// Reports of 1 (rr).
    pub ones: u64,
    /// Sum and sum of squares of the noisy values (geo).
    pub sum: f64,
    pub sum_sq: f64,
    /// Distinct pseudonyms that reported it, and of the busiest period.
    pub pseudonyms: u64,
    pub max_period_pseudonyms: u64,
}

/// The report of groups' sufficient statistics: groups (ordered by key)
/// whose busiest pseudonym period has fewer than k pseudonyms are left out
/// and counted, on top of `suppressed_groups` (groups the backend already
/// left out below k); inside a published group, so are the LDP parameter
/// sets and the partial clear values below k (`suppressed_stats`).
pub fn publish(mut groups: Vec<GroupSums>, suppressed_groups: u64, k: u32) -> Report {
    let k = u64::from(k);
    groups.sort_by(|a, b| a.key.cmp(&b.key));
    let mut suppressed = suppressed_groups;
    let mut published = Vec::new();
    for g in groups {
        if g.max_period_pseudonyms < k {
            suppressed += 1;
            continue;
        }
        let n = g.pageviews as f64;
        let consent = Purpose::ALL
            .iter()
            .map(|p| {
                let count = g.purposes.get(p.as_str()).copied().unwrap_or(0);
                (p.as_str().to_string(), count as f64 / n)
            })
            .collect();
        let (ldp, mut suppressed_stats) = ldp_stats(g.ldp, k);
        let mut features = BTreeMap::new();
        for (doc, sums) in CATALOG.iter().zip(g.features) {
            let Some(c) = sums.filter(|c| c.n > 0) else {
                continue;
            };
            // Some page views privatised it: the clear rest is a
            // sub-population that needs its own k.
            if c.n != g.pageviews && c.max_period_pseudonyms.unwrap_or(0) < k {
                suppressed_stats += 1;
                continue;
            }
            features.insert(doc.name.to_string(), feature_stats(doc, c));
        }
        published.push(GroupStats {
            key: g.key,
            pageviews: g.pageviews,
            pseudonyms: g.pseudonyms,
            max_period_pseudonyms: g.max_period_pseudonyms,
            pageviews_without_vid: g.without_vid,
            consent,
            features,
            ldp,
            suppressed_stats,
        });
    }
    Report {
        k: u32::try_from(k).unwrap_or(u32::MAX),
        groups: published,
        suppressed_groups: suppressed,
    }
}

fn feature_stats(doc: &FeatureDoc, c: ClearSums) -> FeatureStats {
    let n = c.n as f64;
    if doc.json_type == "boolean" {
        return FeatureStats::Flag { share: c.sum / n };
    }
    let edges = hist_edges(doc);
    let hist = edges
        .iter()
        .enumerate()
        .map(|(i, &lo)| Bucket {
            lo,
            hi: edges.get(i + 1).copied(),
            count: c.hist.get(i).copied().unwrap_or(0),
        })
        .collect();
    FeatureStats::Number {
        mean: c.sum / n,
        p50: c.p50,
        p90: c.p90,
        hist,
    }
}

/// Debiased estimates of the sets with at least k pseudonyms in one
/// period, by feature (sets ordered by mechanism, ε, bound), and how many
/// sets had fewer.
fn ldp_stats(mut sets: Vec<LdpSums>, k: u64) -> (BTreeMap<String, Vec<LdpEstimate>>, u64) {
    sets.sort_by(|a, b| {
        (&a.feature, a.mechanism.as_str(), a.eps_milli, a.hi).cmp(&(
            &b.feature,
            b.mechanism.as_str(),
            b.eps_milli,
            b.hi,
        ))
    });
    let mut out: BTreeMap<String, Vec<LdpEstimate>> = BTreeMap::new();
    let mut suppressed = 0;
    for s in sets {
        if s.max_period_pseudonyms < k {
            suppressed += 1;
            continue;
        }
        let (estimate, stderr) =
            ldp_estimate(s.mechanism, s.eps_milli, s.hi, s.n, s.ones, s.sum, s.sum_sq);
        out.entry(s.feature).or_default().push(LdpEstimate {
            mechanism: s.mechanism.as_str(),
            eps_milli: s.eps_milli,
            hi: s.hi,
            n: s.n,
            pseudonyms: s.pseudonyms,
            estimate,
            stderr,
        });
    }
    (out, suppressed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 5.0);
        assert_eq!(percentile(&v, 0.9), 9.0);
        assert_eq!(percentile(&[7.0], 0.9), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn ldp_stderr_never_falls_below_the_mechanism_noise() {
        // One geo report: the sample variance is 0, the noise's is not.
        let (est, se) = ldp_estimate(Mechanism::Geo, 1000, Some(20), 1, 0, 7.0, 49.0);
        assert_eq!(est, 7.0);
        assert!(
            (se - geometric_noise_variance(20, 1000).sqrt()).abs() < 1e-9,
            "{se}"
        );
        // Every rr report a one: the estimator's own error would be 0.
        let (est, se) = ldp_estimate(Mechanism::Rr, 1000, None, 10, 10, 0.0, 0.0);
        assert!(est > 1.0, "unbiased, hence not clamped: {est}");
        assert!(se > 0.1, "{se}");
        // Many reports: the estimators' own values.
        assert_eq!(
            ldp_estimate(Mechanism::Rr, 1000, None, 1000, 400, 0.0, 0.0),
            rr_estimate(400, 1000, 1000)
        );
        assert_eq!(
            ldp_estimate(Mechanism::Geo, 500, Some(5), 0, 0, 0.0, 0.0),
            (0.0, 0.0)
        );
    }
}
