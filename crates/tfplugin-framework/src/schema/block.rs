//! [`Block`]: a set of attributes and nested blocks (a schema's body, or a nested block's), and
//! [`NestedBlock`]: a block that appears inside another, as `rule { ... }` in configuration.

use std::collections::BTreeMap;

use super::attribute::{Attribute, Nesting};
use crate::value::{Type, Value};

/// Attributes and nested blocks, with a description.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub(crate) attributes: BTreeMap<String, Attribute>,
    pub(crate) blocks: BTreeMap<String, NestedBlock>,
    pub(crate) description: Option<String>,
    pub(crate) markdown_description: Option<String>,
    pub(crate) deprecation_message: Option<String>,
}

impl Block {
    pub fn new() -> Block {
        Block::default()
    }

    pub fn attribute(mut self, name: impl Into<String>, attribute: Attribute) -> Block {
        self.attributes.insert(name.into(), attribute);
        self
    }

    pub fn block(mut self, type_name: impl Into<String>, block: NestedBlock) -> Block {
        self.blocks.insert(type_name.into(), block);
        self
    }

    pub fn description(mut self, text: impl Into<String>) -> Block {
        self.description = Some(text.into());
        self
    }

    pub fn markdown_description(mut self, text: impl Into<String>) -> Block {
        self.markdown_description = Some(text.into());
        self
    }

    pub fn deprecated(mut self, message: impl Into<String>) -> Block {
        self.deprecation_message = Some(message.into());
        self
    }

    pub fn attributes(&self) -> impl Iterator<Item = (&str, &Attribute)> {
        self.attributes.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn blocks(&self) -> impl Iterator<Item = (&str, &NestedBlock)> {
        self.blocks.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The object type of the block's values: its attributes and nested blocks.
    pub fn value_type(&self) -> Type {
        let attributes = self
            .attributes
            .iter()
            .map(|(name, a)| (name.clone(), a.value_type()));
        let blocks = self
            .blocks
            .iter()
            .map(|(name, b)| (name.clone(), b.value_type()));
        Type::object(attributes.chain(blocks))
    }

    /// An object with every attribute null and every nested block absent, as Terraform represents a block
    /// whose configuration sets nothing (list and set blocks are empty collections, not null).
    pub fn empty_value(&self) -> Value {
        let attributes = self
            .attributes
            .keys()
            .map(|name| (name.clone(), Value::Null));
        let blocks = self.blocks.iter().map(|(name, b)| {
            let empty = match b.nesting {
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
                Nesting::Single | Nesting::Map => Value::Null,
            };
            (name.clone(), empty)
        });
        Value::Object(attributes.chain(blocks).collect())
    }
}

/// A block nested in another: `rule { ... }` (repeated for list and set nesting).
#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub(crate) nesting: Nesting,
    pub(crate) block: Block,
    pub(crate) min_items: u32,
    pub(crate) max_items: u32,
}

impl NestedBlock {
    /// Zero or more blocks, in order.
    pub fn list(block: Block) -> NestedBlock {
        NestedBlock::new(Nesting::List, block)
    }

    /// Zero or more blocks, unordered.
    pub fn set(block: Block) -> NestedBlock {
        NestedBlock::new(Nesting::Set, block)
    }

    /// At most one block (null when absent).
    pub fn single(block: Block) -> NestedBlock {
        NestedBlock::new(Nesting::Single, block)
    }

    fn new(nesting: Nesting, block: Block) -> NestedBlock {
        NestedBlock {
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    /// Terraform rejects configurations with fewer blocks (list and set nesting).
    pub fn min_items(mut self, n: u32) -> NestedBlock {
        self.min_items = n;
        self
    }

    /// Terraform rejects configurations with more blocks (list and set nesting; 0 means no limit).
    pub fn max_items(mut self, n: u32) -> NestedBlock {
        self.max_items = n;
        self
    }

    pub fn nesting(&self) -> Nesting {
        self.nesting
    }

    pub fn block(&self) -> &Block {
        &self.block
    }

    pub fn value_type(&self) -> Type {
        let object = self.block.value_type();
        match self.nesting {
            Nesting::Single => object,
            Nesting::List => Type::list(object),
            Nesting::Set => Type::set(object),
            Nesting::Map => Type::map(object),
        }
    }
}
