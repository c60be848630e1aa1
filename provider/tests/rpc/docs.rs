//! The reference in `provider/docs/`, generated from the schemas the provider serves and the examples in
//! `examples/`, in the layout of the Terraform Registry (what tfplugindocs writes for Go providers), with
//! what a schema cannot say from `provider/templates/<page>` (e.g. `templates/index.md`), placed after the
//! page's example. Guides are `templates/guides/<name>.md` with the Registry's front matter, and each
//! `{{ tffile "examples/PATH" }}` line replaced by that file, as tfplugindocs does: guides show examples that
//! the acceptance tests validate. The test fails when a committed page differs from what the schemas say now;
//! `TINESAUDIT_UPDATE_DOCS=1 cargo test -p terraform-provider-tinesaudit --test rpc docs` rewrites them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use tfplugin_framework::FrameworkServer;
use tfplugin_proto::ProviderServer;
use tfplugin_proto::wire::{get_provider_schema, schema};
use tinesaudit_provider::{TYPE_NAME, TinesAuditProvider};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

fn example(relative: &str) -> Option<String> {
    std::fs::read_to_string(root().join("../examples").join(relative)).ok()
}

/// `String`, `Set of String`, `List of Number`, `List of Object`.
fn type_name(a: &schema::Attribute) -> String {
    if let Some(nested) = &a.nested_type {
        let nesting = match schema::object::NestingMode::try_from(nested.nesting) {
            Ok(schema::object::NestingMode::List) => "List of ",
            Ok(schema::object::NestingMode::Set) => "Set of ",
            Ok(schema::object::NestingMode::Map) => "Map of ",
            _ => "",
        };
        return format!("{nesting}Object");
    }
    let ty: Json = serde_json::from_slice(&a.r#type).expect("type JSON");
    fn name(ty: &Json) -> String {
        match ty {
            Json::String(s) => match s.as_str() {
                "string" => "String".into(),
                "number" => "Number".into(),
                "bool" => "Boolean".into(),
                "dynamic" => "Dynamic".into(),
                other => other.into(),
            },
            Json::Array(parts) => {
                let kind = match parts[0].as_str() {
                    Some("list") => "List",
                    Some("set") => "Set",
                    Some("map") => "Map",
                    Some("object") => return "Object".into(),
                    _ => "Unknown",
                };
                format!("{kind} of {}", name(&parts[1]))
            }
            _ => "Unknown".into(),
        }
    }
    name(&ty)
}

fn flags(a: &schema::Attribute) -> String {
    let mut flags = vec![type_name(a)];
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.write_only {
        flags.push("Write-only".into());
    }
    if a.deprecated {
        flags.push("Deprecated".into());
    }
    flags.join(", ")
}

/// The attribute lists of one block: Required, Optional, Read-Only; nested objects after them.
fn render_attributes(out: &mut String, attributes: &[schema::Attribute], anchor: &str) {
    let mut nested = Vec::new();
    for (title, pick) in [
        (
            "Required",
            (|a: &schema::Attribute| a.required) as fn(&schema::Attribute) -> bool,
        ),
        ("Optional", |a: &schema::Attribute| a.optional),
        ("Read-Only", |a: &schema::Attribute| {
            !a.required && !a.optional && a.computed
        }),
    ] {
        let picked: Vec<&schema::Attribute> = attributes.iter().filter(|a| pick(a)).collect();
        if picked.is_empty() {
            continue;
        }
        writeln!(out, "### {title}\n").unwrap();
        for a in picked {
            let description = a.description.trim();
            assert!(
                !description.is_empty(),
                "attribute {} has no description",
                a.name
            );
            let link = if a.nested_type.is_some() {
                let id = format!("{anchor}{}", a.name);
                nested.push((id.clone(), a));
                format!(" (see [below for nested schema](#{id}))")
            } else {
                String::new()
            };
            writeln!(out, "- `{}` ({}) {description}{link}", a.name, flags(a)).unwrap();
        }
        out.push('\n');
    }
    for (id, a) in nested {
        writeln!(
            out,
            "<a id=\"{id}\"></a>\n### Nested Schema for `{}`\n",
            a.name
        )
        .unwrap();
        let inner = &a.nested_type.as_ref().unwrap().attributes;
        render_attributes(out, inner, &format!("{id}--"));
    }
}

/// The hand-written part of page `path` (under `provider/docs/`), if it has one.
fn template(path: &str) -> Option<String> {
    std::fs::read_to_string(root().join("templates").join(path)).ok()
}

fn page(
    path: &str,
    kind: &str,
    name: &str,
    block: &schema::Block,
    example_dir: &str,
    example_file: &str,
) -> String {
    let description = block.description.trim();
    assert!(!description.is_empty(), "{name} has no description");
    let mut out = String::new();
    let title = match kind {
        "Provider" => format!("{name} Provider"),
        other => format!("{name} {other}"),
    };
    writeln!(
        out,
        "---\npage_title: \"{title} - {TYPE_NAME}\"\ndescription: |-\n  {}\n---\n",
        description.replace('\n', "\n  ")
    )
    .unwrap();
    match kind {
        "Provider" => writeln!(out, "# {name} Provider\n").unwrap(),
        other => writeln!(out, "# {name} ({other})\n").unwrap(),
    }
    writeln!(out, "{description}\n").unwrap();
    if let Some(example) = example(&format!("{example_dir}/{example_file}")) {
        writeln!(
            out,
            "## Example Usage\n\n```terraform\n{}\n```\n",
            example.trim_end()
        )
        .unwrap();
    }
    if let Some(section) = template(path) {
        writeln!(out, "{}\n", section.trim_end()).unwrap();
    }
    writeln!(out, "## Schema\n").unwrap();
    render_attributes(&mut out, &block.attributes, "nestedatt--");
    if let Some(import) = example(&format!("{example_dir}/import.sh")) {
        writeln!(
            out,
            "## Import\n\nImport is supported using the following syntax:\n\n```shell\n{}\n```\n",
            import.trim_end()
        )
        .unwrap();
    }
    format!("{}\n", out.trim_end())
}

/// Every page: (path under `provider/docs/`, content).
async fn pages() -> Vec<(String, String)> {
    let server = FrameworkServer::new(TinesAuditProvider::new());
    let schemas = server
        .get_provider_schema(get_provider_schema::Request::default())
        .await
        .unwrap();
    let block = |s: Option<tfplugin_proto::wire::Schema>| s.and_then(|s| s.block).expect("block");
    let short = |name: &str| name.trim_start_matches(&format!("{TYPE_NAME}_")).to_owned();
    let mut pages = vec![(
        "index.md".to_owned(),
        page(
            "index.md",
            "Provider",
            TYPE_NAME,
            &block(schemas.provider),
            "provider",
            "provider.tf",
        ),
    )];
    for (name, schema) in schemas.resource_schemas {
        let dir = format!("resources/{name}");
        let path = format!("resources/{}.md", short(&name));
        let content = page(
            &path,
            "Resource",
            &name,
            &block(Some(schema)),
            &dir,
            "resource.tf",
        );
        pages.push((path, content));
    }
    pages.extend(guides());
    for (name, schema) in schemas.data_source_schemas {
        let dir = format!("data-sources/{name}");
        let path = format!("data-sources/{}.md", short(&name));
        let content = page(
            &path,
            "Data Source",
            &name,
            &block(Some(schema)),
            &dir,
            "data-source.tf",
        );
        pages.push((path, content));
    }
    pages
}

/// Every guide: `guides/<name>.md` from `templates/guides/<name>.md`.
fn guides() -> Vec<(String, String)> {
    let dir = root().join("templates/guides");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let path = format!("guides/{name}");
            let template = template(&path).unwrap();
            let title = template
                .lines()
                .find_map(|line| line.strip_prefix("# "))
                .unwrap_or_else(|| panic!("{path} has no `# ` title"));
            let mut out = format!(
                "---\npage_title: \"{title} - {TYPE_NAME}\"\nsubcategory: \"Guides\"\n---\n\n"
            );
            for line in template.lines() {
                match line
                    .strip_prefix("{{ tffile \"")
                    .and_then(|rest| rest.strip_suffix("\" }}"))
                {
                    Some(file) => {
                        let included = std::fs::read_to_string(root().join("..").join(file))
                            .unwrap_or_else(|e| panic!("{path} includes {file}: {e}"));
                        writeln!(out, "```terraform\n{}\n```", included.trim_end()).unwrap();
                    }
                    None => writeln!(out, "{line}").unwrap(),
                }
            }
            (path, format!("{}\n", out.trim_end()))
        })
        .collect()
}

#[tokio::test]
async fn committed_docs_match_the_schemas() {
    let docs = root().join("docs");
    let update = std::env::var_os("TINESAUDIT_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (path, content) in pages().await {
        let file = docs.join(&path);
        let committed = std::fs::read_to_string(&file).ok();
        if committed.as_deref() == Some(content.as_str()) {
            continue;
        }
        if update {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, content).unwrap();
        } else {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "provider/docs is stale ({}); regenerate with \
         TINESAUDIT_UPDATE_DOCS=1 cargo test -p terraform-provider-tinesaudit --test rpc docs",
        stale.join(", ")
    );
}

#[tokio::test]
async fn every_resource_and_data_source_has_an_example() {
    for (path, content) in pages().await {
        if path.starts_with("guides/") {
            continue;
        }
        assert!(
            content.contains("## Example Usage"),
            "{path} has no example"
        );
    }
}
