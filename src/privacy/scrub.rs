//! The scrubber: every string the SDK sends passes through [`scrub`], which
//! replaces personal data that may have slipped through earlier transforms.
//!
//! | found | replaced by | rule |
//! |---|---|---|
//! | email (`a@b.cc`, also `%40`-encoded) | `:email` | local part `@` domain with a dot |
//! | card number | `:card` | 13-19 digits (spaces/dashes allowed) passing Luhn |
//! | IBAN | `:iban` | 2 letters, 2 digits, 11-30 alphanumerics, ISO 7064 mod 97 = 1 |
//! | phone number | `:phone` | any other run of 7-19 digits (`+`, spaces, `-`, `.`, `()` allowed) |
//! | bearer token | `:token` | `Bearer <x>`, JWTs (`eyJ…`), and runs of 24+ token characters mixing letters and digits |
//! | IP address | `:ip` | dotted IPv4 (each part ≤ 255), IPv6 (`::` or 4+ hex groups) |
//!
//! The scanner is a single left-to-right pass over bytes; it errs on the side
//! of removing (a 7-digit order number becomes `:phone`). Placeholders start
//! with `:`, like the URL normaliser's `:id`, so scrubbing is idempotent.

use alloc::string::String;

fn is_tok(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_email_local(b: u8) -> bool {
    is_tok(b) || b".%+".contains(&b)
}

fn is_host(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// Length of an `@` at `i` (`@` or `%40`), 0 if none.
fn at_sign(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        Some(b'@') => 1,
        Some(b'%') if s.get(i + 1) == Some(&b'4') && s.get(i + 2) == Some(&b'0') => 3,
        _ => 0,
    }
}

/// An email starting at `i`: returns its end.
fn email_at(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < s.len() && is_email_local(s[j]) {
        let a = at_sign(s, j);
        if a == 3 && j > i {
            break;
        }
        j += 1;
    }
    let a = at_sign(s, j);
    if j == i || a == 0 {
        return None;
    }
    let host_start = j + a;
    let mut k = host_start;
    while k < s.len() && is_host(s[k]) {
        k += 1;
    }
    // Trailing dots are punctuation, not host.
    while k > host_start && s.get(k - 1) == Some(&b'.') {
        k -= 1;
    }
    // The last label starts with two letters: `com`, but also `com0` when
    // an email runs into other characters (found by fuzzing), so the whole
    // run goes. A trailing label that does not qualify (`example.com.a`, a
    // fuzzing find) ends the email before it.
    loop {
        let host = s.get(host_start..k)?;
        let dot = host.iter().rposition(|b| *b == b'.')?;
        let tld = host.get(dot + 1..)?;
        if dot > 0 && tld.len() >= 2 && tld.iter().take(2).all(u8::is_ascii_alphabetic) {
            return Some(k);
        }
        k = host_start + dot;
    }
}

/// Luhn checksum over ASCII digits.
pub(crate) fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (n, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if n % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// A digit run starting at `i` (a digit, or `+`/`(` before one), allowing
/// single separators. Returns (end, digit count, digits for Luhn, separated).
fn digit_run(s: &[u8], i: usize, digits: &mut [u8; 20]) -> (usize, usize, bool) {
    let mut j = i;
    let mut n = 0;
    let mut last_digit_end = i;
    let mut sep = false;
    if matches!(s.get(j), Some(b'+') | Some(b'(')) {
        j += 1;
    }
    while j < s.len() {
        let b = s[j];
        if b.is_ascii_digit() {
            if n < digits.len() {
                digits[n] = b;
            }
            n += 1;
            j += 1;
            last_digit_end = j;
        } else if b" -.()".contains(&b)
            && s.get(j + 1)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'(' || *c == b' ')
            && n > 0
        {
            sep = true;
            j += 1;
        } else {
            break;
        }
    }
    (last_digit_end, n, sep)
}

/// ISO 7064 mod 97 check of an IBAN candidate (letters and digits only).
fn iban_ok(chars: &[u8]) -> bool {
    let (head, tail) = chars.split_at(4.min(chars.len()));
    let mut rem = 0u32;
    for &c in tail.iter().chain(head) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// An IBAN at `i` (groups may be separated by single spaces): returns its end.
fn iban_at(s: &[u8], i: usize) -> Option<usize> {
    let head = s.get(i..i + 4)?;
    if !(head[0].is_ascii_alphabetic()
        && head[1].is_ascii_alphabetic()
        && head[2].is_ascii_digit()
        && head[3].is_ascii_digit())
    {
        return None;
    }
    let mut buf = [0u8; 34];
    let mut n = 0;
    let mut j = i;
    let mut end = i;
    while j < s.len() && n < buf.len() {
        let b = s[j];
        if b.is_ascii_alphanumeric() {
            buf[n] = b;
            n += 1;
            j += 1;
            end = j;
        } else if b == b' ' && s.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) && n % 4 == 0 {
            j += 1;
        } else {
            break;
        }
    }
    // Do not swallow a longer word that merely starts like an IBAN.
    if s.get(end).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    ((15..=34).contains(&n) && buf.get(..n).is_some_and(iban_ok)).then_some(end)
}

/// IPv4 `a.b.c.d` at `i`, each part 0-255: returns its end.
fn ipv4_at(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    for part in 0..4 {
        let start = j;
        let mut v = 0u32;
        while j < s.len() && s[j].is_ascii_digit() && j - start < 3 {
            v = v * 10 + u32::from(s[j] - b'0');
            j += 1;
        }
        if j == start || v > 255 {
            return None;
        }
        if part < 3 {
            if s.get(j) != Some(&b'.') {
                return None;
            }
            j += 1;
        }
    }
    (!s.get(j).is_some_and(|b| {
        b.is_ascii_digit() || *b == b'.' && s.get(j + 1).is_some_and(u8::is_ascii_digit)
    }))
    .then_some(j)
}

/// IPv6 at `i`: a run of hex digits and colons with `::`, or 4+ groups.
fn ipv6_at(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    let mut colons = 0;
    let mut hex = 0;
    let mut group = 0;
    let mut double = false;
    while j < s.len() && (s[j].is_ascii_hexdigit() || s[j] == b':') {
        if s[j] == b':' {
            colons += 1;
            double |= s.get(j + 1) == Some(&b':');
            group = 0;
        } else {
            hex += 1;
            group += 1;
            if group > 4 {
                return None;
            }
        }
        j += 1;
    }
    let ok = hex >= 1 && ((double && colons >= 2 && j - i >= 3) || colons >= 3);
    (ok && !s.get(j).is_some_and(|b| is_tok(*b))).then_some(j)
}

fn lower_eq(s: &[u8], i: usize, word: &[u8]) -> bool {
    s.get(i..i + word.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

/// A token at `i`: `Bearer x`, a JWT, a known API-key prefix, or a long run
/// mixing letters and digits (see the end of the function).
fn token_at(s: &[u8], i: usize) -> Option<usize> {
    let run_end = |mut j: usize, dots: bool| {
        while j < s.len()
            && (is_tok(s[j])
                || (dots
                    && (s[j] == b'.'
                        || s[j] == b'~'
                        || s[j] == b'+'
                        || s[j] == b'/'
                        || s[j] == b'=')))
        {
            j += 1;
        }
        j
    };
    if lower_eq(s, i, b"bearer") {
        let mut j = i + 6;
        let mut sep = 0;
        while j < s.len()
            && (s[j] == b' ' || s[j] == b'+' || s[j] == b'%' || s[j] == b'=' || s[j] == b':')
        {
            // `Bearer%20x` and `bearer=x` count too.
            j += if s[j] == b'%' && s.get(j + 1) == Some(&b'2') && s.get(j + 2) == Some(&b'0') {
                3
            } else {
                1
            };
            sep += 1;
        }
        let end = run_end(j, true);
        if sep > 0 && end > j {
            return Some(end);
        }
    }
    let end = run_end(i, false);
    let run = s.get(i..end)?;
    // A JWT (`eyJ…`, base64url of `{"`, with two dots), also when glued to
    // what precedes it in the word (`0eyJ…`, a fuzzing find): the whole run goes.
    if let Some(k) = (i..end).find(|&k| lower_eq(s, k, b"eyj")) {
        let jwt_end = run_end(k, true);
        if s.get(k..jwt_end)
            .is_some_and(|t| t.iter().filter(|b| **b == b'.').count() >= 2)
        {
            return Some(jwt_end);
        }
    }
    // An API key with a known prefix (`sk_live_…`, `ghp_…`), or a run of 20+
    // token characters in which some `-`/`_`-separated part mixes letters and
    // digits (a slug such as `summer-sale-2024-collection` does not).
    if KEY_PREFIXES
        .iter()
        .any(|p| lower_eq(s, i, p.as_bytes()) && run.len() >= p.len() + 8)
    {
        return Some(end);
    }
    let mixed_part = run.split(|b| *b == b'-' || *b == b'_').any(|part| {
        part.iter().any(u8::is_ascii_alphabetic) && part.iter().any(u8::is_ascii_digit)
    });
    (run.len() >= 20 && mixed_part).then_some(end)
}

/// Prefixes of well-known API keys and tokens (Stripe, GitHub, Slack, AWS, Google).
const KEY_PREFIXES: [&str; 12] = [
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "pk_live_",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "akia",
    "aiza",
];

/// `true` when position `i` starts a new word (so `xx1.2.3.4` is not split
/// oddly). A percent escape (`%40`, `%2F`) is an encoded separator, so what
/// follows it starts a word too (a token glued to `%40` was missed before;
/// found by fuzzing).
fn word_start(s: &[u8], i: usize) -> bool {
    // The byte `k` before `i` (0 outside `s`).
    let before = |k: usize| s.get(i.wrapping_sub(k)).copied().unwrap_or(0);
    i == 0
        || !before(1).is_ascii_alphanumeric()
        || (i >= 3
            && before(3) == b'%'
            && before(2).is_ascii_hexdigit()
            && before(1).is_ascii_hexdigit())
}

/// Returns `text` with every email, card number, IBAN, phone number, bearer
/// token, API key and IP address replaced by a placeholder, in plain form
/// and in URL-encoded forms: the text is also percent-decoded (repeatedly,
/// at most [`DECODE_ROUNDS`] times, `+` as a space), and when the decoded
/// text hides personal data, the scrubbed decoded text is returned
/// (re-encoded where a character could not stand in a path).
pub(crate) fn scrub(text: &str) -> String {
    let mut out = scrub_step(text);
    for _ in 0..DECODE_ROUNDS {
        let next = scrub_step(&out);
        if next == out {
            break;
        }
        out = next;
    }
    out
}

/// One round of [`scrub`]: the plain scrub, unless decoding reveals
/// personal data that the plain text hides; then the decoded text, scrubbed
/// and made safe for a path ([`path_safe`]).
fn scrub_step(text: &str) -> String {
    let plain = scrub_plain(text);
    let decoded = decode(&plain);
    if decoded == plain || scrub_plain(&decoded) == decoded {
        return plain;
    }
    path_safe(&scrub_plain(&decode(text)))
}

/// Decoding rounds: `%2540` is `%40` after one, `@` after two.
pub(crate) const DECODE_ROUNDS: usize = 4;

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `text` percent-decoded until stable (bounded); a `+` of the text itself
/// reads as a space (form encoding), one decoded from `%2B` stays a `+`;
/// invalid escapes stay as they are.
fn decode(text: &str) -> String {
    let mut cur = String::from(text);
    for round in 0..DECODE_ROUNDS {
        let b = cur.as_bytes();
        let mut out = alloc::vec::Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let escaped = (b[i] == b'%')
                .then(|| Some(hex_value(*b.get(i + 1)?)? * 16 + hex_value(*b.get(i + 2)?)?))
                .flatten();
            match (b[i], escaped) {
                (_, Some(v)) => {
                    out.push(v);
                    i += 3;
                }
                (b'+', None) if round == 0 => {
                    out.push(b' ');
                    i += 1;
                }
                (c, None) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        let next = super::utf8::lossy(&out);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// Decoded text made safe to send as part of a path: whitespace becomes
/// `-`; `%`, `+`, `#`, quotes, angle brackets, backslashes, backticks and
/// controls are dropped (so the result decodes to itself).
fn path_safe(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => Some('-'),
            c if c.is_control()
                || matches!(c, '%' | '+' | '#' | '"' | '\'' | '<' | '>' | '\\' | '`') =>
            {
                None
            }
            c => Some(c),
        })
        .collect()
}

/// [`scrub`] on the text as it stands: repeated until nothing changes,
/// since a replacement can complete a new match (`a@b.c:phone`).
fn scrub_plain(text: &str) -> String {
    let mut out = scrub_once(text);
    for _ in 0..4 {
        let next = scrub_once(&out);
        if next == out {
            break;
        }
        out = next;
    }
    out
}

fn scrub_once(text: &str) -> String {
    let s = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let mut hit: Option<(usize, &str)> = None;
        if word_start(s, i) {
            if is_email_local(b) {
                hit = email_at(s, i).map(|e| (e, ":email"));
            }
            if hit.is_none() && b.is_ascii_alphabetic() {
                hit = iban_at(s, i)
                    .map(|e| (e, ":iban"))
                    .or_else(|| token_at(s, i).map(|e| (e, ":token")));
            }
            if hit.is_none() && (b.is_ascii_hexdigit() || b == b':') {
                hit = ipv4_at(s, i)
                    .map(|e| (e, ":ip"))
                    .or_else(|| ipv6_at(s, i).map(|e| (e, ":ip")));
            }
        }
        // Digit runs are checked inside words too (`ref4111111111111111`).
        if hit.is_none()
            && (i == 0 || !s[i - 1].is_ascii_digit())
            && (b.is_ascii_digit() || (word_start(s, i) && (b == b'+' || b == b'(')))
        {
            let mut digits = [0u8; 20];
            let (end, n, _) = digit_run(s, i, &mut digits);
            if (13..=19).contains(&n) && digits.get(..n).is_some_and(luhn_ok) {
                hit = Some((end, ":card"));
            } else if (7..=19).contains(&n) {
                hit = Some((end, ":phone"));
            } else if n > 19 {
                hit = Some((end, ":id"));
            }
        }
        if hit.is_none() && b.is_ascii_digit() && word_start(s, i) {
            hit = token_at(s, i).map(|e| (e, ":token"));
        }
        match hit {
            Some((end, label)) if end > i => {
                out.push_str(text.get(copied..i).unwrap_or(""));
                out.push_str(label);
                copied = end;
                i = end;
            }
            _ => {
                // Skip the rest of a word so matches start only at word starts.
                i += 1;
                while i < s.len()
                    && !word_start(s, i)
                    && s[i].is_ascii_alphanumeric()
                    && (!s[i].is_ascii_digit() || s.get(i - 1).is_some_and(u8::is_ascii_digit))
                {
                    i += 1;
                }
            }
        }
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests;
