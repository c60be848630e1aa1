//! Everything the simulator remembers, behind one shared handle.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use jiff::Timestamp;
use tokio::task::AbortHandle;

use crate::behaviour::Behaviour;
use crate::events::EventStore;
use crate::faults::Faults;
use crate::ratelimit::RateLimiter;
use crate::users::{ApiKey, KeyKind, User};

pub(crate) struct Sim {
    pub behaviour: RwLock<Behaviour>,
    pub tenant: RwLock<Tenant>,
    pub events: RwLock<EventStore>,
    pub faults: Mutex<Faults>,
    pub limiter: Mutex<RateLimiter>,
    pub stats: Mutex<Stats>,
    pub arrivals: Mutex<Option<AbortHandle>>,
    pub rng: Mutex<fastrand::Rng>,
}

impl Sim {
    pub fn new(behaviour: Behaviour) -> Self {
        let rng = fastrand::Rng::with_seed(behaviour.random_seed);
        Self {
            behaviour: RwLock::new(behaviour),
            tenant: RwLock::new(Tenant::default()),
            events: RwLock::new(EventStore::new()),
            faults: Mutex::new(Faults::default()),
            limiter: Mutex::new(RateLimiter::default()),
            stats: Mutex::new(Stats::default()),
            arrivals: Mutex::new(None),
            rng: Mutex::new(rng),
        }
    }

    pub fn behaviour(&self) -> Behaviour {
        read(&self.behaviour).clone()
    }

    /// Forgets everything but the behaviour switches.
    pub fn reset(&self) {
        if let Some(arrivals) = lock(&self.arrivals).take() {
            arrivals.abort();
        }
        *write(&self.tenant) = Tenant::default();
        *write(&self.events) = EventStore::new();
        *lock(&self.faults) = Faults::default();
        *lock(&self.limiter) = RateLimiter::default();
        *lock(&self.stats) = Stats::default();
        *lock(&self.rng) = fastrand::Rng::with_seed(self.behaviour().random_seed);
    }
}

// A panic while holding a lock leaves plain data behind, never a broken invariant worth
// refusing every later request for, so poisoned locks are simply taken over.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// Users and keys of the one simulated tenant.
pub(crate) struct Tenant {
    pub users: BTreeMap<u64, User>,
    pub keys: Vec<ApiKey>,
    next_user_id: u64,
    next_key_id: u64,
}

impl Default for Tenant {
    fn default() -> Self {
        Self {
            users: BTreeMap::new(),
            keys: Vec::new(),
            next_user_id: 100,
            next_key_id: 500,
        }
    }
}

impl Tenant {
    pub fn add_user(&mut self, mut user: User) -> u64 {
        self.next_user_id += 1;
        user.id = self.next_user_id;
        self.users.insert(user.id, user);
        self.next_user_id
    }

    /// A blank, active, non-owner user stamped `now`, for callers to fill in.
    pub fn blank_user(now: Timestamp) -> User {
        User {
            id: 0,
            scim_uid: None,
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            admin: false,
            tenant_permissions: Vec::new(),
            is_active: true,
            created_at: now,
            updated_at: now,
            last_seen: None,
            service_account: false,
        }
    }

    /// Creates a key; every kind but personal gets its own service-account user named after it.
    pub fn add_key(
        &mut self,
        kind: KeyKind,
        name: String,
        token: String,
        personal_user: Option<u64>,
    ) -> Result<ApiKey, String> {
        let user_id = match kind {
            KeyKind::Personal => {
                let user_id = personal_user.ok_or("a personal key needs 'user_id'")?;
                if !self.users.contains_key(&user_id) {
                    return Err(format!("no user with id {user_id}"));
                }
                user_id
            }
            KeyKind::Service | KeyKind::TenantOwner | KeyKind::Team => {
                let now = Timestamp::now();
                let mut user = Self::blank_user(now);
                user.first_name = name.clone();
                user.email = format!("{}@service-accounts.tines-sim.invalid", slug(&name));
                user.admin = kind == KeyKind::TenantOwner;
                user.service_account = true;
                self.add_user(user)
            }
        };
        if self.keys.iter().any(|k| k.token == token) {
            return Err("a key with this token already exists".to_owned());
        }
        self.next_key_id += 1;
        let key = ApiKey {
            id: self.next_key_id,
            token,
            kind,
            name,
            user_id,
        };
        self.keys.push(key.clone());
        Ok(key)
    }

    /// The user a key acts as, if the key is valid: known, and not a personal key of a user
    /// who was deactivated or deleted. A key whose service-account user is gone is gone too.
    pub fn authenticate(&self, token: &str) -> Option<(&ApiKey, &User)> {
        let key = self.keys.iter().find(|k| k.token == token)?;
        let user = self.users.get(&key.user_id)?;
        if key.kind == KeyKind::Personal && !user.is_active {
            return None;
        }
        Some((key, user))
    }
}

fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if slug.is_empty() {
        "key".to_owned()
    } else {
        slug
    }
}

/// Requests seen and responses sent, for tests that check how a client behaved.
#[derive(Default)]
pub(crate) struct Stats {
    /// Keyed by "METHOD route", e.g. "GET /api/v1/audit_logs".
    pub requests: BTreeMap<String, u64>,
    /// Keyed by status code.
    pub responses: BTreeMap<u16, u64>,
}
