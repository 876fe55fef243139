//! A blocking HTTP/1.1 client for ClickHouse's HTTP interface: one `POST`
//! per statement (the SQL, then any insert data, in the body), pooled
//! keep-alive connections, timeouts. Blocking on purpose: the storage
//! methods are called from the blocking pool and from plain threads, never
//! from async code, and the writer is its own thread.
//!
//! Works with ClickHouse 18.16 and current releases alike: no `param_*`,
//! no `compress=1`, only settings both know.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

use crate::http1::{build_request, Response, ResponseReader};

/// Connecting gives up after this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A statement whose answer has not arrived after this fails.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 8;

/// Settings sent with every statement:
/// - `wait_end_of_query=1`: the answer is buffered until the statement
///   ends, so an error is an HTTP error status, never a 200 cut short;
/// - `output_format_json_quote_64bit_integers=0`: 64-bit numbers as JSON
///   numbers (serde reads u64/i64 exactly);
/// - `optimize_move_to_prewhere=0`, `enable_optimize_predicate_expression=0`:
///   conditions stay where they are written, after the `FINAL` that picks
///   each page view's newest version (a `PREWHERE`, or a condition pushed
///   into the `FINAL` subquery, would filter the versions first, e.g. find
///   a page view by the path of an old snapshot);
/// - `input_format_skip_unknown_fields=1`: an insert from a newer collector
///   with a column this schema lacks still loads.
const SETTINGS: &str = "wait_end_of_query=1&output_format_json_quote_64bit_integers=0\
&optimize_move_to_prewhere=0&enable_optimize_predicate_expression=0&input_format_skip_unknown_fields=1";

/// `http://HOST[:PORT][/]` of a ClickHouse HTTP interface (port 8123 by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub host: String,
    pub port: u16,
}

impl ServerUrl {
    /// Parses the URL; the error says what is wrong with it.
    pub fn parse(url: &str) -> Result<ServerUrl, String> {
        let url = url.trim();
        if url.starts_with("https://") {
            return Err("https is not supported: use http:// on a private network or loopback, or a local TLS proxy".into());
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or("expected http://HOST:PORT, e.g. http://127.0.0.1:8123")?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return Err("expected http://HOST:PORT without a path, query or user".into());
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && !p.contains(']') => (
                h,
                p.parse::<u16>()
                    .ok()
                    .filter(|&p| p > 0)
                    .ok_or("port must be 1-65535")?,
            ),
            _ => (authority, 8123),
        };
        let ok = host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
        if !ok {
            return Err(format!("{host:?} is not a host name or IP address"));
        }
        Ok(ServerUrl {
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}:{}", self.host, self.port)
    }
}

/// Why a statement failed.
#[derive(Debug)]
pub enum Error {
    /// No answer: connection refused, reset, timed out.
    Transport(io::Error),
    /// ClickHouse answered with an error: HTTP status, its error code, and
    /// its message (`Code: N, e.displayText() = ...`).
    Server {
        status: u16,
        code: Option<u32>,
        message: String,
    },
}

impl Error {
    /// A short description for logs and 503 bodies that never quotes data:
    /// ClickHouse messages about inserts can quote the rows.
    pub fn summary(&self) -> String {
        match self {
            Error::Transport(e) => format!("clickhouse unreachable: {}", e.kind()),
            Error::Server { status, code, .. } => match code {
                Some(c) => format!("clickhouse error {c} (HTTP {status})"),
                None => format!("clickhouse answered HTTP {status}"),
            },
        }
    }
}

/// Credentials sent as `X-ClickHouse-User` / `X-ClickHouse-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

pub struct Client {
    url: ServerUrl,
    host_header: String,
    credentials: Option<Credentials>,
    idle: Mutex<Vec<Conn>>,
}

/// Whether an I/O error on a reused connection means the server had
/// closed it (keep-alive timeout), so a fresh connection may succeed.
fn stale(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

impl Client {
    pub fn new(url: ServerUrl, credentials: Option<Credentials>) -> Client {
        Client {
            host_header: format!("{}:{}", url.host, url.port),
            url,
            credentials,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub fn url(&self) -> &ServerUrl {
        &self.url
    }

    /// Runs one statement: `body` is the SQL, followed for an `INSERT ...
    /// FORMAT` by its data. Returns the answer's body (the result).
    ///
    /// Retried once on a fresh connection when a reused one turns out to be
    /// closed. Every statement this backend sends may run twice: reads,
    /// idempotent DDL, and inserts into a table that keeps one version per
    /// key.
    pub fn execute(&self, body: &[u8]) -> Result<Vec<u8>, Error> {
        let resp = match self.pooled() {
            Some(mut conn) => match self.send(&mut conn, body) {
                Err(e) if stale(&e) => self.send_fresh(body),
                other => other.map(|r| (r, conn)),
            },
            None => self.send_fresh(body),
        };
        let (resp, conn) = resp.map_err(Error::Transport)?;
        let keep_alive = !resp
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        if keep_alive {
            self.give_back(conn);
        }
        if resp.status == 200 {
            return Ok(resp.body);
        }
        Err(server_error(&resp))
    }

    fn pooled(&self) -> Option<Conn> {
        self.idle.lock().ok().and_then(|mut idle| idle.pop())
    }

    fn give_back(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
    }

    fn connect(&self) -> io::Result<Conn> {
        let addrs = (self.url.host.as_str(), self.url.port).to_socket_addrs()?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "host resolves to no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
                    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
                    return Ok(Conn {
                        stream,
                        buf: Vec::with_capacity(8192),
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn send_fresh(&self, body: &[u8]) -> io::Result<(Response, Conn)> {
        let mut conn = self.connect()?;
        let resp = self.send(&mut conn, body)?;
        Ok((resp, conn))
    }

    fn send(&self, conn: &mut Conn, body: &[u8]) -> io::Result<Response> {
        let mut headers = vec![
            ("Host", self.host_header.as_str()),
            ("Content-Type", "text/plain; charset=utf-8"),
        ];
        if let Some(c) = &self.credentials {
            headers.push(("X-ClickHouse-User", c.user.as_str()));
            headers.push(("X-ClickHouse-Key", c.password.as_str()));
        }
        let path = format!("/?{SETTINGS}");
        conn.stream
            .write_all(&build_request("POST", &path, &headers, body))?;
        let mut reader = ResponseReader::new(false);
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            if let Some(resp) = reader.advance(&mut conn.buf)? {
                return Ok(resp);
            }
            let n = conn.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed",
                ));
            }
            conn.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn server_error(resp: &Response) -> Error {
    let message = resp.text();
    let code = message
        .strip_prefix("Code: ")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok());
    Error::Server {
        status: resp.status,
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_plain_http_host_and_port() {
        let u = |s: &str| ServerUrl::parse(s);
        assert_eq!(
            u("http://127.0.0.1:8123"),
            Ok(ServerUrl {
                host: "127.0.0.1".into(),
                port: 8123
            })
        );
        assert_eq!(
            u("http://db.internal/"),
            Ok(ServerUrl {
                host: "db.internal".into(),
                port: 8123
            })
        );
        assert_eq!(
            u("http://[::1]:9000"),
            Ok(ServerUrl {
                host: "[::1]".into(),
                port: 9000
            })
        );
        assert!(u("https://db:8443").unwrap_err().contains("https"));
        for bad in [
            "db:8123",
            "http://",
            "http://db:0",
            "http://db:70000",
            "http://db/path",
            "http://u:p@db",
            "http://d b",
        ] {
            assert!(u(bad).is_err(), "{bad}");
        }
        assert_eq!(
            u("http://h:1").map(|u| u.to_string()),
            Ok("http://h:1".into())
        );
    }

    #[test]
    fn server_errors_keep_the_code_and_summaries_quote_nothing() {
        let resp = Response {
            status: 500,
            headers: Vec::new(),
            body: b"Code: 27, e.displayText() = DB::Exception: Cannot parse input: {\"path\":\"/secret\"}".to_vec(),
        };
        let e = server_error(&resp);
        assert!(matches!(
            e,
            Error::Server {
                status: 500,
                code: Some(27),
                ..
            }
        ));
        assert_eq!(e.summary(), "clickhouse error 27 (HTTP 500)");
        let e = Error::Transport(io::Error::new(io::ErrorKind::ConnectionRefused, "x"));
        assert!(
            e.summary().starts_with("clickhouse unreachable"),
            "{}",
            e.summary()
        );
    }
}
