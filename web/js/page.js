// What web/src/page.rs reads of the page: its address and context at
// start-up and at each route change. One import for the text and one for the
// flags, instead of a web-sys getter (and its glue) per property. Codes
// shared with Rust are defined in web/src/codes.rs. Nothing here throws.

/** Texts `iobPageText` reads. */
const HREF = 0;
const HOST = 1;
const REFERRER = 2;
const USER_AGENT = 3;
const ROUTE_PATH = 4;
const ROUTE_HASH = 5;

/**
 * One text of the page ('' when it cannot be read).
 * @param {number} which HREF | HOST | REFERRER | USER_AGENT | ROUTE_PATH | ROUTE_HASH
 * @returns {string}
 */
export function iobPageText(which) {
  try {
    const l = location;
    switch (which) {
      case HREF: return l.href;
      case HOST: return l.hostname;
      case REFERRER: return document.referrer;
      case USER_AGENT: return navigator.userAgent;
      case ROUTE_PATH: return l.pathname;
      case ROUTE_HASH: return l.hash;
    }
  } catch {
    // An odd host environment: read as empty.
  }
  return '';
}

/** Flag bits `iobPageFlags` reports. */
const HIDDEN = 1;
const FOCUSED = 2;
const WEBDRIVER = 4;

/**
 * `document.hidden` (visibilityState is not 'visible'), `document.hasFocus()`
 * and `navigator.webdriver`, as HIDDEN | FOCUSED | WEBDRIVER bits.
 * @returns {number}
 */
export function iobPageFlags() {
  let flags = 0;
  try {
    if (document.hidden) flags |= HIDDEN;
    if (document.hasFocus()) flags |= FOCUSED;
    if (navigator.webdriver === true) flags |= WEBDRIVER;
  } catch {
    // Unreadable: visible, unfocused, no webdriver.
  }
  return flags;
}
