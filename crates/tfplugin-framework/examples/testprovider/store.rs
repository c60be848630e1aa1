//! The "remote system": things in a JSON file. Every operation reads and rewrites the whole file, so a
//! test can edit it between Terraform commands.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One process may serve several Terraform operations at once (resources apply in parallel); they take
/// turns on the file.
static FILE_LOCK: Mutex<()> = Mutex::new(());

#[derive(Clone, Debug)]
pub struct Store {
    path: PathBuf,
}

/// A thing as the remote system keeps it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoteThing {
    pub name: String,
    pub note: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub updated_at: String,
    /// The last write-only secret the provider was given: tests check it arrived without being in state.
    pub secret: Option<String>,
    pub secret_version: Option<i64>,
}

#[derive(Default, Serialize, Deserialize)]
struct Contents {
    next_id: u64,
    things: BTreeMap<String, RemoteThing>,
}

impl Store {
    pub fn new(path: PathBuf) -> Store {
        Store { path }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Contents) -> T) -> Result<T, String> {
        let _turn = FILE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut contents: Contents = match std::fs::read(&self.path) {
            Ok(bytes) if !bytes.is_empty() => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} is not a store: {e}", self.path.display()))?,
            Ok(_) => Contents::default(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Contents::default(),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let out = f(&mut contents);
        let bytes = serde_json::to_vec_pretty(&contents).map_err(|e| e.to_string())?;
        let temp = self.path.with_extension("tmp");
        std::fs::write(&temp, bytes)
            .and_then(|()| std::fs::rename(&temp, &self.path))
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        Ok(out)
    }

    /// Stores a new thing and returns its ID.
    pub fn create(&self, thing: RemoteThing) -> Result<String, String> {
        self.with(|c| {
            c.next_id += 1;
            let id = format!("thing-{}", c.next_id);
            c.things.insert(id.clone(), thing);
            id
        })
    }

    pub fn get(&self, id: &str) -> Result<Option<RemoteThing>, String> {
        self.with(|c| c.things.get(id).cloned())
    }

    /// Replaces a thing; false when it does not exist.
    pub fn put(&self, id: &str, thing: RemoteThing) -> Result<bool, String> {
        self.with(|c| match c.things.get_mut(id) {
            Some(slot) => {
                *slot = thing;
                true
            }
            None => false,
        })
    }

    /// Deletes a thing; deleting one that is gone is fine.
    pub fn delete(&self, id: &str) -> Result<(), String> {
        self.with(|c| {
            c.things.remove(id);
        })
    }
}

/// A timestamp that differs between two updates of the same thing, even within one second.
pub fn now() -> String {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.{:09}",
        since_epoch.as_secs(),
        since_epoch.subsec_nanos()
    )
}
