//! Schemas: what a resource, data source or provider accepts and exports.
//!
//! | module | what |
//! |---|---|
//! | `attribute` | [`Attribute`] and its builder methods, [`Nesting`] |
//! | `block` | [`Block`], [`NestedBlock`] |
//! | `check` | the rules a schema must follow, reported as diagnostics by GetProviderSchema |
//!
//! ```
//! use tfplugin_framework::schema::{Attribute, Schema};
//!
//! let schema = Schema::new()
//!     .version(1)
//!     .description("A thing.")
//!     .attribute("id", Attribute::string().computed())
//!     .attribute("name", Attribute::string().required())
//!     .attribute("tags", Attribute::map(tfplugin_framework::value::Type::String).optional());
//! assert_eq!(schema.value_type().to_string(), "object({id=string, name=string, tags=map(string)})");
//! ```

mod attribute;
mod block;
mod check;

use std::sync::OnceLock;

pub(crate) use attribute::AttributeKind;
pub use attribute::{Attribute, Nesting};
pub use block::{Block, NestedBlock};
pub(crate) use check::{SchemaKind, check_schema};

use crate::path::{AttrPath, PathStep};
use crate::value::Type;

/// A versioned schema: the top-level block of a resource, data source or provider.
#[derive(Debug, Default)]
pub struct Schema {
    pub(crate) version: i64,
    pub(crate) block: Block,
    value_type: OnceLock<Type>,
}

impl Clone for Schema {
    fn clone(&self) -> Schema {
        Schema {
            version: self.version,
            block: self.block.clone(),
            value_type: OnceLock::new(),
        }
    }
}

impl Schema {
    pub fn new() -> Schema {
        Schema::default()
    }

    /// The schema version stored with each resource instance; raise it when stored state needs upgrading,
    /// and add a state upgrader from the old version.
    pub fn version(mut self, version: i64) -> Schema {
        self.version = version;
        self
    }

    pub fn attribute(mut self, name: impl Into<String>, attribute: Attribute) -> Schema {
        self.block = self.block.attribute(name, attribute);
        self
    }

    pub fn block(mut self, type_name: impl Into<String>, block: NestedBlock) -> Schema {
        self.block = self.block.block(type_name, block);
        self
    }

    pub fn description(mut self, text: impl Into<String>) -> Schema {
        self.block = self.block.description(text);
        self
    }

    pub fn markdown_description(mut self, text: impl Into<String>) -> Schema {
        self.block = self.block.markdown_description(text);
        self
    }

    /// Marks the whole resource or data source deprecated.
    pub fn deprecated(mut self, message: impl Into<String>) -> Schema {
        self.block = self.block.deprecated(message);
        self
    }

    pub fn schema_version(&self) -> i64 {
        self.version
    }

    pub fn body(&self) -> &Block {
        &self.block
    }

    /// The object type of values of this schema (computed once).
    pub fn value_type(&self) -> &Type {
        self.value_type.get_or_init(|| self.block.value_type())
    }

    /// The attribute at `path`, looking through nested attributes and blocks; `None` for a path that leads
    /// to a nested block itself or nowhere.
    pub fn attribute_at(&self, path: &AttrPath) -> Option<&Attribute> {
        let mut block = &self.block;
        let mut steps = path.steps().iter().peekable();
        while let Some(step) = steps.next() {
            let PathStep::Attribute(name) = step else {
                return None;
            };
            if let Some(attribute) = block.attributes.get(name) {
                return attribute_within(attribute, steps.collect::<Vec<_>>().as_slice());
            }
            let nested = block.blocks.get(name)?;
            // A block's elements are addressed by index or key; skip that step.
            if nested.nesting != Nesting::Single
                && matches!(steps.peek(), Some(PathStep::Index(_) | PathStep::Key(_)))
            {
                steps.next();
            }
            block = &nested.block;
        }
        None
    }

    /// The type of the value at `path`, or `None` when the path does not fit the schema.
    pub fn type_at(&self, path: &AttrPath) -> Option<Type> {
        let mut ty = self.value_type().clone();
        for step in path.steps() {
            ty = match (step, ty) {
                (PathStep::Attribute(name), Type::Object { mut attributes, .. }) => {
                    attributes.remove(name)?
                }
                (PathStep::Key(_), Type::Map(element)) => *element,
                (PathStep::Index(_), Type::List(element)) => *element,
                (PathStep::Index(i), Type::Tuple(mut elements)) => {
                    let i = usize::try_from(*i).ok()?;
                    if i >= elements.len() {
                        return None;
                    }
                    elements.swap_remove(i)
                }
                _ => return None,
            };
        }
        Some(ty)
    }
}

fn attribute_within<'a>(attribute: &'a Attribute, rest: &[&PathStep]) -> Option<&'a Attribute> {
    let Some((first, mut rest)) = rest.split_first() else {
        return Some(attribute);
    };
    let (nesting, attributes) = attribute.nested_attributes()?;
    let name_step = if nesting == Nesting::Single {
        first
    } else {
        let (name_step, after) = rest.split_first()?;
        rest = after;
        name_step
    };
    let PathStep::Attribute(name) = name_step else {
        return None;
    };
    attribute_within(attributes.get(name)?, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::new()
            .attribute("name", Attribute::string().required())
            .attribute(
                "rules",
                Attribute::list_nested([("port", Attribute::int64().required())]).optional(),
            )
            .block(
                "limit",
                NestedBlock::list(Block::new().attribute("max", Attribute::int64().optional())),
            )
    }

    #[test]
    fn finds_attributes_through_nesting() {
        let s = schema();
        assert!(s.attribute_at(&AttrPath::attr("name")).is_some());
        assert!(
            s.attribute_at(&AttrPath::attr("rules").index(0).attribute("port"))
                .is_some()
        );
        assert!(
            s.attribute_at(&AttrPath::attr("limit").index(2).attribute("max"))
                .is_some()
        );
        assert!(s.attribute_at(&AttrPath::attr("limit")).is_none());
        assert!(s.attribute_at(&AttrPath::attr("nope")).is_none());
    }

    #[test]
    fn types_at_paths() {
        let s = schema();
        assert_eq!(
            s.type_at(&AttrPath::attr("rules").index(0).attribute("port")),
            Some(Type::Number)
        );
        assert_eq!(s.type_at(&AttrPath::attr("nope")), None);
    }
}
