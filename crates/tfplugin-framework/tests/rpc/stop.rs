//! StopProvider fires the signal the provider got at configure; the next configure hands out a fresh one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tfplugin_framework::{
    ConfigureRequest, ConfigureResponse, FrameworkServer, Provider, ResourceType, StopSignal,
};
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Type, Value};
use tfplugin_proto::wire::stop_provider;

use crate::configure;

/// Keeps the stop signal of its latest configure.
#[derive(Clone, Default)]
struct Waiter {
    signal: Arc<Mutex<Option<StopSignal>>>,
}

impl Waiter {
    fn signal(&self) -> StopSignal {
        self.signal.lock().unwrap().clone().expect("configured")
    }
}

impl Provider for Waiter {
    fn type_name(&self) -> String {
        "waiter".to_owned()
    }

    async fn configure(&self, request: ConfigureRequest, _: &mut ConfigureResponse) {
        *self.signal.lock().unwrap() = Some(request.stop);
    }

    fn resources(&self) -> Vec<ResourceType> {
        Vec::new()
    }
}

#[tokio::test]
async fn stop_provider_fires_the_signal_of_the_run_it_came_in() {
    let provider = Waiter::default();
    let server = FrameworkServer::new(provider.clone());
    configure(
        &server,
        &Value::Object(BTreeMap::new()),
        &Type::object::<&str>([]),
    )
    .await;
    let signal = provider.signal();
    assert!(!signal.is_stopped());

    server
        .stop_provider(stop_provider::Request {})
        .await
        .unwrap();
    assert!(signal.is_stopped());
    tokio::time::timeout(std::time::Duration::from_secs(5), signal.stopped())
        .await
        .expect("a wait on the signal ends");

    // A debug-mode process serves the next run: its configure starts with no stop.
    configure(
        &server,
        &Value::Object(BTreeMap::new()),
        &Type::object::<&str>([]),
    )
    .await;
    assert!(!provider.signal().is_stopped());
}
