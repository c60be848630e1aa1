//! Logs for Terraform: JSON lines on stderr in hclog's format, at the level `TF_LOG_PROVIDER` (or else
//! `TF_LOG`) asks for.
//!
//! Terraform reads a provider's stderr line by line and re-logs each line; lines in hclog's JSON form
//! (`{"@level":"debug","@message":…,"@timestamp":…,"@module":"provider",…}`) keep their level and fields,
//! anything else is logged as debug. Extra event fields become extra keys, as hclog arguments do.
//!
//! What gets logged is up to the callers; this crate itself never logs request or response contents (they
//! carry configuration and state, so secrets), only RPC names, timings and, at trace, message sizes.

use std::fmt;
use std::io::Write as _;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::subscriber::SetGlobalDefaultError;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

/// Libraries under the server that log a lot at debug and trace; their chatter would drown the provider's own
/// logs at `TF_LOG=TRACE`, so they only get through from warnings up.
const NOISY_TARGETS: [&str; 5] = ["h2", "hyper", "hyper_util", "tonic", "tower"];

/// Installs the stderr hclog logger as the global `tracing` subscriber, at the level from the environment.
/// Fails only if a global subscriber is already set.
pub fn init() -> Result<(), SetGlobalDefaultError> {
    let provider = std::env::var("TF_LOG_PROVIDER").ok();
    let global = std::env::var("TF_LOG").ok();
    let level = level_from_env(provider.as_deref(), global.as_deref());
    tracing::subscriber::set_global_default(subscriber(level, std::io::stderr))
}

/// `TF_LOG_PROVIDER` wins over `TF_LOG`. Like Terraform, `JSON` and unrecognised values mean trace; unset or
/// empty means no logging, since Terraform discards provider logs then anyway.
fn level_from_env(provider: Option<&str>, global: Option<&str>) -> LevelFilter {
    let value = provider
        .filter(|v| !v.is_empty())
        .or(global.filter(|v| !v.is_empty()));
    match value.map(str::to_ascii_uppercase).as_deref() {
        None | Some("OFF") => LevelFilter::OFF,
        Some("ERROR") => LevelFilter::ERROR,
        Some("WARN") => LevelFilter::WARN,
        Some("INFO") => LevelFilter::INFO,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some(_) => LevelFilter::TRACE,
    }
}

fn subscriber<W>(level: LevelFilter, make_writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let quieter = level.min(LevelFilter::WARN);
    let filter = NOISY_TARGETS
        .iter()
        .fold(Targets::new().with_default(level), |f, t| {
            f.with_target(*t, quieter)
        });
    tracing_subscriber::registry().with(HclogLayer { make_writer }.with_filter(filter))
}

struct HclogLayer<W> {
    make_writer: W,
}

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut line = Map::new();
        line.insert(
            "@level".into(),
            Json::from(level_name(*event.metadata().level())),
        );
        line.insert(
            "@message".into(),
            Json::from(fields.message.unwrap_or_default()),
        );
        line.insert("@module".into(), Json::from("provider"));
        line.insert(
            "@timestamp".into(),
            Json::from(timestamp(time::OffsetDateTime::now_utc())),
        );
        for (key, value) in fields.others {
            line.entry(key).or_insert(value);
        }
        let mut bytes = Json::Object(line).to_string().into_bytes();
        bytes.push(b'\n');
        // One write per line keeps concurrent lines from interleaving. A failed write to stderr has nowhere
        // to be reported.
        let _ = self
            .make_writer
            .make_writer_for(event.metadata())
            .write_all(&bytes);
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// hclog's layout, `2006-01-02T15:04:05.000000Z07:00` in Go terms, which go-plugin parses back: exactly six
/// fractional digits, UTC written as `Z`.
fn timestamp(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

#[derive(Default)]
struct Fields {
    message: Option<String>,
    others: Vec<(String, Json)>,
}

impl Fields {
    fn insert(&mut self, field: &Field, value: Json) {
        if field.name() == "message" {
            self.message = Some(match value {
                Json::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.others.push((field.name().to_owned(), value));
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, Json::from(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Json::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, Json::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, Json::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinities; serde_json would write null for them, which loses the value.
        let json = serde_json::Number::from_f64(value)
            .map_or_else(|| Json::from(value.to_string()), Json::Number);
        self.insert(field, json);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, Json::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, Json::from(value.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn capture(level: LevelFilter, log: impl FnOnce()) -> Vec<Json> {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        tracing::subscriber::with_default(subscriber(level, move || writer.clone()), log);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn lines_are_hclog_json() {
        let lines = capture(LevelFilter::DEBUG, || {
            tracing::debug!(
                tf_rpc = "PlanResourceChange",
                attempt = 2,
                "planning {}",
                "thing"
            );
            tracing::trace!("filtered out");
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["@level"], "debug");
        assert_eq!(line["@message"], "planning thing");
        assert_eq!(line["@module"], "provider");
        assert_eq!(line["tf_rpc"], "PlanResourceChange");
        assert_eq!(line["attempt"], 2);
        let ts = line["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), "2006-01-02T15:04:05.000000Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
    }

    #[test]
    fn dependency_chatter_is_held_back() {
        let lines = capture(LevelFilter::TRACE, || {
            tracing::debug!(target: "h2::codec", "frame");
            tracing::warn!(target: "h2::codec", "trouble");
            tracing::trace!(target: "tfplugin_proto::service", "ours");
        });
        let messages: Vec<_> = lines
            .iter()
            .map(|l| l["@message"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(messages, ["trouble", "ours"]);
    }

    #[test]
    fn level_comes_from_tf_log_provider_then_tf_log() {
        assert_eq!(level_from_env(None, None), LevelFilter::OFF);
        assert_eq!(
            level_from_env(Some("debug"), Some("ERROR")),
            LevelFilter::DEBUG
        );
        assert_eq!(level_from_env(Some(""), Some("WARN")), LevelFilter::WARN);
        assert_eq!(level_from_env(None, Some("JSON")), LevelFilter::TRACE);
        assert_eq!(level_from_env(None, Some("bogus")), LevelFilter::TRACE);
        assert_eq!(level_from_env(Some("off"), Some("TRACE")), LevelFilter::OFF);
    }

    #[test]
    fn timestamp_layout() {
        let t = time::Date::from_calendar_date(2024, time::Month::March, 5)
            .and_then(|d| d.with_hms_micro(7, 8, 9, 12))
            .unwrap()
            .assume_utc();
        assert_eq!(timestamp(t), "2024-03-05T07:08:09.000012Z");
    }
}
