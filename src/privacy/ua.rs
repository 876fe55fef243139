//! Coarse device class and browser family from the user-agent string. Only
//! these two enums leave the device, never the string itself.

use super::has;
use crate::payload::{BrowserFamily, DeviceClass};

pub(crate) fn device_class(ua: &str) -> DeviceClass {
    if has(ua, "iPad") || (has(ua, "Android") && !has(ua, "Mobile")) || has(ua, "Tablet") {
        DeviceClass::Tablet
    } else if has(ua, "Mobi") || has(ua, "iPhone") || has(ua, "Android") {
        DeviceClass::Mobile
    } else if has(ua, "Windows") || has(ua, "Macintosh") || has(ua, "X11") || has(ua, "CrOS") {
        DeviceClass::Desktop
    } else {
        DeviceClass::Other
    }
}

pub(crate) fn browser_family(ua: &str) -> BrowserFamily {
    if has(ua, "Edg/") {
        BrowserFamily::Edge
    } else if has(ua, "Firefox/") || has(ua, "FxiOS") {
        BrowserFamily::Firefox
    } else if has(ua, "Chrome/") || has(ua, "Chromium/") || has(ua, "CriOS") {
        BrowserFamily::Chrome
    } else if has(ua, "Safari/") {
        BrowserFamily::Safari
    } else {
        BrowserFamily::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_agents() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        let ipad = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1";
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0";
        let fx = "Mozilla/5.0 (Android 14; Mobile; rv:120.0) Gecko/120.0 Firefox/120.0";
        assert_eq!(
            (device_class(chrome), browser_family(chrome)),
            (DeviceClass::Desktop, BrowserFamily::Chrome)
        );
        assert_eq!(
            (device_class(iphone), browser_family(iphone)),
            (DeviceClass::Mobile, BrowserFamily::Safari)
        );
        assert_eq!(device_class(ipad), DeviceClass::Tablet);
        assert_eq!(browser_family(edge), BrowserFamily::Edge);
        assert_eq!(
            (device_class(fx), browser_family(fx)),
            (DeviceClass::Mobile, BrowserFamily::Firefox)
        );
    }
}
