//! Sufficient statistics folded from page views in memory: the
//! aggregation of backends that read rows (SQLite), and the reference the
//! ClickHouse backend's SQL is tested against.

use std::collections::{BTreeMap, HashMap, HashSet};

use iob_sdk::{FeatureDoc, LdpReport, Mechanism, CATALOG};

use super::{hist_edges, percentile, publish, ClearSums, GroupSums, LdpSums, Report};
use crate::period::{pseudonym_period, PeriodPseudonyms};
use crate::storage::{withheld, PageView};

/// (feature, mechanism, ε, bound): one LDP parameter set.
type LdpKey = (String, &'static str, u32, Option<u32>);

/// Sums of the reports of one LDP parameter set.
struct LdpAcc {
    mechanism: Mechanism,
    n: u64,
    ones: u64,
    sum: i128,
    sum_sq: i128,
    vids: HashSet<u32>,
    periods: PeriodPseudonyms,
}

#[derive(Default)]
struct Acc {
    pageviews: u64,
    without_vid: u64,
    /// Distinct pseudonyms, each with a small id.
    vids: HashMap<String, u32>,
    periods: PeriodPseudonyms,
    purposes: BTreeMap<String, u64>,
    /// Per CATALOG entry, in order; booleans as 0/1. Clear values only.
    values: Vec<Vec<f64>>,
    /// Per page view so far: its pseudonym period and pseudonym id (None
    /// without a pseudonym), for the k figure of partial clear values.
    row_ids: Vec<Option<(u64, u32)>>,
    /// Per CATALOG entry: rows (page view indexes) that sent it in the clear.
    clear_rows: Vec<Vec<u32>>,
    ldp: BTreeMap<LdpKey, LdpAcc>,
}

impl Acc {
    fn add_ldp(&mut self, r: &LdpReport, id: Option<(u64, u32)>) {
        let key = (r.f.clone(), r.m.as_str(), r.eps_milli, r.hi);
        let a = self.ldp.entry(key).or_insert_with(|| LdpAcc {
            mechanism: r.m,
            n: 0,
            ones: 0,
            sum: 0,
            sum_sq: 0,
            vids: HashSet::new(),
            periods: PeriodPseudonyms::default(),
        });
        a.n += 1;
        a.ones += u64::from(r.v == 1);
        a.sum += i128::from(r.v);
        a.sum_sq += i128::from(r.v) * i128::from(r.v);
        if let Some((period, vid)) = id {
            a.vids.insert(vid);
            a.periods.add(period, vid);
        }
    }

    /// The k figure of the page views that sent CATALOG entry `i` in the clear.
    fn clear_period_pseudonyms(&self, i: usize) -> u64 {
        let mut periods = PeriodPseudonyms::default();
        let rows = self.clear_rows.get(i).map_or(&[][..], Vec::as_slice);
        for &r in rows {
            if let Some(Some((period, vid))) = self.row_ids.get(r as usize) {
                periods.add(*period, *vid);
            }
        }
        periods.max()
    }

    fn into_sums(mut self, key: String) -> GroupSums {
        self.values.resize_with(CATALOG.len(), Vec::new);
        let values = std::mem::take(&mut self.values);
        let features = CATALOG
            .iter()
            .zip(values)
            .enumerate()
            .map(|(i, (doc, values))| {
                if values.is_empty() {
                    return None;
                }
                let partial = values.len() as u64 != self.pageviews;
                let k_figure = partial.then(|| self.clear_period_pseudonyms(i));
                Some(clear_sums(doc, values, k_figure))
            })
            .collect();
        let ldp = std::mem::take(&mut self.ldp)
            .into_iter()
            .map(|((feature, _, eps_milli, hi), a)| LdpSums {
                feature,
                mechanism: a.mechanism,
                eps_milli,
                hi,
                n: a.n,
                ones: a.ones,
                sum: a.sum as f64,
                sum_sq: a.sum_sq as f64,
                pseudonyms: a.vids.len() as u64,
                max_period_pseudonyms: a.periods.max(),
            })
            .collect();
        GroupSums {
            key,
            pageviews: self.pageviews,
            pseudonyms: self.vids.len() as u64,
            max_period_pseudonyms: self.periods.max(),
            without_vid: self.without_vid,
            purposes: self.purposes,
            features,
            ldp,
        }
    }
}

/// The clear values of one feature: sum, nearest-rank p50/p90 and
/// histogram counts (numbers), or just the sum (flags).
fn clear_sums(doc: &FeatureDoc, mut values: Vec<f64>, k_figure: Option<u64>) -> ClearSums {
    values.sort_by(f64::total_cmp);
    let n = values.len() as u64;
    let sum = values.iter().sum::<f64>();
    if doc.json_type == "boolean" {
        return ClearSums {
            n,
            sum,
            p50: 0.0,
            p90: 0.0,
            hist: Vec::new(),
            max_period_pseudonyms: k_figure,
        };
    }
    let edges = hist_edges(doc);
    let hist = edges
        .iter()
        .enumerate()
        .map(|(i, &lo)| {
            let hi = edges.get(i + 1).copied();
            values
                .iter()
                .filter(|&&v| v >= lo && hi.is_none_or(|h| v < h))
                .count() as u64
        })
        .collect();
    ClearSums {
        n,
        sum,
        p50: percentile(&values, 0.5),
        p90: percentile(&values, 0.9),
        hist,
        max_period_pseudonyms: k_figure,
    }
}

/// Folds page views, group by group, into [`GroupSums`].
#[derive(Default)]
pub struct Aggregator {
    groups: BTreeMap<String, Acc>,
}

impl Aggregator {
    pub fn add(&mut self, key: String, v: &PageView) {
        let acc = self.groups.entry(key).or_default();
        let row = acc.pageviews as u32;
        acc.pageviews += 1;
        let id = match &v.vid {
            Some(vid) => {
                let next = acc.vids.len() as u32;
                let vid = *acc.vids.entry(vid.clone()).or_insert(next);
                let period = pseudonym_period(v.hour, v.rot);
                acc.periods.add(period, vid);
                Some((period, vid))
            }
            None => {
                acc.without_vid += 1;
                None
            }
        };
        acc.row_ids.push(id);
        for p in &v.purposes {
            *acc.purposes.entry(p.clone()).or_default() += 1;
        }
        acc.values.resize_with(CATALOG.len(), Vec::new);
        acc.clear_rows.resize_with(CATALOG.len(), Vec::new);
        for (i, doc) in CATALOG.iter().enumerate() {
            // A privatised feature, and one withheld because it reveals a
            // privatised one, has no clear value: its placeholder must not
            // count as a measured 0.
            if withheld(&v.ldp, doc.name) {
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
            acc.add_ldp(r, id);
        }
    }

    /// The sufficient statistics of every group, in key order.
    pub fn into_sums(self) -> Vec<GroupSums> {
        self.groups
            .into_iter()
            .map(|(key, acc)| acc.into_sums(key))
            .collect()
    }

    /// The report: [`publish`] of the groups' sums.
    pub fn finish(self, k: u32) -> Report {
        publish(self.into_sums(), 0, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_cover_every_value_once() {
        for doc in CATALOG.iter().filter(|d| d.json_type != "boolean") {
            let values: Vec<f64> = (0..=100).map(|i| doc.max * f64::from(i) / 100.0).collect();
            let c = clear_sums(doc, values, None);
            assert_eq!(c.hist.iter().sum::<u64>(), 101, "{}", doc.name);
            assert_eq!(c.hist.len(), hist_edges(doc).len(), "{}", doc.name);
        }
    }
}
