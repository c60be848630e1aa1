use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::Tools;
use crate::aws::sdk_config;
use crate::http;
use crate::process::{self, ScratchDir, ServerProcess};

const ACCESS_KEY: &str = "TINESAUDITTESTKEY";
const SECRET_KEY: &str = "tinesaudit-test-secret";
const REGION: &str = "us-east-1";

/// A SeaweedFS S3 server (`weed mini`) on loopback, with its own empty data folder. It enforces
/// SigV4 with one admin identity ([`access_key`](Self::access_key) and
/// [`secret_key`](Self::secret_key)). Address it path-style: `*.localhost` names do not resolve
/// on every machine. Stopped and its data removed on drop.
#[derive(Debug)]
pub struct S3Server {
    process: ServerProcess,
    _scratch: ScratchDir,
    endpoint_url: String,
    ports: Ports,
    weed: PathBuf,
}

impl Drop for S3Server {
    // Runs before the fields are dropped, so the server is gone before its data folder and sockets.
    fn drop(&mut self) {
        self.process.stop();
        for socket in leftover_sockets(&self.ports) {
            let _ = fs::remove_file(socket);
        }
    }
}

/// Which port each of the `weed mini` components listens on (each also takes port + 10,000).
#[derive(Debug, Clone, Copy)]
struct Ports {
    s3: u16,
    master: u16,
    volume: u16,
    filer: u16,
    admin: u16,
}

/// weed creates unix sockets at fixed paths, `/tmp/seaweedfs-<component>[-grpc]-<port>.sock`
/// whatever TMPDIR says, some of them only after it answers, and leaves them behind when killed.
/// These are the ones named after our ports (HTTP ports and their gRPC twins).
fn leftover_sockets(ports: &Ports) -> Vec<PathBuf> {
    let ours: Vec<u16> = [
        ports.s3,
        ports.master,
        ports.volume,
        ports.filer,
        ports.admin,
    ]
    .into_iter()
    .flat_map(|port| [port, port + process::GRPC_OFFSET])
    .collect();
    let Ok(entries) = fs::read_dir("/tmp") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            socket_port(&name).is_some_and(|port| ours.contains(&port))
        })
        .collect()
}

/// The port in a socket name such as `seaweedfs-filer-grpc-18888.sock`.
fn socket_port(file_name: &str) -> Option<u16> {
    file_name
        .strip_prefix("seaweedfs-")?
        .strip_suffix(".sock")?
        .rsplit('-')
        .next()?
        .parse()
        .ok()
}

/// The `weed mini` command line for a server whose files live in `scratch`.
fn weed_command(weed: &Path, scratch: &Path, ports: &Ports) -> Command {
    let mut command = Command::new(weed);
    command
        .arg("mini")
        .arg(format!("-dir={}", scratch.join("data").display()))
        .arg(format!("-s3.config={}", scratch.join("s3.json").display()))
        // The default -ip is a documentation address and the default bind is every
        // interface; keep everything on loopback.
        .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
        // Components the tests do not use, each of which would take more ports.
        .args(["-admin.ui=false", "-webdav=false"])
        .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
        .arg(format!("-s3.port={}", ports.s3))
        .arg(format!("-master.port={}", ports.master))
        .arg(format!("-volume.port={}", ports.volume))
        .arg(format!("-filer.port={}", ports.filer))
        .arg(format!("-admin.port={}", ports.admin))
        .current_dir(scratch);
    command
}

/// Ready to serve what is on disk: the S3 gateway answers at all (an anonymous request gets 403,
/// and requests sent from then on wait for the filer), and the master lists our volume server
/// with every volume in `data`. A gateway that answers before the volume server has registered
/// fails writes (no volume to assign) and, after a restart, reads of older objects with a 500
/// that outlasts the SDK's retries on a loaded machine.
fn serves(ports: &Ports, data: &Path) -> bool {
    http::request(ports.s3, "GET", "/", None).is_ok()
        && registered_volumes(ports).is_some_and(|count| count >= volumes_on_disk(data))
}

/// How many volumes the master knows on our volume server, once that server has registered.
fn registered_volumes(ports: &Ports) -> Option<u64> {
    let response = http::request(ports.master, "GET", "/dir/status", None).ok()?;
    let status: serde_json::Value = serde_json::from_str(&response.body).ok()?;
    let our_url = format!("127.0.0.1:{}", ports.volume);
    status["Topology"]["DataCenters"]
        .as_array()?
        .iter()
        .flat_map(|center| center["Racks"].as_array().into_iter().flatten())
        .flat_map(|rack| rack["DataNodes"].as_array().into_iter().flatten())
        .find(|node| node["Url"] == our_url.as_str())
        .and_then(|node| node["Volumes"].as_u64())
}

/// Volumes are `<collection>_<id>.dat` files at the top of the data folder.
fn volumes_on_disk(data: &Path) -> u64 {
    fs::read_dir(data)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "dat"))
                .count() as u64
        })
        .unwrap_or(0)
}

impl S3Server {
    /// Starts the server and returns once it serves reads and writes, typically after about a second.
    pub fn start() -> Result<S3Server> {
        let weed = Tools::locate()?.venv_bin("weed")?;
        let scratch = ScratchDir::new("s3")?;
        let config = scratch.path().join("s3.json");
        fs::write(
            &config,
            format!(
                r#"{{"identities":[{{"name":"tinesaudit-test","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":["Admin","Read","Write","List","Tagging"]}}]}}"#
            ),
        )
        .with_context(|| format!("could not write {}", config.display()))?;
        let data = scratch.path().join("data");
        fs::create_dir(&data).with_context(|| format!("could not create {}", data.display()))?;

        let pick_ports = || {
            let ports = process::free_ports(5, true)?;
            Ok(Ports {
                s3: ports[0],
                master: ports[1],
                volume: ports[2],
                filer: ports[3],
                admin: ports[4],
            })
        };
        let (process, ports) = process::start(
            "SeaweedFS (weed mini)",
            scratch.path(),
            pick_ports,
            |ports: &Ports| Ok(weed_command(&weed, scratch.path(), ports)),
            |ports: &Ports| serves(ports, &data),
        )?;
        Ok(S3Server {
            process,
            endpoint_url: format!("http://127.0.0.1:{}", ports.s3),
            _scratch: scratch,
            ports,
            weed,
        })
    }

    /// Kills the server as an outage would, keeping its data for [`S3Server::restart`].
    pub fn stop(&mut self) {
        self.process.stop();
    }

    /// Starts the stopped server again on the same ports with the same data, returning once the
    /// objects written before the stop can be read.
    pub fn restart(&mut self) -> Result<()> {
        self.process.stop();
        let ports = self.ports;
        let data = self._scratch.path().join("data");
        let (process, _) = process::start(
            "SeaweedFS (weed mini)",
            self._scratch.path(),
            || Ok(ports),
            |ports: &Ports| Ok(weed_command(&self.weed, self._scratch.path(), ports)),
            |ports: &Ports| serves(ports, &data),
        )?;
        self.process = process;
        Ok(())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint_url
    }

    pub fn region(&self) -> &str {
        REGION
    }

    pub fn access_key(&self) -> &str {
        ACCESS_KEY
    }

    pub fn secret_key(&self) -> &str {
        SECRET_KEY
    }

    /// Creates a bucket. The SDK retries a create whose answer did not come (SeaweedFS can answer
    /// 5xx for a moment after it starts), and the retry then finds the bucket made by the first
    /// attempt: that is success too.
    pub async fn create_bucket(&self, name: &str) -> Result<()> {
        match self.client().create_bucket().bucket(name).send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_bucket_already_owned_by_you()) =>
            {
                Ok(())
            }
            Err(e) => Err(anyhow::Error::new(e).context(format!("creating bucket {name}"))),
        }
    }

    /// An S3 client for this server with its credentials, path-style.
    pub fn client(&self) -> aws_sdk_s3::Client {
        let config = sdk_config(&self.endpoint_url, REGION, ACCESS_KEY, SECRET_KEY);
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::socket_port;

    #[test]
    fn finds_the_port_in_weed_socket_names() {
        assert_eq!(socket_port("seaweedfs-filer-grpc-18888.sock"), Some(18888));
        assert_eq!(socket_port("seaweedfs-s3-8333.sock"), Some(8333));
        assert_eq!(socket_port("seaweedfs-s3-8333.socket"), None);
        assert_eq!(socket_port("other-s3-8333.sock"), None);
        assert_eq!(socket_port("seaweedfs-mount-x.sock"), None);
    }
}
