//! URL normalisation: only a coarse, identifier-free path leaves the device.
//!
//! - scheme, host, credentials, port and fragment are dropped;
//! - the query is dropped except `utm_*`, `ref` and `source` parameters;
//! - id-like path segments (numbers, UUIDs, long hex, emails, long tokens)
//!   become `:id`.

use super::{find, has};
use crate::payload::MAX_PATH_BYTES;
use crate::split::{self, pieces};
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

/// The non-empty segments of a path: backslashes count as separators
/// (browsers treat them so), and matrix parameters (`;jsessionid=…`) are
/// dropped with their segment's tail. Templates are split the same way.
fn segments(path: &str) -> alloc::vec::Vec<&str> {
    let mut out = alloc::vec::Vec::new();
    for seg in pieces(path, b"/\\") {
        let seg = split::once(seg, b';').map_or(seg, |(s, _)| s);
        if !seg.is_empty() {
            out.push(seg);
        }
    }
    out
}

/// The template among `templates` that `segments` match: the same number of
/// segments, each template segment either a parameter (`:name`) or equal.
fn matching<'a>(segments: &[&str], templates: &'a [String]) -> Option<alloc::vec::Vec<&'a str>> {
    templates.iter().find_map(|t| {
        let parts = self::segments(t);
        let fits = parts.len() == segments.len()
            && parts
                .iter()
                .zip(segments)
                .all(|(p, s)| p.starts_with(':') || p == s);
        fits.then_some(parts)
    })
}

/// Normalises `href` (absolute, or a path) to `path[?kept query]`. A path
/// matching one of the site's `templates` (`/users/:name`) has its
/// parameter segments replaced by the parameter's name (`/users/:name`).
pub(crate) fn normalize(href: &str, templates: &[String]) -> String {
    let no_frag = split::once(href, b'#').map_or(href, |(s, _)| s);
    let (before_query, query) = match split::once(no_frag, b'?') {
        Some((b, q)) => (b, Some(q)),
        None => (no_frag, None),
    };
    // Strip "scheme://authority".
    let path = match find(before_query, "://") {
        Some(i) => {
            let rest = before_query.get(i + 3..).unwrap_or("");
            split::once(rest, b'/').map_or("/", |(_, p)| p)
        }
        None => before_query,
    };
    let mut out = String::with_capacity(path.len() + 1);
    let segments = segments(path);
    let template = matching(&segments, templates);
    for (i, seg) in segments.iter().enumerate() {
        out.push('/');
        let param = template
            .as_ref()
            .and_then(|t| t.get(i))
            .filter(|p| p.starts_with(':'));
        out.push_str(match param {
            Some(p) => p,
            None if is_id_like(seg) => ":id",
            None => seg,
        });
    }
    if out.is_empty() {
        out.push('/');
    }
    if let Some(q) = query {
        let mut first = true;
        for pair in pieces(q, b"&") {
            let name = split::once(pair, b'=').map_or(pair, |(n, _)| n);
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

/// Public suffixes of more than one label (the common ones: a short list
/// that ships in the wasm), space-separated. A host under one of them keeps
/// one more label.
const MULTI_LABEL_SUFFIXES: &str = "co.uk org.uk ac.uk gov.uk me.uk ltd.uk plc.uk net.uk sch.uk \
com.au net.au org.au edu.au gov.au co.nz org.nz net.nz co.jp ne.jp or.jp ac.jp go.jp \
co.kr or.kr co.in net.in org.in co.za org.za co.il org.il com.br net.br org.br com.cn net.cn org.cn \
com.mx org.mx com.ar com.tr com.tw com.hk com.sg com.my com.ph com.vn com.pk com.ng com.eg com.sa \
com.co com.pe com.ua co.id co.th ac.th";

/// Shared-hosting platforms whose subdomains belong to different people:
/// a referrer on one is reduced to the platform (`jane-doe.github.io` →
/// `github.io`), space-separated.
const SHARED_HOSTING: &str =
    "github.io gitlab.io vercel.app netlify.app herokuapp.com blogspot.com \
pages.dev workers.dev web.app firebaseapp.com appspot.com azurewebsites.net cloudfront.net \
wordpress.com tumblr.com substack.com medium.com glitch.me onrender.com fly.dev surge.sh \
wixsite.com weebly.com squarespace.com myshopify.com notion.site neocities.org carrd.co \
framer.website webflow.io replit.app ngrok.io ngrok-free.app";

/// `true` when `host` is `suffix` or ends with `.suffix`.
fn under(host: &str, suffix: &str) -> bool {
    host == suffix
        || (host.len() > suffix.len()
            && host.ends_with(suffix)
            && host.as_bytes().get(host.len() - suffix.len() - 1) == Some(&b'.'))
}

/// The registrable domain (eTLD+1) of a lower-case `host`, for the common
/// public suffixes; a host on a shared-hosting platform is reduced to the
/// platform; a host of one or two labels is kept whole.
pub(crate) fn registrable_domain(host: &str) -> &str {
    if let Some(platform) = pieces(SHARED_HOSTING, b" ").find(|p| under(host, p)) {
        return platform;
    }
    let keep = if pieces(MULTI_LABEL_SUFFIXES, b" ").any(|p| under(host, p)) {
        3
    } else {
        2
    };
    // The start of the last `keep` labels.
    let mut dots = 0;
    for (i, b) in host.bytes().enumerate().rev() {
        if b == b'.' {
            dots += 1;
            if dots == keep {
                return host.get(i + 1..).unwrap_or(host);
            }
        }
    }
    host
}

/// `host` without its trailing dots (`example.org.` is `example.org`). A
/// byte scan: `trim_end_matches` with a `char` links core's char searcher.
fn without_trailing_dots(host: &str) -> &str {
    let end = host.bytes().rposition(|b| b != b'.').map_or(0, |i| i + 1);
    host.get(..end).unwrap_or(host)
}

/// The referrer's registrable domain (see [`registrable_domain`]), when it
/// is another site than the page's own.
pub(crate) fn referrer_domain(referrer: &str, own_host: &str) -> Option<String> {
    let rest = referrer.get(find(referrer, "://")? + 3..)?;
    let authority = pieces(rest, b"/?#").next()?;
    // After the last `@` (credentials): a forward scan, as a reverse split
    // costs the wasm a second searcher.
    let mut after_at = authority;
    while let Some((_, rest)) = split::once(after_at, b'@') {
        after_at = rest;
    }
    let host = without_trailing_dots(split::once(after_at, b':').map_or(after_at, |(h, _)| h))
        .to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    // An IP address is no domain: nothing is sent.
    let ip = host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let valid = valid && !ip;
    let own = without_trailing_dots(own_host).to_ascii_lowercase();
    let domain = registrable_domain(&host);
    (valid && host != own && domain != registrable_domain(&own)).then(|| String::from(domain))
}

#[cfg(test)]
mod corpus;

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn trailing_dots_go_as_with_the_standard_library(s in "[a.é]{0,8}") {
            proptest::prop_assert_eq!(without_trailing_dots(&s), s.trim_end_matches('.'));
        }
    }

    #[test]
    fn the_host_lists_are_single_space_separated_host_names() {
        for list in [MULTI_LABEL_SUFFIXES, SHARED_HOSTING] {
            assert!(
                list.split(' ').all(|p| p.contains('.')
                    && p.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b == b'.'
                        || b == b'-')),
                "{list}"
            );
        }
    }

    #[test]
    fn a_referrer_with_a_trailing_dot_is_its_domain() {
        assert_eq!(
            referrer_domain("https://www.search.example.com./q", "shop.example").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            referrer_domain("https://shop.example./", "shop.example."),
            None
        );
        assert_eq!(referrer_domain("https://.../", "shop.example"), None);
    }

    #[test]
    fn drops_origin_fragment_and_private_query() {
        assert_eq!(
            normalize(
                "https://user:pw@shop.example:8443/cart?email=a@b.c&token=xyz#top",
                &[]
            ),
            "/cart"
        );
        assert_eq!(normalize("https://shop.example", &[]), "/");
        assert_eq!(
            normalize("/blog/?utm_source=news&x=1&ref=hn&source=tw", &[]),
            "/blog?utm_source=news&ref=hn&source=tw"
        );
    }

    #[test]
    fn id_like_segments_become_id() {
        assert_eq!(
            normalize(
                "/users/12345/orders/550e8400-e29b-41d4-a716-446655440000",
                &[]
            ),
            "/users/:id/orders/:id"
        );
        assert_eq!(
            normalize("/u/jane.doe@example.com/profile", &[]),
            "/u/:id/profile"
        );
        assert_eq!(normalize("/c/deadbeef42/x", &[]), "/c/:id/x");
        assert_eq!(
            normalize("/pricing/enterprise-plan", &[]),
            "/pricing/enterprise-plan"
        );
    }
}
