//! The JSON Schema of the payload and the feature data dictionary, from the
//! core's catalog and bounds.

use crate::markdown::cell;
use iob_sdk::{
    revealers, CATALOG, LITE_FEATURES, MAX_DOMAIN_BYTES, MAX_HOUR, MAX_PATH_BYTES, MIN_HOUR,
    RETENTION, REVEALED_BY, SCHEMA_VERSION, SEGMENTS_DICTIONARY,
};
use serde_json::{json, Map, Value};

/// JSON Schema (draft 2020-12) of the payload, as a value (also the source
/// of the TypeScript `Payload` type).
pub fn json_schema_value() -> Value {
    let hex = json!({ "type": "string", "pattern": "^[0-9a-f]{32}$" });
    let mut features = Map::new();
    for doc in CATALOG {
        let mut prop = Map::new();
        prop.insert("type".into(), json!(doc.json_type));
        if doc.json_type != "boolean" {
            prop.insert("minimum".into(), json!(0));
            prop.insert("maximum".into(), json!(doc.max));
        }
        prop.insert(
            "description".into(),
            json!(format!("{} ({})", doc.definition, doc.unit)),
        );
        features.insert(doc.name.into(), Value::Object(prop));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://iob-sdk.invalid/schema/payload.json",
        "title": "iob-sdk payload",
        "type": "object",
        "additionalProperties": false,
        "required": ["v", "build", "id", "pv", "seq", "site", "hour", "consent", "ctx", "f"],
        "dependentRequired": { "vid": ["rot"], "rot": ["vid"] },
        "properties": {
            "v": { "const": SCHEMA_VERSION },
            "build": { "enum": ["full", "lite"], "description": "The SDK build that sent the payload" },
            "id": hex,
            "pv": hex,
            "seq": { "type": "integer", "minimum": 1, "maximum": 100000 },
            "site": { "type": "string", "pattern": "^[a-z0-9._-]{1,64}$" },
            "vid": hex,
            "sid": hex,
            "rot": { "type": "integer", "minimum": 1, "maximum": 8760, "description": "The pseudonym period in hours (rotationHours); present exactly when vid is" },
            "hour": { "type": "integer", "minimum": MIN_HOUR, "maximum": MAX_HOUR, "multipleOf": 3600 },
            "consent": {
                "type": "object",
                "additionalProperties": false,
                "required": ["ref", "purposes"],
                "properties": {
                    "ref": { "type": "string", "pattern": "^[0-9a-f]{32}$", "description": "Per-period consent reference: a keyed hash of the local consent record's id and the pseudonym period" },
                    "purposes": {
                        "type": "array",
                        "items": { "enum": ["security", "analytics", "personalization", "marketing"] },
                        "contains": { "const": "analytics" }
                    }
                }
            },
            "ctx": {
                "type": "object",
                "additionalProperties": false,
                "required": ["path", "device_class", "browser_family"],
                "properties": {
                    "path": { "type": "string", "pattern": "^/", "maxLength": MAX_PATH_BYTES },
                    "referrer_domain": { "type": "string", "pattern": "^[A-Za-z0-9.-]+$", "maxLength": MAX_DOMAIN_BYTES },
                    "device_class": { "enum": ["desktop", "mobile", "tablet", "other"] },
                    "browser_family": { "enum": ["chrome", "edge", "firefox", "safari", "other"] }
                }
            },
            "f": { "type": "object", "additionalProperties": false, "properties": Value::Object(features) },
            "ldp": {
                "description": "Features reported under local differential privacy instead of in f, with the mechanism's parameters for debiasing (see docs/consent-and-privacy.md, Local differential privacy).",
                "type": "array",
                "maxItems": CATALOG.len(),
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["f", "m", "eps_milli", "v"],
                    "properties": {
                        "f": { "enum": CATALOG.iter().map(|d| d.name).collect::<Vec<_>>() },
                        "m": { "enum": ["rr", "geo"], "description": "rr: randomised response on a flag (v is 0 or 1, true bit kept with probability e^eps/(1+e^eps)); geo: value clamped to [0, hi] plus discrete Laplace noise of scale hi/eps" },
                        "eps_milli": { "type": "integer", "minimum": 10, "maximum": 10000, "description": "epsilon of this report, in thousandths" },
                        "hi": { "type": "integer", "minimum": 1, "description": "clamp bound (geo only)" },
                        "v": { "type": "integer", "description": "the noisy value; may be negative or above hi" }
                    }
                }
            }
        }
    })
}

/// [`json_schema_value`] as the text of `docs/payload.schema.json`.
pub fn json_schema() -> String {
    let mut out = serde_json::to_string_pretty(&json_schema_value()).unwrap_or_default();
    out.push('\n');
    out
}

/// The data dictionary as Markdown (`docs/features.md`).
pub fn data_dictionary_markdown() -> String {
    let mut out = String::from(
        "# Feature data dictionary\n\n\
         Generated from `src/catalog.rs` by `make docs`; a test fails if this file drifts from the code.\n\n\
         Every feature is per page view, cumulative and computed in the browser. Features equal to 0/false are omitted from the payload.\n\n\
         **Builds.** The full build (`iob-sdk`, `iob.js`) computes every feature; the `lite` build (`iob-sdk/lite`, `iob-lite.js`) only those marked *yes* \
         in the `lite` column (engagement, scroll, clicks and frustration, navigation, delivery) and never sends the others. Its payload says `\"build\":\"lite\"`.\n\n",
    );
    out.push_str("**Retention.** ");
    out.push_str(RETENTION);
    out.push_str(
        "\n\n| name | type | unit | max | lite | definition | purpose |\n|---|---|---|---|---|---|---|\n",
    );
    for d in CATALOG {
        let max = if d.json_type == "boolean" {
            "-".to_string()
        } else {
            d.max.to_string()
        };
        let lite = if LITE_FEATURES.contains(&d.name) {
            "yes"
        } else {
            "no"
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            d.name,
            d.json_type,
            cell(d.unit),
            max,
            lite,
            cell(d.definition),
            cell(d.purpose)
        ));
    }
    out.push_str(
        "\n## Features that reveal others (local differential privacy)\n\n\
         Privatising a feature under LDP (`ldp` option) also keeps every feature that reveals it, directly or through another, \
         out of the clear part of the payload (unless it is privatised too); the collector refuses a payload that breaks this.\n\n\
         | feature | revealed by |\n|---|---|\n",
    );
    for (feature, _) in REVEALED_BY {
        let by: Vec<String> = revealers(feature)
            .iter()
            .map(|r| format!("`{r}`"))
            .collect();
        out.push_str(&format!("| `{feature}` | {} |\n", by.join(", ")));
    }
    out.push_str(SEGMENTS_DICTIONARY);
    out
}
