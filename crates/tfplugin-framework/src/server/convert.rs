//! The edge between framework types and tfplugin6 messages (terraform-plugin-framework's fromproto6 and
//! toproto6): diagnostics, attribute paths, schemas and values. Nothing else in the framework touches
//! wire types.

use std::sync::Arc;

use tfplugin_proto::wire::{self, DynamicValue, StringKind, attribute_path, diagnostic, schema};

use crate::diag::{Diagnostics, Severity};
use crate::path::{AttrPath, PathStep};
use crate::schema::{Attribute, Block, Nesting, Schema};
use crate::value::{SchemaValue, Value};

pub(crate) fn diagnostics(diags: &Diagnostics) -> Vec<wire::Diagnostic> {
    diags
        .iter()
        .map(|d| wire::Diagnostic {
            severity: match d.severity {
                Severity::Error => diagnostic::Severity::Error as i32,
                Severity::Warning => diagnostic::Severity::Warning as i32,
            },
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute: d.path.as_ref().filter(|p| !p.is_root()).map(attribute_path),
        })
        .collect()
}

pub(crate) fn attribute_path(path: &AttrPath) -> wire::AttributePath {
    wire::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|step| attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => {
                        attribute_path::step::Selector::AttributeName(name.clone())
                    }
                    PathStep::Key(key) => {
                        attribute_path::step::Selector::ElementKeyString(key.clone())
                    }
                    PathStep::Index(i) => attribute_path::step::Selector::ElementKeyInt(
                        i64::try_from(*i).unwrap_or(i64::MAX),
                    ),
                }),
            })
            .collect(),
    }
}

/// Decodes a request value of `schema`. A value that does not fit is Terraform's or the provider's bug
/// (the schema changed under a running Terraform); it becomes an error naming `what` and where in the value.
pub(crate) fn decode(
    value: Option<&DynamicValue>,
    schema: &Arc<Schema>,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<SchemaValue> {
    let Some(value) = value else {
        return Some(SchemaValue::null(schema.clone()));
    };
    match value.decode(schema.value_type()) {
        Ok(v) => Some(SchemaValue::new(schema.clone(), v)),
        Err(e) => {
            diags.error(
                format!("Invalid {what}"),
                format!("The {what} Terraform sent does not match the schema: {e}."),
            );
            None
        }
    }
}

/// Encodes a response value; a value a handler set that does not fit the schema is reported.
pub(crate) fn encode(
    value: &Value,
    schema: &Schema,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<DynamicValue> {
    match DynamicValue::encode(value, schema.value_type()) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.error(
                format!("Invalid {what}"),
                format!("The provider produced a {what} that does not match its schema: {e}. This is a bug in the provider."),
            );
            None
        }
    }
}

pub(crate) fn schema(schema: &Schema) -> wire::Schema {
    wire::Schema {
        version: schema.version,
        block: Some(block(&schema.block)),
    }
}

/// Markdown wins when both are set, as in terraform-plugin-framework: docs generators read markdown.
fn description(plain: &Option<String>, markdown: &Option<String>) -> (String, i32) {
    match (markdown, plain) {
        (Some(md), _) => (md.clone(), StringKind::Markdown as i32),
        (None, Some(text)) => (text.clone(), StringKind::Plain as i32),
        (None, None) => (String::new(), StringKind::Plain as i32),
    }
}

fn block(block: &Block) -> schema::Block {
    let (description, description_kind) =
        description(&block.description, &block.markdown_description);
    schema::Block {
        version: 0,
        attributes: block
            .attributes
            .iter()
            .map(|(name, a)| attribute(name, a))
            .collect(),
        block_types: block
            .blocks
            .iter()
            .map(|(name, nested)| schema::NestedBlock {
                type_name: name.clone(),
                block: Some(self::block(&nested.block)),
                nesting: match nested.nesting {
                    Nesting::Single => schema::nested_block::NestingMode::Single,
                    Nesting::List => schema::nested_block::NestingMode::List,
                    Nesting::Set => schema::nested_block::NestingMode::Set,
                    Nesting::Map => schema::nested_block::NestingMode::Map,
                } as i32,
                min_items: nested.min_items.into(),
                max_items: nested.max_items.into(),
            })
            .collect(),
        description,
        description_kind,
        deprecated: block.deprecation_message.is_some(),
        deprecation_message: block.deprecation_message.clone().unwrap_or_default(),
        computed: false,
    }
}

fn attribute(name: &str, a: &Attribute) -> schema::Attribute {
    let (description, description_kind) = description(&a.description, &a.markdown_description);
    let (ty, nested_type) = match a.nested_attributes() {
        Some((nesting, attributes)) => (
            Vec::new(),
            Some(schema::Object {
                attributes: attributes
                    .iter()
                    .map(|(name, a)| attribute(name, a))
                    .collect(),
                nesting: match nesting {
                    Nesting::Single => schema::object::NestingMode::Single,
                    Nesting::List => schema::object::NestingMode::List,
                    Nesting::Set => schema::object::NestingMode::Set,
                    Nesting::Map => schema::object::NestingMode::Map,
                } as i32,
                ..Default::default()
            }),
        ),
        None => (a.value_type().to_json(), None),
    };
    schema::Attribute {
        name: name.to_owned(),
        r#type: ty,
        nested_type,
        description,
        description_kind,
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        write_only: a.write_only,
        deprecated: a.deprecation_message.is_some(),
        deprecation_message: a.deprecation_message.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostic;

    #[test]
    fn paths_become_protocol_steps() {
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::error("s", "d").at(AttrPath::attr("tags").key("env")));
        diags.warning("w", "");
        let out = diagnostics(&diags);
        assert_eq!(out[0].severity, diagnostic::Severity::Error as i32);
        let steps = &out[0].attribute.as_ref().unwrap().steps;
        assert_eq!(
            steps[1].selector,
            Some(attribute_path::step::Selector::ElementKeyString(
                "env".into()
            ))
        );
        assert_eq!(out[1].attribute, None);
    }

    #[test]
    fn schema_carries_flags_and_descriptions() {
        let s = Schema::new()
            .version(2)
            .description("plain")
            .markdown_description("**md**")
            .attribute(
                "secret",
                Attribute::string()
                    .optional()
                    .write_only()
                    .sensitive()
                    .description("the secret")
                    .deprecated("use other"),
            )
            .attribute(
                "rules",
                Attribute::list_nested([("port", Attribute::int64().required())]).optional(),
            );
        let out = schema(&s);
        assert_eq!(out.version, 2);
        let block = out.block.unwrap();
        assert_eq!(block.description, "**md**");
        assert_eq!(block.description_kind, StringKind::Markdown as i32);
        let rules = &block.attributes[0];
        assert_eq!(rules.name, "rules");
        assert!(rules.r#type.is_empty());
        assert_eq!(
            rules.nested_type.as_ref().unwrap().attributes[0].r#type,
            b"\"number\""
        );
        let secret = &block.attributes[1];
        assert!(secret.write_only && secret.sensitive && secret.optional && secret.deprecated);
        assert_eq!(secret.r#type, b"\"string\"");
        assert_eq!(secret.description, "the secret");
    }
}
