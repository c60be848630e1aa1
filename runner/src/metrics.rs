//! A run's figures as CloudWatch metrics, for Lambda mode: one Embedded Metric Format line on
//! stdout per invocation, beside the summary line. Lambda sends stdout to CloudWatch Logs,
//! which turns such lines into metrics with no API call and no permission beyond logging.
//!
//! Namespace `tinesaudit`; metrics `records` (Count) and `lag_seconds` (Seconds, when the run
//! got as far as reading the checkpoint); dimensions `function` (the Lambda function's name)
//! and `function` + `outcome` (`completed`, `partial`, `skipped`, `failed`). README's
//! "Alarms" section sets alarms on them.

use serde_json::{Value, json};

use crate::pipeline::Summary;

pub const NAMESPACE: &str = "tinesaudit";

/// The EMF line for one run of `function`, stamped `timestamp_ms` (Unix milliseconds).
pub fn emf_line(summary: &Summary, function: &str, timestamp_ms: u64) -> String {
    let mut metrics = vec![json!({"Name": "records", "Unit": "Count"})];
    let mut line = json!({
        "function": function,
        "outcome": summary.outcome,
        "records": summary.records,
    });
    if let Some(lag) = summary.lag_seconds {
        metrics.push(json!({"Name": "lag_seconds", "Unit": "Seconds"}));
        line["lag_seconds"] = Value::from(lag);
    }
    line["_aws"] = json!({
        "Timestamp": timestamp_ms,
        "CloudWatchMetrics": [{
            "Namespace": NAMESPACE,
            "Dimensions": [["function"], ["function", "outcome"]],
            "Metrics": metrics,
        }],
    });
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_holds_every_metric_it_declares_and_its_dimensions() {
        let summary = Summary {
            outcome: "partial",
            records: 9_500,
            lag_seconds: Some(3_120),
            ..Summary::default()
        };
        let line: Value =
            serde_json::from_str(&emf_line(&summary, "tinesaudit-sync", 1_800_000_000_000))
                .unwrap();
        assert_eq!(line["records"], 9_500);
        assert_eq!(line["lag_seconds"], 3_120);
        assert_eq!(line["outcome"], "partial");
        assert_eq!(line["function"], "tinesaudit-sync");
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(line["_aws"]["Timestamp"], 1_800_000_000_000u64);
        assert_eq!(directive["Namespace"], "tinesaudit");
        for set in directive["Dimensions"].as_array().unwrap() {
            for dimension in set.as_array().unwrap() {
                assert!(line[dimension.as_str().unwrap()].is_string(), "{dimension}");
            }
        }
        let names: Vec<_> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["records", "lag_seconds"]);
    }

    #[test]
    fn a_run_that_never_read_its_checkpoint_declares_no_lag() {
        let summary = Summary {
            outcome: "failed",
            ..Summary::default()
        };
        let line: Value = serde_json::from_str(&emf_line(&summary, "f", 0)).unwrap();
        assert!(line.get("lag_seconds").is_none());
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(line["records"], 0);
    }
}
