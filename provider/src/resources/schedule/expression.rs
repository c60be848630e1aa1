//! EventBridge Scheduler's schedule expressions, checked at plan time: AWS refuses a bad one only at
//! apply, with a terse message, and emulators do not check them at all.
//!
//! * `rate(N unit)`: N a whole number from 1, unit `minute`, `hour` or `day`, singular for 1 and plural
//!   otherwise.
//! * `cron(minutes hours day-of-month month day-of-week year)`: six fields, each a `*`, a value, a range
//!   `a-b`, a step `a/n` or `a-b/n`, or a list of these; months and weekdays by number or by
//!   three-letter name; `?` in day-of-month or day-of-week (exactly one of them), `L` and `W` in
//!   day-of-month, `L` and `#` in day-of-week.
//! * `at(yyyy-mm-ddThh:mm:ss)`: once, at a date and time that exist.

/// Checks `expression`; `Err` says what is wrong and what is accepted.
pub fn check(expression: &str) -> Result<(), String> {
    let body = |prefix: &str| {
        expression
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
    };
    if let Some(rate) = body("rate(") {
        check_rate(rate)
    } else if let Some(cron) = body("cron(") {
        check_cron(cron)
    } else if let Some(at) = body("at(") {
        check_at(at)
    } else {
        Err(format!(
            "{expression:?} is not a schedule expression; use rate(5 minutes), cron(0 * * * ? *) or \
             at(2030-01-31T12:00:00)"
        ))
    }
}

fn check_rate(rate: &str) -> Result<(), String> {
    let accepted = "use rate(N unit) with a whole number N from 1 and unit minute, hour or day (singular for 1, \
                    plural otherwise), e.g. rate(1 hour) or rate(15 minutes)";
    let (value, unit) = rate
        .split_once(' ')
        .ok_or_else(|| format!("rate({rate}) is not accepted; {accepted}"))?;
    let value: u64 = value.parse().ok().filter(|v| *v >= 1).ok_or_else(|| {
        format!("rate({rate}): {value:?} is not a whole number from 1; {accepted}")
    })?;
    let (singular, plural) = match unit {
        "minute" | "minutes" => ("minute", "minutes"),
        "hour" | "hours" => ("hour", "hours"),
        "day" | "days" => ("day", "days"),
        _ => {
            return Err(format!("rate({rate}): {unit:?} is not a unit; {accepted}"));
        }
    };
    let wanted = if value == 1 { singular } else { plural };
    if unit != wanted {
        return Err(format!(
            "rate({rate}) is not accepted: write rate({value} {wanted})"
        ));
    }
    Ok(())
}

/// One cron field: its name, its range, and the names its values may have.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [Field; 6] = [
    Field {
        name: "minutes",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hours",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: WEEKDAYS,
    },
    Field {
        name: "year",
        min: 1970,
        max: 2199,
        names: &[],
    },
];

const DAY_OF_MONTH: usize = 2;
const DAY_OF_WEEK: usize = 4;

fn check_cron(cron: &str) -> Result<(), String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "cron({cron}) has {} fields; EventBridge Scheduler takes six: minutes hours day-of-month month \
             day-of-week year, e.g. cron(0 8 * * ? *)",
            fields.len()
        ));
    }
    for (index, (text, field)) in fields.iter().zip(&FIELDS).enumerate() {
        check_field(text, field, index).map_err(|problem| {
            format!("cron({cron}): the {} field {text:?} {problem}", field.name)
        })?;
    }
    let (day_of_month, day_of_week) = (fields[DAY_OF_MONTH], fields[DAY_OF_WEEK]);
    if (day_of_month == "?") == (day_of_week == "?") {
        return Err(format!(
            "cron({cron}): give either a day-of-month or a day-of-week and put ? in the other, e.g. \
             cron(0 8 * * ? *) or cron(0 8 ? * MON-FRI *)"
        ));
    }
    Ok(())
}

fn check_field(text: &str, field: &Field, index: usize) -> Result<(), String> {
    if text == "?" {
        return if index == DAY_OF_MONTH || index == DAY_OF_WEEK {
            Ok(())
        } else {
            Err("is not accepted: ? belongs in day-of-month or day-of-week".to_owned())
        };
    }
    for item in text.split(',') {
        check_item(item, field, index)?;
    }
    Ok(())
}

fn check_item(item: &str, field: &Field, index: usize) -> Result<(), String> {
    let range = format!("{}-{}", field.min, field.max);
    let value = |text: &str| -> Result<u32, String> {
        if let Some(position) = field
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(text))
        {
            return Ok(field.min + position as u32);
        }
        text.parse::<u32>()
            .ok()
            .filter(|v| (field.min..=field.max).contains(v))
            .ok_or_else(|| {
                let names = if field.names.is_empty() {
                    String::new()
                } else {
                    format!(
                        " or {}-{}",
                        field.names[0],
                        field.names[field.names.len() - 1]
                    )
                };
                format!("is not accepted: {text:?} is not a value in {range}{names}")
            })
    };
    if index == DAY_OF_MONTH {
        if item == "L" || item == "LW" {
            return Ok(());
        }
        if let Some(day) = item.strip_suffix('W') {
            return value(day).map(drop);
        }
    }
    if index == DAY_OF_WEEK {
        if item == "L" {
            return Ok(());
        }
        if let Some(day) = item.strip_suffix('L') {
            return value(day).map(drop);
        }
        if let Some((day, nth)) = item.split_once('#') {
            value(day)?;
            return match nth.parse::<u32>() {
                Ok(1..=5) => Ok(()),
                _ => Err(format!(
                    "is not accepted: {item:?} needs the week of the month, 1-5, after #"
                )),
            };
        }
    }
    let (base, step) = match item.split_once('/') {
        Some((base, step)) => (base, Some(step)),
        None => (item, None),
    };
    if let Some(step) = step
        && !matches!(step.parse::<u32>(), Ok(s) if s >= 1)
    {
        return Err(format!(
            "is not accepted: {item:?} needs a whole number from 1 after /"
        ));
    }
    if base == "*" {
        return Ok(());
    }
    match base.split_once('-') {
        Some((from, to)) => {
            value(from)?;
            value(to)?;
            Ok(())
        }
        None => value(base).map(drop),
    }
}

fn check_at(at: &str) -> Result<(), String> {
    let refused = || {
        format!(
            "at({at}) is not accepted; use at(yyyy-mm-ddThh:mm:ss) with a date and time that exist, e.g. \
             at(2030-01-31T12:00:00)"
        )
    };
    let bytes = at.as_bytes();
    let shape_ok = bytes.len() == 19
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(refused());
    }
    let number = |from: usize, to: usize| at[from..to].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = (number(0, 4), number(5, 7), number(8, 10));
    let (hour, minute, second) = (number(11, 13), number(14, 16), number(17, 19));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(refused()),
    };
    if !(1..=days_in_month).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return Err(refused());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_take_a_count_and_a_unit_in_the_right_number() {
        for ok in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(12 hours)",
            "rate(1 day)",
            "rate(7 days)",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        let error = check("rate(5 minute)").unwrap_err();
        assert!(error.contains("rate(5 minutes)"), "{error}");
        let error = check("rate(1 hours)").unwrap_err();
        assert!(error.contains("rate(1 hour)"), "{error}");
        for bad in [
            "rate(0 minutes)",
            "rate(-1 minutes)",
            "rate(1.5 hours)",
            "rate(2 weeks)",
            "rate(5minutes)",
            "rate(5 minutes",
            "every 5 minutes",
            "Rate(5 minutes)",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_takes_six_fields_in_their_ranges() {
        for ok in [
            "cron(0 * * * ? *)",
            "cron(0 8 * * ? *)",
            "cron(0/15 * ? * MON-FRI *)",
            "cron(15,45 8-17 ? * 2-6 *)",
            "cron(0 12 L * ? 2030)",
            "cron(0 12 15W * ? *)",
            "cron(0 12 ? JAN-MAR 6L *)",
            "cron(0 12 ? * 2#1 2026-2030)",
            "cron(*/5 * ? * * *)",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        let error = check("cron(0 8 * * *)").unwrap_err();
        assert!(
            error.contains("has 5 fields") && error.contains("six"),
            "{error}"
        );
        let error = check("cron(60 * * * ? *)").unwrap_err();
        assert!(
            error.contains("minutes field") && error.contains("0-59"),
            "{error}"
        );
        let error = check("cron(0 24 * * ? *)").unwrap_err();
        assert!(error.contains("hours field"), "{error}");
        let error = check("cron(0 8 * FOO ? *)").unwrap_err();
        assert!(
            error.contains("month field") && error.contains("JAN-DEC"),
            "{error}"
        );
        let error = check("cron(0 8 * * * *)").unwrap_err();
        assert!(error.contains("put ? in the other"), "{error}");
        let error = check("cron(0 8 ? * ? *)").unwrap_err();
        assert!(error.contains("put ? in the other"), "{error}");
        for bad in [
            "cron(? 8 * * ? *)",
            "cron(0 8 * * ? 1969)",
            "cron(0/0 8 * * ? *)",
            "cron(0 8 ? * 2#6 *)",
            "cron(0 8 32 * ? *)",
            "cron(0 8 * * ? *) ",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn at_takes_a_date_and_time_that_exist() {
        assert_eq!(check("at(2030-01-31T12:00:00)"), Ok(()));
        assert_eq!(check("at(2028-02-29T23:59:59)"), Ok(()));
        for bad in [
            "at(2030-02-29T12:00:00)",
            "at(2100-02-29T12:00:00)",
            "at(2030-04-31T12:00:00)",
            "at(2030-13-01T12:00:00)",
            "at(2030-01-01T24:00:00)",
            "at(2030-01-01 12:00:00)",
            "at(2030-1-1T12:00:00)",
            "at(2030-01-01T12:00:00Z)",
        ] {
            let error = check(bad).unwrap_err();
            assert!(error.contains("yyyy-mm-ddThh:mm:ss"), "{bad}: {error}");
        }
    }
}
