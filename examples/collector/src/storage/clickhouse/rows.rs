//! A `pageviews` row as JSON (`JSONEachRow`): written from a [`Snapshot`],
//! read back as a [`PageView`]. Every column is sent (ClickHouse 18.16
//! gives an omitted field its type's zero, not the column's default).

use iob_sdk::{LdpReport, Mechanism, CATALOG};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::storage::{with_defaults, PageView, Snapshot};

/// The columns, in table order (also the `SELECT` list of a scan).
pub const COLUMNS: &str = "site, pv, seq, vid, sid, hour, rot, path, referrer_domain, device_class, \
browser_family, purposes, segment, feature_names, feature_bits, ldp_f, ldp_m, ldp_eps_milli, ldp_hi, ldp_v";

/// One row. Field names are the column names.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    site: String,
    pv: String,
    seq: u32,
    vid: Option<String>,
    sid: Option<String>,
    hour: u64,
    /// 0: unknown.
    rot: u32,
    path: String,
    referrer_domain: Option<String>,
    device_class: String,
    browser_family: String,
    purposes: Vec<String>,
    segment: Option<String>,
    feature_names: Vec<String>,
    /// IEEE-754 bits of each feature's f64 value.
    feature_bits: Vec<u64>,
    ldp_f: Vec<String>,
    ldp_m: Vec<String>,
    ldp_eps_milli: Vec<u32>,
    /// 0: none (rr).
    ldp_hi: Vec<u32>,
    ldp_v: Vec<i64>,
}

/// The JSON line of `s`. Its features are the non-default clear ones, as
/// the f64 the SQLite backend reads from its JSON column
/// ([`Snapshot::features_json`]: an f32 as its shortest decimal), flags as
/// 1/0, sent as bits so no decimal is parsed on the way.
pub fn encode(s: Snapshot) -> String {
    let features: Map<String, Value> = serde_json::from_str(&s.features_json()).unwrap_or_default();
    let (feature_names, feature_bits) = features
        .into_iter()
        .filter_map(|(name, v)| {
            let x = v
                .as_f64()
                .or_else(|| v.as_bool().map(|b| f64::from(u8::from(b))))?;
            Some((name, x.to_bits()))
        })
        .unzip();
    let row = Row {
        purposes: s.purposes.iter().map(|p| p.as_str().to_string()).collect(),
        device_class: s.device_class.as_str().to_string(),
        browser_family: s.browser_family.as_str().to_string(),
        ldp_f: s.ldp.iter().map(|r| r.f.clone()).collect(),
        ldp_m: s.ldp.iter().map(|r| r.m.as_str().to_string()).collect(),
        ldp_eps_milli: s.ldp.iter().map(|r| r.eps_milli).collect(),
        ldp_hi: s.ldp.iter().map(|r| r.hi.unwrap_or(0)).collect(),
        ldp_v: s.ldp.iter().map(|r| r.v).collect(),
        site: s.site,
        pv: s.pv,
        seq: s.seq,
        vid: s.vid,
        sid: s.sid,
        hour: s.hour,
        rot: s.rot.unwrap_or(0),
        path: s.path,
        referrer_domain: s.referrer_domain,
        segment: s.segment,
        feature_names,
        feature_bits,
    };
    // A struct of strings and numbers always serialises.
    serde_json::to_string(&row).unwrap_or_default()
}

/// A feature value as the SQLite backend reads it back: integers as
/// integers, flags as booleans, other numbers as f64.
fn feature_value(name: &str, x: f64) -> Value {
    match CATALOG.iter().find(|d| d.name == name).map(|d| d.json_type) {
        Some("integer") if x >= 0.0 => Value::from(x as u64),
        Some("boolean") => Value::Bool(x != 0.0),
        _ => Value::from(x),
    }
}

/// The page view of one JSON line of a scan.
pub fn decode(line: &str) -> Result<PageView, String> {
    let r: Row = serde_json::from_str(line).map_err(|e| format!("unreadable row: {e}"))?;
    if r.feature_names.len() != r.feature_bits.len() {
        return Err("unreadable row: feature arrays differ in length".into());
    }
    let n = r.ldp_f.len();
    if [
        r.ldp_m.len(),
        r.ldp_eps_milli.len(),
        r.ldp_hi.len(),
        r.ldp_v.len(),
    ] != [n; 4]
    {
        return Err("unreadable row: ldp arrays differ in length".into());
    }
    let mut ldp = Vec::with_capacity(n);
    for i in 0..n {
        let m = match r.ldp_m[i].as_str() {
            "rr" => Mechanism::Rr,
            "geo" => Mechanism::Geo,
            other => return Err(format!("unreadable row: ldp mechanism {other:?}")),
        };
        ldp.push(LdpReport {
            f: r.ldp_f[i].clone(),
            m,
            eps_milli: r.ldp_eps_milli[i],
            hi: (r.ldp_hi[i] != 0).then_some(r.ldp_hi[i]),
            v: r.ldp_v[i],
        });
    }
    let stored = r
        .feature_names
        .iter()
        .zip(&r.feature_bits)
        .map(|(name, bits)| (name.clone(), feature_value(name, f64::from_bits(*bits))))
        .collect();
    Ok(PageView {
        site: r.site,
        pv: r.pv,
        seq: r.seq,
        vid: r.vid,
        sid: r.sid,
        hour: r.hour,
        rot: (r.rot != 0).then_some(r.rot),
        path: r.path,
        referrer_domain: r.referrer_domain,
        device_class: r.device_class,
        browser_family: r.browser_family,
        purposes: r.purposes,
        segment: r.segment,
        features: with_defaults(stored, &ldp),
        ldp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use iob_sdk::Features;

    fn snapshot() -> Snapshot {
        let mut p = crate::sample::payload("demo").expect("sample");
        p.vid = Some(format!("{:032x}", 5));
        p.rot = Some(24);
        p.ctx.path = "/it's \"quoted\" \\ \u{0} \u{1F600}".into();
        p.f = Features {
            active_ms: 86_400_000,
            engaged: true,
            cls: 0.1,
            interkey_mean_ms: 3.444_228_6,
            ..Features::default()
        };
        p.ldp = vec![
            LdpReport {
                f: "clicks".into(),
                m: Mechanism::Geo,
                eps_milli: 1000,
                hi: Some(20),
                v: -7,
            },
            LdpReport {
                f: "flag_webdriver".into(),
                m: Mechanism::Rr,
                eps_milli: 500,
                hi: None,
                v: 1,
            },
        ];
        Snapshot::from_payload(p)
    }

    #[test]
    fn a_row_reads_back_as_the_page_view_of_its_snapshot() {
        let s = snapshot();
        let expected = s.clone().into_view();
        let line = encode(s);
        assert!(!line.contains('\n'), "one line per row");
        let v = decode(&line).expect("decode");
        assert_eq!(v, expected);
        assert_eq!(
            v.features["cls"].as_f64(),
            Some(0.1),
            "the f32's shortest decimal"
        );
        assert!(v.features["active_ms"].is_u64() && v.features["engaged"] == true);
    }

    #[test]
    fn every_column_is_sent() {
        let row: Map<String, Value> = serde_json::from_str(&encode(snapshot())).expect("json");
        let columns: Vec<&str> = COLUMNS.split(", ").collect();
        assert_eq!(row.keys().count(), columns.len());
        for c in columns {
            assert!(row.contains_key(c), "{c}");
        }
    }

    #[test]
    fn malformed_rows_are_errors() {
        let mut row: Map<String, Value> = serde_json::from_str(&encode(snapshot())).expect("json");
        row["ldp_v"] = Value::Array(Vec::new());
        assert!(decode(&Value::Object(row.clone()).to_string()).is_err());
        row["ldp_f"] = Value::Array(Vec::new());
        row["ldp_m"] = Value::Array(Vec::new());
        row["ldp_eps_milli"] = Value::Array(Vec::new());
        row["ldp_hi"] = Value::Array(Vec::new());
        assert!(decode(&Value::Object(row.clone()).to_string()).is_ok());
        row["feature_bits"] = Value::Array(Vec::new());
        assert!(decode(&Value::Object(row).to_string()).is_err());
        assert!(decode("{").is_err());
    }
}
