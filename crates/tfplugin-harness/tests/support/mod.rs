//! What the harness's tests share: the fixture provider, configurations for it, and checks on its remote.

// Each test file uses a different part of this module.
#![allow(dead_code)]

#[path = "../fixture/provider.rs"]
pub mod fixture;

use fixture::{ADDRESS, Fixture, RESOURCE, Remote};
use tfplugin_harness::{BoxError, Context, ProviderSource};

/// The address of the one resource every configuration has.
pub const THING: &str = "fixture_thing.a";

/// A configuration with one `fixture_thing.a`.
pub fn config(name: &str, note: Option<&str>, secret: Option<&str>) -> String {
    let mut attributes = format!("  name = {name:?}\n");
    if let Some(note) = note {
        attributes.push_str(&format!("  note = {note:?}\n"));
    }
    if let Some(secret) = secret {
        attributes.push_str(&format!("  secret = {secret:?}\n"));
    }
    format!(
        r#"terraform {{
  required_providers {{
    fixture = {{ source = "tinesaudit/fixture" }}
  }}
}}

resource "{RESOURCE}" "a" {{
{attributes}}}
"#
    )
}

/// The fixture served in-process, a fresh instance per CLI, all on `remote`.
pub fn in_process(remote: &Remote) -> ProviderSource {
    in_process_with(remote, |fixture| fixture)
}

/// Like [`in_process`], with a bug or quirk switched on.
pub fn in_process_with(
    remote: &Remote,
    adjust: impl Fn(Fixture) -> Fixture + Send + Sync + 'static,
) -> ProviderSource {
    let remote = remote.clone();
    ProviderSource::in_process(ADDRESS, move || adjust(Fixture::new(remote.clone())))
}

/// The destroy check: the object the state named is gone from the remote.
pub fn gone(
    remote: &Remote,
) -> impl Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync + 'static {
    let remote = remote.clone();
    move |ctx| {
        let id = ctx.state()?.attr_str(THING, "id")?;
        match remote.get(id) {
            None => Ok(()),
            Some(thing) => Err(format!("thing {id} still exists: {thing:?}").into()),
        }
    }
}

/// A pre_config hook that deletes the remote object behind Terraform's back.
pub fn delete_remotely(
    remote: &Remote,
) -> impl Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync + 'static {
    let remote = remote.clone();
    move |ctx| {
        let id = ctx.state()?.attr_str(THING, "id")?;
        remote.delete(id);
        Ok(())
    }
}
