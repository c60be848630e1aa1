//! Deterministic zips: the runner's Lambda deployment package and the release archives.
//!
//! The provider zips the `bootstrap` it deploys, and `cargo xtask release` zips the same binary
//! for teams that deploy it themselves. The schedule's `runner_sha256` is the zip's SHA-256, so
//! both must give the same bytes for the same binary: one function builds both. A zip here
//! depends on its entries alone: a fixed timestamp, Unix mode 0755 whatever the host (the mode
//! bits are only read from Unix entries), deflate at a fixed level.

use std::io::{Cursor, Write as _};

use zip::result::ZipResult;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// The one entry of a Lambda package: the file the `provided.al2023` runtime starts.
pub const LAMBDA_ENTRY: &str = "bootstrap";

/// The Lambda deployment package around the bytes of a `bootstrap` binary.
pub fn lambda_package(bootstrap: &[u8]) -> ZipResult<Vec<u8>> {
    deterministic_zip(&[(LAMBDA_ENTRY, bootstrap)])
}

/// A zip of `entries` (name, bytes) in that order, the same bytes for the same entries.
pub fn deterministic_zip(entries: &[(&str, &[u8])]) -> ZipResult<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::DEFAULT)
        .system(System::Unix)
        .unix_permissions(0o755);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer.start_file(*name, options)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use zip::ZipArchive;

    use super::*;

    #[test]
    fn the_same_entries_always_give_the_same_bytes() {
        let first = lambda_package(b"#!/bin/sh\necho runner\n").unwrap();
        assert_eq!(first, lambda_package(b"#!/bin/sh\necho runner\n").unwrap());
        assert_ne!(first, lambda_package(b"#!/bin/sh\necho other\n").unwrap());
    }

    #[test]
    fn a_lambda_package_holds_one_executable_bootstrap() {
        let package = lambda_package(b"binary bytes").unwrap();
        let mut archive = ZipArchive::new(Cursor::new(package)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), LAMBDA_ENTRY);
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        assert_eq!(entry.compression(), CompressionMethod::Deflated);
        assert_eq!(
            entry.last_modified(),
            Some(DateTime::DEFAULT),
            "not the build time"
        );
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, b"binary bytes");
    }

    #[test]
    fn entries_keep_their_order_and_names() {
        let zip = deterministic_zip(&[("b", b"2"), ("a", b"1")]).unwrap();
        let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
            .collect();
        assert_eq!(names, ["b", "a"]);
    }
}
