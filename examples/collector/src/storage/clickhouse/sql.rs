//! SQL text for ClickHouse: escaped literals and identifiers, the schema
//! and its migrations, and expressions shared by the queries.
//!
//! Values are written into SQL as escaped literals (server-side query
//! parameters, `param_*`, do not exist before ClickHouse 19.x): a string
//! literal keeps only `[A-Za-z0-9 /._-]` as is and writes every other byte
//! as `\xHH`, so no byte of user input can end the literal or start an
//! escape of its own.

/// A string literal for `s`: `'...'`, every byte outside a small safe set
/// written as `\xHH` (ClickHouse strings are bytes, so UTF-8 passes intact).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b" /._-".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out.push('\'');
    out
}

/// An exact Float64 for `x`. An integer below 2^53 is written as one;
/// anything else as its IEEE-754 bits, because ClickHouse 18.16 parses
/// about 1 % of decimal literals 1 ulp off (`0.9` may not be 0.9).
pub fn float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        format!("toFloat64({})", x as i64)
    } else {
        format!(
            "reinterpretAsFloat64(reinterpretAsString(toUInt64({})))",
            x.to_bits()
        )
    }
}

/// Whether `name` is usable as a database name: `[A-Za-z_][A-Za-z0-9_]*`,
/// at most 64 bytes. Used unquoted in SQL, so nothing else is accepted.
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.len() <= 64
}

/// The pseudonym period of a row, as [`crate::period::pseudonym_period`]
/// computes it: `hour / (rotation × 3600)`, `rot` 0 (unknown) or outside
/// 1..=8760 counting as 24.
pub const PERIOD: &str = "intDiv(hour, if(rot >= 1 AND rot <= 8760, rot, 24) * 3600)";

/// The k figure of the rows an aggregation sees where `cond` holds:
/// distinct pseudonyms of the busiest period. Distinct (period, vid) pairs,
/// then the largest number of pairs sharing a period (`arrayEnumerateUniq`
/// numbers equal elements 1, 2, ...; its maximum is the largest count).
pub fn max_period_pseudonyms(cond: &str) -> String {
    format!(
        "arrayReduce('max', arrayEnumerateUniq(arrayMap(t -> t.1, \
         groupUniqArrayIf((period, assumeNotNull(vid)), isNotNull(vid) AND ({cond})))))"
    )
}

/// One migration: statements run in order, each idempotent (`IF NOT
/// EXISTS`), since several collectors may migrate one database at once.
pub struct Migration {
    pub description: &'static str,
    pub statements: &'static [&'static str],
}

/// Tables live in the database `{db}` (substituted, an identifier checked
/// by [`is_identifier`]). Append only; the applied versions are recorded in
/// `{db}.schema_migrations`.
///
/// `pageviews`: one row per stored snapshot; `ReplacingMergeTree(seq)` keyed
/// by `(site, pv)` keeps the highest `seq` per page view once parts merge,
/// and reads use `FINAL` to see that before. Partitioned by the month of
/// `hour` (retention drops whole months).
/// - `hour`: start of the UTC hour, Unix seconds (UInt32 holds up to 2106).
/// - `rot`: the SDK's pseudonym rotation in hours, 0 when unknown (24).
/// - `feature_names` / `feature_bits`: the non-default clear features and
///   their values as IEEE-754 bit patterns of the f64 the SQLite backend
///   stores (exact: see [`float`]); `reinterpretAsFloat64(reinterpretAsString(b))`
///   reads them back. Named rather than one column per feature, so a new
///   catalog feature needs no migration.
/// - `ldp_*`: the LDP reports, one array element each (`ldp_hi` 0: none).
pub const MIGRATIONS: &[Migration] = &[Migration {
    description: "pageviews: ReplacingMergeTree(seq) by (site, pv), monthly partitions",
    statements: &["CREATE TABLE IF NOT EXISTS {db}.pageviews (
            site String,
            pv String,
            seq UInt32,
            vid Nullable(String),
            sid Nullable(String),
            hour UInt32,
            rot UInt32,
            path String,
            referrer_domain Nullable(String),
            device_class String,
            browser_family String,
            purposes Array(String),
            segment Nullable(String),
            feature_names Array(String),
            feature_bits Array(UInt64),
            ldp_f Array(String),
            ldp_m Array(String),
            ldp_eps_milli Array(UInt32),
            ldp_hi Array(UInt32),
            ldp_v Array(Int64)
        ) ENGINE = ReplacingMergeTree(seq)
        PARTITION BY toYYYYMM(toDateTime(hour, 'UTC'))
        ORDER BY (site, pv)"],
}];

/// The table recording applied migrations (created before any migration).
pub const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS {db}.schema_migrations (
        version UInt32,
        description String,
        applied_at DateTime
    ) ENGINE = MergeTree ORDER BY version";

/// `template` with `{db}` replaced by the database name.
pub fn in_database(template: &str, db: &str) -> String {
    template.replace("{db}", db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_every_byte_that_could_end_them() {
        assert_eq!(string("/a/b-c_d.e f"), "'/a/b-c_d.e f'");
        assert_eq!(string("it's"), "'it\\x27s'");
        assert_eq!(string("a\\'b"), "'a\\x5C\\x27b'");
        assert_eq!(string("\0\n€"), "'\\x00\\x0A\\xE2\\x82\\xAC'");
        for hostile in [
            "'; DROP TABLE x; --",
            "\\",
            "\\'",
            "'\\",
            "`",
            "\"",
            "{db}",
            "?",
        ] {
            let lit = string(hostile);
            let inner = &lit[1..lit.len() - 1];
            assert!(!inner.contains(['\'', '`', '"', '{', '?']), "{lit}");
            assert!(inner.split("\\x").skip(1).all(|h| h.len() >= 2), "{lit}");
        }
    }

    #[test]
    fn float_literals_are_exact() {
        assert_eq!(float(1000.0), "toFloat64(1000)");
        assert_eq!(float(0.0), "toFloat64(0)");
        assert_eq!(
            float(0.5),
            format!(
                "reinterpretAsFloat64(reinterpretAsString(toUInt64({})))",
                0.5f64.to_bits()
            )
        );
        assert!(float(9_007_199_254_740_992.0).starts_with("reinterpret"));
    }

    #[test]
    fn identifiers_are_plain_names() {
        for ok in ["iob", "_x", "iob_test_12", "A1"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a.b", "a`b", "a b", "é", &"a".repeat(65)] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
