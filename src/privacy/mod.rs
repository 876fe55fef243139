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

/// The pieces of `s` between `sep` bytes (ASCII), as `str::split` with that
/// char gives them (see [`split_once_byte`]).
pub(crate) fn pieces(s: &str, sep: u8) -> Pieces<'_> {
    Pieces { rest: Some(s), sep }
}

/// The iterator of [`pieces`].
pub(crate) struct Pieces<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match split_once_byte(s, self.sep) {
            Some((piece, rest)) => {
                self.rest = Some(rest);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
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
            prop_assert_eq!(pieces(&s, sep).collect::<Vec<_>>(), s.split(c).collect::<Vec<_>>());
            prop_assert_eq!(split_once_byte(&s, sep), s.split_once(c));
        }
    }
}
