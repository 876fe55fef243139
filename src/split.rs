//! Splitting text at ASCII bytes. A `char` pattern (`str::split(',')`,
//! `split_once('.')`) links core's char searcher, its `memchr` and UTF-8
//! encoding into the wasm; these byte scans split the same way (a property
//! test checks them against `str`'s). Splitting at an ASCII byte always falls
//! on a char boundary. Public for the browser shell (`iob-web`), which
//! splits what its JS files hand it the same way.

/// `s` split at the first `sep` byte (ASCII): what comes before and after
/// it, as `str::split_once` with that char gives them.
pub fn once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The pieces of `s` between any of the bytes `seps` (ASCII), as
/// `str::split` with those chars gives them (see [`once`]).
pub fn pieces<'a>(s: &'a str, seps: &'static [u8]) -> Pieces<'a> {
    Pieces {
        rest: Some(s),
        seps,
    }
}

/// The iterator of [`pieces`].
#[derive(Debug)]
pub struct Pieces<'a> {
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
    use super::{once, pieces};
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
            prop_assert_eq!(once(&s, sep), s.split_once(c));
        }
    }
}
