//! Carbon plaintext ingest: the UDP socket and TCP listener on one port, line framing, the pure
//! line parser, name cleaning, and the counters of every dropped line by reason.
//! Must not allocate per line, block, or know about queries.
//!
//! A line's path: [`tcp`] or [`udp`] frame bytes into lines → [`line::parse`] splits the fields
//! and reads the numbers → [`name::Cleaner`] makes the canonical name → a [`PointSink`] (the
//! store) takes the point. Every line ends in exactly one counter, so
//! `lines == points_received + every drop counter` (see [`Counters::dropped`]).

pub mod line;
mod name;
mod number;
mod scan;
mod tcp;
mod udp;

use crate::store::{InsertError, Store};
use line::{LineErrorKind, Timestamp};
use name::Cleaner;
use std::io;
use std::net::SocketAddr;

pub use udp::UDP_RCVBUF_WANTED;

/// mio tokens owned by ingest; `app` routes events whose token is in this range here.
pub const TOKEN_UDP: mio::Token = mio::Token(10);
pub const TOKEN_LISTENER: mio::Token = mio::Token(11);
/// Connection `i` uses `Token(TOKEN_CONN_BASE + i)`.
pub const TOKEN_CONN_BASE: usize = 1000;

/// Every line read and what became of it. Names are the self-metric names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub lines: u64,
    /// Points the store accepted.
    pub points_received: u64,
    /// Not three fields (including empty lines).
    pub invalid_syntax: u64,
    /// A value that is not a number Python's `float()` reads.
    pub invalid_value: u64,
    /// A timestamp that is not a number, is not finite, or does not fit in i64.
    pub invalid_timestamp: u64,
    pub invalid_name: u64,
    /// Longer than `line::MAX_LINE_BYTES`.
    pub too_long: u64,
    pub future: u64,
    pub too_old: u64,
    pub capacity_full: u64,
    pub nan_dropped: u64,
    pub udp_datagrams: u64,
    /// TCP connections accepted and served.
    pub tcp_connections: u64,
    /// TCP connections closed at once because `max_connections` were open.
    pub tcp_refused: u64,
}

impl Counters {
    /// `(name, value)` pairs for /health and self-metrics.
    pub fn pairs(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("lines", self.lines),
            ("points_received", self.points_received),
            ("invalid_syntax", self.invalid_syntax),
            ("invalid_value", self.invalid_value),
            ("invalid_timestamp", self.invalid_timestamp),
            ("invalid_name", self.invalid_name),
            ("too_long", self.too_long),
            ("future", self.future),
            ("too_old", self.too_old),
            ("capacity_full", self.capacity_full),
            ("nan_dropped", self.nan_dropped),
            ("udp_datagrams", self.udp_datagrams),
            ("tcp_connections", self.tcp_connections),
            ("tcp_refused", self.tcp_refused),
        ]
    }

    /// Lines read but not stored, whatever the reason.
    pub fn dropped(&self) -> u64 {
        self.invalid_syntax
            + self.invalid_value
            + self.invalid_timestamp
            + self.invalid_name
            + self.too_long
            + self.future
            + self.too_old
            + self.capacity_full
            + self.nan_dropped
    }
}

/// Where parsed points go: the store in production, a counter in tests and benches.
pub trait PointSink {
    fn insert(&mut self, name: &str, ts: i64, value: f64, now: i64) -> Result<(), InsertError>;
}

impl PointSink for Store {
    fn insert(&mut self, name: &str, ts: i64, value: f64, now: i64) -> Result<(), InsertError> {
        Store::insert(self, name, ts, value, now)
    }
}

/// Parses every line in `buf` (split on `\n`; a `\r` before it is stripped like other
/// whitespace) and inserts the points; what cannot be stored is counted. A last line without
/// its `\n` is parsed too: the TCP reader only passes complete lines, except at end of stream.
/// Used by both sockets and by the benches.
pub fn feed<S: PointSink>(buf: &[u8], sink: &mut S, now: i64, counters: &mut Counters) {
    feed_framed(buf, Framing::Stream, sink, now, counters);
}

/// Like [`feed`] for one UDP datagram, which carbon splits with Python's `splitlines()`: a lone
/// `\r` also ends a line, and `\r\n` is one break.
pub fn feed_datagram<S: PointSink>(
    datagram: &[u8],
    sink: &mut S,
    now: i64,
    counters: &mut Counters,
) {
    feed_framed(datagram, Framing::Datagram, sink, now, counters);
}

fn feed_framed<S: PointSink>(
    buf: &[u8],
    framing: Framing,
    sink: &mut S,
    now: i64,
    counters: &mut Counters,
) {
    // A cleaner (two small buffers) per call; the sockets keep one for all their reads.
    let mut cleaner = Cleaner::default();
    Feeder {
        cleaner: &mut cleaner,
        sink,
        now,
        counters,
    }
    .feed(buf, framing);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// TCP: only `\n` ends a line.
    Stream,
    /// UDP: `\n`, `\r\n` and `\r` end a line.
    Datagram,
}

/// Everything one batch of lines needs, borrowed for the length of a readiness event.
struct Feeder<'a, S> {
    cleaner: &'a mut Cleaner,
    sink: &'a mut S,
    now: i64,
    counters: &'a mut Counters,
}

impl<S: PointSink> Feeder<'_, S> {
    fn feed(&mut self, buf: &[u8], framing: Framing) {
        let mut rest = buf;
        while !rest.is_empty() {
            let end = match framing {
                Framing::Stream => scan::find_byte(rest, b'\n'),
                Framing::Datagram => scan::find_either(rest, b'\n', b'\r'),
            };
            let (line, next) = match end {
                Some(i) if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') => {
                    (&rest[..i], i + 2)
                }
                Some(i) => (&rest[..i], i + 1),
                None => (rest, rest.len()),
            };
            self.line(line);
            rest = &rest[next..];
        }
    }

    /// Counts one line too long to parse, cut off by the TCP reader.
    fn too_long(&mut self) {
        self.counters.lines += 1;
        self.counters.too_long += 1;
    }

    fn line(&mut self, raw: &[u8]) {
        let outcome = self.outcome(raw);
        let c = &mut *self.counters;
        c.lines += 1;
        *match outcome {
            Outcome::Stored => &mut c.points_received,
            Outcome::TooLong => &mut c.too_long,
            Outcome::Syntax => &mut c.invalid_syntax,
            Outcome::Value => &mut c.invalid_value,
            Outcome::Timestamp => &mut c.invalid_timestamp,
            Outcome::Name => &mut c.invalid_name,
            Outcome::Nan => &mut c.nan_dropped,
            Outcome::Refused(InsertError::TooOld) => &mut c.too_old,
            Outcome::Refused(InsertError::Future) => &mut c.future,
            Outcome::Refused(InsertError::Full) => &mut c.capacity_full,
        } += 1;
    }

    fn outcome(&mut self, raw: &[u8]) -> Outcome {
        // Carbon checks NaN before it looks at the timestamp, but both lines are dropped; we
        // only differ in which counter a NaN value with a bad timestamp lands in.
        let line = match line::parse(raw) {
            Ok(line) if line.value.is_nan() => return Outcome::Nan,
            Ok(line) => line,
            Err(e) => {
                return match e.kind {
                    LineErrorKind::TooLong => Outcome::TooLong,
                    LineErrorKind::Syntax { .. } => Outcome::Syntax,
                    LineErrorKind::Value => Outcome::Value,
                    LineErrorKind::Timestamp => Outcome::Timestamp,
                }
            }
        };
        let Ok(name) = self.cleaner.clean(line.name) else {
            return Outcome::Name;
        };
        let ts = match line.timestamp {
            Timestamp::Now => self.now,
            Timestamp::At(ts) => ts,
        };
        match self.sink.insert(name, ts, line.value, self.now) {
            Ok(()) => Outcome::Stored,
            Err(e) => Outcome::Refused(e),
        }
    }
}

/// What became of one line; each maps to one counter.
enum Outcome {
    Stored,
    TooLong,
    Syntax,
    Value,
    Timestamp,
    Name,
    Nan,
    Refused(InsertError),
}

/// The sockets and their buffers.
pub struct Ingest {
    udp: udp::UdpIngest,
    tcp: tcp::TcpIngest,
    local_addr: SocketAddr,
    cleaner: Cleaner,
    counters: Counters,
}

/// Tries for a port free for both TCP and UDP when the caller lets the kernel pick one.
const PICK_PORT_ATTEMPTS: usize = 8;

impl Ingest {
    /// Binds TCP and then UDP on `addr` (port 0 picks one port free for both). A port in use
    /// is an error of kind `AddrInUse` whose message names the protocol and address.
    pub fn bind(addr: SocketAddr, max_connections: usize) -> io::Result<Ingest> {
        let attempts = if addr.port() == 0 {
            PICK_PORT_ATTEMPTS
        } else {
            1
        };
        let mut attempt = 1;
        loop {
            // mio sets SO_REUSEADDR on the listener, so a restart does not wait out TIME_WAIT.
            let listener =
                mio::net::TcpListener::bind(addr).map_err(|e| bind_error(e, "TCP", addr))?;
            let local_addr = listener.local_addr()?;
            match udp::UdpIngest::bind(local_addr) {
                Ok(udp) => {
                    return Ok(Ingest {
                        udp,
                        tcp: tcp::TcpIngest::new(listener, max_connections),
                        local_addr,
                        cleaner: Cleaner::default(),
                        counters: Counters::default(),
                    })
                }
                // The kernel picked a TCP port whose UDP twin is taken: pick again.
                Err(e) if e.kind() == io::ErrorKind::AddrInUse && attempt < attempts => {
                    attempt += 1
                }
                Err(e) => return Err(bind_error(e, "UDP", local_addr)),
            }
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Receive buffer size the kernel granted for the UDP socket, in the units `SO_RCVBUF` and
    /// `net.core.rmem_max` use (half of what `getsockopt` reports; see `udp.rs`).
    pub fn udp_rcvbuf(&self) -> usize {
        self.udp.rcvbuf()
    }

    /// Datagrams the kernel dropped on our UDP socket (`SO_MEMINFO`), `None` on kernels that
    /// do not report it.
    pub fn udp_kernel_drops(&self) -> Option<u64> {
        self.udp.kernel_drops()
    }

    pub fn register(&mut self, registry: &mio::Registry) -> io::Result<()> {
        self.udp.register(registry, TOKEN_UDP)?;
        self.tcp.register(registry, TOKEN_LISTENER)
    }

    pub fn owns(token: mio::Token) -> bool {
        token == TOKEN_UDP || token == TOKEN_LISTENER || token.0 >= TOKEN_CONN_BASE
    }

    /// Handles one readiness event for a token this module owns: drains until WouldBlock.
    /// Generic over the sink so sockets can be tested without a store; `app` passes the store.
    pub fn ready<S: PointSink>(
        &mut self,
        registry: &mio::Registry,
        event: &mio::event::Event,
        sink: &mut S,
        now: i64,
    ) {
        let mut feeder = Feeder {
            cleaner: &mut self.cleaner,
            sink,
            now,
            counters: &mut self.counters,
        };
        match event.token() {
            TOKEN_UDP => self.udp.drain(&mut feeder),
            TOKEN_LISTENER => self.tcp.accept(registry, feeder.counters),
            token if token.0 >= TOKEN_CONN_BASE => {
                self.tcp
                    .read(registry, token.0 - TOKEN_CONN_BASE, &mut feeder)
            }
            // Not ours (`owns` was not checked): nothing to drain.
            _ => {}
        }
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Reads everything the kernel already holds for us, on every socket, as if each had
    /// reported readable: the last step before the final snapshot, so nothing accepted is lost.
    pub fn drain_all<S: PointSink>(&mut self, registry: &mio::Registry, sink: &mut S, now: i64) {
        let mut feeder = Feeder {
            cleaner: &mut self.cleaner,
            sink,
            now,
            counters: &mut self.counters,
        };
        self.udp.drain(&mut feeder);
        for slot in 0..self.tcp.slots() {
            self.tcp.read(registry, slot, &mut feeder);
        }
    }

    /// TCP connections open now.
    pub fn open_connections(&self) -> usize {
        self.tcp.open()
    }
}

fn bind_error(e: io::Error, protocol: &str, addr: SocketAddr) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("cannot listen for carbon on {protocol} {addr}: {e}"),
    )
}

#[cfg(test)]
mod tests;
