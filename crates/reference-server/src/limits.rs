//! Rate limits: fixed windows per key (a client address, an account), in memory, bounded.
//!
//! Past the limit a request is refused with the seconds until its window ends, which the
//! caller sends as `Retry-After`; once they have passed the key is allowed again.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{Limit, RateLimits};

/// One limit over many keys.
pub struct Limiter {
    limit: Limit,
    max_keys: usize,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl Limiter {
    pub fn new(limit: Limit, max_keys: usize) -> Limiter {
        Limiter {
            limit,
            max_keys: max_keys.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request of `key`: `Ok` when allowed, `Err(seconds)` to wait otherwise.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut windows = match self.windows.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let window = self.limit.window;
        if !windows.contains_key(key) && windows.len() >= self.max_keys {
            windows.retain(|_, w| now.duration_since(w.started) < window);
            if windows.len() >= self.max_keys {
                // Still full of live windows: forget the oldest, never refuse a newcomer for it.
                if let Some(oldest) = windows
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| k.clone())
                {
                    windows.remove(&oldest);
                }
            }
        }
        let entry = windows.entry(key.to_string()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                count: 0,
            };
        }
        if entry.count >= self.limit.count {
            let left = window.saturating_sub(now.duration_since(entry.started));
            return Err(ceil_secs(left));
        }
        entry.count += 1;
        Ok(())
    }

    /// How many keys are tracked (for tests of the bound).
    pub fn tracked(&self) -> usize {
        self.windows.lock().map(|w| w.len()).unwrap_or(0)
    }
}

fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

/// Every limiter of the backend, as configured.
pub struct Limits {
    pub login: Option<Limiter>,
    pub login_account: Option<Limiter>,
    pub refresh: Option<Limiter>,
    pub other: Option<Limiter>,
}

impl Limits {
    pub fn new(config: &RateLimits) -> Limits {
        let make = |l: Option<Limit>| l.map(|l| Limiter::new(l, config.max_tracked));
        Limits {
            login: make(config.login),
            login_account: make(config.login_account),
            refresh: make(config.refresh),
            other: make(config.other),
        }
    }

    /// The per-address limiter of a request path.
    pub fn for_path(&self, path: &str) -> Option<&Limiter> {
        match path {
            "/api/v1/auth/login" => self.login.as_ref(),
            "/api/v1/auth/refresh" => self.refresh.as_ref(),
            _ => self.other.as_ref(),
        }
    }
}

/// The address a request came from, put in its extensions by the rate-limit layer.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(count: u32, secs: u64, max: usize) -> Limiter {
        Limiter::new(
            Limit {
                count,
                window: Duration::from_secs(secs),
            },
            max,
        )
    }

    #[test]
    fn refuses_past_the_count_and_allows_after_the_window() {
        let l = limiter(2, 10, 100);
        let t0 = Instant::now();
        assert_eq!(l.check_at("a", t0), Ok(()));
        assert_eq!(l.check_at("a", t0), Ok(()));
        assert_eq!(l.check_at("a", t0 + Duration::from_millis(500)), Err(10));
        assert_eq!(l.check_at("a", t0 + Duration::from_secs(9)), Err(1));
        // Another key has its own window.
        assert_eq!(l.check_at("b", t0), Ok(()));
        assert_eq!(l.check_at("a", t0 + Duration::from_secs(10)), Ok(()));
    }

    #[test]
    fn stays_bounded_and_forgets_the_oldest() {
        let l = limiter(1, 60, 3);
        let t0 = Instant::now();
        for (i, key) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            assert_eq!(
                l.check_at(key, t0 + Duration::from_millis(i as u64)),
                Ok(())
            );
        }
        assert_eq!(l.tracked(), 3);
        // `a` was forgotten: it is allowed again, a live key still is not.
        assert_eq!(l.check_at("a", t0 + Duration::from_millis(10)), Ok(()));
        assert!(l.check_at("e", t0 + Duration::from_millis(10)).is_err());
    }
}
