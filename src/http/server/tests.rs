//! The front against real sockets, with a test thread standing in for the event loop.

use super::*;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;

const LOOP_TOKEN: mio::Token = mio::Token(0);

/// A Front whose "event loop" is a thread answering every request with `answer(request)`.
struct Harness {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    loop_thread: Option<std::thread::JoinHandle<()>>,
}

impl Harness {
    fn start(answer: fn(&Request) -> Reply) -> Harness {
        let mut poll = mio::Poll::new().unwrap();
        let waker = Arc::new(mio::Waker::new(poll.registry(), LOOP_TOKEN).unwrap());
        let front = Front::start("127.0.0.1:0".parse().unwrap(), waker).unwrap();
        let addr = front.local_addr();
        assert_ne!(addr.port(), 0);
        let stop = Arc::new(AtomicBool::new(false));
        let stop_loop = Arc::clone(&stop);
        let loop_thread = std::thread::spawn(move || {
            let mut events = mio::Events::with_capacity(8);
            while !stop_loop.load(Ordering::Relaxed) {
                // Only the waker wakes this poll, so answering requests proves the wake-up works;
                // the timeout is just for noticing `stop`.
                poll.poll(&mut events, Some(Duration::from_millis(200)))
                    .unwrap();
                while let Some(pending) = front.try_recv() {
                    let reply = answer(&pending.request);
                    pending.respond(reply);
                }
            }
        });
        Harness {
            addr,
            stop,
            loop_thread: Some(loop_thread),
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.loop_thread.take() {
            let _ = t.join();
        }
    }
}

fn fixed(_: &Request) -> Reply {
    Reply::text(200, "ok")
}

/// Echoes what the front made of the request, one field a line.
fn echo(req: &Request) -> Reply {
    let params: Vec<String> = req.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Reply::text(
        200,
        format!(
            "{}\n{}\n{}\n{}\n{}",
            req.method,
            req.path,
            params.join("&"),
            req.body.len(),
            req.peer.is_some()
        ),
    )
}

/// Sends one request on `stream` and reads exactly one response: (status, body).
fn exchange(stream: &mut TcpStream, request: &[u8]) -> (u16, String) {
    stream.write_all(request).unwrap();
    read_response(stream)
}

fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).expect("a response in time");
        assert!(
            n > 0,
            "connection closed before a full response: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>())
            })
            .expect("a Content-Length")
            .unwrap();
        if body.len() >= length {
            let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
            return (status, body[..length].to_string());
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

#[test]
fn eight_parallel_keep_alive_connections_are_all_answered_within_a_second() {
    let harness = Harness::start(fixed);
    let connections = 8;
    let barrier = Arc::new(Barrier::new(connections));
    let started = Instant::now();
    let clients: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, barrier) = (harness.addr, Arc::clone(&barrier));
            std::thread::spawn(move || {
                // All connect at once, as a browser loading a dashboard does.
                barrier.wait();
                let mut stream = connect(addr);
                for _ in 0..2 {
                    let (status, body) =
                        exchange(&mut stream, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                    assert_eq!((status, body.as_str()), (200, "ok\n"));
                }
                // Returned open: no connection may free its thread for another by closing.
                stream
            })
        })
        .collect();
    let open: Vec<TcpStream> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let elapsed = started.elapsed();
    assert_eq!(open.len(), connections);
    assert!(
        elapsed < Duration::from_secs(1),
        "16 answers took {elapsed:?}"
    );
}

#[test]
fn query_and_form_params_merge_in_order() {
    let harness = Harness::start(echo);
    let mut stream = connect(harness.addr);
    let body = "target=b&target%5B%5D=c+d&format=json";
    let request = format!(
        "POST /render%2F?target=a&format=png HTTP/1.1\r\nHost: x\r\n\
         Content-Type: application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, text) = exchange(&mut stream, request.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        text,
        format!(
            "POST\n/render/\ntarget=a&format=png&target=b&target=c d&format=json\n{}\ntrue\n",
            body.len()
        )
    );
    // A body that is not a form is kept but not parsed.
    let request = "POST /x?q=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
    let (_, text) = exchange(&mut stream, request.as_bytes());
    assert_eq!(text, "POST\n/x\nq=1\n7\ntrue\n");
}

#[test]
fn replies_carry_status_type_and_headers() {
    fn answer(_: &Request) -> Reply {
        let mut reply = Reply::text(404, "nothing here");
        reply.headers.push(("Cache-Control", "no-cache".into()));
        reply
    }
    let harness = Harness::start(answer);
    let mut stream = connect(harness.addr);
    stream
        .write_all(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&raw).contains("nothing here") {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0);
        raw.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 404"), "{text}");
    assert!(
        text.contains("content-type: text/plain; charset=utf-8\r\n"),
        "{text}"
    );
    assert!(text.contains("cache-control: no-cache\r\n"), "{text}");
}

#[test]
fn oversized_bodies_are_refused_and_the_front_survives() {
    let harness = Harness::start(echo);
    // Declared and sent: drained, answered 413, and the connection stays usable.
    let mut stream = connect(harness.addr);
    let body = vec![b'x'; MAX_BODY_BYTES + 1];
    let head = format!(
        "POST /render HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let (status, text) = exchange(&mut stream, &body);
    assert_eq!(status, 413, "{text}");
    let (status, _) = exchange(&mut stream, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, 200);

    // Chunked, so the length is only known while reading.
    let mut stream = connect(harness.addr);
    stream
        .write_all(b"POST /render HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = vec![b'y'; 64 * 1024];
    let mut sent = 0;
    while sent <= MAX_BODY_BYTES {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .unwrap();
        stream.write_all(&chunk).unwrap();
        stream.write_all(b"\r\n").unwrap();
        sent += chunk.len();
    }
    stream.write_all(b"0\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut stream).0, 413);

    // A length tiny_http would try to allocate when the request is dropped: the process must
    // live on, and other clients must still be answered.
    let mut bomb = connect(harness.addr);
    bomb.write_all(
        b"POST /render HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999999\r\n\r\nabc",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    drop(bomb);
    std::thread::sleep(Duration::from_millis(100));
    let (status, _) = exchange(
        &mut connect(harness.addr),
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(status, 200);
}

#[test]
fn requests_after_the_loop_is_gone_get_503() {
    let mut poll = mio::Poll::new().unwrap();
    let waker = Arc::new(mio::Waker::new(poll.registry(), LOOP_TOKEN).unwrap());
    let front = Front::start("127.0.0.1:0".parse().unwrap(), waker).unwrap();
    let addr = front.local_addr();
    let client = std::thread::spawn(move || {
        exchange(
            &mut connect(addr),
            b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        )
    });
    // Wait until the request is handed over, then drop it unanswered as a dying loop would.
    let mut events = mio::Events::with_capacity(8);
    let pending = loop {
        poll.poll(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        if let Some(p) = front.try_recv() {
            break p;
        }
    };
    drop(pending);
    let (status, text) = client.join().unwrap();
    assert_eq!(status, 503, "{text}");
    drop(front);
}

#[test]
fn probe_target_prefers_loopback_for_wildcard_binds() {
    assert_eq!(
        probe_target("0.0.0.0:8080".parse().unwrap()),
        "127.0.0.1:8080".parse().unwrap()
    );
    assert_eq!(
        probe_target("[::]:8080".parse().unwrap()),
        "[::1]:8080".parse().unwrap()
    );
    assert_eq!(
        probe_target("10.0.0.5:80".parse().unwrap()),
        "10.0.0.5:80".parse().unwrap()
    );
}
