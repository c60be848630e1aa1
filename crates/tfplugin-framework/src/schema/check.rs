//! The rules a schema must follow. Breaking them would let Terraform reject the schema or, worse, let plans
//! through that Terraform later calls invalid; the server reports them as errors from GetProviderSchema, so
//! a mistake shows up at the first `terraform plan` rather than in some later operation.

use super::Schema;
use super::attribute::{Attribute, AttributeKind, Nesting};
use super::block::Block;
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::value::conform;

/// What a schema describes; some features only make sense for resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SchemaKind {
    Provider,
    Resource,
    DataSource,
}

/// Checks `schema`, reporting each problem as an error naming `owner` (e.g. `resource testfw_thing`) and the
/// attribute.
pub(crate) fn check_schema(schema: &Schema, kind: SchemaKind, owner: &str) -> Diagnostics {
    let mut problems = Vec::new();
    check_block(&schema.block, kind, &AttrPath::root(), &mut problems);
    let mut diags = Diagnostics::new();
    for (path, problem) in problems {
        diags.error(
            format!("Invalid schema for {owner}"),
            if path.is_root() {
                problem
            } else {
                format!("Attribute {path}: {problem}. This is a bug in the provider.")
            },
        );
    }
    diags
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

fn check_block(
    block: &Block,
    kind: SchemaKind,
    at: &AttrPath,
    problems: &mut Vec<(AttrPath, String)>,
) {
    for (name, attribute) in &block.attributes {
        let path = at.clone().attribute(name.as_str());
        if !valid_name(name) {
            problems.push((
                path.clone(),
                "names must be lowercase letters, digits and underscores".into(),
            ));
        }
        if block.blocks.contains_key(name) {
            problems.push((
                path.clone(),
                "an attribute and a nested block share this name".into(),
            ));
        }
        check_attribute(attribute, kind, &path, problems);
    }
    for (name, nested) in &block.blocks {
        let path = at.clone().attribute(name.as_str());
        if !valid_name(name) {
            problems.push((
                path.clone(),
                "names must be lowercase letters, digits and underscores".into(),
            ));
        }
        if nested.max_items != 0 && nested.min_items > nested.max_items {
            problems.push((path.clone(), "min_items is greater than max_items".into()));
        }
        if nested.nesting == Nesting::Single && (nested.min_items > 1 || nested.max_items > 1) {
            problems.push((
                path.clone(),
                "a single nested block has at most one item".into(),
            ));
        }
        check_block(&nested.block, kind, &path, problems);
    }
}

fn check_attribute(
    attribute: &Attribute,
    kind: SchemaKind,
    path: &AttrPath,
    problems: &mut Vec<(AttrPath, String)>,
) {
    let mut problem = |text: &str| problems.push((path.clone(), text.to_owned()));
    match (attribute.required, attribute.optional, attribute.computed) {
        (false, false, false) => problem("it must be required, optional or computed"),
        (true, true, _) | (true, _, true) => {
            problem("a required attribute cannot also be optional or computed")
        }
        _ => {}
    }
    if attribute.write_only {
        if kind != SchemaKind::Resource {
            problem("only managed resources can have write-only attributes");
        }
        if attribute.computed {
            problem("a write-only attribute cannot be computed: its value is never stored");
        }
        if attribute.default.is_some() {
            problem("a write-only attribute cannot have a default");
        }
    }
    match &attribute.default {
        Some(Ok(value)) => {
            if !(attribute.optional && attribute.computed) {
                problem(
                    "an attribute with a default must be optional and computed, or Terraform rejects the plan",
                );
            }
            if let Err(e) = conform(value.clone(), &attribute.value_type(), path) {
                problem(&format!(
                    "the default does not fit the attribute's type: {e}"
                ));
            }
        }
        Some(Err(e)) => problem(&format!("the default cannot be written as a value: {e}")),
        None => {}
    }
    if kind != SchemaKind::Resource && !attribute.plan_modifiers.is_empty() {
        problem("plan modifiers only apply to managed resources");
    }
    if let AttributeKind::Nested {
        attributes,
        nesting,
    } = &attribute.kind
    {
        for (name, inner) in attributes {
            let inner_path = match nesting {
                Nesting::Single => path.clone().attribute(name.as_str()),
                // Paths into collections name an element; index 0 stands for "any element" in messages.
                Nesting::List | Nesting::Set => path.clone().index(0).attribute(name.as_str()),
                Nesting::Map => path.clone().key("*").attribute(name.as_str()),
            };
            if !valid_name(name) {
                problems.push((
                    inner_path.clone(),
                    "names must be lowercase letters, digits and underscores".into(),
                ));
            }
            check_attribute(inner, kind, &inner_path, problems);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, Schema};

    #[test]
    fn reports_each_problem_with_the_attribute() {
        let schema = Schema::new()
            .attribute("ok", Attribute::string().required())
            .attribute("nothing", Attribute::string())
            .attribute("both", Attribute::string().required().computed())
            .attribute("wo", Attribute::string().optional().computed().write_only())
            .attribute("def", Attribute::string().optional().default("x"))
            .attribute(
                "badtype",
                Attribute::string().optional().computed().default(3),
            )
            .attribute("Bad", Attribute::string().optional());
        let diags = check_schema(&schema, SchemaKind::Resource, "resource x_y");
        let text = diags.to_string();
        for expected in ["nothing", "both", "wo", "def", "badtype", "Bad"] {
            assert!(
                text.contains(&format!("Attribute {expected}:")),
                "{expected} missing from {text}"
            );
        }
        assert!(!text.contains("Attribute ok:"), "{text}");
    }

    #[test]
    fn write_only_is_for_resources() {
        let schema = Schema::new().attribute("wo", Attribute::string().optional().write_only());
        assert!(!check_schema(&schema, SchemaKind::Resource, "r").has_error());
        assert!(check_schema(&schema, SchemaKind::DataSource, "d").has_error());
    }
}
