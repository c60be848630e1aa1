//! Falling behind, made visible: when a run spends its page budget with records of its window
//! left, how many are left and what would keep up.
//!
//! The window's records arrived over its span (from the checkpoint to its end), so their count
//! over that span is the rate the sync must match. Each run delivers at most `MAX_PAGES` pages
//! of `PAGE_SIZE` records; the schedule must run it often enough, or the budget must be larger.

use serde::Serialize;

/// What a run left of its window when its page budget ran out, and what would keep up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behind {
    /// Records of the window not delivered yet (Tines' count of the window, less what was read).
    pub records_left: u64,
    /// The `MAX_PAGES` that would deliver what is left in one run.
    pub max_pages_to_catch_up: u64,
    /// How fast records arrived over the window, per hour; absent for a window under a second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records_per_hour: Option<u64>,
    /// The `MAX_PAGES` that keeps up with that rate when the sync runs hourly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pages_for_hourly_runs: Option<u64>,
    /// The longest interval between runs, in minutes, that keeps up at this `MAX_PAGES`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_between_runs: Option<u64>,
}

impl Behind {
    /// `counted` records in a window of `span_seconds`, of which `read` were read by a run
    /// whose budget is `max_pages` pages of `page_size`.
    pub fn of(
        counted: u64,
        read: u64,
        span_seconds: i64,
        page_size: u32,
        max_pages: u64,
    ) -> Option<Self> {
        let records_left = counted.saturating_sub(read);
        if records_left == 0 {
            return None;
        }
        let page_size = u64::from(page_size.max(1));
        let per_hour = (span_seconds > 0).then(|| counted * 3600 / span_seconds as u64);
        let per_run = max_pages * page_size;
        Some(Self {
            records_left,
            max_pages_to_catch_up: records_left.div_ceil(page_size),
            records_per_hour: per_hour,
            max_pages_for_hourly_runs: per_hour.map(|rate| rate.div_ceil(page_size).max(1)),
            minutes_between_runs: per_hour
                .filter(|rate| *rate > 0)
                .map(|rate| per_run * 60 / rate),
        })
    }

    /// The warning a run prints: how far behind, and what to change.
    pub fn advice(&self, lag_seconds: Option<i64>, max_pages: u64) -> String {
        let lag = lag_seconds.map_or_else(String::new, |s| {
            format!(" and the checkpoint is {} behind now", duration(s))
        });
        let mut advice = format!(
            "this run spent its page budget (MAX_PAGES={max_pages}) with {} records of its window \
             left{lag}. MAX_PAGES={} would deliver them in one run",
            self.records_left, self.max_pages_to_catch_up
        );
        if let (Some(rate), Some(hourly), Some(minutes)) = (
            self.records_per_hour,
            self.max_pages_for_hourly_runs,
            self.minutes_between_runs,
        ) {
            advice.push_str(&format!(
                ". Records arrived at about {rate} an hour: keeping up takes MAX_PAGES={hourly} \
                 for hourly runs, or at MAX_PAGES={max_pages} a run at least every {}",
                if minutes == 0 {
                    "minute (and a larger MAX_PAGES)".to_owned()
                } else {
                    format!("{minutes} minutes")
                }
            ));
        }
        advice
    }
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3600.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_left_is_not_behind() {
        assert_eq!(Behind::of(10_000, 10_000, 3_600, 500, 20), None);
        assert_eq!(Behind::of(0, 0, 3_600, 500, 20), None);
    }

    #[test]
    fn a_backlog_gives_the_budget_to_catch_up_and_the_schedule_to_keep_up() {
        // 60,000 records over 53 minutes, 9,500 read at 20 pages of 500.
        let behind = Behind::of(60_000, 9_500, 53 * 60, 500, 20).unwrap();
        assert_eq!(behind.records_left, 50_500);
        assert_eq!(behind.max_pages_to_catch_up, 101);
        assert_eq!(behind.records_per_hour, Some(67_924));
        assert_eq!(behind.max_pages_for_hourly_runs, Some(136));
        // 10,000 records a run at 67,924 an hour: every 8 minutes.
        assert_eq!(behind.minutes_between_runs, Some(8));
        let advice = behind.advice(Some(3_300), 20);
        assert!(
            advice.contains("MAX_PAGES=20) with 50500 records of its window left"),
            "{advice}"
        );
        assert!(
            advice.contains("checkpoint is 55 min behind now"),
            "{advice}"
        );
        assert!(advice.contains("MAX_PAGES=101 would deliver them in one run"));
        assert!(
            advice.contains(
                "MAX_PAGES=136 for hourly runs, or at MAX_PAGES=20 a run at least every 8 minutes"
            ),
            "{advice}"
        );
    }

    #[test]
    fn a_window_within_one_second_gives_no_rate() {
        let behind = Behind::of(2_000, 500, 0, 500, 1).unwrap();
        assert_eq!(behind.max_pages_to_catch_up, 3);
        assert_eq!(behind.records_per_hour, None);
        let advice = behind.advice(None, 1);
        assert!(
            advice.ends_with("would deliver them in one run"),
            "{advice}"
        );
    }
}
