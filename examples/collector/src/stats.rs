//! Backend-independent aggregation: per group, page views, distinct
//! pseudonyms, consent coverage, and per catalog feature mean/p50/p90 and a
//! histogram (numbers) or a share (booleans). Groups with fewer than k
//! distinct pseudonyms are suppressed.
//!
//! Page views without a visitor pseudonym (the SDK's no-identifier mode)
//! count in `pageviews` and in the feature statistics of their group, but
//! never toward k: a group passes only on distinct `vid`s, so a group made
//! only of such page views is always suppressed.
//!
//! Features a payload privatised with local differential privacy (its `ldp`
//! reports) are left out of that page view's clear statistics and debiased
//! separately, per group and per parameter set (feature, mechanism, ε, clamp
//! bound), with the SDK's own estimators ([`ldp_estimate`]). Noisy values
//! never enter a mean, a percentile or a histogram. Every published
//! statistic rests on at least k distinct pseudonyms: an LDP parameter set
//! reported by fewer, or the clear values of a feature that fewer sent in
//! the clear (when others privatised it), is left out and counted in
//! `suppressed_stats`.

use std::collections::{BTreeMap, HashMap, HashSet};

use iob_sdk::consent::Purpose;
use iob_sdk::payload::{FeatureDoc, LdpReport, Mechanism, CATALOG};
use iob_sdk::privacy::ldp::{
    geometric_noise_variance, mean_estimate, rr_estimate, rr_keep_probability,
};
use serde::Serialize;

use crate::storage::PageView;

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
    /// Distinct pseudonyms among them (at least k, or the set is suppressed).
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
/// `iob_sdk::privacy::ldp`'s estimators. The standard error is floored at
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
    /// Distinct visitor pseudonyms (`vid`) in the group.
    pub pseudonyms: u64,
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
    /// Groups left out because they had fewer than k distinct pseudonyms.
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

fn number_stats(doc: &FeatureDoc, mut values: Vec<f64>) -> FeatureStats {
    values.sort_by(f64::total_cmp);
    let n = values.len().max(1) as f64;
    let edges = hist_edges(doc);
    let hist = edges
        .iter()
        .enumerate()
        .map(|(i, &lo)| {
            let hi = edges.get(i + 1).copied();
            let count = values
                .iter()
                .filter(|&&v| v >= lo && hi.is_none_or(|h| v < h))
                .count() as u64;
            Bucket { lo, hi, count }
        })
        .collect();
    FeatureStats::Number {
        mean: values.iter().sum::<f64>() / n,
        p50: percentile(&values, 0.5),
        p90: percentile(&values, 0.9),
        hist,
    }
}

/// Sums of the reports of one LDP parameter set.
#[derive(Default)]
struct LdpAcc {
    n: u64,
    ones: u64,
    sum: i128,
    sum_sq: i128,
    vids: HashSet<u32>,
}

/// (feature, mechanism, ε, bound): one parameter set.
type LdpKey = (String, &'static str, u32, Option<u32>);

#[derive(Default)]
struct Acc {
    pageviews: u64,
    without_vid: u64,
    /// Distinct pseudonyms, each with a small id.
    vids: HashMap<String, u32>,
    purposes: BTreeMap<String, u64>,
    /// Per CATALOG entry, in order; booleans as 0/1. Clear values only.
    values: Vec<Vec<f64>>,
    /// Per page view so far, its pseudonym id (for `clear_pseudonyms`).
    row_vids: Vec<Option<u32>>,
    /// Per CATALOG entry: rows (page view indexes) that sent it in the clear.
    clear_rows: Vec<Vec<u32>>,
    ldp: BTreeMap<LdpKey, (Mechanism, LdpAcc)>,
}

impl Acc {
    fn add_ldp(&mut self, r: &LdpReport, vid: Option<u32>) {
        let key = (r.f.clone(), r.m.as_str(), r.eps_milli, r.hi);
        let (_, a) = self
            .ldp
            .entry(key)
            .or_insert_with(|| (r.m, LdpAcc::default()));
        a.n += 1;
        a.ones += u64::from(r.v == 1);
        a.sum += i128::from(r.v);
        a.sum_sq += i128::from(r.v) * i128::from(r.v);
        if let Some(id) = vid {
            a.vids.insert(id);
        }
    }

    /// Distinct pseudonyms behind the clear values of CATALOG entry `i`.
    fn clear_pseudonyms(&self, i: usize) -> u64 {
        let rows = self.clear_rows.get(i).map_or(&[][..], Vec::as_slice);
        rows.iter()
            .filter_map(|&r| self.row_vids.get(r as usize).copied().flatten())
            .collect::<HashSet<u32>>()
            .len() as u64
    }

    /// Debiased estimates with at least k pseudonyms, and how many sets had fewer.
    fn ldp_stats(&self, k: u32) -> (BTreeMap<String, Vec<LdpEstimate>>, u64) {
        let mut out: BTreeMap<String, Vec<LdpEstimate>> = BTreeMap::new();
        let mut suppressed = 0;
        for ((feature, mech_name, eps_milli, hi), (m, a)) in &self.ldp {
            if (a.vids.len() as u64) < u64::from(k) {
                suppressed += 1;
                continue;
            }
            let (estimate, stderr) = ldp_estimate(
                *m,
                *eps_milli,
                *hi,
                a.n,
                a.ones,
                a.sum as f64,
                a.sum_sq as f64,
            );
            out.entry(feature.clone()).or_default().push(LdpEstimate {
                mechanism: mech_name,
                eps_milli: *eps_milli,
                hi: *hi,
                n: a.n,
                pseudonyms: a.vids.len() as u64,
                estimate,
                stderr,
            });
        }
        (out, suppressed)
    }
}

#[derive(Default)]
pub struct Aggregator {
    groups: BTreeMap<String, Acc>,
}

impl Aggregator {
    pub fn add(&mut self, key: String, v: &PageView) {
        let acc = self.groups.entry(key).or_default();
        let row = acc.pageviews as u32;
        acc.pageviews += 1;
        let vid_id = match &v.vid {
            Some(vid) => {
                let next = acc.vids.len() as u32;
                Some(*acc.vids.entry(vid.clone()).or_insert(next))
            }
            None => {
                acc.without_vid += 1;
                None
            }
        };
        acc.row_vids.push(vid_id);
        for p in &v.purposes {
            *acc.purposes.entry(p.clone()).or_default() += 1;
        }
        acc.values.resize_with(CATALOG.len(), Vec::new);
        acc.clear_rows.resize_with(CATALOG.len(), Vec::new);
        for (i, doc) in CATALOG.iter().enumerate() {
            let privatised = v.ldp.iter().any(|r| r.f == doc.name);
            // A privatised feature has no clear value: its placeholder
            // must not count as a measured 0.
            if privatised {
                continue;
            }
            let x = v.features.get(doc.name).and_then(|x| {
                x.as_f64()
                    .or_else(|| x.as_bool().map(|b| f64::from(u8::from(b))))
            });
            acc.values[i].push(x.unwrap_or(0.0));
            acc.clear_rows[i].push(row);
        }
        for r in &v.ldp {
            acc.add_ldp(r, vid_id);
        }
    }

    /// Computes the statistics and suppresses groups below k pseudonyms.
    pub fn finish(self, k: u32) -> Report {
        let mut suppressed = 0;
        let mut groups = Vec::new();
        for (key, mut acc) in self.groups {
            if (acc.vids.len() as u64) < u64::from(k) {
                suppressed += 1;
                continue;
            }
            let n = acc.pageviews as f64;
            let consent = Purpose::ALL
                .iter()
                .map(|p| {
                    (
                        p.as_str().to_string(),
                        acc.purposes.get(p.as_str()).copied().unwrap_or(0) as f64 / n,
                    )
                })
                .collect();
            acc.values.resize_with(CATALOG.len(), Vec::new);
            let (ldp, mut suppressed_stats) = acc.ldp_stats(k);
            let mut features = BTreeMap::new();
            let values = std::mem::take(&mut acc.values);
            for (i, (doc, values)) in CATALOG.iter().zip(values).enumerate() {
                if values.is_empty() {
                    continue;
                }
                // Some page views privatised it: the clear rest is a
                // sub-population that needs its own k.
                let partial = values.len() as u64 != acc.pageviews;
                if partial && acc.clear_pseudonyms(i) < u64::from(k) {
                    suppressed_stats += 1;
                    continue;
                }
                let stats = if doc.json_type == "boolean" {
                    FeatureStats::Flag {
                        share: values.iter().sum::<f64>() / values.len() as f64,
                    }
                } else {
                    number_stats(doc, values)
                };
                features.insert(doc.name.to_string(), stats);
            }
            groups.push(GroupStats {
                key,
                pageviews: acc.pageviews,
                pseudonyms: acc.vids.len() as u64,
                pageviews_without_vid: acc.without_vid,
                consent,
                features,
                ldp,
                suppressed_stats,
            });
        }
        Report {
            k,
            groups,
            suppressed_groups: suppressed,
        }
    }
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

    #[test]
    fn histograms_cover_every_value_once() {
        for doc in CATALOG.iter().filter(|d| d.json_type != "boolean") {
            let values: Vec<f64> = (0..=100).map(|i| doc.max * f64::from(i) / 100.0).collect();
            let FeatureStats::Number { hist, .. } = number_stats(doc, values) else {
                panic!("number")
            };
            assert_eq!(
                hist.iter().map(|b| b.count).sum::<u64>(),
                101,
                "{}",
                doc.name
            );
        }
    }
}
