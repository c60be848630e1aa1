//! Client-side request spacing, shared by every clone of a client.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, sleep_until};

use crate::config::RateLimits;

/// Hands out start times at least `interval` apart.
///
/// Even spacing rather than a bucket with a burst: Tines counts requests per minute, and a burst
/// on top of a full minute's allowance is exactly what would trip its limit. Each caller reserves
/// the next free slot under the lock and sleeps outside it, so concurrent tasks queue fairly
/// without holding the lock while they wait.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    interval: Duration,
    next_free: Arc<Mutex<Option<Instant>>>,
}

impl Limiter {
    pub fn per_minute(requests: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / requests.max(1),
            next_free: Arc::new(Mutex::new(None)),
        }
    }

    /// Waits until this caller may send.
    pub async fn acquire(&self) {
        let slot = {
            let mut next_free = self.next_free.lock().await;
            let now = Instant::now();
            let slot = next_free.map_or(now, |free| free.max(now));
            *next_free = Some(slot + self.interval);
            slot
        };
        sleep_until(slot).await;
    }
}

/// The limiters of the endpoint groups Tines limits separately.
#[derive(Debug, Clone)]
pub(crate) struct Limiters {
    audit_logs: Option<Limiter>,
    admin_users: Option<Limiter>,
    other: Option<Limiter>,
}

impl Limiters {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            audit_logs: limits.audit_logs.map(Limiter::per_minute),
            admin_users: limits.admin_users.map(Limiter::per_minute),
            other: limits.other.map(Limiter::per_minute),
        }
    }

    pub fn for_path(&self, path: &str) -> Option<&Limiter> {
        if path.starts_with("/api/v1/audit_logs") {
            self.audit_logs.as_ref()
        } else if path.starts_with("/api/v1/admin/users") {
            self.admin_users.as_ref()
        } else {
            self.other.as_ref()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_are_spaced_by_the_interval() {
        let limiter = Limiter::per_minute(120);
        let started = Instant::now();
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire().await;
                    Instant::now()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap() - started);
        }
        times.sort();
        let expected: Vec<Duration> = (0..5).map(|n| Duration::from_millis(500) * n).collect();
        assert_eq!(times, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_does_not_save_up_a_burst() {
        let limiter = Limiter::per_minute(60);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let started = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }

    #[test]
    fn groups_follow_the_documented_paths() {
        let limiters = Limiters::new(RateLimits {
            audit_logs: Some(1000),
            admin_users: None,
            other: Some(5000),
        });
        let interval = |path| limiters.for_path(path).map(|l| l.interval);
        assert_eq!(
            interval("/api/v1/audit_logs"),
            Some(Duration::from_millis(60))
        );
        assert_eq!(interval("/api/v1/admin/users/7"), None);
        assert_eq!(interval("/api/v1/info"), Some(Duration::from_millis(12)));
    }
}
