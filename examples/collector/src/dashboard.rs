//! The server-rendered dashboard: HTML with inline SVG charts, no script, no
//! external resource (served with a strict CSP).
//!
//! Charts are declared in [`SECTIONS`] by feature name. A section renders the
//! features of it that exist in the SDK's `CATALOG` and shows "not yet
//! collected" for the others, so a feature added to the catalog appears here
//! without code changes (and always in the "every feature" table).

use std::fmt::Write;

use iob_sdk::Purpose;
use iob_sdk::{FeatureDoc, CATALOG};

use crate::days::format_day;
use crate::stats::{FeatureStats, GroupStats, LdpEstimate, Report};
use crate::storage::Filter;

/// Pages shown in the by-page charts (the CSV export has every page).
pub const TOP_PAGES: usize = 25;

fn by_page_heading() -> String {
    format!("<h4>By page <small>(top {TOP_PAGES} by page views; the CSV has all)</small></h4>")
}

/// Orders groups by page views (descending, stable) and keeps the top ones.
pub fn keep_top_pages(report: &mut Report) {
    report
        .groups
        .sort_by_key(|g| std::cmp::Reverse(g.pageviews));
    report.groups.truncate(TOP_PAGES);
}

pub struct Data<'a> {
    pub filter: &'a Filter,
    /// The `?token=` the page was opened with, carried into its links.
    pub token: Option<&'a str>,
    pub sites: &'a [String],
    pub by_day: &'a Report,
    pub by_path: &'a Report,
    pub all: &'a Report,
}

/// Which statistic a section plots over time and by page.
#[derive(Clone, Copy)]
enum Stat {
    /// p50 and p90 (distributions such as durations).
    Percentiles,
    /// Mean per page view (counts that are mostly zero, scores).
    Mean,
}

struct Section {
    id: &'static str,
    title: &'static str,
    about: &'static str,
    features: &'static [&'static str],
    stat: Stat,
    histogram: bool,
}

const SECTIONS: &[Section] = &[
    Section {
        id: "engaged-time",
        title: "Engaged time",
        about: "Visible, focused time within the idle timeout of the last input, per page view.",
        features: &["active_ms", "engaged"],
        stat: Stat::Percentiles,
        histogram: true,
    },
    Section {
        id: "scroll-depth",
        title: "Scroll depth",
        about: "Deepest point reached, as a percentage of the page height.",
        features: &["scroll_depth_max_pct"],
        stat: Stat::Percentiles,
        histogram: true,
    },
    Section {
        id: "frustration",
        title: "Frustration by page",
        about: "Mean per page view of clicks and frustration signals.",
        features: &[
            "frustration_score",
            "rage_clicks",
            "dead_clicks",
            "error_clicks",
            "quick_backs",
            "clicks",
        ],
        stat: Stat::Mean,
        histogram: false,
    },
    Section {
        id: "form-funnel",
        title: "Form funnel",
        about: "Forms started, submitted and abandoned per page view.",
        features: &["forms_started", "forms_submitted", "forms_abandoned"],
        stat: Stat::Mean,
        histogram: false,
    },
    Section {
        id: "automation",
        title: "Automation share",
        about: "Automation score (0-1) from the SDK's bot signals, and the share of page views raising each signal.",
        features: &[
            "automation_score",
            "flag_webdriver",
            "flag_untrusted",
            "flag_click_no_path",
            "flag_regular_timing",
            "flag_straight_path",
            "flag_superhuman",
        ],
        stat: Stat::Mean,
        histogram: true,
    },
    Section {
        id: "experience",
        title: "Experience quality",
        about: "Core web vitals (LCP, INP, CLS) and long tasks, web-vitals definitions.",
        features: &["lcp_ms", "inp_ms", "cls", "long_tasks"],
        stat: Stat::Percentiles,
        histogram: false,
    },
];

const COLORS: [&str; 4] = ["#2f6690", "#81c3d7", "#d9825b", "#6a994e"];

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Human form of a value of a feature with `unit`.
fn human(unit: &str, v: f64) -> String {
    match unit {
        "ms" => format!("{:.1} s", v / 1000.0),
        "percent" => format!("{v:.0}%"),
        "share" => format!("{:.1}%", v * 100.0),
        "count" => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    }
}

/// An LDP estimate and its standard error, in the feature's unit (more
/// digits than [`human`]: a mean count of 2.4 is not "2").
fn human_estimate(d: &FeatureDoc, e: &LdpEstimate) -> String {
    let (est, se) = (e.estimate, e.stderr);
    match unit_of(d) {
        "ms" => format!("{:.2} s ± {:.2} s", est / 1000.0, se / 1000.0),
        "share" => format!("{:.1}% ± {:.1}%", est * 100.0, se * 100.0),
        "percent" => format!("{est:.1}% ± {se:.1}%"),
        _ => format!("{est:.2} ± {se:.2}"),
    }
}

/// `ε = 1, hi = 20` for one parameter set.
fn ldp_params(e: &LdpEstimate) -> String {
    let eps = f64::from(e.eps_milli) / 1000.0;
    match e.hi {
        Some(hi) => format!("{}, ε = {eps}, hi = {hi}", e.mechanism),
        None => format!("{}, ε = {eps}", e.mechanism),
    }
}

/// What an LDP estimate means for a feature.
fn ldp_quantity(e: &LdpEstimate) -> &'static str {
    if e.mechanism == "rr" {
        "share true"
    } else {
        "mean of the value clamped to [0, hi]"
    }
}

struct Row {
    key: String,
    values: Vec<f64>,
}

/// Horizontal grouped bars: one row per key, one bar per series. Every bar
/// carries `data-key`, `data-series` and the exact `data-value`.
fn bar_chart(id: &str, series: &[&str], rows: &[Row], unit: &str) -> String {
    if rows.is_empty() {
        return format!(
            r#"<p class="empty" data-chart="{id}">No data in range, every group is below k, or no value was sent in the clear.</p>"#
        );
    }
    let (label_w, bar_w, bar_h) = (180.0, 380.0, 13.0);
    let row_h = bar_h * series.len() as f64 + 8.0;
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { bar_w / max } else { 0.0 };
    let legend_h = 18.0;
    let height = legend_h + row_h * rows.len() as f64;
    let mut s = format!(
        r#"<svg data-chart="{id}" class="chart" width="660" height="{height}" viewBox="0 0 660 {height}" role="img" aria-label="{id}">"#
    );
    for (i, name) in series.iter().enumerate() {
        let x = label_w + 110.0 * i as f64;
        let _ = write!(
            s,
            r#"<rect x="{x}" y="3" width="10" height="10" fill="{}"/><text x="{}" y="12" class="legend">{}</text>"#,
            COLORS[i % COLORS.len()],
            x + 14.0,
            escape(name)
        );
    }
    for (r, row) in rows.iter().enumerate() {
        let y0 = legend_h + row_h * r as f64;
        let key = escape(&row.key);
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="label" text-anchor="end">{key}</text>"#,
            label_w - 6.0,
            y0 + row_h / 2.0 + 2.0
        );
        for (i, (name, v)) in series.iter().zip(&row.values).enumerate() {
            let y = y0 + 4.0 + bar_h * i as f64;
            let w = (v * scale).max(if *v > 0.0 { 1.0 } else { 0.0 });
            let label = human(unit, *v);
            let _ = write!(
                s,
                r#"<rect x="{label_w}" y="{y}" width="{w:.1}" height="{}" fill="{}" data-key="{key}" data-series="{}" data-value="{v}"><title>{key} {}: {label}</title></rect><text x="{}" y="{}" class="value">{label}</text>"#,
                bar_h - 2.0,
                COLORS[i % COLORS.len()],
                escape(name),
                escape(name),
                label_w + w + 4.0,
                y + bar_h - 4.0,
            );
        }
    }
    s + "</svg>"
}

fn doc(name: &str) -> Option<&'static FeatureDoc> {
    CATALOG.iter().find(|d| d.name == name)
}

fn unit_of(d: &FeatureDoc) -> &'static str {
    if d.json_type == "boolean" {
        "share"
    } else {
        d.unit
    }
}

/// The values of `stat` for one feature in one group.
fn stat_values(g: &GroupStats, name: &str, stat: Stat) -> Vec<f64> {
    match (g.features.get(name), stat) {
        (Some(FeatureStats::Number { p50, p90, .. }), Stat::Percentiles) => vec![*p50, *p90],
        (Some(FeatureStats::Number { mean, .. }), Stat::Mean) => vec![*mean],
        (Some(FeatureStats::Flag { share }), _) => vec![*share],
        (None, _) => vec![],
    }
}

fn stat_series(d: &FeatureDoc, stat: Stat) -> &'static [&'static str] {
    match (d.json_type, stat) {
        ("boolean", _) => &["share"],
        (_, Stat::Percentiles) => &["p50", "p90"],
        (_, Stat::Mean) => &["mean"],
    }
}

/// One row per group that has the values (a group whose page views all
/// privatised a feature has no clear statistic of it).
fn rows_of(report: &Report, f: impl Fn(&GroupStats) -> Vec<f64>) -> Vec<Row> {
    report
        .groups
        .iter()
        .map(|g| Row {
            key: g.key.clone(),
            values: f(g),
        })
        .filter(|r| !r.values.is_empty())
        .collect()
}

fn feature_charts(out: &mut String, d: &FeatureDoc, sec: &Section, data: &Data<'_>) {
    let unit = unit_of(d);
    let name = d.name;
    let _ = write!(
        out,
        r#"<h3><code>{name}</code> <small>({})</small></h3>"#,
        escape(d.unit)
    );
    if sec.histogram {
        if let Some(FeatureStats::Number { hist, .. }) =
            data.all.groups.first().and_then(|g| g.features.get(name))
        {
            let rows: Vec<Row> = hist
                .iter()
                .map(|b| Row {
                    key: match b.hi {
                        Some(hi) => format!("{} – {}", human(d.unit, b.lo), human(d.unit, hi)),
                        None => format!("≥ {}", human(d.unit, b.lo)),
                    },
                    values: vec![b.count as f64],
                })
                .collect();
            out.push_str("<h4>Distribution (page views)</h4>");
            out.push_str(&bar_chart(
                &format!("{name}-hist"),
                &["page views"],
                &rows,
                "count",
            ));
        }
    }
    ldp_note(out, d, data);
    let series = stat_series(d, sec.stat);
    out.push_str("<h4>Over time</h4>");
    out.push_str(&bar_chart(
        &format!("{name}-by-day"),
        series,
        &rows_of(data.by_day, |g| stat_values(g, name, sec.stat)),
        unit,
    ));
    out.push_str(&by_page_heading());
    out.push_str(&bar_chart(
        &format!("{name}-by-page"),
        series,
        &rows_of(data.by_path, |g| stat_values(g, name, sec.stat)),
        unit,
    ));
}

/// Under a feature's charts: the page views that privatised it are not in
/// them; their debiased estimate over the whole range is shown here.
fn ldp_note(out: &mut String, d: &FeatureDoc, data: &Data<'_>) {
    let Some(sets) = data.all.groups.first().and_then(|g| g.ldp.get(d.name)) else {
        return;
    };
    for e in sets {
        let _ = write!(
            out,
            r##"<p class="ldp-note" data-ldp-feature="{}" data-estimate="{}" data-stderr="{}">{} page views reported it under local differential privacy ({}): estimated {} <b>{}</b>, debiased, over the whole range. They are not in the charts below, which show clear values only (<a href="#ldp">details</a>).</p>"##,
            d.name,
            e.estimate,
            e.stderr,
            e.n,
            ldp_params(e),
            ldp_quantity(e),
            human_estimate(d, e),
        );
    }
}

/// One table row per group and LDP parameter set.
fn ldp_rows(out: &mut String, report: &Report) {
    for g in &report.groups {
        for (name, sets) in &g.ldp {
            let Some(d) = doc(name) else { continue };
            for e in sets {
                let _ = write!(
                    out,
                    r#"<tr data-key="{}" data-ldp-feature="{name}" data-mechanism="{}" data-eps-milli="{}" data-n="{}" data-estimate="{}" data-stderr="{}"><th>{}</th><td><code>{name}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                    escape(&g.key),
                    e.mechanism,
                    e.eps_milli,
                    e.n,
                    e.estimate,
                    e.stderr,
                    escape(&g.key),
                    escape(&ldp_params(e)),
                    ldp_quantity(e),
                    e.n,
                    human_estimate(d, e),
                );
            }
        }
    }
}

fn ldp_section(out: &mut String, data: &Data<'_>) {
    out.push_str(r#"<section id="ldp"><h2>Locally privatised features</h2><p class="about">Features the SDK noised on the device (randomised response for flags, geometric noise for clamped counts and durations). Individual values are noise; only these debiased estimates, with their standard error (±), say something, and only in aggregate. They are never mixed into the other charts, percentiles or histograms. A parameter set reported by fewer than k pseudonyms within one pseudonym period is suppressed.</p>"#);
    let any = |r: &Report| r.groups.iter().any(|g| !g.ldp.is_empty());
    if !any(data.all) {
        out.push_str(r#"<p class="empty" data-table="ldp">No feature reported under local differential privacy in range (or every parameter set is below k).</p></section>"#);
        return;
    }
    let head = r#"<thead><tr><th>group</th><th>feature</th><th>mechanism</th><th>estimate of</th><th>reports</th><th>estimate ± std. error</th></tr></thead><tbody>"#;
    let _ = write!(out, r#"<h4>Whole range</h4><table data-table="ldp">{head}"#);
    ldp_rows(out, data.all);
    out.push_str("</tbody></table>");
    if any(data.by_path) {
        let _ = write!(
            out,
            r#"{}<table data-table="ldp-by-page">{head}"#,
            by_page_heading()
        );
        ldp_rows(out, data.by_path);
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

fn section(out: &mut String, sec: &Section, data: &Data<'_>) {
    let _ = write!(
        out,
        r#"<section id="{}"><h2>{}</h2><p class="about">{}</p>"#,
        sec.id, sec.title, sec.about
    );
    let missing: Vec<&str> = sec
        .features
        .iter()
        .copied()
        .filter(|n| doc(n).is_none())
        .collect();
    for d in sec.features.iter().filter_map(|n| doc(n)) {
        feature_charts(out, d, sec, data);
    }
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|n| format!("<code>{n}</code>"))
            .collect();
        let _ = write!(
            out,
            r#"<p class="placeholder" data-placeholder="{}">Not yet collected: {} (the SDK's payload schema does not carry {} yet).</p>"#,
            sec.id,
            list.join(", "),
            if missing.len() == 1 { "it" } else { "them" }
        );
    }
    out.push_str("</section>");
}

fn consent_section(out: &mut String, data: &Data<'_>) {
    let purposes = Purpose::ALL.map(|p| p.as_str());
    let share = |g: &GroupStats| {
        purposes
            .iter()
            .map(|p| g.consent.get(*p).copied().unwrap_or(0.0))
            .collect()
    };
    out.push_str(r#"<section id="consent"><h2>Consent coverage</h2><p class="about">Share of received page views whose consent included each purpose (every payload has analytics).</p>"#);
    out.push_str("<h4>Over time</h4>");
    out.push_str(&bar_chart(
        "consent-by-day",
        &purposes,
        &rows_of(data.by_day, share),
        "share",
    ));
    out.push_str(&by_page_heading());
    out.push_str(&bar_chart(
        "consent-by-page",
        &purposes,
        &rows_of(data.by_path, share),
        "share",
    ));
    out.push_str("</section>");
}

fn every_feature_table(out: &mut String, data: &Data<'_>) {
    out.push_str(r#"<section id="all-features"><h2>Every feature by page</h2><div class="wide"><table data-table="features-by-page"><thead><tr><th>page</th><th>page views</th><th>pseudonyms</th>"#);
    for d in CATALOG {
        let _ = write!(
            out,
            "<th><code>{}</code><br><small>{}</small></th>",
            d.name,
            if d.json_type == "boolean" {
                "share"
            } else {
                "mean · p50 · p90"
            }
        );
    }
    out.push_str("</tr></thead><tbody>");
    for g in &data.by_path.groups {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td><td>{}</td>",
            escape(&g.key),
            g.pageviews,
            g.pseudonyms
        );
        for d in CATALOG {
            let cell = match g.features.get(d.name) {
                Some(FeatureStats::Number { mean, p50, p90, .. }) => {
                    format!(
                        "{} · {} · {}",
                        human(d.unit, *mean),
                        human(d.unit, *p50),
                        human(d.unit, *p90)
                    )
                }
                Some(FeatureStats::Flag { share }) => human("share", *share),
                None => String::new(),
            };
            let _ = write!(out, "<td>{cell}");
            for e in g.ldp.get(d.name).into_iter().flatten() {
                let _ = write!(
                    out,
                    r#"<br><span class="ldp" data-estimate="{}" data-stderr="{}" title="LDP estimate ({})">LDP ≈ {}</span>"#,
                    e.estimate,
                    e.stderr,
                    escape(&ldp_params(e)),
                    human_estimate(d, e)
                );
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></section>");
}

fn query_string(data: &Data<'_>, group_by: &str) -> String {
    let f = data.filter;
    let mut parts = vec![format!("group_by={group_by}")];
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{k}={}", url_encode(&v)));
        }
    };
    add("site", f.site.clone());
    add("from", f.from_day.map(format_day));
    add("to", f.to_day.map(format_day));
    add("path", f.path.clone());
    add("token", data.token.map(str::to_string));
    parts.join("&")
}

fn filter_form(out: &mut String, data: &Data<'_>) {
    let f = data.filter;
    out.push_str(r#"<form method="get" action="/dashboard" class="filters">"#);
    if let Some(t) = data.token {
        let _ = write!(
            out,
            r#"<input type="hidden" name="token" value="{}">"#,
            escape(t)
        );
    }
    out.push_str(r#"<label>site <select name="site"><option value="">all</option>"#);
    for s in data.sites {
        let sel = if f.site.as_deref() == Some(s.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(out, r#"<option{sel}>{}</option>"#, escape(s));
    }
    let day = |d: Option<i64>| d.map(format_day).unwrap_or_default();
    let _ = write!(
        out,
        r#"</select></label> <label>from <input type="date" name="from" value="{}"></label> <label>to <input type="date" name="to" value="{}"></label> <label>path <input name="path" value="{}" placeholder="/pricing"></label> <button>Apply</button></form>"#,
        day(f.from_day),
        day(f.to_day),
        escape(f.path.as_deref().unwrap_or(""))
    );
    out.push_str("<p class=\"csv\">CSV export: ");
    for g in ["day", "path", "device_class", "segment"] {
        let _ = write!(
            out,
            r#"<a href="/v1/features.csv?{}">by {g}</a> "#,
            escape(&query_string(data, g))
        );
    }
    out.push_str("</p>");
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1d1d1d}\
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}h3{font-size:15px;margin:14px 0 4px}\
h4{font-size:13px;color:#555;margin:8px 0 2px}.about{color:#555}.placeholder{background:#f6f1e7;border:1px dashed #c9b58f;padding:10px}\
.tiles{display:flex;gap:12px}.tile{border:1px solid #ddd;border-radius:6px;padding:8px 14px}.tile b{display:block;font-size:22px}\
.chart text{font-size:11px;fill:#333}.chart .legend{fill:#555}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}\
.wide{overflow-x:auto}.ldp{color:#6a4c93}.ldp-note{background:#f1ecf7;padding:6px 10px}.filters label{margin-right:8px}.empty{color:#777;font-style:italic}";

/// Renders the whole page.
pub fn render(data: &Data<'_>) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>iob-collector dashboard</title><style>{STYLE}</style></head><body><h1>iob-collector dashboard</h1>"#
    );
    filter_form(&mut out, data);
    let total = data.all.groups.first();
    let _ = write!(
        out,
        r#"<div class="tiles"><div class="tile" data-tile="pageviews"><b>{}</b>page views</div><div class="tile" data-tile="pseudonyms"><b>{}</b>distinct pseudonyms</div><div class="tile" data-tile="k"><b>{}</b>k (min. pseudonyms per group)</div><div class="tile" data-tile="suppressed"><b>{} / {}</b>days / pages suppressed (below k)</div></div>"#,
        total.map_or(0, |g| g.pageviews),
        total.map_or(0, |g| g.pseudonyms),
        data.all.k,
        data.by_day.suppressed_groups,
        data.by_path.suppressed_groups,
    );
    out.push_str(r#"<section id="traffic"><h2>Traffic over time</h2>"#);
    out.push_str(&bar_chart(
        "pageviews-by-day",
        &["pageviews", "pseudonyms"],
        &rows_of(data.by_day, |g| {
            vec![g.pageviews as f64, g.pseudonyms as f64]
        }),
        "count",
    ));
    out.push_str("</section>");
    for sec in SECTIONS {
        section(&mut out, sec, data);
    }
    ldp_section(&mut out, data);
    consent_section(&mut out, data);
    every_feature_table(&mut out, data);
    out.push_str("<footer><p>Groups with fewer than k distinct pseudonyms within one pseudonym period (a pseudonym rotates, by default daily: one person seen on several days is still one person) are suppressed. Page views without a pseudonym count in totals but not toward k.</p></footer></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(key: &str, pageviews: u64) -> GroupStats {
        GroupStats {
            key: key.into(),
            pageviews,
            pseudonyms: 5,
            max_period_pseudonyms: 5,
            pageviews_without_vid: 0,
            consent: Default::default(),
            features: Default::default(),
            ldp: Default::default(),
            suppressed_stats: 0,
        }
    }

    #[test]
    fn keeps_the_top_pages_by_views_stably() {
        let mut r = Report {
            k: 5,
            groups: (0..30)
                .map(|i| group(&format!("/p{i:02}"), i % 3))
                .collect(),
            suppressed_groups: 0,
        };
        keep_top_pages(&mut r);
        assert_eq!(r.groups.len(), TOP_PAGES);
        assert_eq!(r.groups[0].key, "/p02");
        assert_eq!(r.groups[1].key, "/p05", "ties keep key order");
        assert!(r
            .groups
            .windows(2)
            .all(|w| w[0].pageviews >= w[1].pageviews));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
