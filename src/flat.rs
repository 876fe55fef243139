//! Flat objects (string keys mapped to strings, whole numbers, booleans or
//! null) as the core reads them: *pairs text*, which JavaScript makes of a
//! JSON object with the platform's `JSON.parse` (`web/js/flat.js`), so the
//! wasm carries no JSON reader. The core reads the configuration, its own
//! stored values and the consent signal readings this way; the shell hands
//! it the conversion as a [`JsonPairs`] function, and native builds use
//! [`pairs_from_json`], its twin (a shared fixture keeps them alike).
//!
//! Pairs text: for each member, its key, NUL, a tag and the value, the
//! members joined by NUL (`site\0sdemo\0n\0n5`); `""` is the empty object.
//! Tags: `s` text, `n` a whole number (decimal digits, maybe a leading `-`;
//! only safe integers, others travel as text like fractions do), `t` and
//! `f` the booleans, `z` null, `x` anything else (a nested object), and `o`
//! alone (`"\0o"`) a JSON value that is not an object. An array is text:
//! its items joined by commas (`pathTemplates`). A NUL inside a key or a
//! text becomes U+FFFD. Members come in the object's order; a repeated key
//! keeps its first place and its last value (as `JSON.parse` does; it also
//! puts integer-like keys first, which no key of the SDK is). The twin
//! writes a number with an exponent (`1e-7`) as Rust does, not as
//! JavaScript does; the SDK reads no such number.

use crate::error::FieldError;
use alloc::string::String;
use alloc::vec::Vec;

/// Turns the JSON text of an object into pairs text; `None` when the text
/// is not JSON.
pub type JsonPairs = fn(&str) -> Option<String>;

/// One scalar value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scalar {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
}

/// A parse failure at `key` (`"."` for the object itself; an empty key is
/// also named `"."`, never as an empty field).
fn fail(key: &str, reason: &'static str) -> FieldError {
    FieldError::new(if key.is_empty() { "." } else { key }, reason)
}

/// A non-empty run of ASCII digits as a `u64` (`None` on anything else or
/// on overflow). Hand-written: the generic integer parser costs the wasm more.
fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// A whole number written with ASCII digits only (no sign, no spaces).
pub(crate) fn parse_uint(s: &str) -> Option<u64> {
    parse_digits(s.as_bytes())
}

/// [`parse_uint`] into a `u32`.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    parse_uint(s).and_then(|n| u32::try_from(n).ok())
}

/// Reads pairs text (see the module). A member that is not a scalar
/// fails with its key.
pub(crate) fn parse(text: &str) -> Result<Vec<(String, Scalar)>, FieldError> {
    // Pairs text with a member always holds a NUL; JSON text never does.
    debug_assert!(
        !text.starts_with('{') || text.contains('\0'),
        "JSON where pairs text is read: {text}"
    );
    let mut out: Vec<(String, Scalar)> = Vec::new();
    if text.is_empty() {
        return Ok(out);
    }
    let mut members = crate::split::pieces(text, b"\0");
    while let Some(key) = members.next() {
        let v = members.next().unwrap_or_default();
        let rest = v.get(1..).unwrap_or_default();
        let v = match v.as_bytes().first() {
            Some(b's') => Scalar::Str(rest.into()),
            Some(b't') => Scalar::Bool(true),
            Some(b'f') => Scalar::Bool(false),
            Some(b'z') => Scalar::Null,
            Some(b'n') => {
                let negative = rest.starts_with('-');
                let digits = rest.get(usize::from(negative)..).unwrap_or_default();
                let n = parse_uint(digits)
                    .and_then(|n| i64::try_from(n).ok())
                    .ok_or_else(|| fail(key, "is not a valid whole number"))?;
                Scalar::Int(if negative { -n } else { n })
            }
            Some(b'o') => return Err(fail(".", "must be an object")),
            _ => return Err(fail(key, "must be a string, a whole number or a boolean")),
        };
        out.push((key.into(), v));
    }
    Ok(out)
}

/// Looks a key up in parsed pairs.
pub(crate) fn get<'a>(pairs: &'a [(String, Scalar)], key: &str) -> Option<&'a Scalar> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The native twin of `web/js/flat.js`: the pairs text of the JSON object
/// `json` (module doc), `None` when `json` is not JSON. Used where the core
/// runs without a browser: tests, the trace corpus, tools.
#[cfg(feature = "std")]
pub fn pairs_from_json(json: &str) -> Option<String> {
    use serde_json::Value;
    /// JavaScript's `String(v)` of an array item, as `Array.prototype.join` makes it.
    fn js_text(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(js_text).collect::<Vec<_>>().join(","),
            Value::Object(_) => "[object Object]".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f.abs() < 1e21 {
                    (f as i128).to_string()
                } else {
                    f.to_string()
                }
            }
        }
    }
    fn tagged(v: &Value) -> String {
        const SAFE: f64 = 9_007_199_254_740_991.0;
        match v {
            Value::String(s) => ["s", s].concat(),
            Value::Bool(b) => (if *b { "t" } else { "f" }).into(),
            Value::Null => "z".into(),
            Value::Number(n)
                if n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() <= SAFE) =>
            {
                ["n", &js_text(v)].concat()
            }
            Value::Number(_) | Value::Array(_) => ["s", &js_text(v)].concat(),
            Value::Object(_) => "x".into(),
        }
    }
    /// An object's members in the text's order (`serde_json::Map` sorts them).
    struct Members(Vec<(String, String)>);
    impl<'de> serde::Deserialize<'de> for Members {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Members;
                fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut m: A,
                ) -> Result<Members, A::Error> {
                    let mut members: Vec<(String, String)> = Vec::new();
                    while let Some((k, v)) = m.next_entry::<String, Value>()? {
                        let v = tagged(&v);
                        match members.iter_mut().find(|(x, _)| *x == k) {
                            Some(member) => member.1 = v,
                            None => members.push((k, v)),
                        }
                    }
                    Ok(Members(members))
                }
            }
            d.deserialize_map(Visitor)
        }
    }
    if !serde_json::from_str::<Value>(json).ok()?.is_object() {
        return Some("\0o".into());
    }
    let Members(members) = serde_json::from_str(json).ok()?;
    let clean = |t: &str| t.replace('\0', "\u{fffd}");
    let mut out = Vec::new();
    for (k, v) in members {
        out.push(clean(&k));
        out.push(clean(&v));
    }
    Some(out.join("\0"))
}

/// For tests: the pairs text of `json`, as the tracker reads it (JSON that
/// does not parse reads as an empty object).
#[cfg(test)]
pub(crate) fn pairs(json: &str) -> String {
    pairs_from_json(json).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_text() {
        let p = parse("a\0sx\"\u{e9}\n\0b\0n-12\0c\0t\0d\0z\0e\0s").unwrap();
        assert_eq!(get(&p, "a"), Some(&Scalar::Str("x\"\u{e9}\n".into())));
        assert_eq!(get(&p, "b"), Some(&Scalar::Int(-12)));
        assert_eq!(get(&p, "c"), Some(&Scalar::Bool(true)));
        assert_eq!(get(&p, "d"), Some(&Scalar::Null));
        assert_eq!(get(&p, "e"), Some(&Scalar::Str(String::new())));
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn rejects_with_the_key() {
        let e = |s: &str| parse(s).unwrap_err();
        assert_eq!(e("a\0x").field, "a");
        assert_eq!(
            e("a\0x").reason,
            "must be a string, a whole number or a boolean"
        );
        assert_eq!(e("a\0n99999999999999999999").field, "a");
        assert_eq!(e("a\0n1.5").reason, "is not a valid whole number");
        assert_eq!(e("\0o").reason, "must be an object");
        assert_eq!(e("\0o").field, ".");
        assert_eq!(e("a").field, "a", "a key without a value");
        assert_eq!(e("a\0").field, "a");
    }

    /// `tests/flat-cases.json` holds JSON texts and the pairs text
    /// `web/js/flat.js` makes of each; `tests/pkg/flat.test.mjs` checks the
    /// JavaScript against the same file.
    #[test]
    fn the_native_twin_makes_what_flat_js_makes() {
        let cases: Vec<(String, Option<String>)> =
            serde_json::from_str(include_str!("../tests/flat-cases.json")).unwrap();
        assert!(cases.len() >= 10);
        for (json, pairs) in cases {
            assert_eq!(pairs_from_json(&json), pairs, "{json}");
        }
    }
}
