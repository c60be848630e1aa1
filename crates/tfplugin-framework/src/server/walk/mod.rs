//! Schema-directed passes over values: the rules Terraform core enforces, applied by the framework so that
//! a resource cannot break them by accident. Each pass walks a block's attributes and nested blocks and
//! recurses into nested attributes and block elements, pairing each element with the matching element of
//! the other values (same index for lists and sets, same key for maps).
//!
//! | file | pass |
//! |---|---|
//! | `defaults.rs` | defaults where the configuration leaves attributes out |
//! | `write_only.rs` | write-only attributes to null |
//! | `computed.rs` | computed attributes to unknown |
//! | `modifiers.rs` | attribute plan modifiers |
//! | `validate.rs` | configuration checks and validators |
//! | `plan_check.rs` | the plan against the configuration |
//! | `apply_check.rs` | the applied state against the plan |
//! | `known.rs` | unknowns left in results |

mod apply_check;
mod computed;
mod defaults;
mod known;
mod modifiers;
mod plan_check;
mod validate;
mod write_only;

use std::collections::BTreeMap;

pub(crate) use apply_check::check_apply_result;
pub(crate) use computed::mark_computed_unknown;
pub(crate) use defaults::apply_defaults;
pub(crate) use known::require_known;
pub(crate) use modifiers::{Modified, run_plan_modifiers};
pub(crate) use plan_check::check_plan;
pub(crate) use validate::validate;
pub(crate) use write_only::null_write_only;

use crate::path::AttrPath;
use crate::schema::{Attribute, Block, NestedBlock, Nesting};
use crate::value::Value;

pub(super) static NULL: Value = Value::Null;
static NO_BLOCKS: BTreeMap<String, NestedBlock> = BTreeMap::new();

/// The attributes and nested blocks of one object: a block, or the object type of a nested attribute.
#[derive(Clone, Copy)]
pub(crate) struct Body<'s> {
    attributes: &'s BTreeMap<String, Attribute>,
    blocks: &'s BTreeMap<String, NestedBlock>,
}

impl<'s> Body<'s> {
    pub(crate) fn of(block: &'s Block) -> Body<'s> {
        Body {
            attributes: &block.attributes,
            blocks: &block.blocks,
        }
    }

    /// True when attribute `name` hides its value: sensitive or write-only.
    pub(super) fn is_sensitive(&self, name: &str) -> bool {
        self.attributes
            .get(name)
            .is_some_and(|a| a.sensitive || a.write_only)
    }

    /// True when attribute `name` is read-only: only the provider sets it.
    pub(super) fn is_read_only(&self, name: &str) -> bool {
        self.attributes
            .get(name)
            .is_some_and(Attribute::is_read_only)
    }

    pub(super) fn nested(attributes: &'s BTreeMap<String, Attribute>) -> Body<'s> {
        Body {
            attributes,
            blocks: &NO_BLOCKS,
        }
    }
}

/// Which element of a nested value: the object itself (single nesting), a list or set position, a map key.
pub(super) enum Key {
    Same,
    Index(usize),
    Name(String),
}

pub(super) fn attr<'v>(object: &'v Value, name: &str) -> &'v Value {
    object.attribute(name).unwrap_or(&NULL)
}

pub(super) fn elements(nesting: Nesting, value: &Value) -> Vec<(Key, &Value)> {
    match (nesting, value) {
        (Nesting::Single, v @ Value::Object(_)) => vec![(Key::Same, v)],
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Key::Index(i), v))
            .collect(),
        (Nesting::Map, Value::Map(items)) => items
            .iter()
            .map(|(k, v)| (Key::Name(k.clone()), v))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn elements_mut(nesting: Nesting, value: &mut Value) -> Vec<(Key, &mut Value)> {
    match (nesting, value) {
        (Nesting::Single, v @ Value::Object(_)) => vec![(Key::Same, v)],
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => items
            .iter_mut()
            .enumerate()
            .map(|(i, v)| (Key::Index(i), v))
            .collect(),
        (Nesting::Map, Value::Map(items)) => items
            .iter_mut()
            .map(|(k, v)| (Key::Name(k.clone()), v))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn lookup<'v>(value: &'v Value, key: &Key) -> &'v Value {
    match (key, value) {
        (Key::Same, v) => v,
        (Key::Index(i), Value::List(items) | Value::Set(items)) => items.get(*i).unwrap_or(&NULL),
        (Key::Name(k), Value::Map(items)) => items.get(k).unwrap_or(&NULL),
        _ => &NULL,
    }
}

/// The path of an element. The protocol has no step for set elements, so paths stop at the set.
pub(super) fn element_path(path: &AttrPath, nesting: Nesting, key: &Key) -> AttrPath {
    match (key, nesting) {
        (Key::Same, _) | (Key::Index(_), Nesting::Set) => path.clone(),
        (Key::Index(i), _) => path.clone().index(*i as u64),
        (Key::Name(k), _) => path.clone().key(k.as_str()),
    }
}

/// The nested parts of a body: nested attributes and blocks, with how their objects are held.
pub(super) fn nested_parts<'s>(
    body: Body<'s>,
) -> impl Iterator<Item = (&'s String, Nesting, Body<'s>)> {
    let attributes = body.attributes.iter().filter_map(|(name, a)| {
        a.nested_attributes()
            .map(|(nesting, inner)| (name, nesting, Body::nested(inner)))
    });
    let blocks = body
        .blocks
        .iter()
        .map(|(name, b)| (name, b.nesting, Body::of(&b.block)));
    attributes.chain(blocks)
}

/// Equality for plan checks: unknowns match unknowns whatever their refinements, sets ignore order.
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Unknown(_), Value::Unknown(_)) => true,
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len()
                && x.iter().all(|a| y.iter().any(|b| same(a, b)))
                && y.iter().all(|b| x.iter().any(|a| same(a, b)))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, a)| y.get(k).is_some_and(|b| same(a, b)))
        }
        (Value::Dynamic(tx, x), Value::Dynamic(ty, y)) => tx == ty && same(x, y),
        _ => a == b,
    }
}
