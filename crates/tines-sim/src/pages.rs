//! Paging parameters and the seven-field `meta` object of every Tines list response.

use serde_json::{Value, json};

pub(crate) const DEFAULT_PER_PAGE: u64 = 20;
pub(crate) const MAX_PER_PAGE: u64 = 500;

/// The raw query string as ordered (name, value) pairs; repeated names stay repeated.
pub(crate) type QueryPairs = Vec<(String, String)>;

pub(crate) fn query_pairs(query: Option<&str>) -> QueryPairs {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The last value given for a single-valued parameter.
pub(crate) fn single<'a>(pairs: &'a QueryPairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Every value of a list parameter, in both the `name[]=` and the plain `name=` form.
pub(crate) fn multi<'a>(pairs: &'a QueryPairs, name: &str) -> impl Iterator<Item = &'a str> {
    let bracketed = format!("{name}[]");
    pairs
        .iter()
        .filter(move |(n, _)| *n == bracketed || n == name)
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub page: u64,
    pub per_page: u64,
}

impl Paging {
    /// Reads `page` (default 1) and `per_page` (default 20, clamped to 500).
    pub fn from_query(pairs: &QueryPairs) -> Result<Self, String> {
        let page = positive(pairs, "page")?.unwrap_or(1);
        let per_page = positive(pairs, "per_page")?
            .unwrap_or(DEFAULT_PER_PAGE)
            .min(MAX_PER_PAGE);
        Ok(Self { page, per_page })
    }

    /// Zero-based positions of this page's items among `count` items.
    pub fn window(&self, count: usize) -> std::ops::Range<usize> {
        let start =
            usize::try_from((self.page - 1).saturating_mul(self.per_page)).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(self.per_page).unwrap_or(usize::MAX));
        start.min(count)..end.min(count)
    }

    fn pages(&self, count: usize) -> u64 {
        (count as u64).div_ceil(self.per_page)
    }
}

fn positive(pairs: &QueryPairs, name: &str) -> Result<Option<u64>, String> {
    match single(pairs, name) {
        None => Ok(None),
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(format!(
                "'{name}' must be a whole number of at least 1, got '{raw}'"
            )),
        },
    }
}

/// Builds `meta` with page URLs that keep every other query parameter of the request.
pub(crate) fn meta(
    base_url: &str,
    path: &str,
    pairs: &QueryPairs,
    paging: Paging,
    count: usize,
) -> Value {
    let pages = paging.pages(count);
    let url = |page: u64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs.iter().filter(|(n, _)| n != "page" && n != "per_page") {
            query.append_pair(name, value);
        }
        query.append_pair("per_page", &paging.per_page.to_string());
        query.append_pair("page", &page.to_string());
        format!("{base_url}{path}?{}", query.finish())
    };
    let next = (paging.page < pages).then(|| paging.page + 1);
    let previous = (paging.page > 1).then(|| paging.page - 1);
    json!({
        "current_page": url(paging.page),
        "previous_page": previous.map(url),
        "next_page": next.map(url),
        "next_page_number": next,
        "per_page": paging.per_page,
        "pages": pages,
        "count": count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_clamps_and_rejects() {
        assert_eq!(
            Paging::from_query(&query_pairs(None)).unwrap(),
            Paging {
                page: 1,
                per_page: 20
            }
        );
        assert_eq!(
            Paging::from_query(&query_pairs(Some("per_page=9000&page=3"))).unwrap(),
            Paging {
                page: 3,
                per_page: 500
            }
        );
        let err = Paging::from_query(&query_pairs(Some("page=0"))).unwrap_err();
        assert!(err.contains("'page'"), "{err}");
        let err = Paging::from_query(&query_pairs(Some("per_page=ten"))).unwrap_err();
        assert!(err.contains("'per_page'") && err.contains("ten"), "{err}");
    }

    #[test]
    fn meta_keeps_other_parameters_and_stops_at_the_last_page() {
        let pairs = query_pairs(Some(
            "user_id[]=7&after=2024-01-01T00%3A00%3A00Z&page=2&per_page=2",
        ));
        let paging = Paging::from_query(&pairs).unwrap();
        let meta = meta("http://t", "/api/v1/audit_logs", &pairs, paging, 5);
        assert_eq!(
            meta["current_page"],
            "http://t/api/v1/audit_logs?user_id%5B%5D=7&after=2024-01-01T00%3A00%3A00Z&per_page=2&page=2"
        );
        assert_eq!(meta["next_page_number"], 3);
        assert_eq!(meta["pages"], 3);
        assert_eq!(meta["count"], 5);
        assert!(meta["previous_page"].as_str().unwrap().ends_with("page=1"));
        let last = super::meta(
            "http://t",
            "/x",
            &pairs,
            Paging {
                page: 3,
                per_page: 2,
            },
            5,
        );
        assert!(last["next_page"].is_null() && last["next_page_number"].is_null());
        assert_eq!(paging.window(5), 2..4);
        assert_eq!(
            Paging {
                page: 9,
                per_page: 2
            }
            .window(5),
            5..5
        );
    }
}
