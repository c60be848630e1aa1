//! The shipped Lambda `bootstrap` starts on the `provided.al2023` runtime, whose glibc is 2.34:
//! it may need no newer glibc symbol version.

use std::path::Path;

use object::Endianness;
use object::read::elf::ElfFile64;

/// Every `GLIBC_x.y[.z]` version the ELF file at `path` needs (its `.gnu.version_r` section),
/// with its numbers to compare by: as strings, `GLIBC_2.4` would sort after `GLIBC_2.34`.
fn glibc_versions_needed(path: &Path) -> Vec<(Vec<u32>, String)> {
    let data = std::fs::read(path).unwrap();
    let elf = ElfFile64::<Endianness>::parse(data.as_slice()).unwrap();
    let (endian, sections) = (elf.endian(), elf.elf_section_table());
    let (needs, strings_index) = sections
        .gnu_verneed(endian, elf.data())
        .unwrap()
        .unwrap_or_else(|| panic!("{} needs no symbol versions", path.display()));
    let strings = sections.strings(endian, elf.data(), strings_index).unwrap();
    let mut versions = Vec::new();
    for need in needs {
        let (_, auxes) = need.unwrap();
        for aux in auxes {
            let name = aux.unwrap().name(endian, strings).unwrap();
            let name = std::str::from_utf8(name).unwrap();
            if let Some(number) = name.strip_prefix("GLIBC_") {
                let numbers: Result<Vec<u32>, _> = number.split('.').map(str::parse).collect();
                let numbers = numbers.unwrap_or_else(|_| panic!("{name} is not a version"));
                versions.push((numbers, name.to_owned()));
            }
        }
    }
    versions
}

#[test]
fn the_shipped_bootstrap_needs_at_most_glibc_2_34() {
    let shipped = tinesaudit_testkit::runner_bootstrap().unwrap();
    let needed = glibc_versions_needed(&shipped);
    let Some((highest, name)) = needed.iter().max() else {
        panic!("found no GLIBC_ version needed by {}", shipped.display());
    };
    assert!(
        *highest <= vec![2, 34],
        "{} needs {name}; Lambda's provided.al2023 has glibc 2.34",
        shipped.display()
    );

    // The host build needs glibc too: finding its versions shows the reading above finds them
    // where they are, so an empty or broken read cannot pass for a clean bootstrap.
    let host = Path::new(env!("CARGO_BIN_EXE_tinesaudit-runner"));
    assert!(
        !glibc_versions_needed(host).is_empty(),
        "found no GLIBC_ version needed by the host build {}",
        host.display()
    );
}
