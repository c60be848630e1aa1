//! Injected faults: what goes wrong between a client and a real tenant, on demand.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One fault, applied to a share of the Tines requests (never to `/_sim/`).
///
/// ```json
/// {"kind": "server_error", "status": 503, "ratio": 0.2, "count": 5, "path_prefix": "/api/v1/audit_logs"}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub kind: FaultKind,
    /// Share of matching requests hit, from 0 to 1 (default 1: every one).
    #[serde(default = "every_request")]
    pub ratio: f64,
    /// Stop after hitting this many requests (default: never stop).
    #[serde(default)]
    pub count: Option<u64>,
    /// Only requests whose path starts with this (default: every Tines path).
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Status of a `server_error` (default 503; must be 500..=599), or of an `html_page`,
    /// `empty_body` or `body` (default 502, 200 and 200; any of 200..=599).
    #[serde(default)]
    pub status: Option<u16>,
    /// Delay of a `latency` fault (default 100 ms) or length of a `stall` (default 10 minutes).
    #[serde(default)]
    pub millis: Option<u64>,
    /// The `Retry-After` a `rate_limit` fault asks for, in seconds (default 60, a full window),
    /// when the `retry_after` switch is on.
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
    /// What a `body` fault answers with, as given (default: empty), as JSON.
    #[serde(default)]
    pub body: Option<String>,
}

fn every_request() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Delay the response, then answer normally. Adds up with the other kinds.
    Latency,
    /// Answer with a 5xx status and an error body.
    ServerError,
    /// Answer 429 as if the per-minute limit were used up.
    RateLimit,
    /// Drop the connection without a complete response.
    Reset,
    /// Answer 200 with a JSON body cut in half.
    Truncate,
    /// Accept the request and answer nothing for a long time.
    Stall,
    /// Answer with an HTML page, as a proxy, load balancer or login wall in front of the
    /// tenant does.
    HtmlPage,
    /// Answer with no body at all.
    EmptyBody,
    /// Answer with the rule's `body` as JSON, whatever it holds: wrong types, a missing `meta`,
    /// a page count no tenant has, a link to itself.
    Body,
}

impl FaultRule {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.ratio) {
            return Err(format!(
                "'ratio' must be between 0 and 1, got {}",
                self.ratio
            ));
        }
        if let Some(status) = self.status {
            let accepted = match self.kind {
                FaultKind::ServerError => 500..=599,
                FaultKind::HtmlPage | FaultKind::EmptyBody | FaultKind::Body => 200..=599,
                _ => {
                    return Err(
                        "'status' applies only to kinds 'server_error', 'html_page', 'empty_body' and 'body'"
                            .to_owned(),
                    );
                }
            };
            if !accepted.contains(&status) {
                return Err(format!(
                    "'status' must be {}..={} for kind {:?}, got {status}",
                    accepted.start(),
                    accepted.end(),
                    self.kind
                ));
            }
        }
        if self.millis.is_some() && !matches!(self.kind, FaultKind::Latency | FaultKind::Stall) {
            return Err("'millis' applies only to kinds 'latency' and 'stall'".to_owned());
        }
        if self.retry_after_seconds.is_some() && self.kind != FaultKind::RateLimit {
            return Err("'retry_after_seconds' applies only to kind 'rate_limit'".to_owned());
        }
        if self.body.is_some() && self.kind != FaultKind::Body {
            return Err("'body' applies only to kind 'body'".to_owned());
        }
        Ok(())
    }
}

/// What the simulator does to one request.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct FaultPlan {
    pub delay: Duration,
    pub action: Option<FaultAction>,
}

#[derive(Debug, PartialEq)]
pub(crate) enum FaultAction {
    ServerError(u16),
    /// Seconds to ask the client to wait.
    RateLimit(u64),
    Reset,
    Truncate,
    Stall(Duration),
    HtmlPage(u16),
    EmptyBody(u16),
    Body(u16, String),
}

#[derive(Default)]
pub(crate) struct Faults {
    rules: Vec<(FaultRule, Option<u64>)>,
}

impl Faults {
    pub fn replace(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules
            .into_iter()
            .map(|r| {
                let remaining = r.count;
                (r, remaining)
            })
            .collect();
    }

    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|(rule, _)| rule.clone()).collect()
    }

    /// Decides the faults for one request; the first non-latency fault that fires wins.
    pub fn plan(&mut self, path: &str, rng: &mut fastrand::Rng) -> FaultPlan {
        let mut plan = FaultPlan::default();
        for (rule, remaining) in &mut self.rules {
            if plan.action.is_some() && rule.kind != FaultKind::Latency {
                continue;
            }
            if rule
                .path_prefix
                .as_deref()
                .is_some_and(|p| !path.starts_with(p))
            {
                continue;
            }
            if *remaining == Some(0) || rng.f64() >= rule.ratio {
                continue;
            }
            if let Some(left) = remaining {
                *left -= 1;
            }
            match rule.kind {
                FaultKind::Latency => {
                    plan.delay += Duration::from_millis(rule.millis.unwrap_or(100))
                }
                FaultKind::ServerError => {
                    plan.action = Some(FaultAction::ServerError(rule.status.unwrap_or(503)))
                }
                FaultKind::RateLimit => {
                    plan.action = Some(FaultAction::RateLimit(
                        rule.retry_after_seconds.unwrap_or(60),
                    ))
                }
                FaultKind::Reset => plan.action = Some(FaultAction::Reset),
                FaultKind::Truncate => plan.action = Some(FaultAction::Truncate),
                FaultKind::Stall => {
                    plan.action = Some(FaultAction::Stall(Duration::from_millis(
                        rule.millis.unwrap_or(600_000),
                    )))
                }
                FaultKind::HtmlPage => {
                    plan.action = Some(FaultAction::HtmlPage(rule.status.unwrap_or(502)))
                }
                FaultKind::EmptyBody => {
                    plan.action = Some(FaultAction::EmptyBody(rule.status.unwrap_or(200)))
                }
                FaultKind::Body => {
                    plan.action = Some(FaultAction::Body(
                        rule.status.unwrap_or(200),
                        rule.body.clone().unwrap_or_default(),
                    ))
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: FaultKind) -> FaultRule {
        FaultRule {
            kind,
            ratio: 1.0,
            count: None,
            path_prefix: None,
            status: None,
            millis: None,
            retry_after_seconds: None,
            body: None,
        }
    }

    #[test]
    fn count_limits_hits_and_latency_adds_to_other_faults() {
        let mut faults = Faults::default();
        faults.replace(vec![
            FaultRule {
                count: Some(2),
                status: Some(502),
                ..rule(FaultKind::ServerError)
            },
            FaultRule {
                millis: Some(5),
                ..rule(FaultKind::Latency)
            },
        ]);
        let mut rng = fastrand::Rng::with_seed(1);
        for _ in 0..2 {
            let plan = faults.plan("/api/v1/info", &mut rng);
            assert_eq!(plan.action, Some(FaultAction::ServerError(502)));
            assert_eq!(plan.delay, Duration::from_millis(5));
        }
        assert_eq!(faults.plan("/api/v1/info", &mut rng).action, None);
    }

    #[test]
    fn ratio_and_path_prefix_select_requests() {
        let mut faults = Faults::default();
        faults.replace(vec![FaultRule {
            ratio: 0.25,
            path_prefix: Some("/api/v1/audit_logs".into()),
            ..rule(FaultKind::RateLimit)
        }]);
        let mut rng = fastrand::Rng::with_seed(7);
        assert_eq!(faults.plan("/api/v1/info", &mut rng).action, None);
        let hits = (0..4000)
            .filter(|_| faults.plan("/api/v1/audit_logs", &mut rng).action.is_some())
            .count();
        assert!(
            (800..1200).contains(&hits),
            "{hits} of 4000 hit at ratio 0.25"
        );
    }

    #[test]
    fn validation_names_the_field() {
        let bad = FaultRule {
            ratio: 1.5,
            ..rule(FaultKind::Reset)
        };
        assert!(bad.validate().unwrap_err().contains("'ratio'"));
        let bad = FaultRule {
            status: Some(404),
            ..rule(FaultKind::ServerError)
        };
        assert!(bad.validate().unwrap_err().contains("'status'"));
        let bad = FaultRule {
            millis: Some(1),
            ..rule(FaultKind::Reset)
        };
        assert!(bad.validate().unwrap_err().contains("'millis'"));
        let bad = FaultRule {
            body: Some("{}".into()),
            ..rule(FaultKind::HtmlPage)
        };
        assert!(bad.validate().unwrap_err().contains("'body'"));
    }
}
