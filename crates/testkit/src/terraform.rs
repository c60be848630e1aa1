//! What tests read of Terraform's own files.

use std::path::Path;

use anyhow::{Context, Result};

/// The files in a saved plan (`terraform plan -out`), by name, unpacked. Terraform deflates them, so a
/// search of the plan file's own bytes finds nothing even where the plan holds a value in plain text.
pub fn saved_plan_files(plan: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let file = std::fs::File::open(plan).with_context(|| format!("open {}", plan.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a saved plan", plan.display()))?;
    let mut files = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes)?;
        files.push((name, bytes));
    }
    Ok(files)
}
