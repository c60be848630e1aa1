use super::{ValidateRequest, Validator};
use crate::diag::Diagnostics;
use crate::value::Value;

/// Every element of a list, set or map of strings is one of `allowed`.
pub fn each_one_of<S: Into<String>>(allowed: impl IntoIterator<Item = S>) -> impl Validator {
    EachOneOf {
        allowed: allowed.into_iter().map(Into::into).collect(),
    }
}

struct EachOneOf {
    allowed: Vec<String>,
}

impl Validator for EachOneOf {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        // List elements get their own path so the message points at the element; the protocol has no path
        // step for set elements, so those point at the set.
        let elements: Vec<(Option<crate::path::AttrPath>, &Value)> = match request.value {
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Some(request.path.clone().index(i as u64)), v))
                .collect(),
            Value::Set(items) => items.iter().map(|v| (None, v)).collect(),
            Value::Map(items) => items
                .iter()
                .map(|(k, v)| (Some(request.path.clone().key(k.as_str())), v))
                .collect(),
            _ => return,
        };
        for (path, element) in elements {
            let Some(s) = element.as_str() else { continue };
            if !self.allowed.iter().any(|a| a == s) {
                diags.attribute_error(
                    path.unwrap_or_else(|| request.path.clone()),
                    "Invalid attribute value",
                    format!(
                        "Every element of {} must be one of {:?}, got {}.",
                        request.path,
                        self.allowed,
                        request.shown(format!("{s:?}"))
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::AttrPath;
    use crate::validator::check;

    #[test]
    fn points_at_the_bad_element() {
        let v = each_one_of(["read", "write"]);
        let list = Value::List(vec![
            Value::String("read".into()),
            Value::String("admin".into()),
        ]);
        let diags = check(&v, list);
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags.iter().next().unwrap().path,
            Some(AttrPath::attr("a").index(1))
        );
        let set = Value::Set(vec![Value::String("write".into())]);
        assert!(!check(&v, set).has_error());
    }
}
