//! Markdown helpers for generated tables.

/// `text` made safe for one table cell: `|` escaped, line breaks as spaces.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Replaces what stands between the lines `begin` and `end` (both kept) with
/// `body`. `Err` names a missing marker.
pub fn replace_between(text: &str, begin: &str, end: &str, body: &str) -> Result<String, String> {
    let b = text
        .find(begin)
        .ok_or_else(|| format!("marker `{begin}` not found"))?;
    let after_begin = b + begin.len();
    let e = text[after_begin..]
        .find(end)
        .map(|i| after_begin + i)
        .ok_or_else(|| format!("marker `{end}` not found"))?;
    let mut out = String::with_capacity(text.len() + body.len());
    out.push_str(&text[..after_begin]);
    out.push('\n');
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&text[e..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }

    #[test]
    fn replaces_between_markers() {
        let t = "x\n<!-- a -->\nold\n<!-- b -->\ny\n";
        assert_eq!(
            replace_between(t, "<!-- a -->", "<!-- b -->", "new").unwrap(),
            "x\n<!-- a -->\nnew\n<!-- b -->\ny\n"
        );
        assert!(replace_between(t, "<!-- c -->", "<!-- b -->", "new").is_err());
    }
}
