//! Carbon plaintext ingest: the UDP socket and TCP listener on one port, line framing, the pure
//! line parser, name cleaning, and the counters of every dropped line by reason.
//! Must not allocate per line, block, or know about queries.
//!
//! CONTRACT (skeleton written before the implementation; `app` and the benches call these).

use crate::store::Store;
use std::net::SocketAddr;

/// mio tokens owned by ingest; `app` routes events whose token is in this range here.
pub const TOKEN_UDP: mio::Token = mio::Token(10);
pub const TOKEN_LISTENER: mio::Token = mio::Token(11);
/// Connection `i` uses `Token(TOKEN_CONN_BASE + i)`.
pub const TOKEN_CONN_BASE: usize = 1000;

/// Every line read and what became of it. Names are the self-metric names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub lines: u64,
    pub points_received: u64,
    pub invalid_syntax: u64,
    pub invalid_value: u64,
    pub invalid_name: u64,
    pub too_long: u64,
    pub future: u64,
    pub too_old: u64,
    pub capacity_full: u64,
    pub nan_dropped: u64,
    pub udp_datagrams: u64,
    pub tcp_connections: u64,
    pub tcp_refused: u64,
}

impl Counters {
    /// `(name, value)` pairs for /health and self-metrics.
    pub fn pairs(&self) -> Vec<(&'static str, u64)> {
        todo!()
    }
}

/// Parses every complete line in `buf` and inserts the points; what cannot be stored is counted.
/// Used by both sockets and by the benches.
pub fn feed(_buf: &[u8], _store: &mut Store, _now: i64, _counters: &mut Counters) {
    todo!()
}

/// The sockets and their buffers.
pub struct Ingest {}

impl Ingest {
    /// Binds UDP and TCP on `addr` (port 0 picks one free port for both).
    pub fn bind(_addr: SocketAddr, _max_connections: usize) -> std::io::Result<Ingest> {
        todo!()
    }
    pub fn local_addr(&self) -> SocketAddr {
        todo!()
    }
    /// Receive buffer size the kernel granted for the UDP socket.
    pub fn udp_rcvbuf(&self) -> usize {
        todo!()
    }
    /// Datagrams the kernel dropped on our UDP socket (SO_RXQ_OVFL / /proc), if known.
    pub fn udp_kernel_drops(&self) -> Option<u64> {
        todo!()
    }
    pub fn register(&mut self, _registry: &mio::Registry) -> std::io::Result<()> {
        todo!()
    }
    pub fn owns(token: mio::Token) -> bool {
        token == TOKEN_UDP || token == TOKEN_LISTENER || token.0 >= TOKEN_CONN_BASE
    }
    /// Handles one readiness event for a token this module owns: drains until WouldBlock.
    pub fn ready(&mut self, _registry: &mio::Registry, _event: &mio::event::Event, _store: &mut Store, _now: i64) {
        todo!()
    }
    pub fn counters(&self) -> &Counters {
        todo!()
    }
}
