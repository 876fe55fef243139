//! Pseudonym periods. The SDK's visitor pseudonym (`vid`) rotates every
//! `rotationHours` hours (default 24), in periods aligned to multiples of the
//! period since the Unix epoch (period index = unix_ms / (rotationHours ×
//! 3 600 000)). The same person has a new pseudonym in every period, so
//! distinct pseudonyms over a range count people only within one period:
//! k-anonymity is checked against the busiest period
//! ([`PeriodPseudonyms::max`]).

use std::collections::{HashMap, HashSet};

/// Rotation assumed when a payload does not carry one: the SDK's default.
pub const DEFAULT_ROTATION_HOURS: u32 = 24;

/// Largest rotation the SDK accepts (one year of hours).
pub const MAX_ROTATION_HOURS: u32 = 8_760;

/// The rotation in hours a stored row stands for: `rot` when it is one the
/// SDK can send (1..=8760), else [`DEFAULT_ROTATION_HOURS`].
pub fn rotation_hours(rot: Option<u32>) -> u32 {
    rot.filter(|r| (1..=MAX_ROTATION_HOURS).contains(r))
        .unwrap_or(DEFAULT_ROTATION_HOURS)
}

/// Index of the pseudonym period of a snapshot taken in the UTC hour that
/// starts at `hour` (Unix seconds), under a rotation of `rot` hours (`None`:
/// unknown, 24): unix_ms / (rot × 3 600 000) = hour / (rot × 3600).
///
/// The ClickHouse backend computes the same in SQL
/// (`storage::clickhouse::sql::PERIOD`); the shared storage tests check both.
pub fn pseudonym_period(hour: u64, rot: Option<u32>) -> u64 {
    hour / (u64::from(rotation_hours(rot)) * 3600)
}

/// Distinct pseudonyms per period, for the k figure of a group (or of a
/// part of one). Pseudonyms are small ids handed out by the caller.
#[derive(Debug, Default)]
pub struct PeriodPseudonyms {
    seen: HashSet<(u64, u32)>,
    per_period: HashMap<u64, u64>,
}

impl PeriodPseudonyms {
    /// Counts pseudonym `id` in `period` (once, however often it is added).
    pub fn add(&mut self, period: u64, id: u32) {
        if self.seen.insert((period, id)) {
            *self.per_period.entry(period).or_default() += 1;
        }
    }

    /// Distinct pseudonyms of the busiest period (0 when there are none):
    /// the number k-anonymity compares with k.
    pub fn max(&self) -> u64 {
        self.per_period.values().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_aligned_to_the_epoch() {
        let day = 86_400;
        // 2027-01-15T08:00Z and 23:00Z share the day; the next midnight does not.
        let h = 1_800_000_000;
        assert_eq!(pseudonym_period(h, None), h / day);
        assert_eq!(pseudonym_period(h + 15 * 3600, None), h / day);
        assert_eq!(pseudonym_period(h + 16 * 3600, None), h / day + 1);
        assert_eq!(pseudonym_period(h, Some(24)), pseudonym_period(h, None));
        // Hourly rotation: every hour is its own period.
        assert_eq!(pseudonym_period(h, Some(1)), h / 3600);
        assert_eq!(pseudonym_period(h + 3600, Some(1)), h / 3600 + 1);
        // A week: 1970-01-01 was a Thursday, so weeks start on Thursdays.
        assert_eq!(pseudonym_period(h, Some(168)), h / (168 * 3600));
        // Values the SDK cannot send fall back to the default.
        assert_eq!(pseudonym_period(h, Some(0)), h / day);
        assert_eq!(pseudonym_period(h, Some(8_761)), h / day);
        assert_eq!(pseudonym_period(h, Some(8_760)), h / (8_760 * 3600));
    }

    #[test]
    fn the_busiest_period_counts_distinct_pseudonyms() {
        let mut p = PeriodPseudonyms::default();
        assert_eq!(p.max(), 0);
        for (period, id) in [(1, 1), (1, 1), (1, 2), (2, 1), (2, 3), (2, 4), (3, 5)] {
            p.add(period, id);
        }
        assert_eq!(p.max(), 3, "period 2: ids 1, 3, 4");
    }
}
