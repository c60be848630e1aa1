//! What the runner's benchmarks share: the release runner built beside them, and a child
//! process measured from start to exit (wall time, CPU time, peak RSS).
//!
//! CPU and memory come from `/proc`: `VmHWM` is read from `/proc/<pid>/status` while the child
//! runs (it only ever grows), and user + system time from `/proc/<pid>/stat` once the child has
//! exited but is not yet reaped, when it covers every thread of the process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// One child process, measured.
pub struct Measured {
    pub output: Output,
    pub wall: Duration,
    pub cpu: Duration,
    pub peak_rss_kib: u64,
}

/// Builds the release runner (a no-op when it is up to date) and returns its path, beside this
/// example's own folder.
pub fn build_runner() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("cannot tell the target folder from this example's path")?;
    if profile_dir.file_name().and_then(|n| n.to_str()) != Some("release") {
        eprintln!("warning: this bench is not a release build; run it with `cargo run --release`");
    }
    let target = profile_dir
        .parent()
        .context("cannot tell the target folder from this example's path")?;
    if let Some(cargo) = std::env::var_os("CARGO") {
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "-p",
                "tinesaudit-runner",
                "--bin",
                "tinesaudit-runner",
            ])
            .env("CARGO_TARGET_DIR", target)
            .status()?;
        if !status.success() {
            bail!("building the release runner failed");
        }
    }
    let runner = target.join("release").join("tinesaudit-runner");
    if !runner.is_file() {
        bail!(
            "{} is missing; build it with `cargo build --release -p tinesaudit-runner`",
            runner.display()
        );
    }
    Ok(runner)
}

/// Runs the child to its end, its stdout captured, and measures it. Its stderr goes where
/// `command` sends it.
pub fn run_measured(mut command: Command) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the child process")?;
    let pid = child.id();
    let ticks_per_second = clock_ticks_per_second();
    let mut peak_rss_kib = 0;
    // Poll until the child is a zombie: exited, not yet reaped, its accounts still readable.
    let cpu = loop {
        if let Some(hwm) = read_vm_hwm_kib(pid) {
            peak_rss_kib = peak_rss_kib.max(hwm);
        }
        match read_stat(pid) {
            Some((state, ticks)) if state == 'Z' || state == 'X' => {
                break Duration::from_secs_f64(ticks as f64 / ticks_per_second);
            }
            Some(_) => std::thread::sleep(Duration::from_millis(5)),
            None => bail!("cannot read /proc/{pid}/stat"),
        }
    };
    let wall = started.elapsed();
    let output = child.wait_with_output()?;
    Ok(Measured {
        output,
        wall,
        cpu,
        peak_rss_kib,
    })
}

pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// `VmHWM` of `/proc/<pid>/status`, in KiB; absent once the process has exited.
fn read_vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The state letter and user + system clock ticks of `/proc/<pid>/stat`, all threads summed.
fn read_stat(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces: the fields start after the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    // Fields 14 and 15 of proc(5), utime and stime; field 3 (the state) is fields[0].
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((state, utime + stime))
}

/// `getconf CLK_TCK`; Linux reports 100 (USER_HZ) on every common architecture.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}
