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

/// `s` split at the first `sep` byte, which must be ASCII: what comes before
/// and after it. A byte scan: a `char` pattern (`str::split_once(',')`)
/// links core's char searcher, its `memchr` and UTF-8 encoding into the
/// wasm. Splitting at an ASCII byte always falls on a char boundary.
pub(crate) fn split_once_byte(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The pieces of `s` between any of the bytes `seps` (ASCII), as
/// `str::split` with those chars gives them (see [`split_once_byte`]).
pub(crate) fn pieces<'a>(s: &'a str, seps: &'static [u8]) -> Pieces<'a> {
    Pieces {
        rest: Some(s),
        seps,
    }
}

/// The iterator of [`pieces`].
pub(crate) struct Pieces<'a> {
    rest: Option<&'a str>,
    seps: &'static [u8],
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let Some(i) = s.bytes().position(|b| self.seps.contains(&b)) else {
            self.rest = None;
            return Some(s);
        };
        self.rest = s.get(i + 1..);
        s.get(..i)
    }
}

#[cfg(test)]
mod tests {
    use super::{pieces, split_once_byte};
    use alloc::vec::Vec;
    use proptest::prelude::*;

    proptest! {
        /// The byte splits agree with `str::split` and `str::split_once` on
        /// any text, separators included.
        #[test]
        fn byte_splits_agree_with_std(s in "[a-c,.é/\\x00-\\x7f]{0,24}", sep in prop::sample::select(b",./=&? ;:#@".to_vec())) {
            let c = sep as char;
            prop_assert_eq!(pieces(&s, b",").collect::<Vec<_>>(), s.split(',').collect::<Vec<_>>());
            prop_assert_eq!(pieces(&s, b"/?#").collect::<Vec<_>>(), s.split(['/', '?', '#']).collect::<Vec<_>>());
            prop_assert_eq!(split_once_byte(&s, sep), s.split_once(c));
        }
    }
}
