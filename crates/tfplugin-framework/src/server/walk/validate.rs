//! Configuration checks.

use super::{Body, attr, element_path, elements, nested_parts};
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::schema::{Attribute, AttributeKind};
use crate::server::display::show;
use crate::validator::ValidateRequest;
use crate::value::Value;

/// Checks a configuration: read-only attributes, deprecations, write-only support, whole numbers for int64
/// attributes, and the attributes' validators on known, non-null values.
pub(crate) fn validate(
    body: Body<'_>,
    path: &AttrPath,
    config: &Value,
    root: &Value,
    write_only_allowed: bool,
    sensitive: bool,
    diags: &mut Diagnostics,
) {
    for (name, a) in body.attributes {
        let value = attr(config, name);
        if value.is_null() {
            continue;
        }
        let here = path.clone().attribute(name.as_str());
        // Terraform lets a configuration set an attribute only the provider may set: a resource then fails
        // as a "bug in the provider", at plan or only after apply made the object, and a data source drops
        // the value without a word. Refuse it here, unknown values too: a reference sets it as a literal does.
        if a.is_read_only() {
            diags.attribute_error(
                here.clone(),
                "Read-only attribute",
                format!(
                    "{here} is read-only: the provider sets its value, and the configuration cannot. \
                     Remove {here} from the configuration."
                ),
            );
            continue;
        }
        let sensitive = sensitive || a.sensitive || a.write_only;
        if let Some(message) = &a.deprecation_message {
            diags.attribute_warning(here.clone(), "Attribute deprecated", message.clone());
        }
        if a.write_only && !write_only_allowed {
            diags.attribute_error(
                here.clone(),
                "Write-only attribute not supported",
                format!(
                    "{here} is write-only: Terraform passes its value to the provider without storing it in plan or state. \
                     Write-only attributes need Terraform 1.11 or later, and this Terraform does not support them. \
                     Upgrade Terraform, or remove {here} from the configuration."
                ),
            );
        }
        if value.is_unknown() {
            continue;
        }
        let request = ValidateRequest {
            path: &here,
            value,
            config: root,
            sensitive,
        };
        if is_int64(a) && value.as_number().and_then(|n| n.as_i64()).is_none() {
            // The attribute's own validators know what it accepts ("between 1 and 500"); the type
            // knows only what an int64 holds. When one of them refuses the value, theirs is the
            // message; the type's range is said only when none does.
            let mut own = Diagnostics::new();
            for validator in &a.validators {
                validator.validate(&request, &mut own);
            }
            let refused = own.has_error();
            diags.extend(own);
            if !refused {
                diags.attribute_error(
                    here.clone(),
                    "Invalid attribute value",
                    format!(
                        "{here} must be a whole number between {} and {}, got {}.",
                        i64::MIN,
                        i64::MAX,
                        if sensitive {
                            "(sensitive value)".to_owned()
                        } else {
                            show(value)
                        }
                    ),
                );
            }
            continue;
        }
        for validator in &a.validators {
            validator.validate(&request, diags);
        }
    }
    for (name, nested) in body.blocks {
        let value = attr(config, name);
        let present = match value {
            Value::List(items) | Value::Set(items) => !items.is_empty(),
            v => !v.is_null(),
        };
        if present && let Some(message) = &nested.block.deprecation_message {
            diags.attribute_warning(
                path.clone().attribute(name.as_str()),
                "Block deprecated",
                message.clone(),
            );
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        // A read-only nested attribute was refused as a whole above; its own attributes add nothing.
        if body.is_read_only(name) {
            continue;
        }
        let here = path.clone().attribute(name.as_str());
        let sensitive = sensitive || body.is_sensitive(name);
        for (key, element) in elements(nesting, attr(config, name)) {
            validate(
                inner,
                &element_path(&here, nesting, &key),
                element,
                root,
                write_only_allowed,
                sensitive,
                diags,
            );
        }
    }
}

fn is_int64(a: &Attribute) -> bool {
    matches!(a.kind, AttributeKind::Int64)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::schema::{Attribute, Schema};
    use crate::validator;
    use crate::value::Number;

    #[test]
    fn messages_never_show_sensitive_values() {
        let schema = Schema::new()
            .attribute(
                "token",
                Attribute::string()
                    .optional()
                    .sensitive()
                    .validator(validator::one_of(["a"])),
            )
            .attribute(
                "creds",
                Attribute::single_nested([(
                    "key",
                    Attribute::string()
                        .optional()
                        .validator(validator::regex_matches("^k", "starts with k")),
                )])
                .optional()
                .sensitive(),
            );
        let config = Value::Object(BTreeMap::from([
            ("token".to_owned(), Value::String("hunter2".into())),
            (
                "creds".to_owned(),
                Value::Object(BTreeMap::from([(
                    "key".to_owned(),
                    Value::String("hunter3".into()),
                )])),
            ),
        ]));
        let mut diags = Diagnostics::new();
        validate(
            Body::of(schema.body()),
            &AttrPath::root(),
            &config,
            &config,
            true,
            false,
            &mut diags,
        );
        assert_eq!(diags.len(), 2, "{diags}");
        let text = diags.to_string();
        assert!(!text.contains("hunter"), "{text}");
    }

    /// A fraction for an int64 attribute: the attribute's own range when a validator gives one,
    /// the type's only when none does.
    #[test]
    fn a_fraction_is_refused_with_the_range_the_attribute_accepts() {
        let schema = Schema::new()
            .attribute(
                "page_size",
                Attribute::int64()
                    .optional()
                    .validator(validator::int_between(1, 500)),
            )
            .attribute("count", Attribute::int64().optional());
        let half = || Value::Number(Number::from_f64(2.5).unwrap());
        let config = Value::Object(BTreeMap::from([
            ("page_size".to_owned(), half()),
            ("count".to_owned(), half()),
        ]));
        let mut diags = Diagnostics::new();
        validate(
            Body::of(schema.body()),
            &AttrPath::root(),
            &config,
            &config,
            true,
            false,
            &mut diags,
        );
        let mut details: Vec<String> = diags.errors().map(|d| d.detail.clone()).collect();
        details.sort();
        assert_eq!(
            details,
            [
                format!(
                    "count must be a whole number between {} and {}, got 2.5.",
                    i64::MIN,
                    i64::MAX
                ),
                "page_size must be a whole number between 1 and 500, got 2.5.".to_owned(),
            ]
        );
    }
}
