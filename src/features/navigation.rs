//! Navigation: `pageviews`, `route_changes`, `conversions` and `engaged`.
//!
//! - `pageviews`: page views of the session so far, this one included: this
//!   document's (1 + SPA route changes) plus earlier ones in the same session
//!   (the session record, kept with analytics consent) or visit (on-device
//!   history, with personalization consent).
//! - `route_changes`: SPA route changes (history API, `hashchange`) in this
//!   document so far; each starts a new page view. A route is the path plus
//!   the fragment of a hash route (`#/…` or `#!…`): an in-page anchor
//!   (`#section`) only scrolls, it is not a new page view.
//! - `conversions`: calls of `track(name, props)` (only counted).
//! - `engaged`: `active_ms >= 10000`, or a conversion, or `pageviews >= 2`.

use super::{clamp_u32, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

/// `engaged` threshold on `active_ms`.
pub(crate) const ENGAGED_ACTIVE_MS: u32 = 10_000;

/// The part of `location.hash` that belongs to the route: the fragment of a
/// hash route (`#/…` or `#!…`), or nothing for an in-page anchor.
pub fn route_fragment(hash: &str) -> &str {
    if matches!(hash.as_bytes(), [b'#', b'/' | b'!', ..]) {
        hash
    } else {
        ""
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Navigation {
    pub pageviews: u32,
    pub route_changes: u32,
    conversions: u32,
}

impl Navigation {
    pub(crate) fn new(pageviews: u32, route_changes: u32) -> Self {
        Navigation {
            pageviews,
            route_changes,
            conversions: 0,
        }
    }
}

impl Aggregator for Navigation {
    fn on_event(&mut self, ev: &Event) {
        if let EventKind::Conversion = ev.kind {
            self.conversions = self.conversions.saturating_add(1);
        }
    }

    /// Needs `active_ms` already written (engagement writes first).
    fn write(&self, _now: f64, out: &mut Features) {
        out.pageviews = clamp_u32(self.pageviews, 100_000);
        out.route_changes = clamp_u32(self.route_changes, 100_000);
        out.conversions = clamp_u32(self.conversions, 100_000);
        out.engaged =
            out.active_ms >= ENGAGED_ACTIVE_MS || self.conversions > 0 || self.pageviews >= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::route_fragment;

    #[test]
    fn only_hash_routes_are_part_of_the_route() {
        assert_eq!(route_fragment("#/users/7"), "#/users/7");
        assert_eq!(route_fragment("#!/inbox"), "#!/inbox");
        assert_eq!(route_fragment("#section-2"), "", "an in-page anchor");
        assert_eq!(route_fragment("#"), "");
        assert_eq!(route_fragment(""), "");
    }
}
