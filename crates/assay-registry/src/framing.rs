//! Requests whose body length is stated twice are refused (RFC 9112
//! section 6.3: a message with both `Transfer-Encoding` and
//! `Content-Length` "ought to be handled as an error"; it is how requests
//! are smuggled past a proxy). hyper reads such a request by its
//! `Transfer-Encoding` and drops the `Content-Length` before the service
//! could see it, so the check sits under hyper, on the connection's bytes:
//! [`Guarded`] follows each request's framing (head, then a fixed-length
//! or chunked body) and, in a head that has both fields, spoils the
//! transfer coding's name, which hyper then answers with 400 and closes.
//! Everything else passes through unchanged.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The longest head followed (hyper refuses longer ones itself).
const MAX_HEAD: usize = 64 * 1024;

/// Where the byte stream is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum At {
    /// In a request head (these bytes of it so far).
    Head(Vec<u8>),
    /// In a body of this many bytes still to come.
    Fixed(u64),
    /// In a chunked body: the chunk-size line so far.
    ChunkSize(Vec<u8>),
    /// In a chunk's data: bytes to come, then its CRLF.
    ChunkData(u64),
    /// The CRLF after a chunk's data: bytes of it to come.
    ChunkEnd(u8),
    /// The trailer section: the current line so far.
    Trailer(Vec<u8>),
    /// Lost track (a malformed message hyper will refuse): pass through.
    Blind,
}

/// Follows request framing over a connection's incoming bytes.
#[derive(Debug)]
pub struct Framing {
    at: At,
}

impl Default for Framing {
    fn default() -> Self {
        Framing {
            at: At::Head(Vec::new()),
        }
    }
}

/// Whether a head states its body's length twice, and how its body is framed.
fn head(bytes: &mut [u8]) -> At {
    let text_end = bytes.len();
    let mut te: Vec<(usize, usize)> = Vec::new();
    let mut chunked = false;
    let mut length: Option<u64> = None;
    let mut cl = false;
    let mut start = 0;
    let mut first = true;
    while start < text_end {
        let end = bytes[start..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(text_end, |p| start + p);
        let line = &bytes[start..end];
        if !first && let Some(colon) = line.iter().position(|b| *b == b':') {
            let name = &line[..colon];
            let value_start = start + colon + 1;
            let value = String::from_utf8_lossy(&bytes[value_start..end])
                .trim()
                .to_ascii_lowercase();
            if name.eq_ignore_ascii_case(b"transfer-encoding") {
                te.push((value_start, end));
                chunked = value
                    .rsplit(',')
                    .next()
                    .is_some_and(|v| v.trim() == "chunked");
            } else if name.eq_ignore_ascii_case(b"content-length") {
                cl = true;
                length = value.parse().ok();
            }
        }
        first = false;
        start = end + 2;
    }
    if cl && !te.is_empty() {
        // Spoil every transfer coding's name: hyper answers 400.
        for (s, e) in te {
            for b in &mut bytes[s..e] {
                if b.is_ascii_alphabetic() {
                    *b = b'x';
                }
            }
        }
        return At::Blind;
    }
    if !te.is_empty() {
        if chunked {
            At::ChunkSize(Vec::new())
        } else {
            At::Blind
        }
    } else {
        match (cl, length) {
            (false, _) | (true, Some(0)) => At::Head(Vec::new()),
            (true, Some(n)) => At::Fixed(n),
            (true, None) => At::Blind,
        }
    }
}

/// Pass on up to `n` body bytes from `input[*i..]`; whether all `n` have
/// now passed.
fn pass(n: &mut u64, input: &[u8], i: &mut usize, out: &mut Vec<u8>) -> bool {
    let take = (*n).min((input.len() - *i) as u64) as usize;
    out.extend_from_slice(&input[*i..*i + take]);
    *n -= take as u64;
    *i += take;
    *n == 0
}

impl Framing {
    /// Follow `input` (bytes just read) and append to `out` what may pass
    /// on now: a request head is held back until it is whole, so that it
    /// can be rewritten before hyper reads any of it.
    pub fn follow(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < input.len() {
            match &mut self.at {
                At::Blind => {
                    out.extend_from_slice(&input[i..]);
                    return;
                }
                At::Head(seen) => {
                    seen.push(input[i]);
                    i += 1;
                    if seen.ends_with(b"\r\n\r\n") {
                        let mut whole = std::mem::take(seen);
                        let len = whole.len();
                        let next = head(&mut whole[..len - 4]);
                        out.extend_from_slice(&whole);
                        self.at = next;
                    } else if seen == b"\r\n" {
                        // A blank line between requests.
                        out.extend_from_slice(b"\r\n");
                        seen.clear();
                    } else if seen.len() > MAX_HEAD {
                        out.append(seen);
                        self.at = At::Blind;
                    }
                }
                At::Fixed(n) => {
                    if pass(n, input, &mut i, out) {
                        self.at = At::Head(Vec::new());
                    }
                }
                At::ChunkSize(line) => {
                    line.push(input[i]);
                    out.push(input[i]);
                    i += 1;
                    if line.ends_with(b"\r\n") {
                        let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
                        let digits = text.split(';').next().unwrap_or("").trim();
                        self.at = match u64::from_str_radix(digits, 16) {
                            Ok(0) => At::Trailer(Vec::new()),
                            Ok(n) => At::ChunkData(n),
                            Err(_) => At::Blind,
                        };
                    } else if line.len() > 1024 {
                        self.at = At::Blind;
                    }
                }
                At::ChunkData(n) => {
                    if pass(n, input, &mut i, out) {
                        self.at = At::ChunkEnd(2);
                    }
                }
                At::ChunkEnd(k) => {
                    out.push(input[i]);
                    i += 1;
                    *k -= 1;
                    if *k == 0 {
                        self.at = At::ChunkSize(Vec::new());
                    }
                }
                At::Trailer(line) => {
                    line.push(input[i]);
                    out.push(input[i]);
                    i += 1;
                    if line.ends_with(b"\r\n") {
                        if line.len() == 2 {
                            self.at = At::Head(Vec::new());
                        } else {
                            line.clear();
                        }
                    } else if line.len() > MAX_HEAD {
                        self.at = At::Blind;
                    }
                }
            }
        }
    }

    /// The connection ended: whatever was held back passes on.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        if let At::Head(seen) = &mut self.at {
            out.append(seen);
        }
    }
}

/// A connection whose incoming requests are checked by [`Framing`].
pub struct Guarded<S> {
    inner: S,
    framing: Framing,
    /// Bytes followed and ready for hyper.
    ready: Vec<u8>,
    /// How many of them hyper has had.
    given: usize,
    ended: bool,
}

impl<S> Guarded<S> {
    /// Guard `inner`.
    pub fn new(inner: S) -> Self {
        Guarded {
            inner,
            framing: Framing::default(),
            ready: Vec::new(),
            given: 0,
            ended: false,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.given < this.ready.len() {
                let n = (this.ready.len() - this.given).min(buf.remaining());
                buf.put_slice(&this.ready[this.given..this.given + n]);
                this.given += n;
                if this.given == this.ready.len() {
                    this.ready.clear();
                    this.given = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.ended {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; 8192];
            let mut rb = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => {
                    let got = rb.filled();
                    if got.is_empty() {
                        this.ended = true;
                        this.framing.end(&mut this.ready);
                    } else {
                        this.framing.follow(got, &mut this.ready);
                    }
                }
                other => return other,
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A TCP listener whose connections are [`Guarded`].
pub struct Listener(pub tokio::net::TcpListener);

impl axum::serve::Listener for Listener {
    type Io = Guarded<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (Guarded::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// The client's address, as the request handlers read it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Listener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, Listener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes hyper would read, fed in pieces of `step` bytes.
    fn through(input: &[u8], step: usize) -> Vec<u8> {
        let mut f = Framing::default();
        let mut out = Vec::new();
        for piece in input.chunks(step) {
            f.follow(piece, &mut out);
        }
        f.end(&mut out);
        out
    }

    #[test]
    fn only_a_head_with_both_lengths_is_spoiled() {
        let plain = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloPOST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        for step in [1, 3, 7, plain.len()] {
            assert_eq!(through(plain, step), plain.to_vec(), "step {step}");
        }
        // A body that looks like a head is a body.
        let body = b"POST /b HTTP/1.1\r\nContent-Length: 60\r\n\r\nGET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(through(body, 5), body.to_vec());
        let smuggle =
            b"POST /b HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        for step in [1, 4, 9, smuggle.len()] {
            let out = through(smuggle, step);
            let text = String::from_utf8_lossy(&out);
            assert!(
                text.contains("Transfer-Encoding: xxxxxxx\r\n"),
                "step {step}: {text}"
            );
            assert!(text.contains("Content-Length: 4"), "{text}");
        }
        // After a normal keep-alive request too.
        let second = [&plain[..], &smuggle[..]].concat();
        let out = through(&second, 2);
        assert!(
            String::from_utf8_lossy(&out).ends_with("Transfer-Encoding: xxxxxxx\r\n\r\n0\r\n\r\n")
        );
    }
}
