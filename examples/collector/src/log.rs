//! Structured logs: one JSON object per line on stderr. Never an IP, a user
//! agent or a token.

use serde_json::{Map, Value};

/// Writes `{"ts":..,"level":..,"msg":.., ..fields}` to stderr.
pub fn log(level: &str, msg: &str, fields: Value) {
    let mut obj = Map::new();
    obj.insert(
        "ts".into(),
        Value::String(crate::days::rfc3339(crate::days::now_unix())),
    );
    obj.insert("level".into(), Value::String(level.into()));
    obj.insert("msg".into(), Value::String(msg.into()));
    if let Value::Object(extra) = fields {
        obj.extend(extra);
    }
    eprintln!("{}", Value::Object(obj));
}

pub fn info(msg: &str, fields: Value) {
    log("info", msg, fields);
}

pub fn warn(msg: &str, fields: Value) {
    log("warn", msg, fields);
}
