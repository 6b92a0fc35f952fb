//! The HTTP front: the only file that touches tiny_http. It turns each tiny_http request into
//! our [`Request`], hands it to the event loop as a [`Pending`], wakes the loop and writes back
//! the [`Reply`] the loop computed. No tiny_http type leaves this file and nothing here looks at
//! what a request means.
//!
//! Threads: tiny_http's accept thread and its per-connection pool; one dispatcher that takes
//! requests off tiny_http; one short-lived thread per request in flight, so a client that reads
//! its answer slowly holds only its own thread; one pool watchdog (see [`watch_pool`]).
//!
//! Two tiny_http 0.12 defects are worked around here, both through its public API only:
//!
//! - Its task pool can leave a new connection queued behind busy keep-alive connections. A
//!   connection holds a pool thread for its whole life; the pool starts a new thread only when it
//!   counts no idle one, but a thread it has just woken still counts as idle until it wakes up.
//!   When a browser opens five or six connections at once, the accept thread queues the extra
//!   ones against threads that are already taken, and they wait until some other connection
//!   closes — minutes, for a browser. The watchdog unsticks them (see [`watch_pool`]).
//! - Dropping a request whose declared `Content-Length` was not read in full makes tiny_http
//!   allocate the unread length in one piece (`EqualReader::drop`), so `Content-Length:
//!   999999999999999` aborts the process. Bodies are read before anything else and oversized
//!   ones are drained or, past [`MAX_DRAIN_BYTES`], never dropped (see [`refuse_oversized`]).

use super::form;
use super::{Pending, Reply, Request};
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest request body read. Grafana POSTs a few targets as a form of a few KiB; 1 MiB leaves
/// room for hundreds of long targets while each request in flight holds at most this much.
const MAX_BODY_BYTES: usize = 1 << 20;
/// Oversized bodies up to this size are read and thrown away so the client gets a 413 on a
/// connection that stays usable; beyond it reading them is not worth the bandwidth.
const MAX_DRAIN_BYTES: usize = 16 << 20;
/// How long a front thread waits for the loop. The loop answers in milliseconds unless it is
/// stalled; a client should then hear 503 rather than hang, and the thread should be freed.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// Watchdog probe period while requests are coming in: a stuck connection waits at most about
/// this long per queued connection ahead of it.
const PROBE_FAST: Duration = Duration::from_millis(50);
/// Probe period when nobody is asking anything: a browser's preconnected sockets can still get
/// stuck, but there is no page waiting on them yet, so a slower pace is enough.
const PROBE_SLOW: Duration = Duration::from_secs(1);
/// How long after the last request the watchdog keeps the fast pace.
const ACTIVE_WINDOW: Duration = Duration::from_secs(10);
/// How long a probe waits for tiny_http to serve it before giving up on it.
const PROBE_WAIT: Duration = Duration::from_millis(100);

/// The HTTP front: tiny_http's threads plus a hand-over channel to the loop.
pub struct Front {
    requests: Receiver<Pending>,
    local_addr: SocketAddr,
    server: Arc<tiny_http::Server>,
}

impl Front {
    /// Binds `addr` and starts the front threads; each request is sent to the loop and the
    /// loop is woken with `waker`.
    pub fn start(addr: SocketAddr, waker: Arc<mio::Waker>) -> io::Result<Front> {
        Front::start_with_ui(addr, waker, None)
    }

    /// As [`Front::start`], also serving the web UI and dashboards of `site` on the front thread.
    pub fn start_with_ui(
        addr: SocketAddr,
        waker: Arc<mio::Waker>,
        site: Option<super::Site>,
    ) -> io::Result<Front> {
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let server = tiny_http::Server::from_listener(listener, None)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let server = Arc::new(server);
        let (requests_tx, requests) = mpsc::channel();
        // Capacity 1: the watchdog only needs to know that something happened since it last looked.
        let (activity_tx, activity_rx) = mpsc::sync_channel(1);
        let dispatcher_server = Arc::clone(&server);
        std::thread::Builder::new()
            .name("http-dispatch".into())
            .spawn(move || {
                dispatch(&dispatcher_server, &requests_tx, &waker, &activity_tx, site)
            })?;
        let target = probe_target(local_addr);
        std::thread::Builder::new()
            .name("http-pool-watch".into())
            .spawn(move || watch_pool(target, &activity_rx))?;
        Ok(Front {
            requests,
            local_addr,
            server,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Next request handed over, without blocking.
    pub fn try_recv(&self) -> Option<Pending> {
        self.requests.try_recv().ok()
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        // Ends the dispatcher, which ends the watchdog; requests still in flight get a 503.
        self.server.unblock();
    }
}

fn dispatch(
    server: &tiny_http::Server,
    requests: &Sender<Pending>,
    waker: &Arc<mio::Waker>,
    activity: &SyncSender<()>,
    site: Option<super::Site>,
) {
    let site = Arc::new(site);
    // recv fails when Front is dropped (unblock) or when tiny_http's accept thread has died.
    while let Ok(rq) = server.recv() {
        let _ = activity.try_send(());
        let requests = requests.clone();
        let waker = Arc::clone(waker);
        let site = Arc::clone(&site);
        let spawned = std::thread::Builder::new()
            .name("http-request".into())
            .spawn(move || serve(rq, &requests, &waker, &site));
        if let Err(e) = spawned {
            // The closure, and the request in it, is dropped: tiny_http answers it with a 500.
            eprintln!("http: cannot start a thread for a request: {e}");
        }
    }
}

fn serve(
    mut rq: tiny_http::Request,
    requests: &Sender<Pending>,
    waker: &mio::Waker,
    site: &Option<super::Site>,
) {
    if rq.body_length().is_some_and(|len| len > MAX_BODY_BYTES) {
        refuse_oversized(rq);
        return;
    }
    let reply = match read_request(&mut rq) {
        Ok(request) => match site.as_ref().and_then(|s| super::ui::handle(s, &request)) {
            Some(reply) => reply,
            None => ask_loop(request, requests, waker),
        },
        Err(reply) => reply,
    };
    // A failed write means the client went away; there is nobody left to tell.
    let _ = rq.respond(to_response(reply));
}

fn read_request(rq: &mut tiny_http::Request) -> Result<Request, Reply> {
    let is_form = rq
        .headers()
        .iter()
        .find(|h| h.field.equiv("Content-Type"))
        .is_some_and(|h| form::is_form(h.value.as_str()));
    let mut body = Vec::new();
    // Chunked bodies have no declared length; the extra byte tells an exact fit from too much.
    let read = rq
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body);
    if let Err(e) = read {
        return Err(Reply::text(
            400,
            format!("Could not read the request body: {e}"),
        ));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    let peer = rq.remote_addr().copied();
    Ok(Request::from_wire(
        rq.method().as_str(),
        rq.url(),
        is_form,
        body,
        peer,
    ))
}

/// Answers a request whose declared body is over the limit without letting tiny_http allocate
/// the unread part (see the module doc).
fn refuse_oversized(mut rq: tiny_http::Request) {
    let declared = rq.body_length().unwrap_or(0);
    if declared > MAX_DRAIN_BYTES {
        // Dropping it would abort the process, so it is never dropped: the connection and the
        // tiny_http thread reading it stay parked until the process ends. That costs the same as
        // an idle connection, which any client can hold open anyway.
        eprintln!(
            "http: refusing a {declared}-byte body from {:?} by leaving the connection unanswered",
            rq.remote_addr()
        );
        std::mem::forget(rq);
        return;
    }
    let mut chunk = [0u8; 16 * 1024];
    let reader = rq.as_reader();
    // Whatever stops the drain early, at most MAX_DRAIN_BYTES are left for tiny_http to allocate.
    while let Ok(n) = reader.read(&mut chunk) {
        if n == 0 {
            break;
        }
    }
    let _ = rq.respond(to_response(too_large()));
}

fn too_large() -> Reply {
    Reply::text(
        413,
        format!("Request body too large: pencil reads at most {MAX_BODY_BYTES} bytes."),
    )
}

fn ask_loop(request: Request, requests: &Sender<Pending>, waker: &mio::Waker) -> Reply {
    let (reply_tx, reply_rx) = mpsc::sync_channel(1);
    if requests
        .send(Pending {
            request,
            reply: reply_tx,
        })
        .is_err()
    {
        return Reply::text(503, "pencil is shutting down.");
    }
    if let Err(e) = waker.wake() {
        return Reply::text(503, format!("Could not wake pencil's event loop: {e}"));
    }
    match reply_rx.recv_timeout(REPLY_TIMEOUT) {
        Ok(reply) => reply,
        Err(RecvTimeoutError::Timeout) => Reply::text(
            503,
            format!(
                "pencil's event loop did not answer within {} s.",
                REPLY_TIMEOUT.as_secs()
            ),
        ),
        Err(RecvTimeoutError::Disconnected) => Reply::text(503, "pencil is shutting down."),
    }
}

fn to_response(reply: Reply) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    // Header::from_bytes refuses non-ASCII; our names are constants and values are ours too,
    // so a refusal would be a bug upstream, and dropping that one header is the safe answer.
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", reply.content_type) {
        response.add_header(h);
    }
    for (name, value) in &reply.headers {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    }
    response
}

/// Where the watchdog connects: the bound address, or loopback when bound to every interface.
fn probe_target(local: SocketAddr) -> SocketAddr {
    let mut target = local;
    if local.ip().is_unspecified() {
        target.set_ip(match local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    target
}

/// Keeps tiny_http's pool from leaving connections queued (see the module doc).
///
/// A probe is a connection to ourselves that sends nothing and closes its sending side. Its
/// pool task ends as soon as it reads that end of stream. If the pool has no idle thread the
/// probe gets a new thread, and that thread, once done with the probe, takes the oldest queued
/// connection: each probe unsticks one. If the pool has an idle thread nothing is queued (an
/// idle thread always empties the queue first) and the probe costs a few microseconds. Probes run
/// every [`PROBE_FAST`] while requests arrive, every [`PROBE_SLOW`] otherwise.
fn watch_pool(target: SocketAddr, activity: &Receiver<()>) {
    let mut next_probe = Instant::now() + PROBE_SLOW;
    let mut active_until = Instant::now();
    loop {
        let now = Instant::now();
        if now >= next_probe {
            probe(target);
            let now = Instant::now();
            next_probe = now
                + if now < active_until {
                    PROBE_FAST
                } else {
                    PROBE_SLOW
                };
            continue;
        }
        match activity.recv_timeout(next_probe - now) {
            Ok(()) => {
                let now = Instant::now();
                active_until = now + ACTIVE_WINDOW;
                next_probe = next_probe.min(now + PROBE_FAST);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn probe(target: SocketAddr) {
    let Ok(mut stream) = TcpStream::connect_timeout(&target, PROBE_WAIT) else {
        return;
    };
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(PROBE_WAIT));
    let mut byte = [0u8; 1];
    if let Ok(0) = stream.read(&mut byte) {
        // Both sides are closed; without this every probe would sit a minute in TIME_WAIT.
        // Only now, never before tiny_http accepted it: its accept thread stops on any error.
        skip_time_wait(&stream);
    }
}

fn skip_time_wait(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the fd is open for the lifetime of `stream`, and the pointer and length describe
    // a live `libc::linger`, which is what SO_LINGER reads.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

#[cfg(test)]
mod tests;
