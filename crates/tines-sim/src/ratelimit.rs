//! Per-minute request limits per (client IP, key, endpoint group), as Tines documents them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::behaviour::RateLimits;

const WINDOW: Duration = Duration::from_secs(60);

/// The endpoint groups with their own documented limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EndpointGroup {
    AuditLogs,
    AdminUsers,
    Other,
}

impl EndpointGroup {
    pub fn of_path(path: &str) -> Self {
        if path.starts_with("/api/v1/audit_logs") {
            EndpointGroup::AuditLogs
        } else if path.starts_with("/api/v1/admin/users") {
            EndpointGroup::AdminUsers
        } else {
            EndpointGroup::Other
        }
    }

    fn limit(self, limits: &RateLimits) -> Option<u32> {
        match self {
            EndpointGroup::AuditLogs => limits.audit_logs,
            EndpointGroup::AdminUsers => limits.admin_users,
            EndpointGroup::Other => limits.default,
        }
    }
}

struct Window {
    started: Instant,
    count: u32,
}

#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<(IpAddr, u64, EndpointGroup), Window>,
}

impl RateLimiter {
    /// Counts one request; `Err` carries how long until the window frees up.
    pub fn admit(
        &mut self,
        client: IpAddr,
        key_id: u64,
        group: EndpointGroup,
        limits: &RateLimits,
        now: Instant,
    ) -> Result<(), Duration> {
        let Some(limit) = group.limit(limits) else {
            return Ok(());
        };
        let window = self
            .windows
            .entry((client, key_id, group))
            .or_insert(Window {
                started: now,
                count: 0,
            });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= limit {
            return Err(WINDOW.saturating_sub(now.duration_since(window.started)));
        }
        window.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn limit_applies_per_client_key_and_group_and_resets_after_a_minute() {
        let limits = RateLimits {
            audit_logs: Some(2),
            admin_users: Some(1),
            default: None,
        };
        let mut limiter = RateLimiter::default();
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let other_ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let t0 = Instant::now();
        assert!(
            limiter
                .admit(ip, 1, EndpointGroup::AuditLogs, &limits, t0)
                .is_ok()
        );
        assert!(
            limiter
                .admit(ip, 1, EndpointGroup::AuditLogs, &limits, t0)
                .is_ok()
        );
        let wait = limiter
            .admit(
                ip,
                1,
                EndpointGroup::AuditLogs,
                &limits,
                t0 + Duration::from_secs(20),
            )
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(
            limiter
                .admit(ip, 2, EndpointGroup::AuditLogs, &limits, t0)
                .is_ok()
        );
        assert!(
            limiter
                .admit(other_ip, 1, EndpointGroup::AuditLogs, &limits, t0)
                .is_ok()
        );
        assert!(
            limiter
                .admit(ip, 1, EndpointGroup::AdminUsers, &limits, t0)
                .is_ok()
        );
        assert!(
            limiter
                .admit(ip, 1, EndpointGroup::AdminUsers, &limits, t0)
                .is_err()
        );
        assert!(
            limiter
                .admit(ip, 1, EndpointGroup::Other, &limits, t0)
                .is_ok()
        );
        assert!(
            limiter
                .admit(ip, 1, EndpointGroup::AuditLogs, &limits, t0 + WINDOW)
                .is_ok()
        );
    }
}
