//! SPA route tracking: after `pushState`/`replaceState` (reported by
//! `js/observe.js`), `popstate` or `hashchange`, a changed route (the path,
//! and the fragment of a hash route: see `page::route`) is a route change,
//! which starts a fresh page view (the old one's final snapshot goes first)
//! with its own scroll reading (asked of `js/listen.js`).

use crate::instance::Inner;
use crate::{browser, deferred, page};

/// Starts a new page view when the route changed since the last check.
pub(crate) fn check(i: &mut Inner) {
    let route = page::route();
    if i.route == route {
        return;
    }
    i.route = route;
    let now = i.now();
    let env = page::env();
    i.tracker
        .start_page_view(now, browser::wall(), &env.href, env.visible, env.focused);
    deferred::read_scroll();
    i.check_segment(now);
}
