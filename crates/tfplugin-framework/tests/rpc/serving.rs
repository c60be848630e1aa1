//! Serving in-process in debug mode, as a test harness does before running Terraform against it.

use hyper_util::rt::TokioIo;
use tfplugin_framework::serve_in_process;
use tfplugin_proto::client::ProviderClient;
use tfplugin_proto::wire::get_provider_schema;
use tokio::net::UnixStream;
use tonic::transport::{Endpoint, Uri};

use crate::provider::TestProvider;

const ADDRESS: &str = "registry.terraform.io/tinesaudit/testfw";

#[tokio::test]
async fn in_process_provider_answers_on_the_socket_its_reattach_json_names() {
    let provider = serve_in_process(TestProvider, ADDRESS).await.unwrap();
    let reattach: serde_json::Value = serde_json::from_str(&provider.reattach_json()).unwrap();
    let entry = &reattach[ADDRESS];
    assert_eq!(entry["Test"], true, "protocol 6 needs Test: true");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], std::process::id());
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"].as_str().unwrap().to_owned();

    // Talk to it the way Terraform does.
    let path = socket.clone();
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move { UnixStream::connect(path).await.map(TokioIo::new) }
        }))
        .await
        .unwrap();
    let schema = ProviderClient::new(channel)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.resource_schemas.contains_key("testfw_thing"));

    provider.stop().await.unwrap();
    assert!(
        !std::path::Path::new(&socket).exists(),
        "the socket is removed on stop"
    );
}
