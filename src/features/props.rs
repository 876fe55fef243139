//! Property tests over random event streams: the invariants every snapshot
//! keeps, whatever the input.

use crate::catalog::Features;
use crate::event::{Event, EventKind, KeyClass};
use crate::pageview::PageView;
use crate::payload::{BrowserFamily, Context, DeviceClass};
use proptest::prelude::*;

fn kind() -> impl Strategy<Value = EventKind> {
    let xy = (-50.0f32..3000.0, -50.0f32..3000.0);
    let class = prop_oneof![
        Just(KeyClass::Char),
        Just(KeyClass::Delete),
        Just(KeyClass::Navigation),
        Just(KeyClass::Enter)
    ];
    prop_oneof![
        4 => (xy.clone(), any::<bool>()).prop_map(|((x, y), trusted)| EventKind::PointerMove { x, y, trusted }),
        2 => (xy, any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|((x, y), trusted, link, keyboard)| EventKind::Click { x, y, trusted, link, keyboard }),
        2 => (class, any::<bool>(), any::<bool>()).prop_map(|(class, trusted, field)| EventKind::Key { class, trusted, field }),
        1 => Just(EventKind::Wheel),
        1 => Just(EventKind::Touch),
        2 => (0.0f32..20_000.0, 100.0f32..1200.0, 0.0f32..20_000.0)
            .prop_map(|(scroll_y, viewport_h, doc_h)| EventKind::Scroll { scroll_y, viewport_h, doc_h }),
        1 => any::<bool>().prop_map(EventKind::Visibility),
        1 => any::<bool>().prop_map(EventKind::Focus),
        1 => Just(EventKind::Mutation),
        1 => Just(EventKind::Selection),
        1 => Just(EventKind::Error),
        1 => (0u32..4, 0u32..16, any::<bool>()).prop_map(|(form, field, trusted)| EventKind::FieldInput { form, field, trusted }),
        1 => (0u32..4).prop_map(|form| EventKind::FormSubmit { form }),
        1 => (0.0f32..10_000.0).prop_map(EventKind::Lcp),
        1 => (0.0f32..0.5, 0.0f32..60_000.0).prop_map(|(value, at)| EventKind::LayoutShift { value, at }),
        1 => (0u32..30, 0.0f32..600.0, 0.0f32..60_000.0).prop_map(|(id, duration, start)| EventKind::Interaction { id, duration, start }),
        1 => Just(EventKind::LongTask),
        1 => Just(EventKind::Press),
        1 => Just(EventKind::Conversion),
        1 => Just(EventKind::PageFrozen),
        1 => Just(EventKind::NavigationStart),
        1 => (0.0f32..5_000.0).prop_map(EventKind::Fcp),
        1 => (0.0f32..300.0).prop_map(EventKind::InteractionCount),
    ]
}

fn stream() -> impl Strategy<Value = Vec<(f64, EventKind)>> {
    prop::collection::vec((0.0f64..20_000.0, kind()), 0..200)
}

fn page_view(visible: bool, focused: bool) -> PageView {
    let ctx = Context {
        path: "/".into(),
        referrer_domain: None,
        device_class: DeviceClass::Desktop,
        browser_family: BrowserFamily::Chrome,
    };
    PageView::new([1; 16], 0.0, 15_000.0, visible, focused, ctx)
}

/// Every count, duration and depth that is cumulative.
fn cumulative(f: &Features) -> [u32; 22] {
    [
        f.active_ms,
        f.visible_ms,
        f.total_ms,
        f.scroll_depth_max_pct,
        f.scroll_distance_px,
        f.scroll_reversals,
        f.clicks,
        f.rage_clicks,
        f.dead_clicks,
        f.error_clicks,
        f.quick_backs,
        f.forms_started,
        f.forms_submitted,
        f.forms_abandoned,
        f.field_corrections,
        f.keystrokes,
        f.pointer_distance_px,
        f.direction_changes,
        f.pageviews,
        f.route_changes,
        f.conversions,
        f.long_tasks,
    ]
}

proptest! {
    #[test]
    fn snapshots_are_ordered_monotone_bounded_and_valid(
        gaps in stream(),
        visible in any::<bool>(),
        focused in any::<bool>(),
        load in (0.0f32..2_000.0, prop_oneof![Just(f32::INFINITY), 0.0f32..20_000.0], any::<bool>()),
    ) {
        let mut pv = page_view(visible, focused);
        // The shell reports the document's load times first.
        let (activation_start, first_hidden, back_forward) = load;
        pv.on_event(&Event { t: 0.0, kind: EventKind::PageTimes { activation_start, first_hidden, back_forward } });
        let mut t = 0.0;
        let mut prev = pv.features(0.0);
        for (gap, kind) in gaps {
            t += gap;
            pv.on_event(&Event { t, kind });
            // A snapshot right at the event, and one before the next event.
            for now in [t, t + gap / 2.0] {
                t = now;
                let f = pv.features(now);
                prop_assert!(f.active_ms <= f.visible_ms && f.visible_ms <= f.total_ms, "{:?}", f);
                for score in [f.frustration_score, f.automation_score, f.pointer_straightness, f.delete_ratio] {
                    prop_assert!((0.0..=1.0).contains(&score), "{:?}", f);
                }
                let (a, b) = (cumulative(&prev), cumulative(&f));
                for i in 0..a.len() {
                    prop_assert!(b[i] >= a[i], "feature #{} decreased: {:?} -> {:?}", i, prev, f);
                }
                prop_assert!(f.lcp_ms >= prev.lcp_ms || prev.lcp_ms > 0, "lcp only changes before input");
                prop_assert!(f.cls >= prev.cls);
                prop_assert!(f.validate().is_ok(), "{:?}", f.validate());
                // The `lite` build computes its families only.
                let json = f.to_json();
                for spec in crate::catalog::SPECS {
                    let has = json.contains(&format!("\"{}\":", spec.name));
                    prop_assert!(!has || crate::catalog::computed_by_this_build(spec.name), "{} in {}", spec.name, json);
                }
                prev = f;
            }
        }
    }
}

#[test]
fn typescript_features_type_documents_every_catalog_feature() {
    let dts = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/pkg-template/index.d.ts"
    ))
    .unwrap_or_default();
    for d in crate::catalog::CATALOG {
        let decl = format!(
            "  {}?: {};",
            d.name,
            if d.json_type == "boolean" {
                "boolean"
            } else {
                "number"
            }
        );
        let at = dts
            .find(&decl)
            .unwrap_or_else(|| panic!("index.d.ts lacks `{decl}`"));
        assert!(
            dts[..at].trim_end().ends_with("*/"),
            "`{}` has no doc comment in index.d.ts",
            d.name
        );
    }
}

#[test]
fn the_lite_features_are_catalog_features() {
    for name in crate::catalog::LITE_FEATURES {
        assert!(
            crate::catalog::SPECS.iter().any(|s| s.name == *name),
            "{name} is not in the catalog"
        );
    }
}

#[test]
fn only_events_that_change_the_snapshot_make_the_page_view_dirty() {
    let mut pv = page_view(true, true);
    let check = |pv: &mut PageView, kind: EventKind, dirty: bool| {
        pv.dirty = false;
        pv.on_event(&Event { t: 100.0, kind });
        assert_eq!(pv.dirty, dirty, "{kind:?}");
    };
    // Performance entries change the snapshot through the vitals, which the
    // `lite` build does not compute.
    let vitals = cfg!(feature = "full");
    check(
        &mut pv,
        EventKind::Interaction {
            id: 1,
            duration: 64.0,
            start: 50.0,
        },
        vitals,
    );
    check(
        &mut pv,
        EventKind::Interaction {
            id: 1,
            duration: 48.0,
            start: 50.0,
        },
        false,
    ); // same interaction, shorter
    check(&mut pv, EventKind::Mutation, false);
    check(&mut pv, EventKind::PageEnd, false); // no form left open
    check(&mut pv, EventKind::LongTask, vitals);
    check(
        &mut pv,
        EventKind::Key {
            class: KeyClass::Char,
            trusted: true,
            field: false,
        },
        true,
    );
}
