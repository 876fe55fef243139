//! A small JSON writer for everything the SDK sends or hands to the page.
//! Hand-written so the wasm binary carries no serializer framework and no
//! `core::fmt`; the payload tests check that it writes exactly what serde
//! writes for the same values.

use alloc::string::String;

/// Appends `n` in decimal.
pub(crate) fn push_u64(buf: &mut String, n: u64) {
    if n >= 10 {
        push_u64(buf, n / 10);
    }
    buf.push(char::from(b'0' + (n % 10) as u8));
}

/// Appends `s` as a JSON string literal (quotes included). A byte scan:
/// only ASCII quotes, backslashes and controls are escaped, and the runs
/// between them are copied whole (they start and end at ASCII bytes, so on
/// character boundaries), with no decoding and re-encoding of characters.
pub(crate) fn push_str_literal(buf: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        buf.push_str(s.get(run..i).unwrap_or_default());
        run = i + 1;
        if short.is_empty() {
            buf.push_str("\\u00");
            buf.push(char::from(HEX[usize::from(b >> 4)]));
            buf.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            buf.push_str(short);
        }
    }
    buf.push_str(s.get(run..).unwrap_or_default());
    buf.push('"');
}

/// Writes one JSON object, member by member.
pub(crate) struct ObjectWriter {
    buf: String,
    empty: bool,
}

impl Default for ObjectWriter {
    fn default() -> Self {
        ObjectWriter::new()
    }
}

impl ObjectWriter {
    pub(crate) fn new() -> ObjectWriter {
        ObjectWriter {
            buf: String::from("{"),
            empty: true,
        }
    }

    /// Starts a member: writes the separator and `"key":`.
    pub(crate) fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.buf.push(',');
        }
        self.empty = false;
        push_str_literal(&mut self.buf, key);
        self.buf.push(':');
        &mut self.buf
    }

    pub(crate) fn str(&mut self, key: &str, v: &str) -> &mut Self {
        push_str_literal(self.key(key), v);
        self
    }

    pub(crate) fn opt_str(&mut self, key: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(key, v);
        }
        self
    }

    pub(crate) fn uint(&mut self, key: &str, v: u64) -> &mut Self {
        push_u64(self.key(key), v);
        self
    }

    pub(crate) fn bool(&mut self, key: &str, v: bool) -> &mut Self {
        self.key(key).push_str(if v { "true" } else { "false" });
        self
    }

    /// A member whose value is already JSON.
    pub(crate) fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// A member holding an array of strings.
    pub(crate) fn str_list<'a>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = &'a str>,
    ) -> &mut Self {
        let buf = self.key(key);
        buf.push('[');
        for (i, s) in items.into_iter().enumerate() {
            if i > 0 {
                buf.push(',');
            }
            push_str_literal(buf, s);
        }
        buf.push(']');
        self
    }

    pub(crate) fn finish(&mut self) -> String {
        self.buf.push('}');
        core::mem::take(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_writes() {
        for n in [0u64, 7, 10, 1_234_567_890, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, serde_json::to_string(&n).unwrap());
        }
        for text in [
            "plain",
            "q\"b\\s/",
            "ctl\u{1}\u{1f}\n\t\r\u{8}\u{c}",
            "é漢🙂",
        ] {
            let mut s = String::new();
            push_str_literal(&mut s, text);
            assert_eq!(s, serde_json::to_string(text).unwrap());
        }
        let json = ObjectWriter::new()
            .str("a", "x")
            .uint("b", 2)
            .bool("c", false)
            .str_list("d", ["e", "f"])
            .raw("g", "{}")
            .finish();
        assert_eq!(json, r#"{"a":"x","b":2,"c":false,"d":["e","f"],"g":{}}"#);
        assert_eq!(ObjectWriter::new().finish(), "{}");
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_written_as_serde_json_writes_it(text in ".{0,40}", ctl in "[\\x00-\\x1f\"\\\\é]{0,8}") {
            for t in [&text, &ctl] {
                let mut s = String::new();
                push_str_literal(&mut s, t);
                proptest::prop_assert_eq!(s, serde_json::to_string(t).unwrap());
            }
        }
    }
}
