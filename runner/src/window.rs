//! Windows a person types (`backfill --from/--to`, `verify --from/--to`), checked before any
//! work.
//!
//! A window is where a mistake costs the most: a start in the future makes a checkpoint that
//! claims records nobody delivered, a reversed window "verifies" nothing and says all is well.
//! So what cannot be meant is refused (exit 2), and what can only be done in part (an end
//! later than what has settled) is clamped with a warning that says so.

use std::time::Duration;

use jiff::Timestamp;
pub use tinesaudit_job::RequestedWindow;

/// A window with both ends fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplicitWindow {
    pub from: Timestamp,
    pub to: Timestamp,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    #[error(
        "--from {from} is in the future (now is {now}); no record exists there yet. Use a time in the past, \
         in RFC 3339, e.g. 2024-05-01T00:00:00Z"
    )]
    FromInFuture { from: Timestamp, now: Timestamp },
    #[error(
        "--from {from} is not before --to {to}: the window is empty or reversed. Give the earlier time as --from"
    )]
    NotBefore { from: Timestamp, to: Timestamp },
}

/// What the runner does with a window a person asked for. The window itself is part of the state
/// object (a backfill records it), so its type is the contract's.
pub trait Settled: Sized {
    /// Refuses a window that cannot be meant, and says how its end will be clamped to what has
    /// settled (`now - settle`): records younger than that may still be committed, so neither a
    /// backfill nor a verify can speak for them yet.
    fn check(self, settle: Duration, now: Timestamp)
    -> Result<(Self, Option<String>), WindowError>;

    /// The window's end for a run starting now: `to`, but never past what has settled.
    fn fixed(self, settle: Duration, now: Timestamp) -> ExplicitWindow;
}

impl Settled for RequestedWindow {
    fn check(
        self,
        settle: Duration,
        now: Timestamp,
    ) -> Result<(Self, Option<String>), WindowError> {
        if self.from > now {
            return Err(WindowError::FromInFuture {
                from: self.from,
                now,
            });
        }
        if let Some(to) = self.to.filter(|to| *to <= self.from) {
            return Err(WindowError::NotBefore {
                from: self.from,
                to,
            });
        }
        let settled = now - settle;
        let warning = self.to.filter(|to| *to > settled).map(|to| {
            format!(
                "--to {to} is later than now minus SETTLE_SECONDS ({settled}); records younger than that may \
                 still be committed, so the window ends at {settled} instead"
            )
        });
        Ok((self, warning))
    }

    fn fixed(self, settle: Duration, now: Timestamp) -> ExplicitWindow {
        let settled = now - settle;
        ExplicitWindow {
            from: self.from,
            to: self.to.map_or(settled, |to| to.min(settled)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const SETTLE: Duration = Duration::from_secs(60);

    #[test]
    fn a_start_in_the_future_and_a_reversed_or_empty_window_are_refused() {
        let now = at("2026-01-01T00:00:00Z");
        let window = |from: &str, to: Option<&str>| RequestedWindow {
            from: at(from),
            to: to.map(at),
        };
        assert!(matches!(
            window("2099-01-01T00:00:00Z", None).check(SETTLE, now),
            Err(WindowError::FromInFuture { .. })
        ));
        for to in ["2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z"] {
            assert!(matches!(
                window("2025-06-01T00:00:00Z", Some(to)).check(SETTLE, now),
                Err(WindowError::NotBefore { .. })
            ));
        }
    }

    #[test]
    fn an_end_past_what_has_settled_is_clamped_with_a_warning() {
        let now = at("2026-01-01T00:00:00Z");
        let requested = RequestedWindow {
            from: at("2025-12-31T00:00:00Z"),
            to: Some(at("2026-01-01T00:00:30Z")),
        };
        let (checked, warning) = requested.check(SETTLE, now).unwrap();
        assert!(warning.unwrap().contains("ends at 2025-12-31T23:59:00Z"));
        assert_eq!(checked.fixed(SETTLE, now).to, at("2025-12-31T23:59:00Z"));

        let settled = RequestedWindow {
            to: Some(at("2025-12-31T12:00:00Z")),
            ..requested
        };
        assert_eq!(settled.check(SETTLE, now).unwrap().1, None);
        assert_eq!(settled.fixed(SETTLE, now).to, at("2025-12-31T12:00:00Z"));
    }
}
