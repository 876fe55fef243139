//! Property tests of the SDK's payload parser as the collector uses it:
//! never a panic on arbitrary or mutated bytes, and valid payloads round-trip.

#![allow(clippy::needless_update)] // the catalog grows; new features default

use iob_sdk::Purpose;
use iob_sdk::{
    parse, BrowserFamily, ConsentRef, Context, DeviceClass, Features, Payload, DAY_MS, MAX_HOUR,
    MIN_HOUR,
};
use proptest::prelude::*;

fn hex() -> impl Strategy<Value = String> {
    any::<u128>().prop_map(|n| format!("{n:032x}"))
}

fn payload() -> impl Strategy<Value = Payload> {
    let ids = (
        hex(),
        hex(),
        1u32..=100_000,
        "[a-z0-9._-]{1,64}",
        proptest::option::of(hex()),
        proptest::option::of(hex()),
    );
    let when = (
        MIN_HOUR / 3600..=MAX_HOUR / 3600,
        hex(),
        any::<(bool, bool)>(),
    );
    let ctx = (
        "/[a-zA-Z0-9/:_.~-]{0,100}",
        proptest::option::of("[a-z0-9-]{1,20}\\.[a-z]{2,6}"),
        prop_oneof![
            Just(DeviceClass::Desktop),
            Just(DeviceClass::Mobile),
            Just(DeviceClass::Tablet),
            Just(DeviceClass::Other)
        ],
        prop_oneof![
            Just(BrowserFamily::Chrome),
            Just(BrowserFamily::Firefox),
            Just(BrowserFamily::Safari),
            Just(BrowserFamily::Other)
        ],
    );
    let f = (
        0..=DAY_MS,
        0..=DAY_MS,
        0..=DAY_MS,
        0u32..=100,
        0u32..=100_000,
    );
    (ids, when, ctx, f).prop_map(
        |(
            (id, pv, seq, site, vid, sid),
            (h, record, (p, m)),
            (path, referrer_domain, device_class, browser_family),
            f,
        )| {
            let mut purposes = vec![Purpose::Analytics];
            if p {
                purposes.push(Purpose::Personalization);
            }
            if m {
                purposes.push(Purpose::Marketing);
            }
            let mut q = iob_collector::sample::payload(&site).expect("sample payload");
            (q.id, q.pv, q.seq, q.vid, q.sid, q.hour) = (id, pv, seq, vid, sid, h * 3600);
            q.rot = q.vid.as_ref().map(|_| 1 + (h % 8760) as u32);
            q.consent = ConsentRef {
                reference: record,
                purposes,
            };
            q.ctx = Context {
                path,
                referrer_domain,
                device_class,
                browser_family,
            };
            q.f = Features {
                active_ms: f.0,
                visible_ms: f.1,
                total_ms: f.2,
                scroll_depth_max_pct: f.3,
                clicks: f.4,
                ..Features::default()
            };
            q
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn valid_payloads_round_trip(p in payload()) {
        prop_assert_eq!(parse(p.to_json().as_bytes()), Ok(p));
    }

    #[test]
    fn mutated_payloads_are_rejected_or_still_valid(p in payload(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut bytes = p.to_json().into_bytes();
        let i = at.index(bytes.len());
        if cut { bytes.truncate(i) } else { bytes[i] = byte }
        match parse(&bytes) {
            Ok(q) => prop_assert_eq!(q.validate(), Ok(())),
            Err(e) => prop_assert!(!e.field.is_empty() && !e.reason.is_empty()),
        }
    }
}
