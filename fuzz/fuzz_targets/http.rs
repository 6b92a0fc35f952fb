//! Whole requests through URL and form decoding, the events endpoints and the route table, on a
//! small store: every endpoint answers (a status a client can read), none panics.
//! Input: NUL-separated method, raw URL (`/path?query`), a form flag (non-empty means the body
//! is `application/x-www-form-urlencoded`), then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil::http::{handle, handle_events, Health, Request};
use pencil::store::Store;
use pencil_fuzz::{fields, small_store, NOW};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;

static STORE: OnceLock<Store> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let [method, url, form, _] = fields::<4>(data);
    // The body keeps its raw bytes: only the three text fields before it are split off.
    let body = data
        .splitn(4, |&b| b == 0)
        .nth(3)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let method = if method.is_empty() { "GET" } else { &method };
    let peer = SocketAddr::from((Ipv4Addr::LOCALHOST, 40000));
    let req = Request::from_wire(method, &url, !form.is_empty(), body, Some(peer));
    // Only the events endpoints write; a fresh store for them keeps every input independent,
    // and the shared one keeps the rest fast.
    let reply = if req.path.starts_with("/events") {
        let mut store = small_store();
        handle_events(&mut store, &req, NOW, Some("secret"))
            .unwrap_or_else(|| handle(&store, &Health::default(), &req, NOW))
    } else {
        handle(
            STORE.get_or_init(small_store),
            &Health::default(),
            &req,
            NOW,
        )
    };
    assert!(
        (200..600).contains(&reply.status),
        "status {} for {req:?}",
        reply.status
    );
});
