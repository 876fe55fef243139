//! A reader for flat JSON objects: string keys mapped to strings, whole
//! numbers, booleans or null. It parses the SDK configuration and the SDK's
//! own stored values, and keeps serde's deserializer (and its float-parsing
//! tables) out of the wasm binary. Nested values are rejected with the key.

use crate::error::FieldError;
use alloc::string::String;
use alloc::vec::Vec;

/// One scalar value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scalar {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
}

struct Reader<'a> {
    /// The text, and the same as bytes for scanning.
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.i..self.i + 4)?;
        self.i += 4;
        digits
            .iter()
            .try_fold(0u32, |n, b| Some(n * 16 + char::from(*b).to_digit(16)?))
    }

    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        // Unescaped runs are copied as `str` slices (the input is UTF-8 and
        // a run never ends inside a character, as quotes, backslashes and
        // controls are ASCII): no UTF-8 validation of the output needed.
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let b = self.peek()?;
            self.i += 1;
            match b {
                b'"' => {
                    out.push_str(self.text.get(run..self.i - 1)?);
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(run..self.i - 1)?);
                    let e = self.peek()?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => char::from_u32(self.hex4()?).unwrap_or('\u{fffd}'),
                        _ => return None,
                    };
                    out.push(c);
                    run = self.i;
                }
                0..=0x1f => return None,
                _ => {}
            }
        }
    }

    fn scalar(&mut self) -> Result<Scalar, &'static str> {
        self.ws();
        match self.peek() {
            Some(b'"') => self
                .string()
                .map(Scalar::Str)
                .ok_or("is not a valid string"),
            Some(b'{') | Some(b'[') => Err("must be a string, a whole number or a boolean"),
            Some(b't') | Some(b'f') | Some(b'n') => {
                for (word, v) in [
                    (&b"true"[..], Scalar::Bool(true)),
                    (b"false", Scalar::Bool(false)),
                    (b"null", Scalar::Null),
                ] {
                    if self
                        .s
                        .get(self.i..)
                        .is_some_and(|rest| rest.starts_with(word))
                    {
                        self.i += word.len();
                        return Ok(v);
                    }
                }
                Err("is not valid JSON")
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
                if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
                    return Err("must be a whole number");
                }
                let text = self.s.get(start..self.i).unwrap_or_default();
                let (negative, digits) = match text.split_first() {
                    Some((b'-', rest)) => (true, rest),
                    _ => (false, text),
                };
                let n = parse_digits(digits).and_then(|n| i64::try_from(n).ok());
                n.map(|n| Scalar::Int(if negative { -n } else { n }))
                    .ok_or("is not a valid whole number")
            }
            _ => Err("is not valid JSON"),
        }
    }
}

/// A parse failure at `key` (`"."` for the object itself; an empty key is
/// also named `"."`, never as an empty field).
fn fail(key: &str, reason: &'static str) -> FieldError {
    FieldError::new(if key.is_empty() { "." } else { key }, reason)
}

/// Parses `{"key": scalar, ...}`. Duplicate keys are rejected.
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

pub(crate) fn parse(text: &str) -> Result<Vec<(String, Scalar)>, FieldError> {
    let mut r = Reader {
        text,
        s: text.as_bytes(),
        i: 0,
    };
    if !r.eat(b'{') {
        return Err(fail(".", "must be an object"));
    }
    let mut out: Vec<(String, Scalar)> = Vec::new();
    if !r.eat(b'}') {
        loop {
            r.ws();
            let key = r.string().ok_or_else(|| fail(".", "has an invalid key"))?;
            if !r.eat(b':') {
                return Err(fail(&key, "is not followed by ':'"));
            }
            let v = r.scalar().map_err(|reason| fail(&key, reason))?;
            if out.iter().any(|(k, _)| *k == key) {
                return Err(fail(&key, "appears twice"));
            }
            out.push((key, v));
            if r.eat(b'}') {
                break;
            }
            if !r.eat(b',') {
                return Err(fail(".", "is not valid JSON"));
            }
        }
    }
    r.ws();
    if r.i != r.s.len() {
        return Err(fail(".", "has trailing characters"));
    }
    Ok(out)
}

/// Looks a key up in parsed pairs.
pub(crate) fn get<'a>(pairs: &'a [(String, Scalar)], key: &str) -> Option<&'a Scalar> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flat_objects() {
        let p = parse(r#" { "a" : "x\"\u00e9\n", "b": -12, "c": true, "d": null } "#).unwrap();
        assert_eq!(get(&p, "a"), Some(&Scalar::Str("x\"é\n".into())));
        assert_eq!(get(&p, "b"), Some(&Scalar::Int(-12)));
        assert_eq!(get(&p, "c"), Some(&Scalar::Bool(true)));
        assert_eq!(get(&p, "d"), Some(&Scalar::Null));
        assert_eq!(parse("{}").unwrap(), vec![]);
    }

    #[test]
    fn rejects_with_the_key() {
        let e = |s: &str| parse(s).unwrap_err();
        assert_eq!(e(r#"{"a":{"b":1}}"#).field, "a");
        assert_eq!(e(r#"{"a":1.5}"#).reason, "must be a whole number");
        assert_eq!(e(r#"{"a":1,"a":2}"#).field, "a");
        assert_eq!(e(r#"{"a":99999999999999999999}"#).field, "a");
        assert_eq!(e("[1]").field, ".");
        assert_eq!(e(r#"{"a":1} x"#).field, ".");
        assert_eq!(e(r#"{"a":"unterminated"#).field, "a");
        assert_eq!(e(r#"{"a":tru}"#).field, "a");
    }
}
