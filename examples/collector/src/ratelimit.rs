//! Per-client token buckets. The client key is the peer IP (IPv6 by /64),
//! held only in this map in memory: never stored, never logged.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Above this many tracked clients, full buckets are swept on insert.
const MAX_CLIENTS: usize = 100_000;

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut s = v6.segments();
                s[4..].fill(0);
                IpAddr::V6(s.into())
            }
        },
    }
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip`; `false` means rate limited.
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(mut map) = self.buckets.lock() else {
            return true;
        };
        if map.len() >= MAX_CLIENTS {
            self.sweep_locked(&mut map, now);
        }
        let b = map.entry(client_key(ip)).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn sweep_locked(&self, map: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        let refill_secs = self.burst / self.rate;
        map.retain(|_, b| now.saturating_duration_since(b.last).as_secs_f64() < refill_secs);
    }

    /// Forgets clients whose bucket has refilled (run periodically).
    pub fn sweep(&self, now: Instant) {
        if let Ok(mut map) = self.buckets.lock() {
            self.sweep_locked(&mut map, now);
        }
    }

    pub fn tracked_clients(&self) -> usize {
        self.buckets.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_refills_at_rate() {
        let rl = RateLimiter::new(10.0, 3.0);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| rl.allow(ip, t0)));
        assert!(!rl.allow(ip, t0));
        assert!(rl.allow(ip, t0 + Duration::from_millis(100)));
        assert!(!rl.allow(ip, t0 + Duration::from_millis(100)));
        rl.sweep(t0 + Duration::from_secs(5));
        assert_eq!(rl.tracked_clients(), 0);
    }

    #[test]
    fn ipv6_clients_share_a_slash_64() {
        let rl = RateLimiter::new(1.0, 1.0);
        let t0 = Instant::now();
        assert!(rl.allow("2001:db8::1".parse().unwrap(), t0));
        assert!(!rl.allow("2001:db8::2".parse().unwrap(), t0));
        assert!(rl.allow("2001:db8:0:1::1".parse().unwrap(), t0));
    }
}
