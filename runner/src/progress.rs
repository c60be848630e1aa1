//! Progress of a backfill: a bar on a terminal, plain lines in a log.
//!
//! Both go to stderr; stdout carries only the summary line. The engine reports through the
//! [`Progress`] trait: the records it expects when a window opens, then each page it reads.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::pipeline::Progress;

/// How often a log line is written when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// A bar when stderr is a terminal the bar can draw on, log lines otherwise (a file, a pipe,
/// or a terminal without `TERM`, where indicatif would draw nothing).
pub fn for_stderr() -> Box<dyn Progress> {
    let target = ProgressDrawTarget::stderr();
    if std::io::stderr().is_terminal() && !target.is_hidden() {
        Box::new(Bar::new(target))
    } else {
        Box::new(Lines::new(LOG_EVERY, |line| eprintln!("{line}")))
    }
}

/// Counts shared by both displays.
#[derive(Debug, Clone, Copy)]
struct Counts {
    started: Instant,
    records: u64,
    pages: u64,
    /// Records expected in total, once a window has said.
    expected: Option<u64>,
}

impl Counts {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            records: 0,
            pages: 0,
            expected: None,
        }
    }

    /// A window opens with `expected` records still to read. A window read again (records
    /// changed under it) counts again from the checkpoint, so the total grows by what was
    /// already read.
    fn window(&mut self, expected: Option<u64>) {
        self.expected = expected.map(|n| n + self.records);
    }

    fn page(&mut self, records: u64) {
        self.records += records;
        self.pages += 1;
    }

    fn rate(&self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.records as f64 / seconds
        } else {
            0.0
        }
    }

    fn eta(&self) -> Option<Duration> {
        let left = self.expected?.saturating_sub(self.records);
        let rate = self.rate();
        (rate > 0.0).then(|| Duration::from_secs_f64(left as f64 / rate))
    }

    fn line(&self) -> String {
        let of = self
            .expected
            .map_or_else(String::new, |n| format!(" of {n}"));
        let eta = self
            .eta()
            .map_or_else(|| "unknown".to_owned(), |d| format!("{}s", d.as_secs()));
        format!(
            "backfill progress: {}{of} records, {} pages, {:.0} records/s, ETA {eta}",
            self.records,
            self.pages,
            self.rate()
        )
    }
}

/// Plain lines, at most one per interval, and one at the end.
pub struct Lines<W: FnMut(&str) + Send> {
    counts: Counts,
    every: Duration,
    last: Instant,
    write: W,
}

impl<W: FnMut(&str) + Send> Lines<W> {
    pub fn new(every: Duration, write: W) -> Self {
        Self {
            counts: Counts::new(),
            every,
            last: Instant::now(),
            write,
        }
    }
}

impl<W: FnMut(&str) + Send> Progress for Lines<W> {
    fn window(&mut self, expected_records: Option<u64>) {
        self.counts.window(expected_records);
    }

    fn page(&mut self, records: u64) {
        self.counts.page(records);
        if self.last.elapsed() >= self.every {
            self.last = Instant::now();
            (self.write)(&self.counts.line());
        }
    }

    fn finish(&mut self) {
        if self.counts.pages > 0 {
            (self.write)(&self.counts.line());
        }
    }
}

/// An indicatif bar: records against the expected total, pages, rate and ETA.
pub struct Bar {
    counts: Counts,
    bar: ProgressBar,
}

impl Bar {
    fn new(target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} records, {msg}, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        Self {
            counts: Counts::new(),
            bar,
        }
    }
}

impl Progress for Bar {
    fn window(&mut self, expected_records: Option<u64>) {
        self.counts.window(expected_records);
        if let Some(total) = self.counts.expected {
            self.bar.set_length(total);
        }
    }

    fn page(&mut self, records: u64) {
        self.counts.page(records);
        self.bar.set_position(self.counts.records);
        self.bar.set_message(format!(
            "{} pages, {:.0} records/s",
            self.counts.pages,
            self.counts.rate()
        ));
    }

    fn finish(&mut self) {
        self.bar.abandon();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn lines_report_counts_rate_and_eta_at_most_once_per_interval_and_at_the_end() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = Arc::clone(&lines);
        let mut progress = Lines::new(Duration::from_millis(40), move |line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        });
        progress.window(Some(1_000));
        progress.page(500);
        assert!(lines.lock().unwrap().is_empty(), "not before the interval");
        std::thread::sleep(Duration::from_millis(50));
        progress.page(250);
        progress.page(100);
        progress.finish();
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("backfill progress: 750 of 1000 records, 2 pages, "),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains("records/s, ETA "), "{}", lines[0]);
        assert!(lines[1].starts_with("backfill progress: 850 of 1000 records, 3 pages"));
    }

    #[test]
    fn a_window_read_again_grows_the_total_by_what_was_read() {
        let mut counts = Counts::new();
        counts.window(Some(1_000));
        counts.page(400);
        counts.window(Some(1_000));
        assert_eq!(counts.expected, Some(1_400));
        let mut unknown = Counts::new();
        unknown.window(None);
        unknown.page(10);
        assert!(unknown.line().contains("10 records"), "{}", unknown.line());
        assert!(
            unknown.line().ends_with("ETA unknown"),
            "{}",
            unknown.line()
        );
    }
}
