//! Graphite's HTTP API: tiny_http in one file (`server.rs`), URL and form decoding (`form.rs`),
//! parameter reading (`params.rs`), the route table (`routes.rs`) and the handlers by role
//! (`routes_render.rs`, `routes_meta.rs` with `find.rs`, `routes_tags.rs`, `functions.rs`), and
//! the events endpoints (`events.rs`, the only writer, with its JSON reader `json_in.rs`).
//! Holds no business logic; tiny_http types never leave `server.rs`. `app` starts a
//! [`Front`], takes [`Pending`] requests off it and answers each with [`handle_events`] (which
//! needs the store mutably) or else [`handle`].

mod dashboards;
mod events;
mod find;
mod form;
mod functions;
mod json_in;
mod params;
mod routes;
mod routes_meta;
mod routes_render;
mod routes_tags;
mod server;
mod ui;

pub use dashboards::Site;
pub use events::handle_events;
pub use routes::handle;
pub use server::Front;

use std::net::SocketAddr;

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

impl Request {
    /// A request from what arrived on the wire: the raw URL (percent-encoded path, then an
    /// optional `?query`) and the body, read as a form too when `form_body` (its Content-Type
    /// was `application/x-www-form-urlencoded`). The front builds every request this way; the
    /// fuzz targets drive the same decoding through it.
    pub fn from_wire(
        method: &str,
        url: &str,
        form_body: bool,
        body: Vec<u8>,
        peer: Option<SocketAddr>,
    ) -> Request {
        let (raw_path, query) = url.split_once('?').unwrap_or((url, ""));
        let mut params = Vec::new();
        form::parse_pairs(query.as_bytes(), &mut params);
        if form_body {
            form::parse_pairs(&body, &mut params);
        }
        Request {
            method: method.to_string(),
            path: form::decode_path(raw_path),
            params,
            body,
            peer,
        }
    }
}

impl Reply {
    /// A plain-text answer, graphite-web's style for errors.
    pub(crate) fn text(status: u16, message: impl Into<String>) -> Reply {
        let mut body = message.into().into_bytes();
        if body.last() != Some(&b'\n') {
            body.push(b'\n');
        }
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body,
        }
    }

    pub(crate) fn json(body: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body,
        }
    }

    /// `{"error": message}`, the shape graphite-web's jsonResponse gives its JSON errors.
    pub(crate) fn json_error(status: u16, message: &str) -> Reply {
        let mut body = b"{\"error\": ".to_vec();
        crate::render::json::write_str(message, &mut body);
        body.push(b'}');
        Reply {
            status,
            ..Reply::json(body)
        }
    }

    /// 405 in plain text naming the methods to `use` (`"GET or POST"`), with the `Allow`
    /// header listing `allow`.
    pub(crate) fn method_not_allowed(req: &Request, use_: &str, allow: &str) -> Reply {
        let mut reply = Reply::text(
            405,
            format!(
                "Method {} is not allowed on {}: use {use_}.",
                req.method, req.path
            ),
        );
        reply.headers.push(("Allow", allow.to_string()));
        reply
    }
}
