#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
//! Numeric codes shared between the Rust shell and its JavaScript files
//! (`web/js/*.js`). Each JS file defines the same names as `const`s; the test
//! below fails when a value differs, so a code is defined once and checked.

/// `js/listen.js`: flag bits reported with each event.
pub(crate) const TRUSTED: u32 = 1;
pub(crate) const KEYBOARD: u32 = 2;
pub(crate) const NATIVE: u32 = 4;
pub(crate) const FIELD: u32 = 8;
pub(crate) const PERSISTED: u32 = 16;
pub(crate) const VISIBLE: u32 = 64;
/// `js/listen.js`: what the snippet reads for an event type.
pub(crate) const READ_XY: u32 = 1;
pub(crate) const READ_ELEMENT: u32 = 2;
pub(crate) const READ_KEY: u32 = 4;
pub(crate) const READ_FORM: u32 = 8;
pub(crate) const READ_FOCUS: u32 = 16;
pub(crate) const READ_VISIBILITY: u32 = 32;
pub(crate) const READ_PERSISTED: u32 = 64;
pub(crate) const READ_SCROLL: u32 = 128;
/// `js/listen.js`: key classes, reported in `x` for key events.
pub(crate) const KEY_CHAR: u32 = 0;
pub(crate) const KEY_DELETE: u32 = 1;
pub(crate) const KEY_NAVIGATION: u32 = 2;
pub(crate) const KEY_ENTER: u32 = 3;
/// `js/observe.js`: report kinds.
pub(crate) const DOM_CHANGED: u32 = 0;
pub(crate) const LCP: u32 = 1;
pub(crate) const LAYOUT_SHIFT: u32 = 2;
pub(crate) const INTERACTION: u32 = 3;
pub(crate) const LONG_TASK: u32 = 4;
pub(crate) const HISTORY_CHANGED: u32 = 5;
pub(crate) const FCP: u32 = 6;
pub(crate) const INTERACTION_COUNT: u32 = 7;
pub(crate) const PAGE_TIMES: u32 = 8;
pub(crate) const NAVIGATE: u32 = 9;
/// `js/request.js`: request kinds.
pub(crate) const BEACON: u32 = 0;
pub(crate) const POST: u32 = 1;
pub(crate) const PROBE: u32 = 2;

/// `js/page.js`: the texts `iobPageText` reads.
pub(crate) const HREF: u32 = 0;
pub(crate) const HOST: u32 = 1;
pub(crate) const REFERRER: u32 = 2;
pub(crate) const USER_AGENT: u32 = 3;
pub(crate) const ROUTE_PATH: u32 = 4;
pub(crate) const ROUTE_HASH: u32 = 5;
/// `js/page.js`: the flag bits `iobPageFlags` reports.
pub(crate) const HIDDEN: u32 = 1;
pub(crate) const FOCUSED: u32 = 2;
pub(crate) const WEBDRIVER: u32 = 4;
/// `js/storage.js`: operations.
pub(crate) const STORAGE_READ: u32 = 0;
pub(crate) const STORAGE_WRITE: u32 = 1;
pub(crate) const STORAGE_REMOVE: u32 = 2;
pub(crate) const STORAGE_AVAILABLE: u32 = 3;
pub(crate) const LAST_WORDS: u32 = 4;

/// Every code with its name and the JS file that defines it.
#[cfg(test)]
const ALL: &[(&str, u32, &str)] = &[
    ("TRUSTED", TRUSTED, "listen.js"),
    ("KEYBOARD", KEYBOARD, "listen.js"),
    ("NATIVE", NATIVE, "listen.js"),
    ("FIELD", FIELD, "listen.js"),
    ("PERSISTED", PERSISTED, "listen.js"),
    ("VISIBLE", VISIBLE, "listen.js"),
    ("READ_XY", READ_XY, "listen.js"),
    ("READ_ELEMENT", READ_ELEMENT, "listen.js"),
    ("READ_KEY", READ_KEY, "listen.js"),
    ("READ_FORM", READ_FORM, "listen.js"),
    ("READ_FOCUS", READ_FOCUS, "listen.js"),
    ("READ_VISIBILITY", READ_VISIBILITY, "listen.js"),
    ("READ_PERSISTED", READ_PERSISTED, "listen.js"),
    ("READ_SCROLL", READ_SCROLL, "listen.js"),
    ("KEY_CHAR", KEY_CHAR, "listen.js"),
    ("KEY_DELETE", KEY_DELETE, "listen.js"),
    ("KEY_NAVIGATION", KEY_NAVIGATION, "listen.js"),
    ("KEY_ENTER", KEY_ENTER, "listen.js"),
    ("DOM_CHANGED", DOM_CHANGED, "observe.js"),
    ("LCP", LCP, "observe.js"),
    ("LAYOUT_SHIFT", LAYOUT_SHIFT, "observe.js"),
    ("INTERACTION", INTERACTION, "observe.js"),
    ("LONG_TASK", LONG_TASK, "observe.js"),
    ("HISTORY_CHANGED", HISTORY_CHANGED, "observe.js"),
    ("FCP", FCP, "observe.js"),
    ("INTERACTION_COUNT", INTERACTION_COUNT, "observe.js"),
    ("PAGE_TIMES", PAGE_TIMES, "observe.js"),
    ("NAVIGATE", NAVIGATE, "observe.js"),
    ("BEACON", BEACON, "request.js"),
    ("POST", POST, "request.js"),
    ("PROBE", PROBE, "request.js"),
    ("HREF", HREF, "page.js"),
    ("HOST", HOST, "page.js"),
    ("REFERRER", REFERRER, "page.js"),
    ("USER_AGENT", USER_AGENT, "page.js"),
    ("ROUTE_PATH", ROUTE_PATH, "page.js"),
    ("ROUTE_HASH", ROUTE_HASH, "page.js"),
    ("HIDDEN", HIDDEN, "page.js"),
    ("FOCUSED", FOCUSED, "page.js"),
    ("WEBDRIVER", WEBDRIVER, "page.js"),
    ("STORAGE_READ", STORAGE_READ, "storage.js"),
    ("STORAGE_WRITE", STORAGE_WRITE, "storage.js"),
    ("STORAGE_REMOVE", STORAGE_REMOVE, "storage.js"),
    ("STORAGE_AVAILABLE", STORAGE_AVAILABLE, "storage.js"),
    ("LAST_WORDS", LAST_WORDS, "storage.js"),
];

#[cfg(test)]
mod tests {
    use super::ALL;

    fn js(file: &str) -> String {
        let path = format!("{}/js/{file}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Every `const NAME = value;` of the JS files that is a shared code has
    /// the Rust value, and every Rust code is defined in its JS file.
    #[test]
    fn js_files_define_the_same_codes() {
        for (name, value, file) in ALL {
            let text = js(file);
            let line = format!("const {name} = {value};");
            assert!(
                text.contains(&line),
                "web/js/{file} must define `{line}` (web/src/codes.rs)"
            );
        }
        for file in [
            "listen.js",
            "observe.js",
            "request.js",
            "page.js",
            "storage.js",
        ] {
            for line in js(file)
                .lines()
                .filter(|l| l.starts_with("const ") && l.ends_with(';'))
            {
                let name = line
                    .trim_start_matches("const ")
                    .split(' ')
                    .next()
                    .unwrap_or("");
                if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    assert!(
                        ALL.iter().any(|(n, _, f)| *n == name && *f == file),
                        "web/js/{file}: `{name}` is not in web/src/codes.rs"
                    );
                }
            }
        }
    }
}
