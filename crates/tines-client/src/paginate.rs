//! The `meta` object of Tines list responses, read tolerantly.

use reqwest::Url;
use serde_json::Value;

/// The paging facts of one list response.
///
/// Every field is optional because the samples disagree: one mock sends `"next_page": "null"`
/// as a string and no `next_page_number`, and Tines' own SDK fixture says `pages: 1` next to
/// `count: 2, per_page: 1`. Fields with the wrong type read as absent rather than failing the
/// page, since the records themselves are fine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Meta {
    pub current_page: Option<String>,
    pub previous_page: Option<String>,
    pub next_page: Option<String>,
    pub next_page_number: Option<u64>,
    pub per_page: Option<u64>,
    pub pages: Option<u64>,
    pub count: Option<u64>,
}

impl Meta {
    pub(crate) fn from_json(value: Option<&Value>) -> Self {
        let field = |name: &str| value.and_then(|v| v.get(name));
        let url = |name: &str| {
            field(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "null")
                .map(str::to_owned)
        };
        let number = |name: &str| match field(name)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        Self {
            current_page: url("current_page"),
            previous_page: url("previous_page"),
            next_page: url("next_page"),
            next_page_number: number("next_page_number").filter(|&n| n > 0),
            per_page: number("per_page"),
            pages: number("pages"),
            count: number("count"),
        }
    }

    /// The page after this one, as the server links it: `next_page_number`, else the `page`
    /// parameter of `next_page`, else the current page plus one when `next_page` is a link
    /// without a number. `None` means the server says this is the last page (or numbers its
    /// current page u64::MAX, after which no page can be named).
    pub fn next_page(&self) -> Option<u64> {
        if let Some(number) = self.next_page_number {
            return Some(number);
        }
        let next = self.next_page.as_deref()?;
        page_parameter(next).or_else(|| self.current_page_number().unwrap_or(1).checked_add(1))
    }

    /// The number of this page, from the `page` parameter of `current_page`.
    pub fn current_page_number(&self) -> Option<u64> {
        self.current_page.as_deref().and_then(page_parameter)
    }

    /// The last page that can hold a record: the larger of `pages` and `count / per_page`
    /// rounded up. When the two disagree the larger is the safe answer: reading one empty page
    /// costs a request, skipping a full one loses its records.
    pub fn last_page(&self) -> Option<u64> {
        let from_count = match (self.count, self.per_page) {
            (Some(count), Some(per_page)) if per_page > 0 => Some(count.div_ceil(per_page)),
            _ => None,
        };
        self.pages.max(from_count)
    }
}

fn page_parameter(url: &str) -> Option<u64> {
    let url = Url::parse(url).ok()?;
    let page = url
        .query_pairs()
        .filter(|(name, _)| name == "page")
        .last()?
        .1
        .parse()
        .ok()?;
    (page > 0).then_some(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(value: Value) -> Meta {
        Meta::from_json(Some(&value))
    }

    #[test]
    fn reads_the_documented_shape() {
        let m = meta(json!({
            "current_page": "https://t.tines.com/api/v1/audit_logs?per_page=1&page=1",
            "previous_page": null,
            "next_page": "https://t.tines.com/api/v1/audit_logs?per_page=1&page=2",
            "next_page_number": 2,
            "per_page": 1,
            "pages": 3,
            "count": 3
        }));
        assert_eq!(m.next_page(), Some(2));
        assert_eq!(m.current_page_number(), Some(1));
        assert_eq!(m.last_page(), Some(3));
        assert_eq!(m.previous_page, None);
        let last = meta(json!({"next_page": null, "next_page_number": null, "pages": 3}));
        assert_eq!(last.next_page(), None);
    }

    /// Found by `fuzz_audit_log_pages`: the page after u64::MAX overflowed.
    #[test]
    fn a_link_without_a_number_after_the_largest_page_number_ends_paging() {
        let m = meta(json!({
            "current_page": format!("https://t.tines.com/api/v1/audit_logs?page={}", u64::MAX),
            "next_page": "https://t.tines.com/api/v1/audit_logs",
        }));
        assert_eq!(m.next_page(), None);
    }

    #[test]
    fn null_as_a_string_and_a_missing_number_mean_no_next_page() {
        let m = meta(json!({
            "current_page": "https://t.tines.com/api/v1/audit_logs?page=1",
            "next_page": "null",
            "per_page": 20,
            "pages": 1,
            "count": 4
        }));
        assert_eq!(m.next_page, None);
        assert_eq!(m.next_page(), None);
        assert_eq!(m.last_page(), Some(1));
    }

    #[test]
    fn a_next_link_without_a_number_is_followed() {
        let m = meta(json!({
            "current_page": "https://t.tines.com/api/v1/audit_logs?page=4",
            "next_page": "https://t.tines.com/api/v1/audit_logs?per_page=5&page=5"
        }));
        assert_eq!(m.next_page(), Some(5));
        let unnumbered = meta(json!({
            "current_page": "https://t.tines.com/api/v1/audit_logs?page=4",
            "next_page": "https://t.tines.com/api/v1/audit_logs?cursor=abc"
        }));
        assert_eq!(unnumbered.next_page(), Some(5));
    }

    #[test]
    fn inconsistent_pages_and_count_give_the_larger_last_page() {
        // The go-sdk fixture: one page claimed, but two records at one per page.
        let m = meta(json!({"per_page": 1, "pages": 1, "count": 2, "next_page_number": null}));
        assert_eq!(m.last_page(), Some(2));
        assert_eq!(m.next_page(), None);
    }

    #[test]
    fn wrong_types_and_a_missing_meta_read_as_absent() {
        let m = meta(json!({"pages": "7", "count": -1, "per_page": true, "next_page_number": 0}));
        assert_eq!(m.pages, Some(7));
        assert_eq!(m.count, None);
        assert_eq!(m.per_page, None);
        assert_eq!(m.next_page_number, None);
        assert_eq!(Meta::from_json(None), Meta::default());
        assert_eq!(Meta::default().last_page(), None);
    }
}
