//! Attribute paths: where in a resource's value something is, for diagnostics, plan modifiers and
//! `requires_replace`. Terraform maps a diagnostic's path onto the configuration, so an error about
//! `tags["env"]` is shown under that line of the user's file.

use std::fmt;

use crate::value::Value;

/// A path into an object value: `name`, `tags["env"]`, `rule[0].port`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttrPath {
    steps: Vec<PathStep>,
}

/// One step of an [`AttrPath`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathStep {
    /// An attribute of an object, or a nested block by its type name.
    Attribute(String),
    /// An element of a map (or a map-nested block or attribute).
    Key(String),
    /// An element of a list.
    Index(u64),
}

impl AttrPath {
    /// The empty path: the resource's whole value.
    pub fn root() -> AttrPath {
        AttrPath::default()
    }

    /// A top-level attribute (or nested block) of the resource.
    pub fn attr(name: impl Into<String>) -> AttrPath {
        AttrPath::root().attribute(name)
    }

    /// This path, then the attribute `name`.
    pub fn attribute(mut self, name: impl Into<String>) -> AttrPath {
        self.steps.push(PathStep::Attribute(name.into()));
        self
    }

    /// This path, then the map element `key`.
    pub fn key(mut self, key: impl Into<String>) -> AttrPath {
        self.steps.push(PathStep::Key(key.into()));
        self
    }

    /// This path, then the list element `index`.
    pub fn index(mut self, index: u64) -> AttrPath {
        self.steps.push(PathStep::Index(index));
        self
    }

    pub(crate) fn from_steps(steps: Vec<PathStep>) -> AttrPath {
        AttrPath { steps }
    }

    /// `step`, then this path.
    pub(crate) fn prepend(mut self, step: PathStep) -> AttrPath {
        self.steps.insert(0, step);
        self
    }

    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// The value at this path inside `root`; `None` where the path leads through a null, an unknown or a
    /// missing element. Set elements have no path step (the protocol has none), so paths stop at a set.
    pub fn get<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        let mut current = root;
        for step in &self.steps {
            current = match (step, current) {
                (PathStep::Attribute(name), Value::Object(attrs)) => attrs.get(name)?,
                (PathStep::Key(key), Value::Map(items)) => items.get(key)?,
                (PathStep::Index(i), Value::List(items) | Value::Tuple(items)) => {
                    items.get(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(current)
    }

    /// A mutable reference to the value at this path, with the same rules as [`get`](Self::get).
    pub fn get_mut<'v>(&self, root: &'v mut Value) -> Option<&'v mut Value> {
        let mut current = root;
        for step in &self.steps {
            current = match (step, current) {
                (PathStep::Attribute(name), Value::Object(attrs)) => attrs.get_mut(name)?,
                (PathStep::Key(key), Value::Map(items)) => items.get_mut(key)?,
                (PathStep::Index(i), Value::List(items) | Value::Tuple(items)) => {
                    items.get_mut(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(current)
    }
}

impl fmt::Display for AttrPath {
    /// Terraform's notation without the resource address: `rule[0].port`, `tags["env"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn displays_like_terraform() {
        let path = AttrPath::attr("rule").index(0).attribute("port");
        assert_eq!(path.to_string(), "rule[0].port");
        assert_eq!(
            AttrPath::attr("tags").key("env").to_string(),
            r#"tags["env"]"#
        );
    }

    #[test]
    fn finds_values_and_stops_at_nulls() {
        let tags = Value::Map(BTreeMap::from([(
            "env".into(),
            Value::String("prod".into()),
        )]));
        let root = Value::Object(BTreeMap::from([
            ("tags".into(), tags),
            ("note".into(), Value::Null),
        ]));
        assert_eq!(
            AttrPath::attr("tags").key("env").get(&root),
            Some(&Value::String("prod".into()))
        );
        assert_eq!(AttrPath::attr("note").get(&root), Some(&Value::Null));
        assert_eq!(AttrPath::attr("note").key("x").get(&root), None);
        assert_eq!(AttrPath::attr("missing").get(&root), None);
    }
}
