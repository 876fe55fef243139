//! Random identifiers and pseudonym derivation.
//!
//! Identifiers are random 128-bit values supplied by the caller (the shell
//! draws them from `crypto.getRandomValues` through `getrandom`); nothing here
//! derives an identifier from personal data. A rotating pseudonym is
//! SipHash-2-4-128 keyed with the on-device seed over the period number, so
//! without the seed two periods' pseudonyms cannot be linked.

use alloc::string::String;

/// A random 128-bit identifier.
pub type Id128 = [u8; 16];

const HEX: &[u8; 16] = b"0123456789abcdef";

/// 32 lowercase hex digits.
pub(crate) fn to_hex(id: &Id128) -> String {
    let mut s = String::with_capacity(32);
    for b in id {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Parses 32 lowercase hex digits.
pub(crate) fn from_hex(s: &str) -> Option<Id128> {
    let bytes = s.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let nibble = |c: u8| HEX.iter().position(|h| *h == c).map(|p| p as u8);
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// The pseudonym for `period` (e.g. the day number): PRF(seed, label || period).
pub(crate) fn pseudonym(seed: &Id128, label: &[u8], period: u64) -> Id128 {
    let mut msg = [0u8; 24];
    for (m, l) in msg.iter_mut().zip(label.iter().take(16)) {
        *m = *l;
    }
    for (m, p) in msg[16..].iter_mut().zip(period.to_le_bytes()) {
        *m = p;
    }
    siphash128(seed, &msg)
}

#[inline]
fn sipround(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// SipHash-2-4 with 128-bit output (the reference `siphash128`).
pub(crate) fn siphash128(key: &Id128, msg: &[u8]) -> Id128 {
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    let k0 = word(&key[..8]);
    let k1 = word(&key[8..]);
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d ^ 0xee,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let mut chunks = msg.chunks_exact(8);
    for c in &mut chunks {
        let m = word(c);
        v[3] ^= m;
        sipround(&mut v);
        sipround(&mut v);
        v[0] ^= m;
    }
    let rest = chunks.remainder();
    let mut last = (msg.len() as u64 & 0xff) << 56;
    for (i, b) in rest.iter().enumerate() {
        last |= u64::from(*b) << (8 * i);
    }
    v[3] ^= last;
    sipround(&mut v);
    sipround(&mut v);
    v[0] ^= last;
    v[2] ^= 0xee;
    for _ in 0..4 {
        sipround(&mut v);
    }
    let out0 = v[0] ^ v[1] ^ v[2] ^ v[3];
    v[1] ^= 0xdd;
    for _ in 0..4 {
        sipround(&mut v);
    }
    let out1 = v[0] ^ v[1] ^ v[2] ^ v[3];
    let mut out = [0u8; 16];
    for (o, b) in out
        .iter_mut()
        .zip(out0.to_le_bytes().into_iter().chain(out1.to_le_bytes()))
    {
        *o = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Id128 {
        core::array::from_fn(|i| i as u8)
    }

    #[test]
    fn siphash128_matches_reference_vectors() {
        // Reference vectors (key 00..0f, message 00..len-1) from the SipHash authors.
        assert_eq!(
            to_hex(&siphash128(&key(), &[])),
            "a3817f04ba25a8e66df67214c7550293"
        );
        assert_eq!(
            to_hex(&siphash128(&key(), &[0])),
            "da87c1d86b99af44347659119b22fc45"
        );
        assert_eq!(
            to_hex(&siphash128(&key(), &[0, 1, 2])),
            "9c70b60c5267a94e5f33b6b02985ed51"
        );
    }

    #[test]
    fn hex_round_trips_and_rejects_bad_input() {
        let id = key();
        assert_eq!(from_hex(&to_hex(&id)), Some(id));
        assert_eq!(from_hex("ABCDEF0123456789abcdef0123456789"), None);
        assert_eq!(from_hex("abc"), None);
    }

    #[test]
    fn pseudonyms_rotate_per_period_and_depend_on_the_seed() {
        let seed = key();
        let mut other = seed;
        other[0] ^= 1;
        assert_eq!(
            pseudonym(&seed, b"vid", 20_000),
            pseudonym(&seed, b"vid", 20_000)
        );
        assert_ne!(
            pseudonym(&seed, b"vid", 20_000),
            pseudonym(&seed, b"vid", 20_001)
        );
        assert_ne!(
            pseudonym(&seed, b"vid", 20_000),
            pseudonym(&other, b"vid", 20_000)
        );
        assert_ne!(
            pseudonym(&seed, b"vid", 20_000),
            pseudonym(&seed, b"sid", 20_000)
        );
    }
}
