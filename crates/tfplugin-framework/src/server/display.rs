//! Values in messages, written the way Terraform configuration writes them.

use crate::value::Value;

/// `"text"`, `3`, `true`, `null`, `["a", "b"]`, `{ env = "prod" }`, `(known after apply)`.
pub(crate) fn show(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Unknown(_) => "(known after apply)".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            let items: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(items) | Value::Object(items) => {
            if items.is_empty() {
                return "{}".to_owned();
            }
            let items: Vec<String> = items
                .iter()
                .map(|(k, v)| format!("{k} = {}", show(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        Value::Dynamic(_, v) => show(v),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn looks_like_configuration() {
        let v = Value::Object(BTreeMap::from([
            (
                "tags".into(),
                Value::Map(BTreeMap::from([(
                    "env".into(),
                    Value::String("prod".into()),
                )])),
            ),
            (
                "ids".into(),
                Value::List(vec![Value::unknown(), Value::Null]),
            ),
        ]));
        assert_eq!(
            show(&v),
            r#"{ ids = [(known after apply), null], tags = { env = "prod" } }"#
        );
    }
}
