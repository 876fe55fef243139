//! Purposes a visitor can allow, and sets of them.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// What data use a visitor can allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Local automation/fraud signals; nothing leaves the device, no consent needed.
    Security,
    /// Sending aggregated payloads to the collector.
    Analytics,
    /// On-device history and segments.
    Personalization,
    /// Never used by the SDK; exists so that a denial is recorded.
    Marketing,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::Security,
        Purpose::Analytics,
        Purpose::Personalization,
        Purpose::Marketing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Security => "security",
            Purpose::Analytics => "analytics",
            Purpose::Personalization => "personalization",
            Purpose::Marketing => "marketing",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// A set of purposes, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurposeSet(u8);

impl PurposeSet {
    pub fn contains(self, p: Purpose) -> bool {
        self.0 & (1 << p.index()) != 0
    }
    pub fn insert(&mut self, p: Purpose) {
        self.0 |= 1 << p.index();
    }
    /// The purposes in the set, in [`Purpose::ALL`] order. (A loop: each
    /// `filter().collect()` links its own adapter code into the wasm.)
    pub fn to_vec(self) -> Vec<Purpose> {
        let mut out = Vec::new();
        for p in Purpose::ALL {
            if self.contains(p) {
                out.push(p);
            }
        }
        out
    }
    /// Every purpose not in the set.
    pub fn complement(self) -> PurposeSet {
        PurposeSet::from_bits(!self.0)
    }
    pub fn from_list(list: &[Purpose]) -> PurposeSet {
        let mut s = PurposeSet::default();
        list.iter().for_each(|p| s.insert(*p));
        s
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn from_bits(bits: u8) -> PurposeSet {
        PurposeSet(bits & 0b1111)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_and_its_complement_split_every_purpose_in_order() {
        for bits in 0..16u8 {
            let set = PurposeSet::from_bits(bits);
            let (inside, outside) = (set.to_vec(), set.complement().to_vec());
            let expected: Vec<Purpose> = Purpose::ALL
                .into_iter()
                .filter(|p| bits & (1 << p.index()) != 0)
                .collect();
            assert_eq!(inside, expected, "{bits:04b}");
            assert!(outside.iter().all(|p| !set.contains(*p)));
            assert_eq!(inside.len() + outside.len(), Purpose::ALL.len());
            assert_eq!(PurposeSet::from_list(&inside), set);
        }
    }
}
