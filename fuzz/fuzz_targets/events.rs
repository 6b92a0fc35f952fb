//! Arbitrary bytes as the JSON body of `POST /events/` (the JSON reader, then the event log),
//! then the stored events read back through `/events/get_data` and `events()`: nothing panics,
//! and a body that is refused is answered 400, never with a server error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil::http::{handle, handle_events, Health, Request};
use pencil_fuzz::{empty_store, NOW};
use std::net::{Ipv4Addr, SocketAddr};

fuzz_target!(|data: &[u8]| {
    let peer = Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 40000)));
    let mut store = empty_store();
    let post = Request::from_wire("POST", "/events/", false, data.to_vec(), peer);
    let reply = handle_events(&mut store, &post, NOW, None).expect("/events/ is the events API");
    assert!(
        reply.status < 500,
        "POST answered {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    let list = Request::from_wire(
        "GET",
        "/events/get_data?from=-10y&until=now",
        false,
        Vec::new(),
        peer,
    );
    let reply = handle_events(&mut store, &list, NOW, None).expect("get_data is the events API");
    assert_eq!(reply.status, 200);
    let render = Request::from_wire(
        "GET",
        "/render?target=events(%22*%22)&from=-10min&format=json",
        false,
        Vec::new(),
        peer,
    );
    let reply = handle(&store, &Health::default(), &render, NOW);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
});
