//! Every generated file, and how to make it from the core's tables. A file
//! is either generated whole, or has a section between two marker lines.

use crate::{options, schema, typescript};
use std::path::Path;

/// How one generated file (or section) is made.
pub struct Generated {
    /// Path from the repository root.
    pub path: &'static str,
    /// `Some((begin, end))`: only the lines between these markers are generated.
    pub markers: Option<(&'static str, &'static str)>,
    pub make: fn() -> String,
}

fn features_and_payload() -> String {
    typescript::features_and_payload(&schema::json_schema_value())
}

/// Every generated file or section.
pub const ALL: &[Generated] = &[
    Generated { path: "docs/features.md", markers: None, make: schema::data_dictionary_markdown },
    Generated { path: "docs/payload.schema.json", markers: None, make: schema::json_schema },
    Generated { path: "pkg-template/options.js", markers: None, make: options::loader_options },
    Generated {
        path: "pkg-template/index.d.ts",
        markers: Some(("// <generated: IobConfig, from src/options.rs by `make docs`>", "// </generated: IobConfig>")),
        make: typescript::iob_config,
    },
    Generated {
        path: "pkg-template/index.d.ts",
        markers: Some(("// <generated: Features, Segment, Payload, from docs/payload.schema.json by `make docs`>", "// </generated: Features, Segment, Payload>")),
        make: features_and_payload,
    },
    Generated {
        path: "docs/api.md",
        markers: Some(("<!-- generated: options, from src/options.rs by `make docs` -->", "<!-- /generated: options -->")),
        make: options::api_table,
    },
];

/// The text `g` should give the file that now reads `current`.
pub fn expected(g: &Generated, current: &str) -> Result<String, String> {
    let body = (g.make)();
    match g.markers {
        None => Ok(body),
        Some((begin, end)) => crate::markdown::replace_between(current, begin, end, &body)
            .map_err(|e| format!("{}: {e}", g.path)),
    }
}

/// Regenerates every file under `root`; returns the paths it changed.
pub fn write_all(root: &Path) -> Result<Vec<&'static str>, String> {
    let mut changed = Vec::new();
    for g in ALL {
        let file = root.join(g.path);
        let current = std::fs::read_to_string(&file).unwrap_or_default();
        let next = expected(g, &current)?;
        if next != current {
            std::fs::write(&file, &next).map_err(|e| format!("{}: {e}", g.path))?;
            changed.push(g.path);
        }
    }
    Ok(changed)
}

/// The generated files under `root` that differ from what the code makes.
pub fn stale(root: &Path) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for g in ALL {
        let current =
            std::fs::read_to_string(root.join(g.path)).map_err(|e| format!("{}: {e}", g.path))?;
        if expected(g, &current)? != current {
            out.push(g.path);
        }
    }
    Ok(out)
}
