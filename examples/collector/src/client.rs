//! A minimal HTTP/1.1 client over one keep-alive TCP connection, enough for
//! the simulator, the load generator and the tests (which also need to send
//! deliberately malformed requests).

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http1::ResponseReader;
pub use crate::http1::{build_request, Response};

/// Resolves `http://host:port[/...]` to a socket address.
pub async fn resolve(url: &str) -> io::Result<SocketAddr> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "only http:// URLs are supported",
        )
    })?;
    let host = rest.split('/').next().unwrap_or(rest);
    tokio::net::lookup_host(host)
        .await?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("cannot resolve {host}")))
}

pub struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Sends raw request bytes and reads one response (without a body when
    /// the request is a `HEAD`, whatever `Content-Length` says).
    pub async fn send_raw(&mut self, request: &[u8]) -> io::Result<Response> {
        self.stream.write_all(request).await?;
        self.read_response(request.starts_with(b"HEAD ")).await
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        self.send_raw(&build_request(method, path, headers, body))
            .await
    }

    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn read_response(&mut self, head: bool) -> io::Result<Response> {
        let mut reader = ResponseReader::new(head);
        loop {
            if let Some(resp) = reader.advance(&mut self.buf)? {
                return Ok(resp);
            }
            self.fill().await?;
        }
    }
}

/// One request on a fresh connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    Connection::open(addr)
        .await?
        .send(method, path, headers, body)
        .await
}
