//! HTTP/1.1 messages without I/O: request bytes, and an incremental response
//! reader fed with whatever bytes arrive. The async client ([`crate::client`])
//! and the blocking ClickHouse client share it.

use std::io;

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Serialises a request with `Content-Length` (when there is a body, or for
/// a POST) and `Host: localhost` unless `headers` has a `Host`.
pub fn build_request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str("Host: localhost\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Where the reader is within the response.
#[derive(Debug)]
enum State {
    Head,
    /// `n` body bytes still to come (`Content-Length`).
    Length(usize),
    /// Chunked body: the next chunk-size line.
    ChunkSize,
    /// `n` bytes of chunk data, then its CRLF.
    ChunkData(usize),
    /// After the last chunk: trailer lines up to an empty one.
    Trailer,
}

/// Reads one response from bytes as they arrive: call [`ResponseReader::advance`]
/// after each read. It consumes (drains) what it used from the buffer, so a
/// keep-alive connection's next response starts at its front.
#[derive(Debug)]
pub struct ResponseReader {
    /// The request was a `HEAD`: no body follows, whatever the headers say.
    head_request: bool,
    state: State,
    response: Response,
}

/// Position just past the first CRLF in `buf`.
fn line_end(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n").map(|i| i + 2)
}

impl ResponseReader {
    pub fn new(head_request: bool) -> ResponseReader {
        ResponseReader {
            head_request,
            state: State::Head,
            response: Response {
                status: 0,
                headers: Vec::new(),
                body: Vec::new(),
            },
        }
    }

    /// Consumes what it can of `buf`; the response once complete, `None`
    /// while more bytes are needed.
    pub fn advance(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<Response>> {
        loop {
            match self.state {
                State::Head => {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        return Ok(None);
                    };
                    let head: Vec<u8> = buf.drain(..end + 4).collect();
                    self.parse_head(&head[..end])?;
                }
                State::Length(0) => return Ok(Some(self.take())),
                State::Length(n) => {
                    let take = n.min(buf.len());
                    if take == 0 {
                        return Ok(None);
                    }
                    self.response.body.extend(buf.drain(..take));
                    self.state = State::Length(n - take);
                }
                State::ChunkSize => {
                    let Some(end) = line_end(buf) else {
                        return Ok(None);
                    };
                    let line = String::from_utf8_lossy(&buf[..end - 2]).into_owned();
                    buf.drain(..end);
                    let size = line.split(';').next().unwrap_or("").trim();
                    let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk"))?;
                    self.state = if size == 0 {
                        State::Trailer
                    } else {
                        State::ChunkData(size)
                    };
                }
                State::ChunkData(n) => {
                    if buf.len() < n + 2 {
                        // Move what there is, to keep the buffer small.
                        let take = buf.len().min(n);
                        if take == 0 {
                            return Ok(None);
                        }
                        self.response.body.extend(buf.drain(..take));
                        self.state = State::ChunkData(n - take);
                        if n - take > 0 {
                            return Ok(None);
                        }
                        continue;
                    }
                    self.response.body.extend(buf.drain(..n));
                    if &buf[..2] != b"\r\n" {
                        return Err(bad("bad chunk end"));
                    }
                    buf.drain(..2);
                    self.state = State::ChunkSize;
                }
                State::Trailer => {
                    let Some(end) = line_end(buf) else {
                        return Ok(None);
                    };
                    buf.drain(..end);
                    if end == 2 {
                        return Ok(Some(self.take()));
                    }
                }
            }
        }
    }

    fn parse_head(&mut self, head: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        self.response.status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("bad status line"))?;
        for line in lines {
            let (k, v) = line.split_once(':').ok_or_else(|| bad("bad header"))?;
            self.response
                .headers
                .push((k.trim().to_string(), v.trim().to_string()));
        }
        let r = &self.response;
        self.state = if self.head_request || r.status == 204 || r.status == 304 {
            State::Length(0)
        } else if let Some(len) = r.header("content-length") {
            State::Length(len.parse().map_err(|_| bad("bad content-length"))?)
        } else if r
            .header("transfer-encoding")
            .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        {
            State::ChunkSize
        } else {
            // Neither: no body this reader can frame (read as empty).
            State::Length(0)
        };
        Ok(())
    }

    fn take(&mut self) -> Response {
        self.state = State::Head;
        std::mem::replace(
            &mut self.response,
            Response {
                status: 0,
                headers: Vec::new(),
                body: Vec::new(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `bytes` in pieces of `step`, like reads of a socket.
    fn read_all(bytes: &[u8], step: usize, head: bool) -> (Vec<Response>, Vec<u8>) {
        let mut reader = ResponseReader::new(head);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for piece in bytes.chunks(step) {
            buf.extend_from_slice(piece);
            while let Some(r) = reader.advance(&mut buf).expect("parse") {
                out.push(r);
            }
        }
        (out, buf)
    }

    #[test]
    fn reads_length_and_chunked_bodies_in_any_pieces() {
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello\
HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n4;ext\r\nCode\r\n6\r\n: 60.\n\r\n0\r\nX-T: t\r\n\r\n\
HTTP/1.1 204 No Content\r\n\r\n";
        for step in [1, 2, 3, 7, 64, wire.len()] {
            let (rs, rest) = read_all(wire, step, false);
            assert_eq!(rs.len(), 3, "step {step}");
            assert_eq!(
                (rs[0].status, rs[0].text().as_str(), rs[0].header("x-a")),
                (200, "hello", Some("1"))
            );
            assert_eq!(
                (rs[1].status, rs[1].text().as_str()),
                (500, "Code: 60.\n"),
                "step {step}"
            );
            assert_eq!((rs[2].status, rs[2].body.len()), (204, 0));
            assert!(rest.is_empty(), "step {step}");
        }
    }

    #[test]
    fn a_head_response_has_no_body_whatever_it_declares() {
        let wire = b"HTTP/1.1 404 Not Found\r\nContent-Length: 40\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        let mut reader = ResponseReader::new(true);
        let mut buf = wire.to_vec();
        let head = reader.advance(&mut buf).expect("parse").expect("complete");
        assert_eq!((head.status, head.body.len()), (404, 0));
        let mut reader = ResponseReader::new(false);
        let next = reader.advance(&mut buf).expect("parse").expect("complete");
        assert_eq!((next.status, next.text().as_str()), (200, "ok"));
    }

    #[test]
    fn malformed_responses_are_errors_not_panics() {
        for wire in [
            &b"HTTP/1.1 abc\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
        ] {
            let mut buf = wire.to_vec();
            assert!(
                ResponseReader::new(false).advance(&mut buf).is_err(),
                "{:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[test]
    fn requests_carry_a_host_unless_given() {
        let r =
            String::from_utf8(build_request("POST", "/x", &[("Host", "db:8123")], b"ab")).unwrap();
        assert_eq!(
            r,
            "POST /x HTTP/1.1\r\nHost: db:8123\r\nContent-Length: 2\r\n\r\nab"
        );
        let r = String::from_utf8(build_request("GET", "/", &[], b"")).unwrap();
        assert_eq!(r, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    }
}
