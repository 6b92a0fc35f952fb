//! Snapshot files (layout in FORMAT.md): writing the store a slice at a time to `<path>.tmp`,
//! making it durable and atomic (fsync, rename, fsync the directory), and loading it back
//! straight into a new store's arena. Must never modify or delete an existing snapshot it
//! cannot read: the user decides what to do with it.

use super::archive;
use super::checksum::Checksum;
use super::{Event, SnapshotError, SnapshotInfo, Store};
use bincode::enc::Encoder;
use bincode::error::EncodeError;
use bincode::{Decode, Encode};
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

pub(super) const MAGIC: &[u8; 8] = b"PENCILSN";
pub(super) const VERSION: u32 = 2;
/// The format before events were kept: same layout with no event records and a shorter
/// trailer, so it still loads (as a store with no events).
pub(super) const VERSION_NO_EVENTS: u32 = 1;
pub(super) const HEADER_LEN: usize = 24;
pub(super) const TAG_METRIC: u8 = 1;
pub(super) const TAG_EVENT: u8 = 2;
pub(super) const TAG_END: u8 = 0;
/// Write buffer: large enough that the file sees few syscalls, small next to any store.
pub(super) const BUFFER: usize = 1 << 20;
/// Read-ahead for the small record headers; rings bypass it and land in the arena directly.
pub(super) const READ_AHEAD: usize = 64 << 10;
/// A metric record header (name, archives, heads) is tiny; a larger length prefix is damage, and
/// the limit keeps a damaged one from asking for gigabytes.
const RECORD_LIMIT: usize = 1 << 16;

pub(super) fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<RECORD_LIMIT>()
}

/// What a loaded snapshot held and what of it was kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Unix seconds when the snapshot was begun.
    pub created_at: i64,
    pub metrics_in_file: u64,
    pub loaded: u64,
    /// Metrics whose schema under the current config has different archives: their rings
    /// cannot be reused, so they start empty when their next point arrives.
    pub skipped_schema_changed: u64,
    /// Metrics beyond the current (smaller) budget.
    pub skipped_full: u64,
    /// Events loaded (all the file held).
    pub events: u64,
}

/// The bincode part of a metric record as it is read back.
#[derive(Decode)]
pub(super) struct MetricRecord {
    pub(super) name: String,
    /// The writer's schema index, for people reading a file; loading matches on `archives`.
    #[allow(dead_code)]
    pub(super) schema: u32,
    pub(super) archives: Vec<(u32, u32)>,
    pub(super) method: u8,
    pub(super) x_files_factor: f32,
    pub(super) heads: Vec<(i64, i64)>,
}

/// An event record as it is read back; written from a `&Event` field for field.
#[derive(Decode)]
pub(super) struct EventRecord {
    pub(super) id: u64,
    pub(super) when: i64,
    pub(super) what: String,
    pub(super) data: String,
    pub(super) tags: String,
}

struct EventOut<'a>(&'a Event);

impl Encode for EventOut<'_> {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        let ev = self.0;
        ev.id.encode(e)?;
        ev.when.encode(e)?;
        ev.what.encode(e)?;
        ev.data.encode(e)?;
        ev.tags.encode(e)
    }
}

/// The same record encoded from the store without copying it, field for field as
/// `MetricRecord` (bincode writes a struct as its fields in order, a slice as its length then
/// its items).
struct RecordOut<'a> {
    store: &'a Store,
    id: usize,
}

impl Encode for RecordOut<'_> {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        let m = &self.store.metrics[self.id];
        let layout = &self.store.layouts[m.layout];
        self.store.index.name(self.id as u32).encode(e)?;
        (m.layout as u32).encode(e)?;
        (layout.archives.len() as u64).encode(e)?;
        for a in &layout.archives {
            (a.step, a.points).encode(e)?;
        }
        archive::method_code(m.agg.method).encode(e)?;
        m.agg.x_files_factor.encode(e)?;
        let heads = &self.store.heads[m.first_head..m.first_head + layout.archives.len()];
        (heads.len() as u64).encode(e)?;
        for h in heads {
            (h.newest, h.oldest_valid).encode(e)?;
        }
        Ok(())
    }
}

/// Writes a snapshot a slice at a time so the event loop keeps draining sockets in between.
/// Holds no borrow of the store, so `finish` can run on another thread.
pub struct SnapshotWriter {
    path: PathBuf,
    tmp: PathBuf,
    file: File,
    buf: Vec<u8>,
    sum: Checksum,
    next: usize,
    events: u64,
    bytes: u64,
    done: bool,
}

impl SnapshotWriter {
    /// Opens `<path>.tmp` and writes the header.
    pub fn begin(_store: &Store, path: &Path, now: i64) -> Result<SnapshotWriter, SnapshotError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp).map_err(|error| io_error(&tmp, error))?;
        let mut buf = Vec::with_capacity(BUFFER + HEADER_LEN);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&VERSION.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&now.to_le_bytes());
        Ok(SnapshotWriter {
            path: path.to_path_buf(),
            tmp,
            file,
            buf,
            sum: Checksum::new(),
            next: 0,
            events: 0,
            bytes: 0,
            done: false,
        })
    }

    /// Writes about `max_bytes` more (at least one metric); `Ok(true)` once everything is
    /// written (not yet durable). Metrics created since `begin` are included. The event log
    /// goes in the last step, all at once, so it is one consistent picture (it is at most
    /// `MAX_LOG_TEXT` bytes, a few milliseconds of writing).
    pub fn step(&mut self, store: &Store, max_bytes: usize) -> Result<bool, SnapshotError> {
        if self.done {
            return Ok(true);
        }
        let before = self.bytes + self.buf.len() as u64;
        while self.next < store.metrics.len() {
            self.write_metric(store, self.next)?;
            self.next += 1;
            if self.bytes + self.buf.len() as u64 - before >= max_bytes as u64 {
                return Ok(false);
            }
        }
        for event in store.events.iter() {
            self.buf.push(TAG_EVENT);
            bincode::encode_into_std_write(
                EventOut(event),
                &mut self.buf,
                bincode::config::standard(),
            )
            .map_err(|e| io_error(&self.tmp, io::Error::other(e.to_string())))?;
            self.events += 1;
            self.flush_if_full()?;
        }
        self.buf.push(TAG_END);
        self.buf
            .extend_from_slice(&(self.next as u64).to_le_bytes());
        self.buf.extend_from_slice(&self.events.to_le_bytes());
        self.buf
            .extend_from_slice(&store.events.next_id().to_le_bytes());
        self.flush()?;
        let sum = std::mem::replace(&mut self.sum, Checksum::new()).finish();
        self.file
            .write_all(&sum.to_le_bytes())
            .map_err(|error| io_error(&self.tmp, error))?;
        self.bytes += 8;
        self.done = true;
        Ok(true)
    }

    /// fsync, rename over `path`, fsync the directory. Blocking; `app` runs it off the loop.
    pub fn finish(self) -> Result<SnapshotInfo, SnapshotError> {
        if !self.done {
            let error = io::Error::new(
                io::ErrorKind::InvalidInput,
                "finish called before step returned true",
            );
            return Err(io_error(&self.tmp, error));
        }
        self.file
            .sync_all()
            .map_err(|error| io_error(&self.tmp, error))?;
        drop(self.file);
        std::fs::rename(&self.tmp, &self.path).map_err(|error| io_error(&self.path, error))?;
        // The rename is only durable once the directory entry is.
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|error| io_error(dir, error))?;
        Ok(SnapshotInfo {
            bytes: self.bytes,
            metrics: self.next as u64,
            events: self.events,
        })
    }

    fn write_metric(&mut self, store: &Store, id: usize) -> Result<(), SnapshotError> {
        self.buf.push(TAG_METRIC);
        let record = RecordOut { store, id };
        bincode::encode_into_std_write(&record, &mut self.buf, bincode::config::standard())
            .map_err(|e| io_error(&self.tmp, io::Error::other(e.to_string())))?;
        let m = &store.metrics[id];
        let rings = &store.arena[m.offset..m.offset + store.layouts[m.layout].slots()];
        if cfg!(target_endian = "big") {
            for chunk in rings.chunks(BUFFER / 8) {
                self.buf.extend(chunk.iter().flat_map(|v| v.to_le_bytes()));
                self.flush_if_full()?;
            }
        } else if rings.len() * 8 < BUFFER / 4 {
            self.buf.extend_from_slice(bytes_of(rings));
            self.flush_if_full()?;
        } else {
            // Large rings go from the arena to the kernel without a copy in between.
            self.flush()?;
            let bytes = bytes_of(rings);
            self.sum.update(bytes);
            self.file
                .write_all(bytes)
                .map_err(|error| io_error(&self.tmp, error))?;
            self.bytes += bytes.len() as u64;
        }
        Ok(())
    }

    fn flush_if_full(&mut self) -> Result<(), SnapshotError> {
        if self.buf.len() >= BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SnapshotError> {
        self.sum.update(&self.buf);
        self.file
            .write_all(&self.buf)
            .map_err(|error| io_error(&self.tmp, error))?;
        self.bytes += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }
}

/// The memory of `values` as bytes: the file's little-endian f64s on little-endian machines,
/// which lets snapshots move rings without converting them (big-endian ones convert).
pub(super) fn bytes_of(values: &[f64]) -> &[u8] {
    // SAFETY: f64 has no padding and u8 needs no alignment, so the slice's memory is exactly
    // size_of_val(values) initialised bytes, borrowed for as long as `values` is.
    unsafe {
        std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), std::mem::size_of_val(values))
    }
}

pub(super) fn bytes_of_mut(values: &mut [f64]) -> &mut [u8] {
    // SAFETY: as in `bytes_of`; and every bit pattern is a valid f64, so whatever bytes are
    // written through the view leave `values` valid.
    unsafe {
        std::slice::from_raw_parts_mut(
            values.as_mut_ptr().cast::<u8>(),
            std::mem::size_of_val(values),
        )
    }
}

pub(super) fn io_error(path: &Path, error: io::Error) -> SnapshotError {
    SnapshotError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// A reader that hashes every byte it hands out, so the checksum covers exactly what was parsed.
pub(super) struct Hashing<R> {
    pub(super) inner: R,
    pub(super) sum: Checksum,
    pub(super) pos: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sum.update(&buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const KEPT: &str =
            "pencil left the file untouched; move it away to start with an empty store";
        match self {
            SnapshotError::Io { path, error } => {
                write!(f, "snapshot {path}: {error} (check the data directory's permissions and free space)")
            }
            SnapshotError::Version { path, found } => write!(
                f,
                "snapshot {path}: {found}, expected a pencil snapshot of format version \
                 {VERSION_NO_EVENTS} or {VERSION}; \
                 {KEPT}, or run the pencil version that wrote it"
            ),
            SnapshotError::Checksum { path } => {
                write!(
                    f,
                    "snapshot {path}: checksum mismatch, the file is damaged; {KEPT}"
                )
            }
            SnapshotError::Corrupt { path, message } => {
                write!(f, "snapshot {path}: {message}; {KEPT}")
            }
        }
    }
}

impl std::error::Error for SnapshotError {}
