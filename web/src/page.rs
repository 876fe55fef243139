//! What the shell reads of the page: its address and context at start-up and
//! at each route change, `navigator.webdriver`, and the current route.

use alloc::string::String;
use iob_sdk::{route_fragment, PageEnv};
use web_sys::Window;

/// The page's address, referrer, user agent, visibility and focus.
pub(crate) fn env(w: &Window) -> PageEnv {
    let doc = w.document();
    let loc = w.location();
    PageEnv {
        href: loc.href().unwrap_or_default(),
        host: loc.hostname().unwrap_or_default(),
        referrer: doc.as_ref().map(|d| d.referrer()).unwrap_or_default(),
        user_agent: w.navigator().user_agent().unwrap_or_default(),
        // `hidden` is `visibilityState !== 'visible'` (web-sys's enum for
        // the state would link a panic path for unknown values).
        visible: doc.as_ref().is_none_or(|d| !d.hidden()),
        focused: doc.as_ref().is_some_and(|d| d.has_focus().unwrap_or(false)),
    }
}

/// `navigator.webdriver` (false when absent).
pub(crate) fn webdriver(w: &Window) -> bool {
    js_sys::Reflect::get(&w.navigator(), &"webdriver".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// What identifies an SPA route: `location.pathname`, plus the fragment when
/// it is a hash route (`iob_sdk::route_fragment`: an in-page anchor is not a
/// new route).
pub(crate) fn route(w: &Window) -> String {
    let loc = w.location();
    let mut r = loc.pathname().unwrap_or_default();
    r.push_str(route_fragment(&loc.hash().unwrap_or_default()));
    r
}
