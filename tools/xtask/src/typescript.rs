//! TypeScript declarations generated from the core's tables: `IobConfig`
//! from the option table, and `Features` and `Payload` from the payload's
//! JSON Schema (itself generated from the catalog), so the types a consumer
//! compiles against cannot drift from what the SDK accepts and sends.

use crate::options::{bounds_text, default_text};
use iob_sdk::{OptionDefault, OptionKind, OPTION_DOCS, SEGMENTS};
use serde_json::Value;

/// A JSDoc comment at `indent`.
fn doc(out: &mut String, indent: &str, text: &str) {
    let text = text.replace("*/", "*\\/");
    out.push_str(indent);
    out.push_str("/** ");
    out.push_str(&text);
    out.push_str(" */\n");
}

/// The TypeScript type of one option's value.
fn option_type(kind: OptionKind) -> String {
    match kind {
        OptionKind::Text { .. } => "string".into(),
        OptionKind::List { .. } => "string | string[]".into(),
        OptionKind::Int { .. } => "number".into(),
        OptionKind::Bool => "boolean".into(),
        OptionKind::Milli { .. } => "number | string".into(),
        OptionKind::Choice(words) => {
            let mut parts: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
            if words.contains(&"true") && words.contains(&"false") {
                parts.push("boolean".into());
            }
            parts.join(" | ")
        }
    }
}

/// `export interface IobConfig { … }` from the option table.
pub fn iob_config() -> String {
    let mut out = String::from("/** Options of `init` (script tag: the `data-*` attributes in kebab-case). Unknown options are rejected with `IobConfigError`. */\nexport interface IobConfig {\n");
    for o in OPTION_DOCS {
        let mut text = o.meaning.to_string();
        if let Some(d) = default_text(o) {
            text.push_str(&format!(" Default {d}."));
        }
        if let Some(b) = bounds_text(o.kind) {
            text.push_str(&format!(" ({b})"));
        }
        doc(&mut out, "  ", &text);
        let optional = if o.default == OptionDefault::Required {
            ""
        } else {
            "?"
        };
        out.push_str(&format!(
            "  {}{optional}: {};\n",
            o.name,
            option_type(o.kind)
        ));
    }
    out.push_str("}\n");
    out
}

/// The TypeScript type of a JSON Schema value (the subset the payload schema uses).
fn schema_type(
    s: &Value,
    indent: &str,
    named: &dyn Fn(&str) -> Option<&'static str>,
    key: &str,
) -> String {
    if let Some(name) = named(key) {
        return name.into();
    }
    if let Some(c) = s.get("const") {
        return c.to_string();
    }
    if let Some(Value::Array(items)) = s.get("enum") {
        return items
            .iter()
            .map(|v| v.to_string().replace('"', "'"))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => "string".into(),
        Some("integer") | Some("number") => "number".into(),
        Some("boolean") => "boolean".into(),
        Some("array") => format!(
            "Array<{}>",
            s.get("items")
                .map_or("unknown".into(), |i| schema_type(i, indent, named, ""))
        ),
        Some("object") => object_type(s, indent, named, None),
        _ => "unknown".into(),
    }
}

/// `{ … }` for an object schema: required members plain, the others optional,
/// each with its description as JSDoc. `extra` is appended (hand-named members).
fn object_type(
    s: &Value,
    indent: &str,
    named: &dyn Fn(&str) -> Option<&'static str>,
    extra: Option<&str>,
) -> String {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |r| r.iter().filter_map(Value::as_str).collect());
    let inner = format!("{indent}  ");
    let mut out = String::from("{\n");
    if let Some(Value::Object(props)) = s.get("properties") {
        for (k, v) in props {
            if let Some(d) = v.get("description").and_then(Value::as_str) {
                doc(&mut out, &inner, d);
            }
            let optional = if required.contains(&k.as_str()) {
                ""
            } else {
                "?"
            };
            out.push_str(&format!(
                "{inner}{k}{optional}: {};\n",
                schema_type(v, &inner, named, k)
            ));
        }
    }
    if let Some(e) = extra {
        out.push_str(e);
    }
    out.push_str(indent);
    out.push('}');
    out
}

/// `export interface Features { … }` (the payload's `f`, plus the on-device
/// `segment` of `features()`) and `export interface Payload { … }`, from the schema.
pub fn features_and_payload(schema: &Value) -> String {
    let none = |_: &str| None;
    let f = &schema["properties"]["f"];
    let segment = "  /** The on-device segment (only in `features()`, never sent). */\n  segment?: Segment;\n";
    let mut out = String::from("/**\n * Cumulative features of a page view (docs/features.md has the exact\n * definitions). Absent keys are 0 / false. `features()` adds `segment`.\n */\n");
    out.push_str(&format!(
        "export interface Features {}\n\n",
        object_type(f, "", &none, Some(segment))
    ));
    out.push_str(&format!(
        "/** On-device segments (see docs/features.md); `null` when none applies. */\nexport type Segment = {};\n\n",
        SEGMENTS.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" | ")
    ));
    let named = |k: &str| if k == "f" { Some("Features") } else { None };
    out.push_str("/** A payload as sent (docs/payload.schema.json). */\n");
    out.push_str(&format!(
        "export interface Payload {}\n",
        object_type(schema, "", &named, None)
    ));
    out
}
