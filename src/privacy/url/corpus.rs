//! A corpus of nasty URLs: each is normalised, then scrubbed as the tracker
//! does before sending, and the result must hold no personal data.

use super::normalize;
use crate::payload::MAX_PATH_BYTES;
use crate::privacy::scrub::scrub;

/// (href, what leaves the device after `normalize` then `scrub`).
const CORPUS: &[(&str, &str)] = &[
    // Query and fragment: private parameters and fragments are dropped.
    ("https://shop.example/cart?email=jane%40example.com&token=abc123#/checkout", "/cart"),
    ("https://shop.example/?access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig&utm_medium=mail", "/?utm_medium=mail"),
    ("https://shop.example/p?UTM_SOURCE=x&utm_source=news&ref=&source=tw&reff=1", "/p?utm_source=news&ref=&source=tw"),
    ("https://shop.example/#/users/12345/edit", "/"),
    // Kept parameters are scrubbed.
    ("https://shop.example/l?utm_source=jane.doe%40example.com", "/l?utm_source=:email"),
    ("https://shop.example/l?utm_content=4111-1111-1111-1111&ref=+1%20555%20123%204567", "/l?utm_content=:card&ref=-:phone"),
    // Encoded forms: percent-decoded (repeatedly) with `+` as a space before matching.
    ("https://shop.example/l?utm_source=4111%201111%201111%201111", "/l?utm_source=:card"),
    ("https://shop.example/l?utm_source=4111+1111+1111+1111", "/l?utm_source=:card"),
    ("https://shop.example/l?utm_term=%2B33%206%2012%2034%2056%2078", "/l?utm_term=:phone"),
    ("https://shop.example/l?utm_campaign=DE89%203704%200044%200532%200130%2000", "/l?utm_campaign=:iban"),
    ("https://shop.example/l?ref=john.smith%2540gmail.com", "/l?ref=:email"),
    ("https://shop.example/l?ref=john.smith%252540gmail.com", "/l?ref=:email"),
    // API keys and long mixed tokens, in values and paths; slugs survive.
    ("https://shop.example/l?utm_content=ghp_16C7e42F292c6912E7710c838347Ae178B4a", "/l?utm_content=:token"),
    ("https://shop.example/l?utm_term=a1b2c3d4e5f6g7h8i9j0", "/l?utm_term=:token"),
    ("https://shop.example/l?ref=sk_test_51HqLyjWDarjt", "/l?ref=:token"),
    ("https://shop.example/keys/sk_live_4eC39HqLyjWDarjtT1zdp7dc/show", "/keys/:id/show"),
    ("https://shop.example/l?utm_campaign=summer-sale-2024-collection", "/l?utm_campaign=summer-sale-2024-collection"),
    ("https://shop.example/l?utm_term=Bearer%20sk_live_abcdef&ref=10.1.2.3", "/l?utm_term=:token&ref=:ip"),
    ("https://shop.example/l?utm_campaign=DE89370400440532013000", "/l?utm_campaign=:iban"),
    // Credentials, ports, schemes.
    ("https://jane:hunter2@shop.example:8443/account", "/account"),
    ("http://192.168.0.12:3000/admin/users", "/admin/users"),
    ("http://[2001:db8::1]:8080/x", "/x"),
    // Id-like segments.
    ("https://shop.example/users/12345/orders/550e8400-e29b-41d4-a716-446655440000", "/users/:id/orders/:id"),
    ("https://shop.example/u/jane.doe@example.com/profile", "/u/:id/profile"),
    ("https://shop.example/u/jane.doe%40example.com/profile", "/u/:id/profile"),
    ("https://shop.example/reset/aZ3kQ9xTpL2mN8vB", "/reset/:id"),
    ("https://shop.example/call/+33612345678", "/call/:id"),
    ("https://shop.example/order-1234567/status", "/:id/status"),
    ("https://shop.example/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "/t/:id"),
    ("https://shop.example/c/deadbeef42/x", "/c/:id/x"),
    ("https://shop.example/2024-01-15/report", "/:id/report"),
    // Things that must survive.
    ("https://shop.example/pricing/enterprise-plan", "/pricing/enterprise-plan"),
    ("https://shop.example/blog/2024/01/hello-world", "/blog/:id/:id/hello-world"),
    ("https://shop.example/products/iPhone/cases", "/products/iPhone/cases"),
    ("https://shop.example/internationalization", "/internationalization"),
    // Odd shapes.
    ("https://shop.example//a///b/", "/a/b"),
    ("https://shop.example/a;jsessionid=0123ABCD4567/b", "/a/b"),
    ("https://shop.example/a\\b\\12345", "/a/b/:id"),
    ("https://shop.example", "/"),
    ("relative/path?x=1", "/relative/path"),
    ("", "/"),
    ("?utm_source=a#b", "/?utm_source=a"),
    ("https://shop.example/caf%C3%A9/é/漢字", "/caf%C3%A9/é/漢字"),
    ("https://shop.example/a\u{0}b/c\td", "/ab/cd"),
];

#[test]
fn nasty_urls_leave_only_a_coarse_scrubbed_path() {
    for (href, want) in CORPUS {
        let out = scrub(&normalize(href, &[]));
        assert_eq!(out, *want, "{href}");
    }
}

#[test]
fn every_output_is_a_valid_bounded_path_without_personal_data() {
    let long = format!(
        "https://shop.example/{}?utm_source={}",
        "segment/".repeat(100),
        "x".repeat(500)
    );
    let multibyte = format!("https://shop.example/{}", "é".repeat(300));
    let mut inputs: Vec<String> = CORPUS.iter().map(|(h, _)| h.to_string()).collect();
    inputs.push(long);
    inputs.push(multibyte);
    for href in &inputs {
        let out = scrub(&normalize(href, &[]));
        assert!(out.starts_with('/'), "{href}: {out}");
        assert!(
            out.len() <= MAX_PATH_BYTES + 16,
            "{href}: {} bytes",
            out.len()
        );
        assert!(!out.chars().any(char::is_control));
        assert!(
            !out.contains('@') && !out.contains("%40") && !out.contains('#'),
            "{href}: {out}"
        );
        for canary in [
            "jane",
            "hunter2",
            "example.com",
            "4111",
            "12345",
            "eyJ",
            "sk_live",
            "192.168",
        ] {
            assert!(!out.contains(canary), "{href}: {canary} in {out}");
        }
    }
}

/// Fuzzing: arbitrary hrefs, and hrefs built from URL-shaped pieces with
/// personal data planted in the path, query or fragment. Whatever comes in,
/// normalising and scrubbing never panics, and what would leave the device
/// is a bounded path with no control character, no fragment, no `@` in the
/// path, and none of the planted data.
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// Personal data that must never survive (each is caught by a rule:
    /// email, Luhn-valid card, IBAN, JWT, long token, IP, id-like segment).
    const CANARIES: [&str; 8] = [
        "jane.doe@example.com",
        "4111111111111111",
        "DE89370400440532013000",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "192.168.10.77",
        "5551234567",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    ];

    /// The same data in encoded forms (`(planted text, the canary it hides)`):
    /// percent-encoded separators, `+` for spaces, a double-encoded `@`.
    const ENCODED: [(&str, &str); 6] = [
        ("4111%201111%201111%201111", "4111111111111111"),
        ("4111+1111+1111+1111", "4111111111111111"),
        ("jane.doe%2540example.com", "jane.doe@example.com"),
        ("jane.doe%252540example.com", "jane.doe@example.com"),
        (
            "DE89%203704%200044%200532%200130%2000",
            "DE89370400440532013000",
        ),
        ("%2B1%20555%20123%204567", "5551234567"),
    ];

    /// What a reader of the output could recover: percent-decoded (twice
    /// more than the scrubber would need), `+` as space, separators removed.
    fn recoverable(out: &str) -> String {
        let mut t = out.to_string();
        for _ in 0..6 {
            t = t
                .replace("%25", "%")
                .replace("%20", " ")
                .replace("%40", "@")
                .replace("%2B", "+")
                .replace('+', " ");
        }
        t.chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect()
    }

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9._~-]{0,12}",
            Just("/".to_string()),
            Just("//".to_string()),
            Just("\\".to_string()),
            Just("?".to_string()),
            Just("&".to_string()),
            Just("=".to_string()),
            Just("#".to_string()),
            Just(";".to_string()),
            Just("%40".to_string()),
            Just("utm_source=".to_string()),
            Just("ref=".to_string()),
            Just("https://".to_string()),
            any::<char>().prop_map(String::from),
            (0..CANARIES.len()).prop_map(|i| CANARIES[i].to_string()),
            (0..ENCODED.len()).prop_map(|i| ENCODED[i].0.to_string()),
        ]
    }

    fn check(href: &str) -> Result<(), TestCaseError> {
        let out = scrub(&normalize(href, &[]));
        prop_assert!(out.starts_with('/'), "{href:?} -> {out:?}");
        prop_assert!(
            out.len() <= MAX_PATH_BYTES + 16,
            "{href:?}: {} bytes",
            out.len()
        );
        prop_assert!(!out.chars().any(char::is_control), "{href:?} -> {out:?}");
        prop_assert!(!out.contains('#'), "{href:?} -> {out:?}");
        // A path segment holding an `@` is id-like (`:id`); in a kept query
        // value a lone `@` is no email (planted emails are checked below).
        let path = out.split('?').next().unwrap_or("");
        prop_assert!(
            !path.contains('@') && !path.contains("%40"),
            "{href:?} -> {out:?}"
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_hrefs_never_panic_and_stay_bounded_paths(href in any::<String>()) {
            check(&href)?;
        }

        #[test]
        fn planted_personal_data_never_leaves(
            origin in prop_oneof![Just(""), Just("https://shop.example"), Just("http://jane:pw@10.0.0.1:8080")],
            pieces in proptest::collection::vec(piece(), 0..24),
        ) {
            let href = format!("{origin}/{}", pieces.concat());
            check(&href)?;
            let out = scrub(&normalize(&href, &[]));
            for canary in CANARIES {
                prop_assert!(!out.contains(canary), "{href:?} -> {out:?} keeps {canary}");
            }
            let seen = recoverable(&out);
            for (planted, canary) in ENCODED {
                let bare: String = canary.chars().filter(|c| !matches!(c, '.' | '-')).collect();
                if href.contains(planted) {
                    prop_assert!(!seen.contains(&bare), "{href:?} -> {out:?} keeps {canary} (encoded)");
                }
            }
        }
    }
}

/// (referrer, the page's own host, what is sent as `referrer_domain`).
const REFERRERS: &[(&str, &str, Option<&str>)] = &[
    (
        "https://www.google.com/search?q=jane+doe",
        "shop.example",
        Some("google.com"),
    ),
    (
        "https://news.ycombinator.com/item?id=1",
        "shop.example",
        Some("ycombinator.com"),
    ),
    (
        "https://intranet.hr.acme-corp.com/people/jane",
        "shop.example",
        Some("acme-corp.com"),
    ),
    (
        "https://jane-doe.github.io/blog/",
        "shop.example",
        Some("github.io"),
    ),
    (
        "https://my-portfolio-2024.vercel.app/",
        "shop.example",
        Some("vercel.app"),
    ),
    (
        "https://janes-shop.netlify.app/x",
        "shop.example",
        Some("netlify.app"),
    ),
    (
        "https://some-app.herokuapp.com/",
        "shop.example",
        Some("herokuapp.com"),
    ),
    (
        "https://janedoe.blogspot.com/2024/01/post.html",
        "shop.example",
        Some("blogspot.com"),
    ),
    (
        "https://jane.substack.com/p/hello",
        "shop.example",
        Some("substack.com"),
    ),
    (
        "https://janedoe.wordpress.com/",
        "shop.example",
        Some("wordpress.com"),
    ),
    (
        "https://www.bbc.co.uk/news",
        "shop.example",
        Some("bbc.co.uk"),
    ),
    (
        "https://jane.smith.example.co.uk/",
        "shop.example",
        Some("example.co.uk"),
    ),
    (
        "https://shop.example.com.au/a",
        "shop.example",
        Some("example.com.au"),
    ),
    (
        "https://www.asahi.co.jp/",
        "shop.example",
        Some("asahi.co.jp"),
    ),
    (
        "https://user:pw@mail.example.org:8443/inbox",
        "shop.example",
        Some("example.org"),
    ),
    (
        "https://EXAMPLE.NET./x",
        "shop.example",
        Some("example.net"),
    ),
    ("https://localhost:3000/", "shop.example", Some("localhost")),
    // The page's own site (any subdomain) is not a referrer.
    ("https://shop.example/cart", "shop.example", None),
    ("https://www.shop.example/", "shop.example", None),
    ("https://blog.acme.co.uk/", "www.acme.co.uk", None),
    // A different person's page on the same platform is still only the platform.
    ("https://john.github.io/", "jane.github.io", None),
    // Not a URL, or not a host name.
    ("", "shop.example", None),
    (
        "android-app://com.example",
        "shop.example",
        Some("com.example"),
    ),
    ("https://exa mple.com/", "shop.example", None),
    ("http://10.0.0.7:8080/admin", "shop.example", None),
    ("http://[2001:db8::1]/", "shop.example", None),
];

#[test]
fn referrers_leave_only_their_registrable_domain_or_platform() {
    use super::referrer_domain;
    for (referrer, own, want) in REFERRERS {
        assert_eq!(
            referrer_domain(referrer, own).as_deref(),
            *want,
            "{referrer} on {own}"
        );
    }
}

/// Names in paths cannot be recognised by a pattern: the site's route
/// templates replace them.
#[test]
fn path_templates_replace_names_no_pattern_recognises() {
    let templates: Vec<String> = ["/users/:name", "/search/:q", "/team/:member/settings"]
        .map(String::from)
        .to_vec();
    let cases = [
        ("https://shop.example/users/jane-doe", "/users/:name"),
        (
            "https://shop.example/users/Jane%20Doe?utm_source=x",
            "/users/:name?utm_source=x",
        ),
        (
            "https://shop.example/search/bicycle+repair+near+me",
            "/search/:q",
        ),
        (
            "https://shop.example/team/john/settings",
            "/team/:member/settings",
        ),
        // Other routes are untouched (ids still become :id).
        (
            "https://shop.example/users/jane-doe/orders",
            "/users/jane-doe/orders",
        ),
        (
            "https://shop.example/team/john/profile",
            "/team/john/profile",
        ),
        ("https://shop.example/products/123", "/products/:id"),
    ];
    for (href, want) in cases {
        assert_eq!(scrub(&normalize(href, &templates)), want, "{href}");
    }
    // A template is split into segments as a path is (backslashes separate,
    // a matrix parameter goes with its tail), so it matches the same paths.
    let odd: Vec<String> = ["/docs\\:page", "/shop;v=2/:item"]
        .map(String::from)
        .to_vec();
    assert_eq!(normalize("/docs/intro", &odd), "/docs/:page");
    assert_eq!(normalize("/shop;jsessionid=9/bike", &odd), "/shop/:item");
}
