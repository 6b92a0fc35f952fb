//! The event loop: one mio `Poll` owns the ingest sockets, the store, the HTTP hand-over channel,
//! the snapshot and self-metrics schedules and the signals. It reads the clock and passes `now`
//! down; it does not parse protocol bytes or format responses.

use crate::config::Config;
use crate::http::{self, Front, Health};
use crate::ingest::{Counters, Ingest};
use crate::store::{
    self, BackgroundSnapshot, Progress, SnapshotError, SnapshotInfo, SnapshotWriter, Store,
};
use crate::time::wall_clock_now;
use mio::{Events, Poll, Token, Waker};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Wakes the loop for HTTP hand-overs, signals and finished background snapshot work.
const TOKEN_WAKER: Token = Token(0);

/// Bytes of snapshot the loop copies per turn (the writer thread does the file I/O). 1 MiB
/// copies in a fraction of a millisecond, so the sockets are looked at between slices long
/// before their buffers could fill, even at 1M lines/s; smaller would only add turns.
const SNAPSHOT_SLICE: usize = 1 << 20;

/// File name of the store snapshot inside the data directory.
pub const SNAPSHOT_FILE: &str = "store.snapshot";

/// Why pencil could not start or had to stop.
#[derive(Debug)]
pub struct AppError(pub String);

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn bind_error(what: &str, addr: std::net::SocketAddr, e: io::Error) -> AppError {
    if e.kind() == io::ErrorKind::AddrInUse {
        AppError(format!(
            "{what} address {addr} is already in use (another pencil or carbon running?); \
             pick another with --{}",
            if what == "carbon" { "carbon" } else { "http" }
        ))
    } else {
        AppError(format!("cannot listen for {what} on {addr}: {e}"))
    }
}

/// A timer snapshot in progress: the loop copies slices, its thread writes them, then
/// fsyncs and renames.
struct Snapshotting {
    job: BackgroundSnapshot,
    started: Instant,
    at: i64,
    /// The longest `step` so far: how long the loop was kept from its sockets.
    longest_step: Duration,
}

struct Loop {
    store: Store,
    ingest: Ingest,
    front: Front,
    snapshot_path: PathBuf,
    snapshot_every: u64,
    self_metrics_every: u64,
    snapshot: Option<Snapshotting>,
    waker: Arc<Waker>,
    last_snapshot: Option<(i64, f64)>,
    /// Longest single slice of the last completed timer snapshot, in microseconds; the figure
    /// that says whether a snapshot can make the UDP socket overflow.
    last_snapshot_longest_step_us: u64,
    snapshots_failed: u64,
    http_requests: u64,
    started: i64,
    hostname: String,
    /// Counters at the previous self-metrics write, so each write is the count per interval.
    last_reported: Counters,
    last_http_reported: u64,
    /// `--write-token`: lets non-loopback clients use the write endpoints.
    write_token: Option<String>,
}

/// Runs pencil until SIGTERM or SIGINT; then writes a final snapshot and returns.
pub fn run(cfg: Config) -> Result<(), AppError> {
    std::fs::create_dir_all(&cfg.data_dir).map_err(|e| {
        AppError(format!(
            "cannot create data directory {}: {e}",
            cfg.data_dir.display()
        ))
    })?;
    let snapshot_path = cfg.data_dir.join(SNAPSHOT_FILE);
    let load_started = Instant::now();
    let store = match store::load(&snapshot_path, &cfg.store) {
        Ok(Some(store)) => {
            println!(
                "loaded snapshot {} ({} metrics, {} events) in {:.3}s",
                snapshot_path.display(),
                store.stats().metrics,
                store.events().len(),
                load_started.elapsed().as_secs_f64()
            );
            store
        }
        Ok(None) => Store::new(&cfg.store).map_err(|e| AppError(e.0))?,
        Err(e) => return Err(AppError(e.to_string())),
    };
    println!("{}", store.capacity());

    let mut ingest = Ingest::bind(cfg.carbon, cfg.max_connections)
        .map_err(|e| bind_error("carbon", cfg.carbon, e))?;
    let carbon = ingest.local_addr();
    println!(
        "listening for carbon plaintext on udp {carbon} (receive buffer {} bytes granted; \
         raise net.core.rmem_max for more)",
        ingest.udp_rcvbuf()
    );
    println!(
        "listening for carbon plaintext on tcp {carbon} (at most {} connections)",
        cfg.max_connections
    );

    let mut poll = Poll::new().map_err(|e| AppError(format!("cannot create poll: {e}")))?;
    let waker = Arc::new(
        Waker::new(poll.registry(), TOKEN_WAKER)
            .map_err(|e| AppError(format!("cannot create waker: {e}")))?,
    );
    ingest
        .register(poll.registry())
        .map_err(|e| AppError(format!("cannot register sockets: {e}")))?;
    let site = http::Site::new(&cfg.data_dir, cfg.write_token.clone());
    let front = Front::start_with_ui(cfg.http, Arc::clone(&waker), Some(site))
        .map_err(|e| bind_error("http", cfg.http, e))?;
    println!("serving HTTP on http://{}", front.local_addr());

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        let waker = Arc::clone(&waker);
        ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            // A failed wake only delays shutdown to the next timer tick.
            let _ = waker.wake();
        })
        .map_err(|e| AppError(format!("cannot install signal handler: {e}")))?;
    }

    let now = wall_clock_now();
    let mut lp = Loop {
        store,
        ingest,
        front,
        snapshot_path,
        snapshot_every: cfg.snapshot_every.max(1),
        self_metrics_every: cfg.self_metrics_every.max(1),
        snapshot: None,
        waker,
        last_snapshot: None,
        last_snapshot_longest_step_us: 0,
        snapshots_failed: 0,
        http_requests: 0,
        started: now,
        hostname: hostname(),
        last_reported: Counters::default(),
        last_http_reported: 0,
        write_token: cfg.write_token,
    };
    lp.run(&mut poll, &stop)
}

impl Loop {
    fn run(&mut self, poll: &mut Poll, stop: &AtomicBool) -> Result<(), AppError> {
        let mut events = Events::with_capacity(1024);
        let mut next_snapshot = wall_clock_now() + self.snapshot_every as i64;
        let mut next_self_metrics = wall_clock_now() + self.self_metrics_every as i64;
        loop {
            let now = wall_clock_now();
            let copy_more = self.snapshot.as_mut().is_some_and(|s| s.job.ready());
            let timeout = if copy_more {
                // Keep copying slices, but look at the sockets between every slice. Otherwise
                // the writer thread wakes the loop when it hands a buffer back.
                Duration::ZERO
            } else {
                let next = next_snapshot.min(next_self_metrics);
                Duration::from_secs((next - now).clamp(0, 60) as u64) + Duration::from_millis(5)
            };
            if let Err(e) = poll.poll(&mut events, Some(timeout)) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(AppError(format!("poll failed: {e}")));
            }
            let now = wall_clock_now();
            for event in events.iter() {
                if Ingest::owns(event.token()) {
                    self.ingest
                        .ready(poll.registry(), event, &mut self.store, now);
                }
            }
            // Waker events coalesce, so the channels are drained on every turn.
            self.serve_http(now);
            self.poll_finished_snapshot();

            if stop.load(Ordering::SeqCst) {
                return self.shutdown(poll, now);
            }
            if now >= next_self_metrics {
                self.write_self_metrics(now);
                next_self_metrics = now + self.self_metrics_every as i64;
            }
            if now >= next_snapshot && self.snapshot.is_none() {
                self.begin_snapshot(now);
                next_snapshot = now + self.snapshot_every as i64;
            }
            self.continue_snapshot();
        }
    }

    fn serve_http(&mut self, now: i64) {
        while let Some(pending) = self.front.try_recv() {
            self.http_requests += 1;
            let token = self.write_token.as_deref();
            let reply = match http::handle_events(&mut self.store, &pending.request, now, token) {
                Some(reply) => reply,
                None => {
                    let health = self.health(now);
                    http::handle(&self.store, &health, &pending.request, now)
                }
            };
            pending.respond(reply);
        }
    }

    fn health(&self, now: i64) -> Health {
        let mut counters = self.ingest.counters().pairs();
        counters.push(("http_requests", self.http_requests));
        counters.push(("udp_rcvbuf_bytes", self.ingest.udp_rcvbuf() as u64));
        if let Some(drops) = self.ingest.udp_kernel_drops() {
            counters.push(("udp_kernel_drops", drops));
        }
        counters.push(("snapshots_failed", self.snapshots_failed));
        counters.push((
            "snapshot_longest_step_us",
            self.last_snapshot_longest_step_us,
        ));
        counters.push(("events", self.store.events().len() as u64));
        counters.push(("events_dropped", self.store.events().dropped()));
        let stats = self.store.stats();
        Health {
            counters,
            metrics: stats.metrics,
            capacity_bytes: stats.bytes_capacity,
            used_bytes: stats.bytes_used,
            last_snapshot_time: self.last_snapshot.map(|s| s.0),
            last_snapshot_seconds: self.last_snapshot.map(|s| s.1),
            started: self.started.min(now),
        }
    }

    fn begin_snapshot(&mut self, now: i64) {
        let waker = Arc::clone(&self.waker);
        // A failed wake only delays noticing the thread's progress to the next timer tick.
        let notify = move || {
            let _ = waker.wake();
        };
        match BackgroundSnapshot::start(&self.snapshot_path, now, notify) {
            Ok(job) => {
                self.snapshot = Some(Snapshotting {
                    job,
                    started: Instant::now(),
                    at: now,
                    longest_step: Duration::ZERO,
                })
            }
            Err(e) => {
                self.snapshots_failed += 1;
                eprintln!("snapshot failed: {e}");
            }
        }
    }

    fn continue_snapshot(&mut self) {
        let Some(s) = &mut self.snapshot else {
            return;
        };
        if !s.job.ready() {
            return;
        }
        let step_started = Instant::now();
        let progress = s.job.step(&self.store, SNAPSHOT_SLICE);
        s.longest_step = s.longest_step.max(step_started.elapsed());
        // Handed: the thread finishes the file and wakes the loop when done.
        debug_assert_ne!(progress, Progress::Waiting, "ready() said a buffer is free");
    }

    fn poll_finished_snapshot(&mut self) {
        let Some(s) = self.snapshot.take_if(|s| s.job.is_finished()) else {
            return;
        };
        let result = s.job.join();
        if result.is_ok() {
            self.last_snapshot_longest_step_us =
                u64::try_from(s.longest_step.as_micros()).unwrap_or(u64::MAX);
        }
        self.record_snapshot(result, s.at, s.started);
    }

    fn record_snapshot(
        &mut self,
        result: Result<SnapshotInfo, SnapshotError>,
        at: i64,
        started: Instant,
    ) {
        match result {
            Ok(_) => self.last_snapshot = Some((at, started.elapsed().as_secs_f64())),
            Err(e) => {
                self.snapshots_failed += 1;
                eprintln!("snapshot failed: {e}");
            }
        }
    }

    /// Final snapshot after SIGTERM/SIGINT: read what the kernel already holds, then write
    /// everything synchronously (nothing else is left to serve).
    fn shutdown(&mut self, poll: &mut Poll, now: i64) -> Result<(), AppError> {
        self.ingest.drain_all(poll.registry(), &mut self.store, now);
        // The writer thread uses the same temp path: let it finish (or abandon its snapshot,
        // if not everything was handed over) before the final one starts.
        if let Some(s) = self.snapshot.take() {
            // An abandoned or failed one is superseded by the final snapshot right below.
            if let Ok(info) = s.job.join() {
                self.record_snapshot(Ok(info), s.at, s.started);
            }
        }
        let started = Instant::now();
        let result = write_snapshot(&self.store, &self.snapshot_path, now);
        match result {
            Ok(info) => {
                println!(
                    "final snapshot {}: {} metrics, {} events, {} bytes in {:.3}s",
                    self.snapshot_path.display(),
                    info.metrics,
                    info.events,
                    info.bytes,
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            }
            Err(e) => Err(AppError(format!("final snapshot failed: {e}"))),
        }
    }

    /// Writes pencil's own counters as `pencil.<host>.<counter>`, like carbon's
    /// `carbon.agents.<host>.*`: counts are per interval, gauges are current values.
    fn write_self_metrics(&mut self, now: i64) {
        let current = *self.ingest.counters();
        let stats = self.store.stats();
        let mut values: Vec<(&str, f64)> = Vec::new();
        let prev = self.last_reported.pairs();
        for ((name, value), (_, before)) in current.pairs().into_iter().zip(prev) {
            values.push((name, value.saturating_sub(before) as f64));
        }
        values.push((
            "http_requests",
            self.http_requests.saturating_sub(self.last_http_reported) as f64,
        ));
        values.push(("metrics", stats.metrics as f64));
        values.push(("store_bytes_used", stats.bytes_used as f64));
        if let Some((_, secs)) = self.last_snapshot {
            values.push(("snapshot_seconds", secs));
        }
        let mut name = String::with_capacity(64);
        for (counter, value) in values {
            name.clear();
            name.push_str("pencil.");
            name.push_str(&self.hostname);
            name.push('.');
            name.push_str(counter);
            // A full store refuses our own metrics too; that is already visible in the counters.
            let _ = self.store.insert(&name, now, value, now);
        }
        self.last_reported = current;
        self.last_http_reported = self.http_requests;
    }
}

/// Writes a complete snapshot synchronously (shutdown path and tests).
pub fn write_snapshot(store: &Store, path: &Path, now: i64) -> Result<SnapshotInfo, SnapshotError> {
    let mut writer = SnapshotWriter::begin(path, now)?;
    while !writer.step(store, SNAPSHOT_SLICE)? {}
    writer.finish()
}

/// The host name as one metric node: dots would split it into several.
fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let clean: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "localhost".to_string()
    } else {
        clean
    }
}
