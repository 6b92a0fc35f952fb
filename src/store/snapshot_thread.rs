//! A timer snapshot whose file I/O runs on its own thread. The event loop only copies records
//! into a few reusable buffers ([`BackgroundSnapshot::step`], memory speed, a millisecond or
//! so per slice); the thread writes, hashes, fsyncs and renames. A `write` into the page cache
//! can take tens of milliseconds on a busy host and the kernel may throttle a writer for up to
//! 200 ms, which the loop must never sit through while datagrams pile up.
//!
//! Only byte buffers cross threads: the store stays the loop's alone. When the disk is slower
//! than the copying, the buffers run out and the loop simply waits (without spinning) for the
//! thread to hand one back; memory stays at `POOL` buffers.
//! Must not block the caller: every call returns at once.

use super::snapshot::{Counts, SnapshotEncoder, SnapshotFile};
use super::{SnapshotError, SnapshotInfo, Store};
use std::io;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::thread::JoinHandle;

/// Buffers in flight: enough for the thread to write one while the loop fills the next.
const POOL: usize = 4;
/// Most bytes a new buffer reserves up front.
const MAX_PREALLOC: usize = 16 << 20;

enum Chunk {
    Bytes(Vec<u8>),
    /// Everything is sent; finish with these record counts.
    End(Counts),
}

/// What one [`BackgroundSnapshot::step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A slice was copied and handed to the writer thread.
    Copied,
    /// Every buffer is with the writer thread; it wakes the caller when one comes back.
    Waiting,
    /// Everything is handed over; the thread is finishing the file (see `is_finished`).
    Handed,
}

/// A snapshot being written by its own thread.
pub struct BackgroundSnapshot {
    encoder: SnapshotEncoder,
    /// `None` once `End` is sent.
    chunks: Option<SyncSender<Chunk>>,
    free: Receiver<Vec<u8>>,
    spare: Option<Vec<u8>>,
    allocated: usize,
    /// The thread's outcome, sent before its last `notify`, so a woken loop always finds it.
    done: Receiver<Result<SnapshotInfo, SnapshotError>>,
    result: Option<Result<SnapshotInfo, SnapshotError>>,
    thread: JoinHandle<()>,
}

impl BackgroundSnapshot {
    /// Starts the writer thread for `path` as of `now`; `notify` runs on that thread whenever
    /// a buffer comes back and once the file is finished (or failed), to wake the loop.
    pub fn start(
        path: &Path,
        now: i64,
        notify: impl Fn() + Send + 'static,
    ) -> Result<BackgroundSnapshot, SnapshotError> {
        // One more than the pool, so neither the last buffer nor `End` can ever block.
        let (chunks, incoming) = mpsc::sync_channel(POOL + 1);
        let (give_back, free) = mpsc::channel();
        let (report, done) = mpsc::channel();
        let path = path.to_path_buf();
        let shown = path.clone();
        let thread = std::thread::Builder::new()
            .name("snapshot-writer".into())
            .spawn(move || {
                let result = write_chunks(&path, &incoming, &give_back, &notify);
                // The loop may be gone already (shutdown joins instead); nothing to tell then.
                let _ = report.send(result);
                notify();
            })
            .map_err(|error| SnapshotError::Io {
                path: shown.display().to_string(),
                error,
            })?;
        Ok(BackgroundSnapshot {
            encoder: SnapshotEncoder::new(now),
            chunks: Some(chunks),
            free,
            spare: None,
            allocated: 0,
            done,
            result: None,
            thread,
        })
    }

    /// Whether `step` would copy a slice now rather than wait.
    pub fn ready(&mut self) -> bool {
        if self.chunks.is_none() {
            return false;
        }
        if self.spare.is_none() {
            match self.free.try_recv() {
                Ok(buf) => self.spare = Some(buf),
                // Disconnected: the thread stopped early (an I/O error); `step` then stops
                // copying and `join` reports the error.
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
            }
        }
        self.spare.is_some() || self.allocated < POOL
    }

    /// Copies about `max_bytes` of records into a free buffer and hands it to the thread.
    pub fn step(&mut self, store: &Store, max_bytes: usize) -> Progress {
        // A thread that stopped early (an I/O error) takes nothing more; `join` says why.
        if self.chunks.is_none() || self.is_finished() {
            self.chunks = None;
            return Progress::Handed;
        }
        if !self.ready() {
            return Progress::Waiting;
        }
        let mut buf = match self.spare.take() {
            Some(buf) => buf,
            None => {
                self.allocated += 1;
                // A slice overshoots by at most one record, and the Vec grows for that; the
                // cap keeps a huge `max_bytes` from reserving memory it will not use.
                Vec::with_capacity(max_bytes.min(MAX_PREALLOC))
            }
        };
        buf.clear();
        let done = self.encoder.fill(store, &mut buf, max_bytes);
        let Some(chunks) = &self.chunks else {
            return Progress::Handed;
        };
        // A send fails only when the thread has stopped (an I/O error it will report); there
        // is nothing left to write to then.
        let _ = chunks.send(Chunk::Bytes(buf));
        if done {
            let _ = chunks.send(Chunk::End(self.encoder.counts()));
            self.chunks = None;
            return Progress::Handed;
        }
        Progress::Copied
    }

    /// The thread has its outcome: `join` will not wait for the disk.
    pub fn is_finished(&mut self) -> bool {
        if self.result.is_none() {
            self.result = self.done.try_recv().ok();
        }
        self.result.is_some()
    }

    /// Waits for the thread. Before everything was handed over this abandons the snapshot:
    /// the thread stops without renaming, and the previous snapshot stays in place.
    pub fn join(mut self) -> Result<SnapshotInfo, SnapshotError> {
        self.chunks = None;
        let result = self.result.take().or_else(|| self.done.recv().ok());
        // Returns at once: the thread has sent its outcome, or died without one.
        let _ = self.thread.join();
        result.unwrap_or_else(|| {
            Err(SnapshotError::Io {
                path: "snapshot writer thread".into(),
                error: io::Error::other("panicked; the previous snapshot is intact"),
            })
        })
    }
}

/// The writer thread: file creation, every chunk, then the durable finish.
fn write_chunks(
    path: &Path,
    incoming: &Receiver<Chunk>,
    give_back: &mpsc::Sender<Vec<u8>>,
    notify: &impl Fn(),
) -> Result<SnapshotInfo, SnapshotError> {
    let mut file = SnapshotFile::create(path)?;
    loop {
        match incoming.recv() {
            Ok(Chunk::Bytes(buf)) => {
                let written = file.write(&buf);
                // The loop may already be gone (shutdown): then the buffer is simply dropped.
                let _ = give_back.send(buf);
                notify();
                written?;
            }
            Ok(Chunk::End(counts)) => return file.finish(counts),
            Err(mpsc::RecvError) => {
                return Err(SnapshotError::Io {
                    path: file.tmp().display().to_string(),
                    error: io::Error::new(
                        io::ErrorKind::Interrupted,
                        "snapshot abandoned before it was complete; the previous one is intact",
                    ),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{config, TempDir, NOW};
    use crate::store::SnapshotWriter;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn store() -> Store {
        let mut s = Store::new(&config(1 << 20)).expect("fits");
        for i in 0..30 {
            s.insert(&format!("bg.m{i:02}"), NOW - 10, i as f64, NOW)
                .expect("fits");
        }
        s
    }

    /// Drives a snapshot to the end the way the loop does: step while ready, else wait for the
    /// thread's notification.
    fn run(store: &mut Store, path: &Path) -> (Result<SnapshotInfo, SnapshotError>, usize) {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let mut bg = BackgroundSnapshot::start(path, NOW, move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .expect("thread starts");
        let mut copied = 0;
        loop {
            match bg.step(store, 100) {
                Progress::Copied => {
                    copied += 1;
                    // Ingest goes on between slices.
                    if copied == 2 {
                        store.insert("bg.late", NOW, 99.0, NOW).expect("fits");
                    }
                }
                Progress::Waiting => std::thread::yield_now(),
                Progress::Handed => break,
            }
        }
        while !bg.is_finished() {
            std::thread::yield_now();
        }
        let result = bg.join();
        assert!(wakes.load(Ordering::SeqCst) > 0, "the thread notifies");
        (result, copied)
    }

    #[test]
    fn writes_what_the_synchronous_writer_writes() {
        let d = TempDir::new("bg-same");
        let mut s = store();
        let (info, copied) = run(&mut s, &d.0.join("bg.snapshot"));
        let info = info.expect("written");
        assert!(copied > 2, "small slices: {copied}");
        assert_eq!(info.metrics, 31, "the metric created mid-way is included");
        let mut w = SnapshotWriter::begin(&d.0.join("sync.snapshot"), NOW).expect("begin");
        while !w.step(&s, usize::MAX).expect("step") {}
        let sync = w.finish().expect("finish");
        assert_eq!(info, sync);
        assert_eq!(
            std::fs::read(d.0.join("bg.snapshot")).expect("renamed into place"),
            std::fs::read(d.0.join("sync.snapshot")).expect("written")
        );
        assert!(!d.0.join("bg.snapshot.tmp").exists());
    }

    #[test]
    fn the_last_wake_finds_the_outcome() {
        // The loop sleeps until woken; after the thread's final wake `is_finished` must hold,
        // or the loop would sleep on until its next timer.
        let d = TempDir::new("bg-wake");
        let s = store();
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let mut bg = BackgroundSnapshot::start(&d.0.join("store.snapshot"), NOW, move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .expect("thread starts");
        while bg.step(&s, usize::MAX) != Progress::Handed {
            std::thread::yield_now();
        }
        // One wake per buffer handed back, then the final one.
        while wakes.load(Ordering::SeqCst) < 2 {
            std::thread::yield_now();
        }
        assert!(bg.is_finished());
        bg.join().expect("written");
    }

    #[test]
    fn an_abandoned_snapshot_leaves_the_previous_one() {
        let d = TempDir::new("bg-abandon");
        let path = d.0.join("store.snapshot");
        std::fs::write(&path, b"previous").expect("writable");
        let s = store();
        let mut bg = BackgroundSnapshot::start(&path, NOW, || {}).expect("thread starts");
        assert_eq!(bg.step(&s, 100), Progress::Copied);
        assert!(bg.join().is_err(), "not complete");
        assert_eq!(std::fs::read(&path).expect("kept"), b"previous");
    }

    #[test]
    fn an_unwritable_directory_is_reported_by_join() {
        let d = TempDir::new("bg-missing");
        let path = d.0.join("no-such-dir").join("store.snapshot");
        let s = store();
        let mut bg = BackgroundSnapshot::start(&path, NOW, || {}).expect("thread starts");
        while bg.step(&s, 100) != Progress::Handed {
            std::thread::yield_now();
        }
        let err = bg.join().expect_err("cannot create the file");
        assert!(err.to_string().contains("no-such-dir"), "{err}");
    }
}
