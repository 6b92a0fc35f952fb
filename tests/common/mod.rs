//! Test harness: starts the real `pencil` binary on ephemeral loopback ports, finds the bound
//! addresses from its start-up lines, and speaks UDP, TCP and HTTP to it over real sockets.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_pencil");

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A fresh directory under target/ removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pencil-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Pencil {
    pub child: Child,
    pub carbon: SocketAddr,
    pub http: SocketAddr,
    pub stdout_lines: mpsc::Receiver<String>,
}

/// Starts pencil with `--data-dir dir`, loopback port 0 for both listeners, plus `extra` flags;
/// waits for it to announce its addresses.
pub fn start(dir: &Path, extra: &[&str]) -> Pencil {
    let mut args: Vec<String> = vec![
        "--data-dir".into(),
        dir.display().to_string(),
        "--carbon".into(),
        "127.0.0.1:0".into(),
        "--http".into(),
        "127.0.0.1:0".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn pencil");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut carbon, mut http) = (None, None);
    while carbon.is_none() || http.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = match rx.recv_timeout(left) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("pencil did not announce its addresses in time");
            }
        };
        if let Some(rest) = line.strip_prefix("listening for carbon plaintext on udp ") {
            carbon = Some(rest.split_whitespace().next().unwrap().parse().unwrap());
        } else if let Some(rest) = line.strip_prefix("serving HTTP on http://") {
            http = Some(rest.trim().parse().unwrap());
        }
    }
    Pencil {
        child,
        carbon: carbon.unwrap(),
        http: http.unwrap(),
        stdout_lines: rx,
    }
}

impl Pencil {
    pub fn send_udp(&self, payload: &[u8]) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.send_to(payload, self.carbon).unwrap();
    }

    pub fn send_tcp(&self, payload: &[u8]) {
        let mut s = TcpStream::connect(self.carbon).unwrap();
        s.write_all(payload).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        // Wait for pencil to close its side: then every byte has been read.
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }

    pub fn get(&self, path_and_query: &str) -> (u16, String) {
        http_request(self.http, "GET", path_and_query, None)
    }

    pub fn post_form(&self, path: &str, body: &str) -> (u16, String) {
        http_request(self.http, "POST", path, Some(body))
    }

    pub fn health(&self) -> serde_json::Value {
        let (status, body) = self.get("/health");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn counter(&self, name: &str) -> u64 {
        self.health()["counters"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("no counter {name}"))
    }

    /// Polls /health until `name` reaches at least `want` (ingest is asynchronous for UDP).
    pub fn wait_counter(&self, name: &str, want: u64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.counter(name);
            if got >= want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "counter {name} stuck at {got}, wanted {want}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn render(&self, target: &str, from: i64, until: i64) -> serde_json::Value {
        let q = format!(
            "/render?target={}&from={from}&until={until}&format=json",
            urlencode(target)
        );
        let (status, body) = self.get(&q);
        assert_eq!(status, 200, "{q}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args(["-s", sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(mut self) -> ExitStatus {
        self.signal("TERM");
        wait_exit(&mut self.child, Duration::from_secs(60))
    }
}

impl Drop for Pencil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "pencil did not exit in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One HTTP/1.1 request on its own connection; returns status and body.
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    body: Option<&str>,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(raw);
    let (head, rest) = text.split_once("\r\n\r\n").expect("response head");
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// A body parsed as JSON, or a panic that quotes it.
pub fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// `(timestamp, value)` pairs of a render answer's series, non-null only.
pub fn points(series: &serde_json::Value) -> Vec<(i64, f64)> {
    series["datapoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p[0].is_null())
        .map(|p| (p[1].as_i64().unwrap(), p[0].as_f64().unwrap()))
        .collect()
}
