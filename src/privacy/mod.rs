//! Privacy transforms applied before anything leaves the device.

pub(crate) mod ldp;
pub(crate) mod scrub;
pub(crate) mod ua;
pub(crate) mod url;
pub(crate) mod utf8;

/// Byte offset of `needle` in `hay`. A plain byte scan: `str::find` with a
/// string pattern links core's two-way searcher and its panic formatting into
/// the wasm, which costs kilobytes for a few short needles.
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(n.len()).position(|w| w == n)
}

/// `true` when `needle` occurs in `hay` (see [`find`]).
pub(crate) fn has(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}
