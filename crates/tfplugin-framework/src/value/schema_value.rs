//! [`SchemaValue`]: a configuration, plan or state of one resource (or data source, or provider), with the
//! schema it follows.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Value, conform, de, ser};
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::schema::Schema;

/// An object value of a schema: what Terraform calls the configuration, the plan or the state. Read it into
/// a model with [`get`](Self::get), write a model with [`set`](Self::set); both report problems as
/// diagnostics naming the attribute and return nothing useful on error, so handlers read
///
/// ```ignore
/// let Some(plan) = req.plan.get::<ThingModel>(&mut resp.diagnostics) else { return };
/// ```
#[derive(Clone, Debug)]
pub struct SchemaValue {
    schema: Arc<Schema>,
    value: Value,
}

impl SchemaValue {
    /// `value` must already conform to the schema's type (the server decodes it with that type).
    pub(crate) fn new(schema: Arc<Schema>, value: Value) -> SchemaValue {
        SchemaValue { schema, value }
    }

    /// A null value of `schema`: no object at all (a resource that does not exist).
    pub(crate) fn null(schema: Arc<Schema>) -> SchemaValue {
        SchemaValue::new(schema, Value::Null)
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub(crate) fn shared_schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    /// The cty value; for checks a model cannot express (unknown refinements, dynamic values).
    pub fn value(&self) -> &Value {
        &self.value
    }

    pub(crate) fn into_value(self) -> Value {
        self.value
    }

    /// True when there is no object: a state of a resource that does not exist, a plan to destroy.
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }

    /// Reads the whole value into a model. `None` (with an error added) when it does not fit, or when the
    /// value is null.
    pub fn get<T: DeserializeOwned>(&self, diags: &mut Diagnostics) -> Option<T> {
        if self.value.is_null() {
            diags.error(
                "Value unavailable",
                "There is no object here (null), so it cannot be read into a model. This is a bug in the provider.",
            );
            return None;
        }
        match de::from_value(&self.value, AttrPath::root()) {
            Ok(model) => Some(model),
            Err(e) => {
                diags.push(e.to_diagnostic("Value does not match the model"));
                None
            }
        }
    }

    /// Reads the attribute at `path` into `T`; a path that leads nowhere in this value reads as null.
    pub fn get_attr<T: DeserializeOwned>(
        &self,
        path: &AttrPath,
        diags: &mut Diagnostics,
    ) -> Option<T> {
        let value = path.get(&self.value).unwrap_or(&Value::Null);
        match de::from_value(value, path.clone()) {
            Ok(v) => Some(v),
            Err(e) => {
                diags.push(e.to_diagnostic("Value does not match the model"));
                None
            }
        }
    }

    /// The cty value at `path`, if the path leads to one.
    pub fn value_at(&self, path: &AttrPath) -> Option<&Value> {
        path.get(&self.value)
    }

    /// Replaces the whole value with `model`, which must have a field for every attribute of the schema.
    pub fn set<T: Serialize>(&mut self, model: &T, diags: &mut Diagnostics) {
        let written = ser::to_value(model)
            .and_then(|v| conform(v, self.schema.value_type(), &AttrPath::root()));
        match written {
            Ok(value) => self.value = value,
            Err(e) => diags.push(e.to_diagnostic("Model does not match the schema")),
        }
    }

    /// Sets the attribute at `path`. On a null value this first creates the object with every attribute
    /// null, as an import does when it knows only the ID.
    pub fn set_attr<T: Serialize>(&mut self, path: &AttrPath, value: &T, diags: &mut Diagnostics) {
        let Some(ty) = self.schema.type_at(path) else {
            diags.attribute_error(
                path.clone(),
                "No such attribute",
                format!("The schema has no attribute at {path}. This is a bug in the provider."),
            );
            return;
        };
        let written = ser::to_value(value)
            .map_err(|e| e.or_at(path))
            .and_then(|v| conform(v, &ty, path));
        match written {
            Ok(v) => self.set_value(path, v, diags),
            Err(e) => diags.push(e.to_diagnostic("Value does not match the schema")),
        }
    }

    /// Sets the cty value at `path` (for values a model cannot express, such as dynamic ones). The value must
    /// conform to the attribute's type; the server checks the result when it encodes it.
    pub fn set_value(&mut self, path: &AttrPath, value: Value, diags: &mut Diagnostics) {
        if self.value.is_null() {
            self.value = self.schema.body().empty_value();
        }
        if path.is_root() {
            self.value = value;
            return;
        }
        match path.get_mut(&mut self.value) {
            Some(slot) => *slot = value,
            None => diags.attribute_error(
                path.clone(),
                "Cannot set attribute",
                format!(
                    "{path} leads through a null or missing value, so it cannot be set. This is a bug in the provider."
                ),
            ),
        }
    }

    /// Makes the value null: in a Read, the remote object is gone (Terraform plans to create it again).
    pub fn remove(&mut self) {
        self.value = Value::Null;
    }
}
