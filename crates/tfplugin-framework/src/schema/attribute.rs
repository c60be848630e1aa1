//! [`Attribute`]: one argument or exported attribute of a schema, built with chained calls.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::plan_modifier::PlanModifier;
use crate::validator::Validator;
use crate::value::{ModelError, Type, Value};

/// How a nested attribute or block holds its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// One object (or null).
    Single,
    /// An ordered list of objects.
    List,
    /// An unordered set of objects.
    Set,
    /// Objects by string key (nested attributes only).
    Map,
}

/// The shape of an attribute's value.
#[derive(Clone, Debug)]
pub(crate) enum AttributeKind {
    /// A value of a cty type.
    Typed(Type),
    /// A whole number that fits in an `i64`: cty type number, checked during validation.
    Int64,
    /// Objects whose attributes are themselves schema attributes, with their own flags and plan modifiers.
    Nested {
        nesting: Nesting,
        attributes: BTreeMap<String, Attribute>,
    },
}

/// An attribute of a resource, data source or provider schema.
///
/// ```
/// use tfplugin_framework::schema::Attribute;
/// use tfplugin_framework::{plan_modifier, validator};
///
/// let name = Attribute::string()
///     .required()
///     .description("Name of the thing; changing it replaces the thing.")
///     .validator(validator::string_length(1, 64))
///     .plan_modifier(plan_modifier::requires_replace());
/// ```
#[derive(Clone)]
pub struct Attribute {
    pub(crate) kind: AttributeKind,
    pub(crate) required: bool,
    pub(crate) optional: bool,
    pub(crate) computed: bool,
    pub(crate) sensitive: bool,
    pub(crate) write_only: bool,
    pub(crate) description: Option<String>,
    pub(crate) markdown_description: Option<String>,
    pub(crate) deprecation_message: Option<String>,
    /// Written from a Rust value when the schema was built; a value that does not fit is reported by the
    /// schema check rather than at build time, so building never fails.
    pub(crate) default: Option<Result<Value, ModelError>>,
    pub(crate) validators: Vec<Arc<dyn Validator>>,
    pub(crate) plan_modifiers: Vec<Arc<dyn PlanModifier>>,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("kind", &self.kind)
            .field("required", &self.required)
            .field("optional", &self.optional)
            .field("computed", &self.computed)
            .field("sensitive", &self.sensitive)
            .field("write_only", &self.write_only)
            .field("validators", &self.validators.len())
            .field("plan_modifiers", &self.plan_modifiers.len())
            .finish_non_exhaustive()
    }
}

impl Attribute {
    fn new(kind: AttributeKind) -> Attribute {
        Attribute {
            kind,
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            description: None,
            markdown_description: None,
            deprecation_message: None,
            default: None,
            validators: Vec::new(),
            plan_modifiers: Vec::new(),
        }
    }

    pub fn string() -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::String))
    }

    pub fn bool() -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::Bool))
    }

    /// A whole number within `i64`; other numbers are rejected during validation with the attribute named.
    pub fn int64() -> Attribute {
        Attribute::new(AttributeKind::Int64)
    }

    /// Any number, kept exact (read it as `f64`, `i64` or [`Number`](crate::value::Number)).
    pub fn number() -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::Number))
    }

    pub fn list(element: Type) -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::list(element)))
    }

    pub fn set(element: Type) -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::set(element)))
    }

    pub fn map(element: Type) -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::map(element)))
    }

    /// An object with fixed attribute types (no per-attribute flags; see the nested attributes for those).
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Type)>) -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::object(attributes)))
    }

    /// A value of any type, chosen by the configuration.
    pub fn dynamic() -> Attribute {
        Attribute::new(AttributeKind::Typed(Type::Dynamic))
    }

    /// One object whose attributes have their own flags, validators and plan modifiers.
    pub fn single_nested<K: Into<String>>(
        attributes: impl IntoIterator<Item = (K, Attribute)>,
    ) -> Attribute {
        Attribute::nested(Nesting::Single, attributes)
    }

    pub fn list_nested<K: Into<String>>(
        attributes: impl IntoIterator<Item = (K, Attribute)>,
    ) -> Attribute {
        Attribute::nested(Nesting::List, attributes)
    }

    pub fn set_nested<K: Into<String>>(
        attributes: impl IntoIterator<Item = (K, Attribute)>,
    ) -> Attribute {
        Attribute::nested(Nesting::Set, attributes)
    }

    pub fn map_nested<K: Into<String>>(
        attributes: impl IntoIterator<Item = (K, Attribute)>,
    ) -> Attribute {
        Attribute::nested(Nesting::Map, attributes)
    }

    fn nested<K: Into<String>>(
        nesting: Nesting,
        attributes: impl IntoIterator<Item = (K, Attribute)>,
    ) -> Attribute {
        Attribute::new(AttributeKind::Nested {
            nesting,
            attributes: attributes.into_iter().map(|(k, a)| (k.into(), a)).collect(),
        })
    }

    /// The configuration must set it.
    pub fn required(mut self) -> Attribute {
        self.required = true;
        self
    }

    /// The configuration may set it.
    pub fn optional(mut self) -> Attribute {
        self.optional = true;
        self
    }

    /// The provider sets it (alone: read-only; with `optional`: the provider fills it when the
    /// configuration leaves it out).
    pub fn computed(mut self) -> Attribute {
        self.computed = true;
        self
    }

    /// Terraform hides the value in plan output.
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    /// The value is given to the provider during plan and apply but never stored in plan or state
    /// (Terraform 1.11+; older CLIs get a clear error when the configuration sets it).
    pub fn write_only(mut self) -> Attribute {
        self.write_only = true;
        self
    }

    /// Plain-text description, shown by `terraform providers schema` and used for docs.
    pub fn description(mut self, text: impl Into<String>) -> Attribute {
        self.description = Some(text.into());
        self
    }

    /// Markdown description; sent instead of the plain one when both are set.
    pub fn markdown_description(mut self, text: impl Into<String>) -> Attribute {
        self.markdown_description = Some(text.into());
        self
    }

    /// Marks the attribute deprecated: setting it in configuration gives this warning.
    pub fn deprecated(mut self, message: impl Into<String>) -> Attribute {
        self.deprecation_message = Some(message.into());
        self
    }

    /// The value planned when the configuration leaves the attribute out; needs `optional` and `computed`.
    pub fn default(mut self, value: impl Serialize) -> Attribute {
        self.default = Some(crate::value::to_value(&value));
        self
    }

    /// A check on configured values; runs only on known, non-null values.
    pub fn validator(mut self, validator: impl Validator + 'static) -> Attribute {
        self.validators.push(Arc::new(validator));
        self
    }

    /// A plan modifier; they run in the order added.
    pub fn plan_modifier(mut self, modifier: impl PlanModifier + 'static) -> Attribute {
        self.plan_modifiers.push(Arc::new(modifier));
        self
    }

    /// The cty type of the attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Typed(ty) => ty.clone(),
            AttributeKind::Int64 => Type::Number,
            AttributeKind::Nested {
                nesting,
                attributes,
            } => {
                let object = Type::object(
                    attributes
                        .iter()
                        .map(|(name, a)| (name.clone(), a.value_type())),
                );
                match nesting {
                    Nesting::Single => object,
                    Nesting::List => Type::list(object),
                    Nesting::Set => Type::set(object),
                    Nesting::Map => Type::map(object),
                }
            }
        }
    }

    pub fn is_required(&self) -> bool {
        self.required
    }

    pub fn is_optional(&self) -> bool {
        self.optional
    }

    pub fn is_computed(&self) -> bool {
        self.computed
    }

    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    pub fn is_write_only(&self) -> bool {
        self.write_only
    }

    /// Computed alone: only the provider sets it, and a configuration that does is refused at validation.
    pub fn is_read_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }

    /// For nested attributes: how objects are held, and their attributes.
    pub(crate) fn nested_attributes(&self) -> Option<(Nesting, &BTreeMap<String, Attribute>)> {
        match &self.kind {
            AttributeKind::Nested {
                nesting,
                attributes,
            } => Some((*nesting, attributes)),
            _ => None,
        }
    }
}
