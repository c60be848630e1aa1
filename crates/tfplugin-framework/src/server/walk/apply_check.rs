//! The applied state against the plan.

use super::NULL;
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::schema::Schema;
use crate::server::display::show;
use crate::value::Value;

/// Checks that a state returned by create or update keeps every value that was known in the plan, as
/// Terraform requires (`AssertObjectCompatible`), and says which attribute broke the rule. Values of
/// sensitive attributes are not shown.
pub(crate) fn check_apply_result(
    schema: &Schema,
    path: &AttrPath,
    planned: &Value,
    new: &Value,
    diags: &mut Diagnostics,
) {
    let mismatch = |diags: &mut Diagnostics| {
        let (was, now) = if is_sensitive(schema, path) {
            (
                "(sensitive value)".to_owned(),
                "(sensitive value)".to_owned(),
            )
        } else {
            (show(planned), show(new))
        };
        diags.attribute_error(
            path.clone(),
            "Provider produced inconsistent result after apply",
            format!(
                "The plan said {path} would be {was}, but the provider returned {now}. A value known in the plan must not change during apply; \
                 if the remote system decides it, the attribute must be computed and planned as unknown. This is a bug in the provider."
            ),
        );
    };
    match (planned, new) {
        (Value::Unknown(refinements), new) => {
            let broken = (refinements.not_null && new.is_null())
                || matches!((&refinements.string_prefix, new), (Some(prefix), Value::String(s)) if !s.starts_with(prefix.as_str()));
            if broken {
                mismatch(diags);
            }
        }
        (Value::Object(p), Value::Object(n)) => {
            for (name, pv) in p {
                let nv = n.get(name).unwrap_or(&NULL);
                check_apply_result(
                    schema,
                    &path.clone().attribute(name.as_str()),
                    pv,
                    nv,
                    diags,
                );
            }
        }
        (Value::Map(p), Value::Map(n))
            if p.len() == n.len() && p.keys().all(|k| n.contains_key(k)) =>
        {
            for (key, pv) in p {
                check_apply_result(schema, &path.clone().key(key.as_str()), pv, &n[key], diags);
            }
        }
        (Value::List(p), Value::List(n)) | (Value::Tuple(p), Value::Tuple(n))
            if p.len() == n.len() =>
        {
            for (i, (pv, nv)) in p.iter().zip(n).enumerate() {
                check_apply_result(schema, &path.clone().index(i as u64), pv, nv, diags);
            }
        }
        // With unknowns inside, set elements cannot be paired up; Terraform is lenient there too.
        (Value::Set(p), Value::Set(_)) if !p.iter().all(Value::is_wholly_known) => {}
        (Value::Dynamic(pt, pv), Value::Dynamic(nt, nv)) if pt == nt => {
            check_apply_result(schema, path, pv, nv, diags);
        }
        (planned, new) if planned == new => {}
        _ => mismatch(diags),
    }
}

/// True when the attribute at `path`, or one it is nested in, is sensitive.
fn is_sensitive(schema: &Schema, path: &AttrPath) -> bool {
    let steps = path.steps();
    (1..=steps.len()).any(|n| {
        let prefix = AttrPath::from_steps(steps[..n].to_vec());
        schema.attribute_at(&prefix).is_some_and(|a| a.sensitive)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::schema::Attribute;
    #[test]
    fn apply_check_points_at_the_changed_element() {
        let schema = Schema::new().attribute(
            "tags",
            Attribute::map(crate::value::Type::String).optional(),
        );
        let tags = |v: &str| {
            Value::Object(BTreeMap::from([(
                "tags".to_owned(),
                Value::Map(BTreeMap::from([(
                    "env".to_owned(),
                    Value::String(v.into()),
                )])),
            )]))
        };
        let mut diags = Diagnostics::new();
        check_apply_result(
            &schema,
            &AttrPath::root(),
            &tags("prod"),
            &tags("dev"),
            &mut diags,
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags.iter().next().unwrap().path,
            Some(AttrPath::attr("tags").key("env"))
        );
    }
}
