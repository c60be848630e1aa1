//! Object keys derived from content, so that writing the same records twice hits the same key.

use jiff::Timestamp;

/// `<prefix>YYYY/MM/DD/HH/<first created_at>_<first id>-<last id>.<extension>`
///
/// Partitioned by the first record's hour, so listings stay small and lifecycle rules can
/// expire old hours. The time and the id range together name the records inside; a rerun that
/// cuts the same records gets the same key, and the create-only write turns the repeat into
/// a no-op.
pub fn object_key(
    prefix: &str,
    first: &(Timestamp, u64),
    last: &(Timestamp, u64),
    extension: &str,
) -> String {
    format!("{}{}.{extension}", keys_starting_at(prefix, first), last.1)
}

/// What the key of every object whose first record is `first` begins with, whatever its last.
pub fn keys_starting_at(prefix: &str, first: &(Timestamp, u64)) -> String {
    let partition = first.0.strftime("%Y/%m/%d/%H");
    let stamp = first.0.strftime("%Y%m%dT%H%M%SZ");
    format!("{prefix}{partition}/{stamp}_{}-", first.1)
}

/// The last record's id in a key `object_key` made with `extension`; `None` for another shape.
pub fn last_id(key: &str, extension: &str) -> Option<u64> {
    let name = key.strip_suffix(extension)?.strip_suffix('.')?;
    name.rsplit_once('-')?.1.parse().ok()
}

/// The first record's time, read back from a key `object_key` made under `prefix`; `None` for
/// a key of another shape.
pub fn first_record_time(prefix: &str, key: &str) -> Option<Timestamp> {
    let name = key.strip_prefix(prefix)?.rsplit('/').next()?;
    let (stamp, _) = name.split_once('_')?;
    let time = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", stamp).ok()?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(time.to_datetime().ok()?)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64, at: &str) -> (Timestamp, u64) {
        (at.parse().unwrap(), id)
    }

    #[test]
    fn key_names_the_hour_the_first_time_and_the_id_range() {
        let first = record(19_990_841, "2024-05-01T23:59:59Z");
        let last = record(19_990_999, "2024-05-02T00:00:10Z");
        assert_eq!(
            object_key("tines/audit/", &first, &last, "ndjson"),
            "tines/audit/2024/05/01/23/20240501T235959Z_19990841-19990999.ndjson"
        );
    }

    #[test]
    fn keys_of_objects_starting_at_a_record_share_a_start_that_names_no_other() {
        let first = record(19_990_841, "2024-05-01T23:59:59Z");
        let start = keys_starting_at("tines/audit/", &first);
        let key = object_key(
            "tines/audit/",
            &first,
            &record(19_990_999, "2024-05-02T00:00:10Z"),
            "ndjson.gz",
        );
        assert!(key.starts_with(&start), "{key} {start}");
        let other = object_key(
            "tines/audit/",
            &record(1_999_084, "2024-05-01T23:59:59Z"),
            &first,
            "ndjson",
        );
        assert!(!other.starts_with(&start), "{other}");
        assert!(
            !object_key(
                "tines/audit/",
                &record(199_908_410, "2024-05-01T23:59:59Z"),
                &first,
                "ndjson"
            )
            .starts_with(&start)
        );
        assert_eq!(last_id(&key, "ndjson.gz"), Some(19_990_999));
        assert_eq!(last_id(&key, "ndjson"), None, "another format's object");
        assert_eq!(last_id("tines/audit/x-y.ndjson", "ndjson"), None);
    }

    #[test]
    fn the_first_time_is_read_back_from_a_key_and_other_shapes_give_none() {
        let first = record(7, "2024-05-01T23:59:59Z");
        let key = object_key(
            "tines/audit/",
            &first,
            &record(9, "2024-05-02T01:00:00Z"),
            "ndjson.gz",
        );
        assert_eq!(first_record_time("tines/audit/", &key), Some(first.0));
        for other in [
            "tines/audit/notes.txt",
            "tines/audit/2024/05/01/x_1.json",
            "elsewhere/a_b",
        ] {
            assert_eq!(first_record_time("tines/audit/", other), None, "{other}");
        }
    }
}
