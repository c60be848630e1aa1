//! Every runner setting under its three names, with its default and the range accepted.
//!
//! The runner resolves flags, environment and job file against these; the provider validates the
//! attributes that become job-file keys against the same limits, and reads a job file with the same
//! defaults when it derives a function's timeout and policy from it.

/// One setting, under each of its three names.
pub struct Field {
    /// Key in a job file or Lambda event payload.
    pub key: &'static str,
    /// Environment variable.
    pub env: &'static str,
    /// Command-line flag; `None` for secrets, which must not appear in process listings.
    pub flag: Option<&'static str>,
    pub help: &'static str,
}

pub const FIELDS: &[Field] = &[
    Field {
        key: "bucket",
        env: "S3_BUCKET",
        flag: Some("bucket"),
        help: "S3 bucket the records are written to",
    },
    Field {
        key: "prefix",
        env: "S3_PREFIX",
        flag: Some("prefix"),
        help: "Key prefix of the data objects [default: tines/audit/]",
    },
    Field {
        key: "state_key",
        env: "STATE_KEY",
        flag: Some("state-key"),
        help: "Key of the state object, outside the prefix [default: tines/state/audit.json]",
    },
    Field {
        key: "tenant",
        env: "TINES_BASE_URL",
        flag: Some("tenant"),
        help: "Tines tenant URL, e.g. https://example.tines.com",
    },
    Field {
        key: "api_key",
        env: "TINES_API_KEY",
        flag: None,
        help: "Tines API key (environment only)",
    },
    Field {
        key: "api_key_secret_arn",
        env: "TINES_API_KEY_SECRET_ARN",
        flag: Some("api-key-secret-arn"),
        help: "AWS Secrets Manager secret holding the Tines API key",
    },
    Field {
        key: "lookback_seconds",
        env: "LOOKBACK_SECONDS",
        flag: Some("lookback-seconds"),
        help: "On the first run, start this far back [default: 3600]",
    },
    Field {
        key: "backfill_from",
        env: "BACKFILL_FROM",
        flag: Some("backfill-from"),
        help: "On the first run, start at this RFC 3339 time instead",
    },
    Field {
        key: "page_size",
        env: "PAGE_SIZE",
        flag: Some("page-size"),
        help: "Records per API page, 1..=500 [default: 500]",
    },
    Field {
        key: "max_pages",
        env: "MAX_PAGES",
        flag: Some("max-pages"),
        help: "Pages fetched per run; the rest waits for the next run [default: 1000]",
    },
    Field {
        key: "http_timeout",
        env: "HTTP_TIMEOUT",
        flag: Some("http-timeout"),
        help: "Seconds per HTTP request [default: 30]",
    },
    Field {
        key: "http_retries",
        env: "HTTP_RETRIES",
        flag: Some("http-retries"),
        help: "Retries per request, 0..=20 [default: 3]",
    },
    Field {
        key: "settle_seconds",
        env: "SETTLE_SECONDS",
        flag: Some("settle-seconds"),
        help: "How far behind now each window ends, 0..=3600 [default: 60]",
    },
    Field {
        key: "s3_force_path_style",
        env: "S3_FORCE_PATH_STYLE",
        flag: Some("s3-force-path-style"),
        help: "Path-style S3 addressing, for S3-compatible stores [default: false]",
    },
    Field {
        key: "format",
        env: "FORMAT",
        flag: Some("format"),
        help: "ndjson (one record per line) or raw_page [default: ndjson]",
    },
    Field {
        key: "compression",
        env: "COMPRESSION",
        flag: Some("compression"),
        help: "none or gzip [default: none]",
    },
    Field {
        key: "records_per_object",
        env: "RECORDS_PER_OBJECT",
        flag: Some("records-per-object"),
        help: "Records per S3 object, 1..=100000 [default: 5000]",
    },
    Field {
        key: "requests_per_minute",
        env: "REQUESTS_PER_MINUTE",
        flag: Some("requests-per-minute"),
        help: "Client-side limit on Tines requests [default: 1000, the documented limit]",
    },
    Field {
        key: "concurrency",
        env: "CONCURRENCY",
        flag: Some("concurrency"),
        help: "Pages fetched at once, 1..=16 [default: 8]",
    },
    Field {
        key: "lease_seconds",
        env: "LEASE_SECONDS",
        flag: Some("lease-seconds"),
        help: "How long a run's lease lasts unless renewed; a crashed run blocks others this long, 1..=86400 [default: 900]",
    },
];

impl Field {
    /// A yes-or-no setting: a flag without a value on the command line; `true`, `false`, `1` or
    /// `0` in the environment and the job file.
    pub fn is_switch(&self) -> bool {
        self.key == "s3_force_path_style"
    }
}

/// The folder the runner writes records under when the job names none.
pub const DEFAULT_PREFIX: &str = "tines/audit/";
/// The runner's state object when the job names none: beside the prefix, never inside it.
pub const DEFAULT_STATE_KEY: &str = "tines/state/audit.json";
/// Accepted `format` values; the first is the default.
pub const FORMATS: [&str; 2] = ["ndjson", "raw_page"];
/// Accepted `compression` values; the first is the default.
pub const COMPRESSIONS: [&str; 2] = ["none", "gzip"];

/// Tines keeps audit logs for two years; looking back further finds nothing.
pub const RETENTION_SECONDS: u64 = 2 * 366 * 24 * 3600;

/// A whole-number setting: the range accepted, and the value when none is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole {
    pub key: &'static str,
    pub min: u64,
    pub max: u64,
    pub default: u64,
}

impl Whole {
    /// `raw` as the runner reads it (surrounding blanks ignored); `Err` says what is accepted.
    pub fn accept(&self, raw: &str) -> Result<u64, String> {
        raw.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (self.min..=self.max).contains(n))
            .ok_or_else(|| {
                format!(
                    "'{raw}' is not accepted; use a whole number in {}..={}",
                    self.min, self.max
                )
            })
    }

    // As Terraform's `number` attributes hold them: every limit here is far below i64::MAX.
    pub const fn int_min(&self) -> i64 {
        self.min as i64
    }
    pub const fn int_max(&self) -> i64 {
        self.max as i64
    }
    pub const fn int_default(&self) -> i64 {
        self.default as i64
    }
}

pub const LOOKBACK_SECONDS: Whole = Whole {
    key: "lookback_seconds",
    min: 0,
    max: RETENTION_SECONDS,
    default: 3600,
};
pub const PAGE_SIZE: Whole = Whole {
    key: "page_size",
    min: 1,
    max: 500,
    default: 500,
};
pub const MAX_PAGES: Whole = Whole {
    key: "max_pages",
    min: 1,
    max: 1_000_000,
    default: 1000,
};
pub const HTTP_RETRIES: Whole = Whole {
    key: "http_retries",
    min: 0,
    max: 20,
    default: 3,
};
pub const SETTLE_SECONDS: Whole = Whole {
    key: "settle_seconds",
    min: 0,
    max: 3600,
    default: 60,
};
pub const RECORDS_PER_OBJECT: Whole = Whole {
    key: "records_per_object",
    min: 1,
    max: 100_000,
    default: 5000,
};
pub const REQUESTS_PER_MINUTE: Whole = Whole {
    key: "requests_per_minute",
    min: 1,
    max: 100_000,
    default: 1000,
};
/// Pages in flight by default. The client's budget is 1000 requests in any minute, one every
/// 60 ms on average, so keeping that pace needs as many requests in flight as fit in one
/// round trip: 5 at 300 ms per page, plus one for transfer and parsing. Measured with the bench
/// example (200,000 records, 300 ms pages): 4 in flight reach 75 % of the API's ceiling, 5
/// reach 90 %, 6 reach 96 %, and more add nothing there. 8 keeps full pace up to about 450 ms
/// per page, since Tines' real latency is unknown; each page in flight costs at most about a
/// megabyte.
pub const CONCURRENCY: Whole = Whole {
    key: "concurrency",
    min: 1,
    max: 16,
    default: 8,
};
pub const LEASE_SECONDS: Whole = Whole {
    key: "lease_seconds",
    min: 1,
    max: 86_400,
    default: 900,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_is_a_setting_and_its_help_shows_its_default() {
        for limit in [
            LOOKBACK_SECONDS,
            PAGE_SIZE,
            MAX_PAGES,
            HTTP_RETRIES,
            SETTLE_SECONDS,
            RECORDS_PER_OBJECT,
            REQUESTS_PER_MINUTE,
            CONCURRENCY,
            LEASE_SECONDS,
        ] {
            let field = FIELDS.iter().find(|f| f.key == limit.key);
            let help = field.map(|f| f.help).unwrap_or_default();
            assert!(
                help.contains(&format!("[default: {}", limit.default)),
                "{}: {help}",
                limit.key
            );
        }
    }

    #[test]
    fn a_whole_number_outside_its_range_is_refused_with_the_range() {
        assert_eq!(PAGE_SIZE.accept(" 200 "), Ok(200));
        assert_eq!(
            PAGE_SIZE.accept("501"),
            Err("'501' is not accepted; use a whole number in 1..=500".to_owned())
        );
        assert!(HTTP_RETRIES.accept("-1").is_err());
    }
}
