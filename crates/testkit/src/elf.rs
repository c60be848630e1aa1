//! What an ELF executable needs of glibc, to tell whether it starts on Lambda's `provided.al2023`.

use std::path::Path;

use anyhow::{Context, Result};
use object::Endianness;
use object::read::elf::ElfFile64;

/// Every `GLIBC_x.y[.z]` version the 64-bit ELF file at `path` needs (its `.gnu.version_r` section),
/// with its numbers to compare by: as strings, `GLIBC_2.4` would sort after `GLIBC_2.34`. Empty for a
/// static binary.
pub fn glibc_versions_needed(path: &Path) -> Result<Vec<(Vec<u32>, String)>> {
    let data = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let elf = ElfFile64::<Endianness>::parse(data.as_slice())
        .with_context(|| format!("{} is not a 64-bit ELF file", path.display()))?;
    let (endian, sections) = (elf.endian(), elf.elf_section_table());
    let Some((needs, strings_index)) = sections.gnu_verneed(endian, elf.data())? else {
        return Ok(Vec::new());
    };
    let strings = sections.strings(endian, elf.data(), strings_index)?;
    let mut versions = Vec::new();
    for need in needs {
        let (_, auxes) = need?;
        for aux in auxes {
            let name = std::str::from_utf8(aux?.name(endian, strings)?)?;
            if let Some(number) = name.strip_prefix("GLIBC_") {
                let numbers = number
                    .split('.')
                    .map(str::parse)
                    .collect::<Result<Vec<u32>, _>>()
                    .with_context(|| format!("{name} is not a version"))?;
                versions.push((numbers, name.to_owned()));
            }
        }
    }
    Ok(versions)
}
