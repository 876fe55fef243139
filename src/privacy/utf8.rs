//! Bytes read as UTF-8, each ill-formed part replaced by U+FFFD: what
//! `String::from_utf8_lossy` returns, in a few hundred bytes of wasm
//! instead of core's chunk iterator (about 1 KB). The tests compare it with
//! the standard library on every kind of input.

use alloc::string::String;

/// The range the byte after lead byte `lead` must fall in, and how many
/// bytes the sequence has in all (Unicode, table 3-7); `None` for a byte
/// that cannot start a sequence.
fn shape(lead: u8) -> Option<(u8, u8, usize)> {
    Some(match lead {
        0xC2..=0xDF => (0x80, 0xBF, 2),
        0xE0 => (0xA0, 0xBF, 3),
        0xED => (0x80, 0x9F, 3),
        0xE1..=0xEF => (0x80, 0xBF, 3),
        0xF0 => (0x90, 0xBF, 4),
        0xF4 => (0x80, 0x8F, 4),
        0xF1..=0xF3 => (0x80, 0xBF, 4),
        _ => return None,
    })
}

/// `bytes` as text: well-formed sequences kept, each maximal ill-formed
/// part (the longest prefix of a sequence that could still have become
/// well-formed, or one byte) replaced by one U+FFFD.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        i += 1;
        if lead < 0x80 {
            out.push(char::from(lead));
            continue;
        }
        let Some((lo, hi, len)) = shape(lead) else {
            out.push(char::REPLACEMENT_CHARACTER);
            continue;
        };
        // The lead byte's own bits: 5, 4 or 3 of them for 2, 3 or 4 bytes.
        let mut code = u32::from(lead) & (0x7F >> len);
        let mut ok = true;
        for k in 1..len {
            let (min, max) = if k == 1 { (lo, hi) } else { (0x80, 0xBF) };
            match bytes.get(i) {
                Some(&b) if (min..=max).contains(&b) => {
                    code = code << 6 | u32::from(b & 0x3F);
                    i += 1;
                }
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        out.push(match ok {
            true => char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
            false => char::REPLACEMENT_CHARACTER,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::lossy;
    use proptest::prelude::*;

    #[test]
    fn matches_the_standard_library_on_hand_picked_bytes() {
        let cases: &[&[u8]] = &[
            b"plain ascii",
            "é, ü, 中, 😀".as_bytes(),
            b"\x80",
            b"\xC0\x80",                        // overlong
            b"\xC2",                            // truncated at the end
            b"\xE0\x80\x80",                    // overlong three-byte
            b"\xE0\xA0",                        // truncated three-byte
            b"\xED\xA0\x80",                    // surrogate
            b"\xF0\x8F\xBF\xBF",                // overlong four-byte
            b"\xF4\x90\x80\x80",                // above U+10FFFF
            b"\xF0\x9F\x98",                    // truncated emoji
            b"a\xF0\x9F\x98b\xFFc\xF5\xE1\x80", // mixed
        ];
        for &c in cases {
            assert_eq!(lossy(c), String::from_utf8_lossy(c), "{c:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn matches_the_standard_library_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn matches_the_standard_library_near_sequence_bytes(
            bytes in proptest::collection::vec(prop_oneof![0x7Eu8..=0x82, 0x8Eu8..=0x91, 0x9Eu8..=0xA1, 0xBEu8..=0xC3, 0xDEu8..=0xE1, 0xECu8..=0xF5], 0..16)
        ) {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes));
        }
    }
}
