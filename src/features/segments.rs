//! On-device segments, for personalisation without sending data. Exactly one
//! applies at a time, the first that matches in this order:
//! - `likely_bot`: `automation_score >= 0.5`;
//! - `frustrated`: `frustration_score >= 0.5`;
//! - `engaged_reader`: `active_ms >= 30000` and `scroll_depth_max_pct >= 50`,
//!   or, with on-device history (personalization consent), `engaged` on a
//!   visitor with `visits_30d >= 3`;
//! - `skimmer`: scrolled (`scroll_distance_px > 0`) to `scroll_depth_max_pct
//!   >= 50` with `active_ms < 30000` (a short page seen whole is not skimmed);
//! - `bouncer`: one page view in the session, not engaged, and
//!   `total_ms >= 5000` with `scroll_depth_max_pct < 25`.
//!
//! Otherwise there is no segment (`None`). The page hears every change
//! through `iob.on('segment', cb)`; segments are never sent.

use crate::catalog::Features;

/// `total_ms` from which a page view that goes nowhere is a bounce.
pub(crate) const BOUNCER_MS: f64 = 5_000.0;
/// `active_ms` of an engaged reader.
pub(crate) const READER_ACTIVE_MS: f64 = 30_000.0;

pub const SEGMENTS: [&str; 5] = [
    "engaged_reader",
    "skimmer",
    "bouncer",
    "frustrated",
    "likely_bot",
];

/// The segment of a snapshot; `history` is whether stored history may be used.
pub(crate) fn segment(f: &Features, history: bool) -> Option<&'static str> {
    if f.automation_score >= 0.5 {
        Some("likely_bot")
    } else if f.frustration_score >= 0.5 {
        Some("frustrated")
    } else if (f64::from(f.active_ms) >= READER_ACTIVE_MS && f.scroll_depth_max_pct >= 50)
        || (history && f.engaged && f.visits_30d >= 3)
    {
        Some("engaged_reader")
    } else if f.scroll_depth_max_pct >= 50 && f.scroll_distance_px > 0 {
        Some("skimmer")
    } else if f.pageviews <= 1
        && !f.engaged
        && f64::from(f.total_ms) >= BOUNCER_MS
        && f.scroll_depth_max_pct < 25
    {
        Some("bouncer")
    } else {
        None
    }
}

/// The data dictionary's section on what stays on the device (appended to
/// `docs/features.md` by `make docs`).
pub const DICTIONARY_SECTION: &str = "\n## On the device only\n\n\
`iob.features()` returns the snapshot above plus `segment`; `iob.on('segment', cb)` calls `cb` with the new segment (or `null`) when it changes, \
evaluated at most once a second while events arrive, on every `features()` call, and on a timer when time alone can change it \
(`total_ms` reaching 5 s, `active_ms` reaching 10 s or 30 s, a click turning dead), within a second of that moment. Both work without analytics consent: nothing leaves the device. \
Segments are never sent.\n\n\
| name | definition (the first that matches, in this order) | purpose |\n|---|---|---|\n\
| `likely_bot` | `automation_score >= 0.5` | Skip personalisation and experiments for automated traffic. |\n\
| `frustrated` | `frustration_score >= 0.5` | Offer help (chat, a simpler path) at the moment it is needed. |\n\
| `engaged_reader` | `active_ms >= 30000` and `scroll_depth_max_pct >= 50`; or, with personalization consent, `engaged` and `visits_30d >= 3` | Suggest further reading, a newsletter. |\n\
| `skimmer` | scrolled (`scroll_distance_px > 0`) to `scroll_depth_max_pct >= 50`, with `active_ms < 30000` | Surface summaries and key points. |\n\
| `bouncer` | `pageviews <= 1`, not `engaged`, `total_ms >= 5000` and `scroll_depth_max_pct < 25` | Show a clearer next step. |\n\n\
## Context sent with every payload (`ctx`)

| name | definition | purpose |
|---|---|---|
| `path` | The page path, normalised: query and fragment dropped except `utm_*`, `ref` and `source`; id-like segments (numbers, hex, UUIDs, long tokens) become `:id`; emails and other PII scrubbed. An SPA route change starts a new page view with the new path. | Per-page reports without full URLs. |
| `referrer_domain` | The referrer's host only, when it is another site. | Acquisition, without the referring URL. |
| `device_class` | `desktop`, `mobile`, `tablet` or `other`, from the user agent's form factor only. | Coarse segmentation. |
| `browser_family` | `chrome`, `edge`, `firefox`, `safari` or `other`, no version. | Coarse segmentation, browser-specific bugs. |

**Retention on the device.** Page-view features live in memory for the page view only; no raw event is kept. \
With `personalization` consent the SDK keeps one `localStorage` record, `iob:<site>:history`: visit count, last-activity time, \
days since the previous visit, page views in the current visit and their summed `active_ms`, per-day visit counts for the last 30 days \
and the baseline (count, mean and variance of visits' `active_ms`). It holds no page, no event and no value typed. It is removed when personalization is refused \
or consent is revoked, and is never sent; only the derived `visit_index`, `days_since_last_visit`, `visits_30d` and `behaviour_shift` \
go out, inside payloads that also need analytics consent. With `analytics` consent the session record `iob:<site>:session` \
(the session id and its last activity) also keeps the session's page-view count and the start time of its latest page view, \
for `pageviews`, `engaged` and `quick_backs` across the pages of a multi-page site.\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_in_priority_order() {
        let base = Features {
            pageviews: 1,
            ..Features::default()
        };
        assert_eq!(segment(&base, false), None);
        assert_eq!(
            segment(
                &Features {
                    total_ms: 6_000,
                    scroll_depth_max_pct: 10,
                    ..base
                },
                false
            ),
            Some("bouncer")
        );
        assert_eq!(
            segment(
                &Features {
                    scroll_depth_max_pct: 80,
                    scroll_distance_px: 900,
                    active_ms: 5_000,
                    ..base
                },
                false
            ),
            Some("skimmer")
        );
        assert_eq!(
            segment(
                &Features {
                    scroll_depth_max_pct: 100,
                    active_ms: 5_000,
                    ..base
                },
                false
            ),
            None,
            "a short page, not scrolled"
        );
        let reader = Features {
            scroll_depth_max_pct: 80,
            active_ms: 40_000,
            engaged: true,
            ..base
        };
        assert_eq!(segment(&reader, false), Some("engaged_reader"));
        let loyal = Features {
            engaged: true,
            visits_30d: 4,
            active_ms: 12_000,
            ..base
        };
        assert_eq!(
            segment(&loyal, false),
            None,
            "history needs personalization consent"
        );
        assert_eq!(segment(&loyal, true), Some("engaged_reader"));
        assert_eq!(
            segment(
                &Features {
                    frustration_score: 0.5,
                    ..reader
                },
                false
            ),
            Some("frustrated")
        );
        assert_eq!(
            segment(
                &Features {
                    automation_score: 0.9,
                    frustration_score: 0.5,
                    ..reader
                },
                false
            ),
            Some("likely_bot")
        );
    }
}
