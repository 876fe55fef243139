//! URL normalisation: only a coarse, identifier-free path leaves the device.
//!
//! - scheme, host, credentials, port and fragment are dropped;
//! - the query is dropped except `utm_*`, `ref` and `source` parameters;
//! - id-like path segments (numbers, UUIDs, long hex, emails, long tokens)
//!   become `:id`.

use super::{find, has};
use crate::payload::MAX_PATH_BYTES;
use alloc::string::String;

/// Query parameters that survive normalisation.
fn keep_param(name: &str) -> bool {
    name.starts_with("utm_") || name == "ref" || name == "source"
}

/// `true` when a path segment looks like an identifier rather than a route name.
pub(crate) fn is_id_like(seg: &str) -> bool {
    let n = seg.len();
    if n == 0 {
        return false;
    }
    let b = seg.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let hex = b.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-');
    // Changes between lower case, upper case and digit: random tokens switch
    // often ("aZ3kQ9xT"), route names rarely ("pricing", "iPhone").
    let class = |c: &u8| {
        (
            c.is_ascii_lowercase(),
            c.is_ascii_uppercase(),
            c.is_ascii_digit(),
        )
    };
    let switches = b
        .windows(2)
        .filter(|w| class(&w[0]) != class(&w[1]))
        .count();
    b.contains(&b'@')
        || has(seg, "%40")
        || digits == n
        || digits >= 6
        || (hex && n >= 8 && digits > 0)
        || (n >= 16 && digits * 4 >= n)
        || (n >= 12 && switches * 3 >= n)
        || n > 40
}

/// Normalises `href` (absolute, or a path) to `path[?kept query]`.
pub(crate) fn normalize(href: &str) -> String {
    let no_frag = href.split('#').next().unwrap_or("");
    let (before_query, query) = match no_frag.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (no_frag, None),
    };
    // Strip "scheme://authority".
    let path = match find(before_query, "://") {
        Some(i) => {
            let rest = before_query.get(i + 3..).unwrap_or("");
            rest.split_once('/').map_or("/", |(_, p)| p)
        }
        None => before_query,
    };
    let mut out = String::with_capacity(path.len() + 1);
    // Backslashes count as separators (browsers treat them so); matrix
    // parameters (`;jsessionid=…`) are dropped with their segment's tail.
    for seg in path
        .split(['/', '\\'])
        .map(|s| s.split(';').next().unwrap_or(""))
        .filter(|s| !s.is_empty())
    {
        out.push('/');
        out.push_str(if is_id_like(seg) { ":id" } else { seg });
    }
    if out.is_empty() {
        out.push('/');
    }
    if let Some(q) = query {
        let mut first = true;
        for pair in q.split('&') {
            let name = pair.split('=').next().unwrap_or("");
            if keep_param(name) {
                out.push(if first { '?' } else { '&' });
                out.push_str(pair);
                first = false;
            }
        }
    }
    out.retain(|c| !c.is_control());
    truncate_to(out, MAX_PATH_BYTES)
}

fn truncate_to(mut s: String, max: usize) -> String {
    if s.len() > max {
        let cut = (0..=max)
            .rev()
            .find(|i| s.is_char_boundary(*i))
            .unwrap_or(0);
        s.truncate(cut);
    }
    s
}

/// The referrer's host, when it differs from the page's own host.
pub(crate) fn referrer_domain(referrer: &str, own_host: &str) -> Option<String> {
    let rest = referrer.get(find(referrer, "://")? + 3..)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    // After the last `@` (credentials): a forward scan, as a reverse split
    // costs the wasm a second searcher.
    let mut after_at = authority;
    while let Some((_, rest)) = after_at.split_once('@') {
        after_at = rest;
    }
    let host = after_at.split(':').next()?.to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    (valid && host != own_host.to_ascii_lowercase()).then_some(host)
}

#[cfg(test)]
mod corpus;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_origin_fragment_and_private_query() {
        assert_eq!(
            normalize("https://user:pw@shop.example:8443/cart?email=a@b.c&token=xyz#top"),
            "/cart"
        );
        assert_eq!(normalize("https://shop.example"), "/");
        assert_eq!(
            normalize("/blog/?utm_source=news&x=1&ref=hn&source=tw"),
            "/blog?utm_source=news&ref=hn&source=tw"
        );
    }

    #[test]
    fn id_like_segments_become_id() {
        assert_eq!(
            normalize("/users/12345/orders/550e8400-e29b-41d4-a716-446655440000"),
            "/users/:id/orders/:id"
        );
        assert_eq!(
            normalize("/u/jane.doe@example.com/profile"),
            "/u/:id/profile"
        );
        assert_eq!(normalize("/c/deadbeef42/x"), "/c/:id/x");
        assert_eq!(
            normalize("/pricing/enterprise-plan"),
            "/pricing/enterprise-plan"
        );
    }

    #[test]
    fn referrer_is_a_foreign_host_only() {
        assert_eq!(
            referrer_domain("https://news.ycombinator.com/item?id=1", "shop.example"),
            Some("news.ycombinator.com".into())
        );
        assert_eq!(
            referrer_domain("https://shop.example/a", "shop.example"),
            None
        );
        assert_eq!(referrer_domain("", "shop.example"), None);
        assert_eq!(
            referrer_domain("https://u:p@Evil.Example:99/", "x"),
            Some("evil.example".into())
        );
    }
}
