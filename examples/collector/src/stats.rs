//! Backend-independent aggregation: per group, page views, distinct
//! pseudonyms, consent coverage, and per catalog feature mean/p50/p90 and a
//! histogram (numbers) or a share (booleans). Groups with fewer than k
//! distinct pseudonyms are suppressed.
//!
//! Page views without a visitor pseudonym (the SDK's no-identifier mode)
//! count in `pageviews` and in the feature statistics of their group, but
//! never toward k: a group passes only on distinct `vid`s, so a group made
//! only of such page views is always suppressed.

use std::collections::{BTreeMap, HashSet};

use iob_sdk::consent::Purpose;
use iob_sdk::payload::{FeatureDoc, CATALOG};
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    pub key: String,
    pub pageviews: u64,
    /// Distinct visitor pseudonyms (`vid`) in the group.
    pub pseudonyms: u64,
    pub pageviews_without_vid: u64,
    /// Share of page views whose consent included each purpose.
    pub consent: BTreeMap<String, f64>,
    pub features: BTreeMap<String, FeatureStats>,
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

#[derive(Default)]
struct Acc {
    pageviews: u64,
    without_vid: u64,
    vids: HashSet<String>,
    purposes: BTreeMap<String, u64>,
    /// Per CATALOG entry, in order; booleans as 0/1.
    values: Vec<Vec<f64>>,
}

#[derive(Default)]
pub struct Aggregator {
    groups: BTreeMap<String, Acc>,
}

impl Aggregator {
    pub fn add(&mut self, key: String, v: &PageView) {
        let acc = self.groups.entry(key).or_default();
        acc.pageviews += 1;
        match &v.vid {
            Some(vid) => {
                acc.vids.insert(vid.clone());
            }
            None => acc.without_vid += 1,
        }
        for p in &v.purposes {
            *acc.purposes.entry(p.clone()).or_default() += 1;
        }
        acc.values.resize_with(CATALOG.len(), Vec::new);
        for (doc, values) in CATALOG.iter().zip(acc.values.iter_mut()) {
            let x = v.features.get(doc.name);
            let x = x.and_then(|x| {
                x.as_f64()
                    .or_else(|| x.as_bool().map(|b| f64::from(u8::from(b))))
            });
            values.push(x.unwrap_or(0.0));
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
            let features = CATALOG
                .iter()
                .zip(acc.values)
                .map(|(doc, values)| {
                    let stats = if doc.json_type == "boolean" {
                        FeatureStats::Flag {
                            share: values.iter().sum::<f64>() / n,
                        }
                    } else {
                        number_stats(doc, values)
                    };
                    (doc.name.to_string(), stats)
                })
                .collect();
            groups.push(GroupStats {
                key,
                pageviews: acc.pageviews,
                pseudonyms: acc.vids.len() as u64,
                pageviews_without_vid: acc.without_vid,
                consent,
                features,
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
