//! A `localStorage` stand-in for tests: the shell's effects applied to a map,
//! so a test can compare what is really stored with what the tracker says.

use super::Effect;
use std::collections::BTreeMap;

/// Keys and values, as the shell would leave them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Storage {
    pub(crate) items: BTreeMap<String, String>,
    /// Every `setItem` carried out so far.
    pub(crate) writes: usize,
}

impl Storage {
    pub(crate) fn with(items: &[(&str, &str)]) -> Storage {
        Storage {
            items: items
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            writes: 0,
        }
    }

    /// Carries out the storage effects, in order.
    pub(crate) fn apply(&mut self, effects: &[Effect]) {
        for e in effects {
            match e {
                Effect::Store { key, value } => {
                    self.writes += 1;
                    self.items.insert(key.clone(), value.clone());
                }
                Effect::Remove(key) => {
                    self.items.remove(key);
                }
                _ => {}
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn keys(&self) -> Vec<String> {
        self.items.keys().cloned().collect()
    }
}

/// The last-words keys of `site` in `items`: (name after `iob:<site>:`, value).
pub(crate) fn last_words(items: &BTreeMap<String, String>, site: &str) -> Vec<(String, String)> {
    let prefix = super::storage::key(site, "");
    items
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?, v)))
        .filter(|(name, _)| name.starts_with("outbox."))
        .map(|(name, v)| (name.to_string(), v.clone()))
        .collect()
}

/// [`last_words`] as the shell hands them over (`Stored::last_words`).
pub(crate) fn last_words_read(items: &BTreeMap<String, String>, site: &str) -> String {
    last_words(items, site)
        .into_iter()
        .map(|(name, v)| format!("{name}\0{v}\0"))
        .collect()
}

impl Storage {
    /// What the shell would read for `site` at the next page load: the
    /// tracker's values, and the history.
    pub(crate) fn stored(&self, site: &str) -> (super::Stored, Option<String>) {
        let get = |n: &str| self.items.get(&super::storage::key(site, n)).cloned();
        (
            super::Stored {
                consent: get("consent"),
                seed: get("seed"),
                session: get("session"),
                outbox: get("outbox"),
                ldp: get("ldp"),
                last_words: last_words_read(&self.items, site),
            },
            get("history"),
        )
    }
}
