//! Client-side request budgets, shared by every clone of a client.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, sleep_until};

use crate::config::RateLimits;

/// The window Tines counts requests in.
const WINDOW: Duration = Duration::from_secs(60);

/// At most `budget` requests start in any 60-second window, each as soon as that allows.
///
/// Tines counts requests per (IP, key) per minute, so a client may spend a whole minute's
/// budget at once and wait only when it is spent: fifty parallel reads of a `terraform plan`
/// go out together instead of queueing behind an even pace. Each caller reserves its start
/// time under the lock and sleeps outside it, so concurrent tasks queue fairly without
/// holding the lock while they wait. The budget is this process's: another process on the
/// same key (a second plan, the runner) spends the same server-side minute, and the 429s it
/// causes are the retry loop's to wait out.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    budget: usize,
    /// Start times handed out, oldest first; some may lie ahead, reserved by waiting callers.
    starts: Arc<Mutex<VecDeque<Instant>>>,
}

impl Limiter {
    pub fn per_minute(requests: u32) -> Self {
        let budget = requests.max(1) as usize;
        Self {
            budget,
            starts: Arc::new(Mutex::new(VecDeque::with_capacity(budget))),
        }
    }

    /// Waits until this caller may send.
    pub async fn acquire(&self) {
        let slot = {
            let mut starts = self.starts.lock().await;
            let now = Instant::now();
            while starts.front().is_some_and(|start| *start + WINDOW <= now) {
                starts.pop_front();
            }
            // The budget-th start before this one must have left the window; starts stay in
            // order, so the newest one is a lower bound too.
            let slot = match starts.len().checked_sub(self.budget) {
                Some(index) => (starts[index] + WINDOW).max(now),
                None => now,
            };
            let slot = starts.back().map_or(slot, |newest| slot.max(*newest));
            starts.push_back(slot);
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

    /// Start times of `count` concurrent callers, from when they asked.
    async fn starts(limiter: &Limiter, count: usize) -> Vec<Duration> {
        let asked = Instant::now();
        let tasks: Vec<_> = (0..count)
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
            times.push(task.await.unwrap() - asked);
        }
        times.sort();
        times
    }

    #[tokio::test(start_paused = true)]
    async fn a_minutes_budget_goes_out_at_once_and_the_next_waits_for_the_window() {
        let limiter = Limiter::per_minute(50);
        let times = starts(&limiter, 51).await;
        assert_eq!(times[..50], [Duration::ZERO; 50], "50 in budget, no wait");
        assert_eq!(times[50], WINDOW, "the 51st waits until the first leaves");
    }

    #[tokio::test(start_paused = true)]
    async fn no_sixty_seconds_ever_hold_more_than_the_budget() {
        let limiter = Limiter::per_minute(4);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let first = starts(&limiter, 2).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        let second = starts(&limiter, 6).await;
        assert_eq!(first, [Duration::ZERO; 2]);
        // 30 s after the first two: two more fit, then each waits for one to leave the window.
        assert_eq!(
            second,
            [0, 0, 30, 30, 60, 60].map(Duration::from_secs),
            "2 spent at 5 s and 2 at 35 s: the next two start at 65 s, the two after at 95 s"
        );
    }

    #[test]
    fn groups_follow_the_documented_paths() {
        let limiters = Limiters::new(RateLimits {
            audit_logs: Some(1000),
            admin_users: None,
            other: Some(5000),
        });
        let budget = |path| limiters.for_path(path).map(|l| l.budget);
        assert_eq!(budget("/api/v1/audit_logs"), Some(1000));
        assert_eq!(budget("/api/v1/admin/users/7"), None);
        assert_eq!(budget("/api/v1/info"), Some(5000));
    }
}
