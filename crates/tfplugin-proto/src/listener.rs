//! Where the provider listens, and the stream of connections (plain or TLS) handed to tonic.
//!
//! TLS is terminated here rather than by tonic because tonic's TLS configuration cannot take a custom client
//! certificate verifier, which strict AutoMTLS needs (see [`crate::tls`]).

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;

use crate::shutdown::ShutdownSignal;

/// Where the provider can be reached, as announced to Terraform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PluginAddr {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl PluginAddr {
    /// go-plugin's network word: `unix` or `tcp`.
    pub fn network(&self) -> &'static str {
        match self {
            PluginAddr::Unix(_) => "unix",
            PluginAddr::Tcp(_) => "tcp",
        }
    }
}

impl fmt::Display for PluginAddr {
    /// The address as go-plugin writes it: the socket path, or `127.0.0.1:PORT`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginAddr::Unix(path) => write!(f, "{}", path.display()),
            PluginAddr::Tcp(addr) => write!(f, "{addr}"),
        }
    }
}

/// A bound listener. For a unix socket it also owns the socket file.
pub(crate) struct Listener {
    socket: Socket,
    addr: PluginAddr,
    file: Option<SocketFile>,
}

enum Socket {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// Removes the socket file when dropped, so the temp dir does not fill up with dead sockets after every
/// Terraform run.
pub(crate) struct SocketFile(PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0) {
            tracing::debug!(path = %self.0.display(), error = %e, "could not remove the plugin socket");
        }
    }
}

/// How many random names to try before giving up; a collision in the temp dir is already unlikely.
const SOCKET_NAME_ATTEMPTS: usize = 16;

impl Listener {
    /// Binds a fresh `plugin…` socket in `dir` (go-plugin's naming), readable only by this user.
    pub(crate) fn unix(dir: &Path) -> io::Result<Listener> {
        let mut last_error = None;
        for _ in 0..SOCKET_NAME_ATTEMPTS {
            let name: String = std::iter::repeat_with(fastrand::alphanumeric)
                .take(12)
                .collect();
            let path = dir.join(format!("plugin{name}"));
            match UnixListener::bind(&path) {
                Ok(listener) => {
                    let file = SocketFile(path.clone());
                    // In plaintext mode the socket is the only barrier: keep other local users out.
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
                    return Ok(Listener {
                        socket: Socket::Unix(listener),
                        addr: PluginAddr::Unix(path),
                        file: Some(file),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no free socket name")))
    }

    /// Binds 127.0.0.1 on the first free port in `ports`; `0..=0` lets the OS choose.
    pub(crate) async fn tcp(ports: std::ops::RangeInclusive<u16>) -> io::Result<Listener> {
        let mut last_error = None;
        for port in ports {
            match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
                Ok(listener) => {
                    let addr = PluginAddr::Tcp(listener.local_addr()?);
                    return Ok(Listener {
                        socket: Socket::Tcp(listener),
                        addr,
                        file: None,
                    });
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("the port range is empty")))
    }

    pub(crate) fn addr(&self) -> &PluginAddr {
        &self.addr
    }

    /// Accepts connections until `shutdown`, doing TLS handshakes concurrently so that one slow or hostile
    /// client cannot hold up the others. Rejected handshakes are logged and never reach the server.
    ///
    /// The socket file comes back to the caller, to be dropped once serving has ended, so that it is gone by
    /// the time the caller reports the server stopped.
    pub(crate) fn incoming(
        self,
        tls: Option<TlsAcceptor>,
        shutdown: ShutdownSignal,
    ) -> (ReceiverStream<io::Result<Connection>>, Option<SocketFile>) {
        let (tx, rx) = mpsc::channel(16);
        let socket = self.socket;
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = shutdown.wait() => break,
                    accepted = socket.accept() => accepted,
                };
                let stream = match accepted {
                    Ok(stream) => stream,
                    Err(e) => {
                        // Typically out of file descriptors; pausing lets in-flight work release some.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let tx = tx.clone();
                match &tls {
                    None => {
                        let _ = tx.send(Ok(Connection(stream))).await;
                    }
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        tokio::spawn(async move {
                            match tokio::time::timeout(
                                TLS_HANDSHAKE_TIMEOUT,
                                acceptor.accept(stream),
                            )
                            .await
                            {
                                Ok(Ok(tls)) => {
                                    let _ = tx.send(Ok(Connection(Box::new(tls)))).await;
                                }
                                Ok(Err(e)) => {
                                    tracing::warn!(error = %e, "refused a connection: TLS handshake failed")
                                }
                                Err(_) => {
                                    tracing::warn!("refused a connection: TLS handshake timed out")
                                }
                            }
                        });
                    }
                }
            }
        });
        (ReceiverStream::new(rx), self.file)
    }
}

impl Socket {
    async fn accept(&self) -> io::Result<Box<dyn Io>> {
        Ok(match self {
            Socket::Unix(listener) => Box::new(listener.accept().await?.0),
            Socket::Tcp(listener) => {
                let (stream, _) = listener.accept().await?;
                stream.set_nodelay(true)?;
                Box::new(stream)
            }
        })
    }
}

const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One accepted connection, plain or TLS over unix or TCP, behind one type for tonic.
pub(crate) struct Connection(Box<dyn Io>);

impl tonic::transport::server::Connected for Connection {
    type ConnectInfo = ();

    fn connect_info(&self) {}
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unix_socket_is_private_and_removed_on_drop() {
        let dir = std::env::temp_dir();
        let listener = Listener::unix(&dir).unwrap();
        let PluginAddr::Unix(path) = listener.addr().clone() else {
            panic!("not a unix address")
        };
        assert!(
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("plugin")
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(listener);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn tcp_skips_ports_in_use() {
        let taken = Listener::tcp(0..=0).await.unwrap();
        let PluginAddr::Tcp(addr) = *taken.addr() else {
            panic!("not tcp")
        };
        let port = addr.port();
        let Some(next) = port.checked_add(1) else {
            return;
        };
        let listener = Listener::tcp(port..=next).await;
        // The next port may be taken by something else too; what matters is that the taken one was skipped.
        if let Ok(listener) = listener {
            assert_eq!(
                *listener.addr(),
                PluginAddr::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, next)))
            );
        }
    }
}
