//! What the shell reads of the page: its address and context at start-up and
//! at each route change, `navigator.webdriver`, and the current route, through
//! `js/page.js` (one import for the texts, one for the flags).

use crate::codes::{
    FOCUSED, HIDDEN, HOST, HREF, REFERRER, ROUTE_HASH, ROUTE_PATH, USER_AGENT, WEBDRIVER,
};
use alloc::string::String;
use iob_sdk::{route_fragment, PageEnv};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/page.js")]
extern "C" {
    /// One text of the page ('' when unreadable): HREF, HOST, REFERRER,
    /// USER_AGENT, ROUTE_PATH or ROUTE_HASH.
    #[wasm_bindgen(js_name = iobPageText)]
    fn text(which: u32) -> String;
    /// HIDDEN | FOCUSED | WEBDRIVER bits.
    #[wasm_bindgen(js_name = iobPageFlags)]
    fn flags() -> u32;
}

/// The page's address, referrer, user agent, visibility and focus.
pub(crate) fn env() -> PageEnv {
    let flags = flags();
    PageEnv {
        href: text(HREF),
        host: text(HOST),
        referrer: text(REFERRER),
        user_agent: text(USER_AGENT),
        // `hidden` is `visibilityState !== 'visible'`.
        visible: flags & HIDDEN == 0,
        focused: flags & FOCUSED != 0,
    }
}

/// `navigator.webdriver` (false when absent).
pub(crate) fn webdriver() -> bool {
    flags() & WEBDRIVER != 0
}

/// What identifies an SPA route: `location.pathname`, plus the fragment when
/// it is a hash route (`iob_sdk::route_fragment`: an in-page anchor is not a
/// new route).
pub(crate) fn route() -> String {
    let mut r = text(ROUTE_PATH);
    r.push_str(route_fragment(&text(ROUTE_HASH)));
    r
}
