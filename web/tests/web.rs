//! Browser tests of the shell, run in headless Chromium by wasm-bindgen-test
//! (`cargo test --target wasm32-unknown-unknown`). They drive the exported
//! `Iob` with DOM events dispatched in a real page.
#![cfg(target_arch = "wasm32")]

use iob_web::Iob;
use js_sys::{Array, Function, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = r#"{"site":"webtest","endpoint":"http://127.0.0.1:9/v1/ingest"}"#;

/// An `emit` callback that records `[name, json]` pairs in a JS array
/// (`payload` and `consent` only: `segment` notifications are on-device and
/// are tested end to end in tests/e2e/features.test.mjs).
fn recorder() -> (iob_web::Function, Array) {
    let log = Array::new();
    let f = Function::new_with_args(
        "name, json",
        "if (name !== 'segment') this.push([name, json])",
    )
    .bind0(&log);
    (f.unchecked_into(), log)
}

fn run(js: &str) -> JsValue {
    Function::new_no_args(js)
        .call0(&JsValue::NULL)
        .unwrap_or(JsValue::UNDEFINED)
}

fn click() {
    run("document.body.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: 5, clientY: 5 }))");
}

fn field(json: &str, key: &str) -> JsValue {
    let v = JSON::parse(json).unwrap();
    Reflect::get(&v, &key.into()).unwrap()
}

fn sdk_keys() -> u32 {
    run("return Object.keys(localStorage).filter(k => k.startsWith('iob:webtest:')).length")
        .as_f64()
        .unwrap() as u32
}

fn names(log: &Array) -> Vec<String> {
    log.iter()
        .map(|e| Array::from(&e).get(0).as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn bad_config_is_a_typed_error_naming_the_field() {
    let (emit, _) = recorder();
    let err = Iob::new(r#"{"site":"webtest","endpoint":"ftp://x"}"#, emit)
        .err()
        .unwrap();
    assert_eq!(
        Reflect::get(&err, &"name".into()).unwrap(),
        "IobConfigError"
    );
    assert_eq!(Reflect::get(&err, &"field".into()).unwrap(), "endpoint");
}

#[cfg(feature = "full")]
fn move_to(x: u32, y: u32) {
    run(&format!(
        "document.body.dispatchEvent(new PointerEvent('pointermove', {{ bubbles: true, clientX: {x}, clientY: {y} }}))"
    ));
}

/// Pointer moves wait in `js/listen.js` and are handed over in order before
/// anything reads or acts: `features()` sees them at once, a click comes
/// after them (so it has a pointer path), and `shutdown()` counts the ones
/// still waiting before the listeners go. (Full build: the lite build
/// computes no pointer or automation features, and script events are not
/// input, so nothing here would show the moves.)
#[cfg(feature = "full")]
#[wasm_bindgen_test]
fn pointer_moves_held_back_are_in_before_any_read_click_or_shutdown() {
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    move_to(0, 0);
    move_to(30, 40);
    // A pointer click (detail 1: a keyboard click has no path to look for).
    run("document.body.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1, clientX: 30, clientY: 40 }))");
    let f = iob.features();
    assert_eq!(field(&f, "pointer_distance_px"), 50);
    assert!(
        field(&f, "flag_click_no_path").is_undefined(),
        "the moves before the click are its path: {f}"
    );
    move_to(30, 80);
    assert_eq!(field(&iob.features(), "pointer_distance_px"), 90);
    move_to(30, 120);
    iob.shutdown();
    assert_eq!(field(&iob.features(), "pointer_distance_px"), 130);
}

/// Resolves after `n` animation frames.
async fn frames(n: u32) {
    for _ in 0..n {
        let p = run("return new Promise((r) => requestAnimationFrame(() => r()))");
        let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(p)).await;
    }
}

/// The scroll position is read in `js/listen.js` (at the next animation frame
/// after a `scroll` event, and once at the start of each page view), held
/// back like a pointer move, and in before any read; a route change asks for
/// the new page view's first reading.
#[wasm_bindgen_test]
async fn scroll_readings_are_taken_per_frame_and_in_before_a_read() {
    run("const d = document.createElement('div'); d.id = 'tall'; d.style.height = '10000px'; document.body.appendChild(d); scrollTo(0, 0)");
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    frames(2).await;
    run("scrollTo(0, 1000)");
    frames(2).await;
    run("scrollTo(0, 400)");
    frames(2).await;
    let f = iob.features();
    assert_eq!(field(&f, "scroll_distance_px"), 1600, "{f}");
    // (1 000 px + the viewport) of 10 000 px.
    let depth = field(&f, "scroll_depth_max_pct").as_f64().unwrap();
    assert!(depth > 10.0 && depth < 20.0, "{f}");
    // A route change starts a page view whose first reading is where the
    // page is now: a depth, but no distance yet.
    let path = run("return location.pathname");
    run("history.pushState(null, '', '/scrolled-route')");
    frames(2).await;
    let f = iob.features();
    assert!(field(&f, "scroll_distance_px").is_undefined(), "{f}");
    // (400 px + the viewport) of 10 000 px.
    let depth = field(&f, "scroll_depth_max_pct").as_f64().unwrap();
    assert!(depth > 4.0 && depth < 14.0, "{f}");
    iob.shutdown();
    Function::new_with_args("p", "history.replaceState(null, '', p); document.getElementById('tall').remove(); scrollTo(0, 0)")
        .call1(&JsValue::NULL, &path)
        .unwrap();
}

#[wasm_bindgen_test]
fn dom_clicks_reach_the_core_and_shutdown_detaches() {
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    click();
    click();
    assert_eq!(field(&iob.features(), "clicks"), 2);
    iob.shutdown();
    click();
    assert_eq!(
        field(&iob.features(), "clicks"),
        2,
        "no listener after shutdown"
    );
}

#[wasm_bindgen_test]
fn opt_in_sends_and_stores_nothing_until_grant_and_revoke_wipes() {
    run("localStorage.clear()");
    let (emit, log) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    click();
    iob.flush();
    assert_eq!(log.length(), 0, "no payload before consent");
    assert_eq!(sdk_keys(), 0, "no storage write before consent");

    iob.grant("analytics").unwrap();
    iob.flush();
    assert_eq!(names(&log), ["consent", "payload"]);
    let payload = Array::from(&log.get(1)).get(1).as_string().unwrap();
    assert_eq!(field(&payload, "seq"), 1);
    assert_eq!(sdk_keys(), 4, "consent, seed, session and the outbox (until the post is answered) are stored with consent");

    iob.revoke();
    assert_eq!(sdk_keys(), 0, "withdrawal wipes every key");
    iob.flush();
    assert_eq!(
        names(&log),
        ["consent", "payload", "consent"],
        "nothing sent after withdrawal"
    );
    let granted = JSON::stringify(&field(&iob.consent_state(), "granted")).unwrap();
    assert_eq!(String::from(granted), r#"["security"]"#);
    iob.shutdown();
}

/// (A page callback that throws is contained by the facade, whose `emit`
/// never throws: tests/e2e/consent.test.mjs.)
#[wasm_bindgen_test]
fn unknown_purpose_is_a_typed_error_and_nothing_is_granted() {
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    let err = iob.grant("analytics,ads").err().unwrap();
    assert_eq!(
        Reflect::get(&err, &"name".into()).unwrap(),
        "IobConsentError"
    );
    assert_eq!(Reflect::get(&err, &"field".into()).unwrap(), "ads");
    let granted = JSON::stringify(&field(&iob.consent_state(), "granted")).unwrap();
    assert_eq!(String::from(granted), r#"["security"]"#, "all or nothing");
    iob.grant("analytics").unwrap();
    iob.flush();
    assert!(
        iob.explain().contains("last_payload\":\"{"),
        "the payload was still sent"
    );
    iob.revoke();
    iob.shutdown();
}

#[wasm_bindgen_test]
fn revoke_after_shutdown_still_wipes_storage() {
    run("localStorage.clear()");
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    iob.grant("analytics").unwrap();
    click();
    iob.flush();
    assert!(sdk_keys() >= 3, "consent, seed and session are stored");
    iob.shutdown();
    iob.revoke();
    assert_eq!(
        sdk_keys(),
        0,
        "a withdrawal after shutdown() wipes every key"
    );
}

/// Another tab's write or removal of the shared outbox (a `storage` event,
/// dispatched here as the browser does in other tabs) reaches the core: a
/// write that lacks this tab's queued snapshot, or a removal, is repaired at
/// once. After `shutdown()`
/// the listener is gone and nothing is written back.
#[wasm_bindgen_test]
fn another_tabs_outbox_write_reaches_the_core_until_shutdown() {
    run("localStorage.clear()");
    let config =
        r#"{"site":"webtest","endpoint":"http://127.0.0.1:9/v1/ingest","consent":"opt-out"}"#;
    let (emit, log) = recorder();
    let mut iob = Iob::new(config, emit).unwrap();
    click();
    iob.flush(); // the endpoint is unreachable: the snapshot stays queued
    let payload = Array::from(&log.get(0)).get(1).as_string().unwrap();
    let pv = field(&payload, "pv").as_string().unwrap();
    let other_tab_writes = "const k = 'iob:webtest:outbox', v = '{\"dropped\":0}';
        localStorage.setItem(k, v);
        dispatchEvent(new StorageEvent('storage', { key: k, newValue: v, storageArea: localStorage }));
        return localStorage.getItem(k)";
    let after = run(other_tab_writes).as_string().unwrap();
    assert!(after.contains(&pv), "written back: {after}");
    let other_tab_removes = "const k = 'iob:webtest:outbox';
        localStorage.removeItem(k);
        dispatchEvent(new StorageEvent('storage', { key: k, newValue: null, storageArea: localStorage }));
        return localStorage.getItem(k)";
    let after = run(other_tab_removes).as_string().unwrap_or_default();
    assert!(
        after.contains(&pv),
        "a removal: this tab's entry written back: {after}"
    );
    iob.shutdown();
    let after = run(other_tab_writes).as_string().unwrap();
    assert_eq!(after, r#"{"dropped":0}"#, "no listener after shutdown");
    run("localStorage.clear()");
}

/// A closing tab's last words (`iob:<site>:outbox.<pv>.<seq>`, one per
/// snapshot): read at start-up with the shared outbox and taken on, written
/// at `pagehide` for each of this tab's own entries (the adopted one
/// included), kept while undelivered, and removed by a withdrawal.
#[wasm_bindgen_test]
fn last_words_are_read_at_start_up_and_written_when_leaving() {
    run("localStorage.clear()");
    let other = "0123456789abcdef0123456789abcdef";
    let other_key = format!("iob:webtest:outbox.{other}.3");
    run(&format!("localStorage.setItem('{other_key}', '{{}}')"));
    let config =
        r#"{"site":"webtest","endpoint":"http://127.0.0.1:9/v1/ingest","consent":"opt-out"}"#;
    let (emit, _) = recorder();
    let mut iob = Iob::new(config, emit).unwrap();
    let explained = iob.explain();
    assert!(
        explained.contains(&other_key),
        "listed as stored: {explained}"
    );
    click();
    iob.flush(); // the endpoint is unreachable: both stay queued
    let shared = run("return localStorage.getItem('iob:webtest:outbox')")
        .as_string()
        .unwrap_or_default();
    assert!(shared.contains(&format!("{other}.3")), "taken on: {shared}");
    // The adopted entry's probe is out, so this tab's snapshot is queued
    // unannounced: its page view is the shared outbox's other entry.
    let pv = run(&format!(
        "return Object.keys(JSON.parse(localStorage.getItem('iob:webtest:outbox')))
            .map(k => k.split('.')[0]).find(k => k.length === 32 && k !== '{other}')"
    ))
    .as_string()
    .unwrap_or_default();
    assert_eq!(pv.len(), 32, "this tab's entry is queued: {shared}");
    run("dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }))");
    let own = run(&format!(
        "return localStorage.getItem('iob:webtest:outbox.{pv}.1')"
    ))
    .as_string()
    .unwrap_or_default();
    assert_eq!(
        field(&own, "pv").as_string().as_deref(),
        Some(pv.as_str()),
        "this tab's last words hold its final snapshot: {own}"
    );
    assert!(
        run(&format!("return localStorage.getItem('{other_key}')")).is_string(),
        "the adopted snapshot's last words stay while undelivered"
    );
    iob.revoke();
    let left = run(
        "return Object.keys(localStorage).filter(k => k.startsWith('iob:webtest:outbox')).join()",
    );
    assert_eq!(
        left.as_string().unwrap_or_default(),
        "",
        "a withdrawal removes the outbox and every last-words key"
    );
    iob.shutdown();
    run("localStorage.clear()");
}

/// A `fetch` that throws at once (a page's wrapper, a blocker extension):
/// its failure reaches the core after the call that made the request has
/// returned, so the outbox is not left waiting for an answer that was lost
/// while the instance was busy: the next `online` sends again.
#[wasm_bindgen_test]
async fn a_fetch_that_throws_at_once_does_not_stall_delivery() {
    run(
        "localStorage.clear(); window.__fetch = fetch; window.__calls = 0;
        window.fetch = () => { window.__calls++; throw new TypeError('blocked'); }",
    );
    let config =
        r#"{"site":"webtest","endpoint":"http://127.0.0.1:9/v1/ingest","consent":"opt-out"}"#;
    let (emit, _) = recorder();
    let mut iob = Iob::new(config, emit).unwrap();
    click();
    iob.flush();
    frames(1).await;
    let calls = || run("return window.__calls").as_f64().unwrap_or_default();
    assert_eq!(calls(), 1.0, "the post was tried");
    run("dispatchEvent(new Event('online'))");
    assert_eq!(calls(), 2.0, "back online: the failed post goes again");
    iob.shutdown();
    run("window.fetch = window.__fetch; localStorage.clear()");
}

/// Resolves after `ms` milliseconds (a timer).
async fn sleep(ms: u32) {
    let p = Function::new_with_args("ms", "return new Promise((r) => setTimeout(r, ms))")
        .call1(&JsValue::NULL, &ms.into())
        .unwrap();
    let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(p)).await;
}

/// `new Iob` starts no observer: `js/observe.js` starts them one task
/// later, as a page's first `MutationObserver` costs the start-up about
/// 0.4 ms. Nothing is lost: a click in between starts them before the
/// page's handlers answer it, so the change it makes still answers it,
/// while a click that changes nothing is dead (2.5 s on).
#[wasm_bindgen_test]
async fn observers_start_after_new_iob_and_still_answer_a_click_before_them() {
    run("window.iobMadeMO = 0; window.iobMO = MutationObserver;
        window.MutationObserver = class extends window.iobMO {
            constructor(f) { super(f); window.iobMadeMO++; }
        };
        const live = document.createElement('div'), still = document.createElement('div');
        live.id = 'live'; still.id = 'still';
        live.onclick = () => { live.textContent = 'clicked'; };
        document.body.append(live, still);");
    let made = || run("return window.iobMadeMO").as_f64().unwrap_or_default();
    let click_on = |id: &str| {
        run(&format!(
            "document.getElementById('{id}').dispatchEvent(new MouseEvent('click', {{ bubbles: true }}))"
        ));
    };
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    let at_start = made();
    click_on("live");
    let after_click = made();
    sleep(2600).await;
    // features() leaves out a count of 0.
    let dead = |iob: &Iob| {
        field(&iob.features(), "dead_clicks")
            .as_f64()
            .unwrap_or_default()
    };
    let answered = dead(&iob);
    click_on("still");
    sleep(2600).await;
    let unanswered = dead(&iob);
    iob.shutdown();
    run("window.MutationObserver = window.iobMO;
        document.getElementById('live').remove(); document.getElementById('still').remove();");
    assert_eq!(at_start, 0.0, "no MutationObserver made by new Iob");
    assert_eq!(after_click, 1.0, "the click started it");
    assert_eq!(answered, 0.0, "the change the click made answered it");
    assert_eq!(unanswered, 1.0, "a click that changes nothing is dead");
}

/// The document's load times (the navigation entry: activation, back/forward,
/// when first hidden) are read with the observers, one task after `new Iob`,
/// and are in before anything is read: every entry point starts what waits.
#[wasm_bindgen_test]
fn the_load_times_are_read_after_new_iob_and_in_before_the_first_read() {
    run(
        "window.iobNavReads = 0; window.iobGetEntries = performance.getEntriesByType;
        performance.getEntriesByType = function (type) {
            if (type === 'navigation') window.iobNavReads++;
            return window.iobGetEntries.call(performance, type);
        };",
    );
    let reads = || {
        run("return window.iobNavReads")
            .as_f64()
            .unwrap_or_default()
    };
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    let at_start = reads();
    let _ = iob.features();
    let after_read = reads();
    let _ = iob.explain();
    let after_another = reads();
    iob.shutdown();
    run("performance.getEntriesByType = window.iobGetEntries;");
    assert_eq!(at_start, 0.0, "not read by new Iob");
    assert_eq!(after_read, 1.0, "read before features() answered");
    assert_eq!(after_another, 1.0, "read once");
}

/// Identifiers are drawn from `crypto.getRandomValues` (`js/browser.js`
/// writes straight into the wasm's memory): the seeds two sites store are
/// 32 hex digits, not zero, and differ.
#[wasm_bindgen_test]
fn stored_seeds_are_random() {
    let mut seeds = Vec::new();
    for site in ["webtest-rand-a", "webtest-rand-b"] {
        let (emit, _) = recorder();
        let config = format!(r#"{{"site":"{site}","endpoint":"http://127.0.0.1:9/v1/ingest"}}"#);
        let mut iob = Iob::new(&config, emit).unwrap();
        iob.grant("analytics").unwrap();
        iob.flush();
        let stored = run(&format!("return localStorage.getItem('iob:{site}:seed')"))
            .as_string()
            .unwrap_or_default();
        iob.revoke();
        iob.shutdown();
        let hex = stored.split('.').next().unwrap_or_default().to_string();
        assert_eq!(hex.len(), 32, "seed of {site}: {stored:?}");
        assert_ne!(hex, "0".repeat(32), "seed of {site}");
        seeds.push(hex);
    }
    assert_ne!(seeds[0], seeds[1]);
}

/// The performance observer takes what the browser buffered before the SDK
/// started (`buffered: true`), and leaving takes what is pending at once
/// (`takeRecords`): a page left right after start-up still reports the long
/// task that came before it.
#[cfg(feature = "full")]
#[wasm_bindgen_test]
async fn leaving_at_once_still_reads_what_the_browser_buffered() {
    run("const end = performance.now() + 80; while (performance.now() < end);");
    frames(2).await;
    let (emit, _) = recorder();
    let mut iob = Iob::new(CONFIG, emit).unwrap();
    run("dispatchEvent(new Event('pagehide'))");
    let f = iob.features();
    assert!(
        field(&f, "long_tasks").as_f64().is_some_and(|n| n >= 1.0),
        "{f}"
    );
    iob.shutdown();
}

/// No import of the shell catches (no catching wrapper in the glue, no
/// exception slot in the wasm): each JS file catches its own failures. With
/// the browser APIs they attach through throwing (listeners, observers,
/// frames), the SDK still starts, answers, sends and shuts down; once the
/// APIs are back, a new instance counts clicks.
#[wasm_bindgen_test]
fn throwing_browser_apis_do_not_break_the_sdk() {
    let config =
        r#"{"site":"webtest","endpoint":"http://127.0.0.1:9/v1/ingest","consent":"opt-out"}"#;
    run("localStorage.clear();
        const p = EventTarget.prototype, boom = () => { throw new Error('boom'); };
        window.iobSaved = [p.addEventListener, p.removeEventListener, window.MutationObserver,
            window.PerformanceObserver, window.requestAnimationFrame, window.cancelAnimationFrame];
        p.addEventListener = p.removeEventListener = boom;
        window.MutationObserver = window.PerformanceObserver = boom;
        window.requestAnimationFrame = window.cancelAnimationFrame = boom;");
    let (emit, log) = recorder();
    let started = Iob::new(config, emit).map(|mut iob| {
        let features = iob.features();
        iob.flush();
        iob.shutdown();
        features
    });
    run("const p = EventTarget.prototype;
        [p.addEventListener, p.removeEventListener, window.MutationObserver,
            window.PerformanceObserver, window.requestAnimationFrame, window.cancelAnimationFrame] = window.iobSaved;");
    let features = started.ok().unwrap_or_default();
    assert_eq!(
        field(&features, "pageviews").as_f64(),
        Some(1.0),
        "{features}"
    );
    assert!(names(&log).contains(&"payload".into()), "flush() sent");
    let (emit, _) = recorder();
    let mut iob = Iob::new(config, emit).unwrap();
    click();
    assert_eq!(field(&iob.features(), "clicks").as_f64(), Some(1.0));
    iob.shutdown();
    run("localStorage.clear()");
}
