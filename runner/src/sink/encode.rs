//! Object bodies: one record per line for SecOps, or the reference Lambda's page shape.

use std::io::Write;

use bytes::Bytes;
use flate2::Compression as Level;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

/// How records are laid out in an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// One record per line (`.ndjson`): what the SecOps Tines parser reads.
    Ndjson,
    /// `{"audit_logs": [...]}` (`.json`), as the reference Lambda wrote, for existing feeds.
    RawPage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    None,
    /// `.gz` objects with `Content-Type: application/gzip` and no `Content-Encoding`, so
    /// that no transfer service unpacks them on the way.
    Gzip,
}

impl Format {
    pub fn extension(self, compression: Compression) -> &'static str {
        match (self, compression) {
            (Format::Ndjson, Compression::None) => "ndjson",
            (Format::Ndjson, Compression::Gzip) => "ndjson.gz",
            (Format::RawPage, Compression::None) => "json",
            (Format::RawPage, Compression::Gzip) => "json.gz",
        }
    }

    pub fn content_type(self, compression: Compression) -> &'static str {
        match (self, compression) {
            (_, Compression::Gzip) => "application/gzip",
            (Format::Ndjson, Compression::None) => "application/x-ndjson",
            (Format::RawPage, Compression::None) => "application/json",
        }
    }
}

/// An object body being filled with records.
pub struct ObjectBody {
    format: Format,
    out: Output,
    records: usize,
}

enum Output {
    Plain(Vec<u8>),
    Gzip(GzEncoder<Vec<u8>>),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Plain(out) => out.write(buf),
            Output::Gzip(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Plain(out) => out.flush(),
            Output::Gzip(out) => out.flush(),
        }
    }
}

impl ObjectBody {
    pub fn new(format: Format, compression: Compression) -> Self {
        let out = match compression {
            Compression::None => Output::Plain(Vec::new()),
            // The gzip header carries no name or time, so the same records give the same bytes.
            Compression::Gzip => Output::Gzip(GzEncoder::new(Vec::new(), Level::default())),
        };
        Self {
            format,
            out,
            records: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.records
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Appends one record, byte for byte as Tines sent it.
    pub fn push(&mut self, json: &str) -> std::io::Result<()> {
        let separator: &[u8] = match (self.format, self.records) {
            (Format::Ndjson, _) => b"",
            (Format::RawPage, 0) => b"{\"audit_logs\":[",
            (Format::RawPage, _) => b",",
        };
        self.out.write_all(separator)?;
        if self.format == Format::Ndjson && json.contains(['\n', '\r']) {
            // Only whitespace between tokens can hold a raw line break (JSON strings cannot), and
            // a record spread over lines would reach SecOps as fragments; so drop that whitespace.
            self.out.write_all(compact(json).as_bytes())?;
        } else {
            self.out.write_all(json.as_bytes())?;
        }
        if self.format == Format::Ndjson {
            self.out.write_all(b"\n")?;
        }
        self.records += 1;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<Bytes> {
        if self.format == Format::RawPage {
            self.out.write_all(b"]}")?;
        }
        let bytes = match self.out {
            Output::Plain(out) => out,
            Output::Gzip(out) => out.finish()?,
        };
        Ok(Bytes::from(bytes))
    }
}

/// Removes whitespace outside strings.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_keeps_each_record_byte_for_byte_one_per_line() {
        let mut body = ObjectBody::new(Format::Ndjson, Compression::None);
        body.push(r#"{"z":1,"a":"x y","n":1.50}"#).unwrap();
        body.push(r#"{"id":2, "name":"Zoë"}"#).unwrap();
        assert_eq!(body.len(), 2);
        let bytes = body.finish().unwrap();
        assert_eq!(
            &bytes[..],
            "{\"z\":1,\"a\":\"x y\",\"n\":1.50}\n{\"id\":2, \"name\":\"Zoë\"}\n".as_bytes()
        );
    }

    #[test]
    fn multi_line_records_are_compacted_outside_strings_only() {
        let mut body = ObjectBody::new(Format::Ndjson, Compression::None);
        body.push("{\n  \"a\": \"two  spaces \\\" and \\\\\",\n  \"b\": [1, 2]\n}")
            .unwrap();
        let bytes = body.finish().unwrap();
        assert_eq!(
            &bytes[..],
            b"{\"a\":\"two  spaces \\\" and \\\\\",\"b\":[1,2]}\n"
        );
    }

    #[test]
    fn raw_page_wraps_records_and_gzip_round_trips() {
        let mut body = ObjectBody::new(Format::RawPage, Compression::Gzip);
        body.push(r#"{"id":1}"#).unwrap();
        body.push(r#"{"id":2}"#).unwrap();
        let bytes = body.finish().unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .unwrap();
        assert_eq!(text, r#"{"audit_logs":[{"id":1},{"id":2}]}"#);
        assert_eq!(Format::RawPage.extension(Compression::Gzip), "json.gz");
    }
}
