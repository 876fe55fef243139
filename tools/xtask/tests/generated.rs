//! The generated files are committed and current, and the code has no
//! module cycles. Both fail with the command that fixes or shows the problem.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `make docs` output is committed: docs/features.md, the JSON Schema, the
/// TypeScript types, the script tag's option mapping and the options table.
#[test]
fn generated_files_are_current() {
    let stale = iob_xtask::generated::stale(root()).unwrap();
    assert!(
        stale.is_empty(),
        "stale generated files (run `make docs`): {stale:?}"
    );
}

/// Every feature of the catalog has a row in the dictionary.
#[test]
fn the_dictionary_has_a_row_per_catalog_feature() {
    let dict = (iob_xtask::generated::ALL[0].make)();
    for d in iob_sdk::CATALOG {
        assert!(
            dict.contains(&format!("| `{}` |", d.name)),
            "no row for {}",
            d.name
        );
    }
}

/// Every name SPEC's "Features computed in the browser" lists is in the
/// generated dictionary (docs/features.md).
#[test]
fn the_dictionary_covers_every_feature_spec_lists() {
    let dict = (iob_xtask::generated::ALL[0].make)();
    let spec = [
        "active_ms",
        "visible_ms",
        "total_ms",
        "engaged",
        "scroll_depth_max_pct",
        "scroll_distance_px",
        "scroll_reversals",
        "clicks",
        "rage_clicks",
        "dead_clicks",
        "error_clicks",
        "quick_backs",
        "frustration_score",
        "forms_started",
        "forms_submitted",
        "forms_abandoned",
        "field_corrections",
        "time_to_submit_ms",
        "keystrokes",
        "interkey_mean_ms",
        "interkey_cv",
        "delete_ratio",
        "pointer_distance_px",
        "pointer_straightness",
        "pointer_speed_mean",
        "direction_changes",
        "pageviews",
        "route_changes",
        "path",
        "referrer_domain",
        "device_class",
        "browser_family",
        "automation_score",
        "lcp_ms",
        "cls",
        "inp_ms",
        "long_tasks",
        "visit_index",
        "days_since_last_visit",
        "visits_30d",
        "behaviour_shift",
        "engaged_reader",
        "skimmer",
        "bouncer",
        "frustrated",
        "likely_bot",
    ];
    for name in spec {
        assert!(
            dict.contains(&format!("| `{name}` |")),
            "docs/features.md lacks a row for `{name}`"
        );
    }
    for name in iob_sdk::SEGMENTS {
        assert!(dict.contains(&format!("| `{name}` |")));
    }
}

/// Neither the core nor the shell has a module cycle (`cargo run -p iob-xtask -- cycles`).
#[test]
fn no_module_cycles() {
    for lib in ["src/lib.rs", "web/src/lib.rs"] {
        let cycles = iob_xtask::cycles::check(&root().join(lib)).unwrap();
        assert!(cycles.is_empty(), "{lib}: module cycles {cycles:?}");
    }
}
