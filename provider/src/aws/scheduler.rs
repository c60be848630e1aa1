//! Amazon EventBridge Scheduler: the schedule in the default group that invokes the runner's function.
//! Scheduler's update replaces the whole schedule, so every write sends all of it.

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::types::{
    FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState, Target,
};

use crate::aws::calls::{AwsError, call, found, while_role_is_new};
use tfplugin_framework::StopSignal;

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];
/// The event the function gets: empty, so that the job file alone says what to do.
pub const INPUT: &str = "{}";
/// What Scheduler applies when a target has no retry policy.
const DEFAULT_RETRY_ATTEMPTS: i64 = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS: i64 = 86_400;

/// A schedule: what the resource wants, and what Scheduler reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    pub expression: String,
    pub timezone: String,
    /// 0: off.
    pub flexible_window_minutes: i64,
    pub enabled: bool,
    pub target_arn: String,
    pub role_arn: String,
    pub retry_attempts: i64,
    pub max_event_age_seconds: i64,
    /// The event sent to the function, JSON.
    pub input: String,
}

/// What Scheduler says about a schedule.
#[derive(Debug, Clone)]
pub struct ScheduleInfo {
    pub arn: String,
    pub spec: ScheduleSpec,
}

/// A Scheduler client with the calls `tinesaudit_schedule` needs.
pub struct Schedules {
    client: Client,
    /// Ends its waits when Terraform asks the provider to stop.
    stop: StopSignal,
}

/// Scheduler's answer while IAM has not yet told it about a new role.
fn role_not_assumable(error: &AwsError) -> bool {
    error.is("ValidationException") && error.message.contains("assume")
}

fn int(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn parts(spec: &ScheduleSpec) -> Result<(FlexibleTimeWindow, Target, ScheduleState), AwsError> {
    let window = if spec.flexible_window_minutes > 0 {
        FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Flexible)
            .maximum_window_in_minutes(int(spec.flexible_window_minutes))
    } else {
        FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Off)
    }
    .build()
    .map_err(|e| AwsError::incomplete(&e.to_string()))?;
    let target = Target::builder()
        .arn(&spec.target_arn)
        .role_arn(&spec.role_arn)
        .input(&spec.input)
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(int(spec.retry_attempts))
                .maximum_event_age_in_seconds(int(spec.max_event_age_seconds))
                .build(),
        )
        .build()
        .map_err(|e| AwsError::incomplete(&e.to_string()))?;
    let state = if spec.enabled {
        ScheduleState::Enabled
    } else {
        ScheduleState::Disabled
    };
    Ok((window, target, state))
}

/// `{}` however it is spaced, so that only a different event reads as a change.
fn canonical_input(input: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(input) {
        Ok(value) if value == serde_json::json!({}) => INPUT.to_owned(),
        _ => input.to_owned(),
    }
}

impl Schedules {
    pub fn new(config: &aws_config::SdkConfig, stop: StopSignal) -> Self {
        Self {
            client: Client::new(config),
            stop,
        }
    }

    /// The schedule; `None` when the default group has none of that name.
    pub async fn get(&self, name: &str) -> Result<Option<ScheduleInfo>, AwsError> {
        let Some(output) = found(
            call(&self.stop, self.client.get_schedule().name(name).send()).await,
            NOT_FOUND,
        )?
        else {
            return Ok(None);
        };
        let target = output.target();
        let retry = target.and_then(|t| t.retry_policy());
        let window = output.flexible_time_window();
        let spec = ScheduleSpec {
            expression: output.schedule_expression().unwrap_or_default().to_owned(),
            timezone: output
                .schedule_expression_timezone()
                .unwrap_or("UTC")
                .to_owned(),
            flexible_window_minutes: match window {
                Some(w) if w.mode() == &FlexibleTimeWindowMode::Flexible => {
                    w.maximum_window_in_minutes().unwrap_or_default().into()
                }
                _ => 0,
            },
            enabled: output.state() != Some(&ScheduleState::Disabled),
            target_arn: target.map(|t| t.arn().to_owned()).unwrap_or_default(),
            role_arn: target.map(|t| t.role_arn().to_owned()).unwrap_or_default(),
            retry_attempts: retry
                .and_then(|r| r.maximum_retry_attempts())
                .map_or(DEFAULT_RETRY_ATTEMPTS, i64::from),
            max_event_age_seconds: retry
                .and_then(|r| r.maximum_event_age_in_seconds())
                .map_or(DEFAULT_MAX_EVENT_AGE_SECONDS, i64::from),
            input: target
                .and_then(|t| t.input())
                .map_or_else(String::new, canonical_input),
        };
        Ok(Some(ScheduleInfo {
            arn: output
                .arn()
                .ok_or_else(|| AwsError::incomplete("the schedule's ARN"))?
                .to_owned(),
            spec,
        }))
    }

    /// Creates the schedule; answers its ARN. A schedule of that name already there is a
    /// `ConflictException`. With `new_role`, a role Scheduler cannot assume yet is waited for.
    pub async fn create(
        &self,
        name: &str,
        spec: &ScheduleSpec,
        new_role: bool,
    ) -> Result<String, AwsError> {
        let (window, target, state) = parts(spec)?;
        while_role_is_new(&self.stop, new_role, role_not_assumable, || async {
            let output = call(
                &self.stop,
                self.client
                    .create_schedule()
                    .name(name)
                    .schedule_expression(&spec.expression)
                    .schedule_expression_timezone(&spec.timezone)
                    .flexible_time_window(window.clone())
                    .target(target.clone())
                    .state(state.clone())
                    .send(),
            )
            .await?;
            Ok(output.schedule_arn().to_owned())
        })
        .await
    }

    /// Replaces the schedule with `spec`; answers its ARN. `new_role` as for [`create`](Self::create).
    pub async fn update(
        &self,
        name: &str,
        spec: &ScheduleSpec,
        new_role: bool,
    ) -> Result<String, AwsError> {
        let (window, target, state) = parts(spec)?;
        while_role_is_new(&self.stop, new_role, role_not_assumable, || async {
            let output = call(
                &self.stop,
                self.client
                    .update_schedule()
                    .name(name)
                    .schedule_expression(&spec.expression)
                    .schedule_expression_timezone(&spec.timezone)
                    .flexible_time_window(window.clone())
                    .target(target.clone())
                    .state(state.clone())
                    .send(),
            )
            .await?;
            Ok(output.schedule_arn().to_owned())
        })
        .await
    }

    /// Deletes the schedule; one already gone is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), AwsError> {
        found(
            call(&self.stop, self.client.delete_schedule().name(name).send()).await,
            NOT_FOUND,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_another_event_reads_as_another_input() {
        assert_eq!(canonical_input("{ }"), INPUT);
        assert_eq!(canonical_input("{}\n"), INPUT);
        assert_eq!(canonical_input(r#"{"bucket":"x"}"#), r#"{"bucket":"x"}"#);
        assert_eq!(canonical_input("not json"), "not json");
    }
}
