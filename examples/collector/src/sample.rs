//! A valid payload to start from (simulator, load generator, tests).
//!
//! It is parsed from wire JSON rather than written as a struct literal, so
//! optional fields that later schema revisions add take their defaults and
//! the tools keep compiling and producing valid payloads.

use iob_sdk::{parse, FieldError, Payload, SCHEMA_VERSION};

/// A minimal valid payload of `site`: one page view of `/`, no features.
pub fn payload(site: &str) -> Result<Payload, FieldError> {
    let id = "00000000000000000000000000000001";
    let json = format!(
        r#"{{"v":{SCHEMA_VERSION},"build":"full","id":"{id}","pv":"{id}","seq":1,"site":{},"hour":1800000000,"consent":{{"ref":"{id}","purposes":["analytics"]}},"ctx":{{"path":"/","device_class":"desktop","browser_family":"chrome"}},"f":{{}}}}"#,
        serde_json::Value::from(site)
    );
    parse(json.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_and_round_trips() {
        let p = super::payload("demo").unwrap();
        assert_eq!(iob_sdk::parse(p.to_json().as_bytes()), Ok(p));
        assert_eq!(super::payload("Bad Site").unwrap_err().field, "site");
    }
}
