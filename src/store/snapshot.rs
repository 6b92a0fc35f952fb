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
/// Bytes `SnapshotWriter`'s buffer reserves up front: a slice is about `max_bytes` plus one
/// record, so a larger slice grows it once; small next to any store.
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

/// Turns the store into snapshot bytes a slice at a time: the header, whole metric records, the
/// event records, the trailer's tag, counts and next event id. Knows no files; the checksum is
/// the sink's ([`SnapshotFile`]), since it covers exactly the bytes written. Holds no borrow of
/// the store, so ingest goes on between slices.
pub(super) struct SnapshotEncoder {
    now: i64,
    started: bool,
    next: usize,
    events: u64,
    done: bool,
}

impl SnapshotEncoder {
    pub fn new(now: i64) -> SnapshotEncoder {
        SnapshotEncoder {
            now,
            started: false,
            next: 0,
            events: 0,
            done: false,
        }
    }

    /// Appends about `max_bytes` to `out` (whole records, at least one); `true` once the
    /// trailer's tag, counts and next id are appended. A record is the metric's heads and rings
    /// copied in one go, so each metric is self-consistent. Metrics created since the first call
    /// are included. The event log goes in the last slice, all at once, so it is one consistent
    /// picture (it is at most `MAX_LOG_TEXT` bytes, a few milliseconds of copying).
    pub fn fill(&mut self, store: &Store, out: &mut Vec<u8>, max_bytes: usize) -> bool {
        if self.done {
            return true;
        }
        let before = out.len();
        if !self.started {
            out.extend_from_slice(MAGIC);
            out.extend_from_slice(&VERSION.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&self.now.to_le_bytes());
            self.started = true;
        }
        while self.next < store.metrics.len() {
            encode_metric(store, self.next, out);
            self.next += 1;
            if out.len() - before >= max_bytes {
                return false;
            }
        }
        for event in store.events.iter() {
            out.push(TAG_EVENT);
            // Cannot fail: as for metric records, into a Vec.
            bincode::encode_into_std_write(EventOut(event), out, bincode::config::standard())
                .expect("encoding an event record into memory");
            self.events += 1;
        }
        out.push(TAG_END);
        out.extend_from_slice(&(self.next as u64).to_le_bytes());
        out.extend_from_slice(&self.events.to_le_bytes());
        out.extend_from_slice(&store.events.next_id().to_le_bytes());
        self.done = true;
        true
    }

    /// Records appended so far.
    pub fn counts(&self) -> Counts {
        Counts {
            metrics: self.next as u64,
            events: self.events,
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// How many records a snapshot holds, for [`SnapshotInfo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Counts {
    pub metrics: u64,
    pub events: u64,
}

fn encode_metric(store: &Store, id: usize, out: &mut Vec<u8>) {
    out.push(TAG_METRIC);
    let record = RecordOut { store, id };
    // Cannot fail: a Vec's Write never errors, and the record is integers, a float and a
    // string, which bincode's standard config (no size limit on writing) always encodes.
    bincode::encode_into_std_write(&record, out, bincode::config::standard())
        .expect("encoding a metric record into memory");
    let m = &store.metrics[id];
    let rings = &store.arena[m.offset..m.offset + store.layouts[m.layout].slots()];
    if cfg!(target_endian = "big") {
        out.extend(rings.iter().flat_map(|v| v.to_le_bytes()));
    } else {
        out.extend_from_slice(bytes_of(rings));
    }
}

/// The file side of a snapshot: `<path>.tmp` and the running checksum of what went into it;
/// `finish` makes it durable and atomically replaces `<path>`. Blocking I/O: `app` keeps it
/// off the event loop ([`BackgroundSnapshot`](super::BackgroundSnapshot)).
pub(super) struct SnapshotFile {
    path: PathBuf,
    tmp: PathBuf,
    file: File,
    sum: Checksum,
    bytes: u64,
}

impl SnapshotFile {
    /// Creates (or truncates) `<path>.tmp`.
    pub fn create(path: &Path) -> Result<SnapshotFile, SnapshotError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp).map_err(|error| io_error(&tmp, error))?;
        Ok(SnapshotFile {
            path: path.to_path_buf(),
            tmp,
            file,
            sum: Checksum::new(),
            bytes: 0,
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), SnapshotError> {
        self.sum.update(bytes);
        self.file
            .write_all(bytes)
            .map_err(|error| io_error(&self.tmp, error))?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Appends the checksum, fsyncs, renames over `path`, fsyncs the directory. `counts` are
    /// the encoder's, for the report.
    pub fn finish(mut self, counts: Counts) -> Result<SnapshotInfo, SnapshotError> {
        let sum = std::mem::replace(&mut self.sum, Checksum::new()).finish();
        self.file
            .write_all(&sum.to_le_bytes())
            .map_err(|error| io_error(&self.tmp, error))?;
        self.bytes += 8;
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
            metrics: counts.metrics,
            events: counts.events,
        })
    }

    /// The temporary file's path, for messages.
    pub(super) fn tmp(&self) -> &Path {
        &self.tmp
    }
}

/// Encoder and file on one thread: the shutdown snapshot, tests and benches. Each `step`
/// encodes about `max_bytes` and writes them before returning.
pub struct SnapshotWriter {
    encoder: SnapshotEncoder,
    file: SnapshotFile,
    buf: Vec<u8>,
}

impl SnapshotWriter {
    /// Opens `<path>.tmp`; the header goes out with the first step.
    pub fn begin(path: &Path, now: i64) -> Result<SnapshotWriter, SnapshotError> {
        Ok(SnapshotWriter {
            encoder: SnapshotEncoder::new(now),
            file: SnapshotFile::create(path)?,
            buf: Vec::with_capacity(BUFFER),
        })
    }

    /// Writes about `max_bytes` more (at least one metric); `Ok(true)` once everything is
    /// written (not yet durable). Metrics created since `begin` are included.
    pub fn step(&mut self, store: &Store, max_bytes: usize) -> Result<bool, SnapshotError> {
        self.buf.clear();
        let done = self.encoder.fill(store, &mut self.buf, max_bytes);
        self.file.write(&self.buf)?;
        Ok(done)
    }

    /// fsync, rename over `path`, fsync the directory.
    pub fn finish(self) -> Result<SnapshotInfo, SnapshotError> {
        if !self.encoder.is_done() {
            let error = io::Error::new(
                io::ErrorKind::InvalidInput,
                "finish called before step returned true",
            );
            return Err(io_error(self.file.tmp(), error));
        }
        self.file.finish(self.encoder.counts())
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
