//! Graphite's HTTP API: tiny_http in one file (`server.rs`), URL and form decoding, routing.
//! Holds no business logic; tiny_http types never leave `server.rs`.
//!
//! CONTRACT (skeleton written before the implementation; `app` calls these).

use crate::store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// A request as the loop sees it: method, path, every parameter (query string then form body).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub peer: Option<SocketAddr>,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// Numbers `app` gathers for /health; http only formats them.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub counters: Vec<(&'static str, u64)>,
    pub metrics: u64,
    pub capacity_bytes: u64,
    pub used_bytes: u64,
    pub last_snapshot_time: Option<i64>,
    pub last_snapshot_seconds: Option<f64>,
    pub started: i64,
}

/// A request waiting for the loop's reply.
pub struct Pending {
    pub request: Request,
    reply: std::sync::mpsc::SyncSender<Reply>,
}

impl Pending {
    pub fn respond(self, reply: Reply) {
        // The front thread may have given up on a closed connection; nothing to do then.
        let _ = self.reply.send(reply);
    }
}

/// The HTTP front: tiny_http's threads plus a hand-over channel to the loop.
pub struct Front {}

impl Front {
    /// Binds `addr` and starts the front threads; each request is sent to the loop and the
    /// loop is woken with `waker`.
    pub fn start(_addr: SocketAddr, _waker: Arc<mio::Waker>) -> std::io::Result<Front> {
        todo!()
    }
    pub fn local_addr(&self) -> SocketAddr {
        todo!()
    }
    /// Next request handed over, without blocking.
    pub fn try_recv(&self) -> Option<Pending> {
        todo!()
    }
}

/// Answers one request. Pure apart from reading the store.
pub fn handle(_store: &Store, _health: &Health, _req: &Request, _now: i64) -> Reply {
    todo!()
}
