//! Reading a snapshot back (FORMAT.md) into a new store sized by the current config: header
//! checks, one record at a time with ring bytes read straight into the arena, the event log,
//! then the trailer's counts and checksum. Version 1 files (no events) still load. Opens the file read-only: a snapshot it refuses stays as it was.

use super::archive;
use super::checksum::Checksum;
use super::events::{Event, EventLog};
use super::ring::RingHead;
use super::snapshot::{self, EventRecord, Hashing, LoadReport, MetricRecord};
use super::{SnapshotError, Store};
use crate::config::{Retention, StoreConfig};
use bincode::error::DecodeError;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// Loads the snapshot at `path` into a new store sized by `cfg`; `Ok(None)` when there is none.
pub fn load(path: &Path, cfg: &StoreConfig) -> Result<Option<Store>, SnapshotError> {
    let shown = path.display().to_string();
    let file = match File::open(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(SnapshotError::Io { path: shown, error }),
        Ok(file) => file,
    };
    let len = file
        .metadata()
        .map_err(|error| SnapshotError::Io {
            path: shown.clone(),
            error,
        })?
        .len();
    let store = Store::new(cfg).map_err(|e| SnapshotError::Io {
        path: shown.clone(),
        error: io::Error::new(io::ErrorKind::InvalidInput, e.0),
    })?;
    let mut loader = Loader {
        r: Hashing {
            inner: BufReader::with_capacity(snapshot::READ_AHEAD, file),
            sum: Checksum::new(),
            pos: 0,
        },
        path: shown,
        len,
        store,
        scratch: vec![0; snapshot::READ_AHEAD],
        report: LoadReport::default(),
        version: snapshot::VERSION,
        events: Vec::new(),
    };
    loader.header()?;
    loader.records()?;
    loader.store.load_report = Some(loader.report);
    Ok(Some(loader.store))
}

struct Loader {
    r: Hashing<BufReader<File>>,
    path: String,
    len: u64,
    store: Store,
    /// Header bytes and skipped rings pass through here.
    scratch: Vec<u8>,
    report: LoadReport,
    version: u32,
    /// Event records as read; checked as a whole at the trailer.
    events: Vec<Event>,
}

impl Loader {
    fn corrupt(&self, message: impl Into<String>) -> SnapshotError {
        SnapshotError::Corrupt {
            path: self.path.clone(),
            message: message.into(),
        }
    }

    fn truncated(&self) -> SnapshotError {
        self.corrupt(format!(
            "the file ends early at byte {}: it was cut short (an interrupted copy?) or a length in it is damaged",
            self.r.pos
        ))
    }

    fn read_exact(&mut self, n: usize) -> Result<&[u8], SnapshotError> {
        match self.r.read_exact(&mut self.scratch[..n]) {
            Ok(()) => Ok(&self.scratch[..n]),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.truncated()),
            Err(error) => Err(SnapshotError::Io {
                path: self.path.clone(),
                error,
            }),
        }
    }

    fn u64_le(&mut self) -> Result<u64, SnapshotError> {
        let b = self.read_exact(8)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    fn header(&mut self) -> Result<(), SnapshotError> {
        let b = self.read_exact(snapshot::HEADER_LEN)?.to_vec();
        if &b[..8] != snapshot::MAGIC {
            return Err(SnapshotError::Version {
                path: self.path.clone(),
                found: format!(
                    "magic {:?} instead of \"PENCILSN\"",
                    String::from_utf8_lossy(&b[..8])
                ),
            });
        }
        let word = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let (version, flags) = (word(8), word(12));
        let known = [snapshot::VERSION, snapshot::VERSION_NO_EVENTS];
        if !known.contains(&version) || flags != 0 {
            return Err(SnapshotError::Version {
                path: self.path.clone(),
                found: format!("format version {version} with flags {flags:#x}"),
            });
        }
        self.version = version;
        self.report.created_at =
            i64::from_le_bytes([b[16], b[17], b[18], b[19], b[20], b[21], b[22], b[23]]);
        Ok(())
    }

    fn records(&mut self) -> Result<(), SnapshotError> {
        loop {
            let tag = self.read_exact(1)?[0];
            match tag {
                snapshot::TAG_METRIC => {
                    let record = match bincode::decode_from_std_read(
                        &mut self.r,
                        snapshot::bincode_config(),
                    ) {
                        Ok(record) => record,
                        Err(e) => return Err(self.undecodable(e)),
                    };
                    self.metric(record)?;
                    self.report.metrics_in_file += 1;
                }
                snapshot::TAG_EVENT if self.version >= snapshot::VERSION => {
                    let record: EventRecord = match bincode::decode_from_std_read(
                        &mut self.r,
                        snapshot::bincode_config(),
                    ) {
                        Ok(record) => record,
                        Err(e) => return Err(self.undecodable(e)),
                    };
                    self.events.push(Event::new(
                        record.id,
                        record.when,
                        record.what,
                        record.data,
                        record.tags,
                    ));
                }
                snapshot::TAG_END => return self.trailer(),
                other => return Err(self.undecodable_at(format!("unknown record tag {other}"))),
            }
        }
    }

    fn trailer(&mut self) -> Result<(), SnapshotError> {
        let count = self.u64_le()?;
        let (event_count, next_id) = if self.version >= snapshot::VERSION {
            (self.u64_le()?, self.u64_le()?)
        } else {
            (0, 1)
        };
        let want = std::mem::replace(&mut self.r.sum, Checksum::new()).finish();
        let found = self.u64_le()?;
        if found != want {
            return Err(SnapshotError::Checksum {
                path: self.path.clone(),
            });
        }
        if count != self.report.metrics_in_file {
            return Err(self.corrupt(format!(
                "the trailer counts {count} metrics but {} were read",
                self.report.metrics_in_file
            )));
        }
        if self.r.pos != self.len {
            return Err(self.corrupt(format!(
                "{} bytes follow the trailer",
                self.len - self.r.pos
            )));
        }
        if event_count != self.events.len() as u64 {
            return Err(self.corrupt(format!(
                "the trailer counts {event_count} events but {} were read",
                self.events.len()
            )));
        }
        let events = std::mem::take(&mut self.events);
        self.report.events = events.len() as u64;
        self.store.events = EventLog::restored(events, next_id)
            .map_err(|message| self.corrupt(format!("event log: {message}")))?;
        Ok(())
    }

    /// A decode error mid-file is truncation when the file ran out; otherwise damage, which the
    /// checksum names more precisely if the trailer still reads.
    fn undecodable(&mut self, e: DecodeError) -> SnapshotError {
        match e {
            DecodeError::UnexpectedEnd { .. } => self.truncated(),
            DecodeError::Io { inner, .. } if inner.kind() == io::ErrorKind::UnexpectedEof => {
                self.truncated()
            }
            DecodeError::Io { inner, .. } => SnapshotError::Io {
                path: self.path.clone(),
                error: inner,
            },
            other => self.undecodable_at(format!("undecodable record: {other}")),
        }
    }

    /// Hashes the rest of the file up to the stored checksum: a mismatch means the bytes were
    /// damaged (Checksum); a match means a writer bug or a hand-made file (Corrupt).
    fn undecodable_at(&mut self, message: String) -> SnapshotError {
        let message = format!("{message} at byte {}", self.r.pos);
        let Some(mut rest) = self.len.checked_sub(self.r.pos + 8) else {
            return self.corrupt(message);
        };
        while rest > 0 {
            let n = rest.min(self.scratch.len() as u64) as usize;
            if let Err(e) = self.read_exact(n) {
                return e;
            }
            rest -= n as u64;
        }
        let want = std::mem::replace(&mut self.r.sum, Checksum::new()).finish();
        match self.u64_le() {
            Ok(found) if found != want => SnapshotError::Checksum {
                path: self.path.clone(),
            },
            Ok(_) => self.corrupt(message),
            Err(e) => e,
        }
    }

    fn metric(&mut self, rec: MetricRecord) -> Result<(), SnapshotError> {
        let archives: Vec<Retention> = (rec.archives.iter())
            .map(|&(step, points)| Retention { step, points })
            .collect();
        if archive::method_from_code(rec.method).is_none() {
            return Err(self.undecodable_at(format!(
                "unknown aggregation method {} for {:?}",
                rec.method, rec.name
            )));
        }
        let layout = match archive::Layout::new(&rec.name, &archives) {
            Ok(layout) => layout,
            Err(e) => {
                return Err(self.undecodable_at(format!("archives of metric {:?}: {e}", rec.name)))
            }
        };
        let heads: Vec<RingHead> = (rec.heads.iter())
            .map(|&(newest, oldest_valid)| RingHead {
                newest,
                oldest_valid,
            })
            .collect();
        let consistent = heads.len() == archives.len()
            && (heads.iter().enumerate())
                .all(|(i, h)| h.is_consistent(layout.step(i), archives[i].points as usize));
        if rec.name.is_empty() || !consistent || !(0.0..=1.0).contains(&rec.x_files_factor) {
            return Err(
                self.undecodable_at(format!("inconsistent metric record for {:?}", rec.name))
            );
        }
        if self.store.index.get(&rec.name).is_some() {
            return Err(self.undecodable_at(format!("metric {:?} appears twice", rec.name)));
        }
        let current = self.store.layout_for(&rec.name);
        if self.store.layouts[current].archives != archives {
            self.report.skipped_schema_changed += 1;
            return self.skip(layout.slots());
        }
        // The config is the source of truth for aggregation, as for schemas (FORMAT.md).
        let agg = self.store.agg_for(&rec.name);
        let Some(id) = self.store.add_metric(&rec.name, current, agg) else {
            self.report.skipped_full += 1;
            return self.skip(layout.slots());
        };
        let m = self.store.metrics[id as usize];
        self.store.heads[m.first_head..m.first_head + heads.len()].copy_from_slice(&heads);
        let ring = &mut self.store.arena[m.offset..m.offset + layout.slots()];
        let read = self.r.read_exact(snapshot::bytes_of_mut(ring));
        if cfg!(target_endian = "big") {
            for v in ring.iter_mut() {
                *v = f64::from_bits(u64::from_le(v.to_bits()));
            }
        }
        match read {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(self.truncated()),
            Err(error) => {
                return Err(SnapshotError::Io {
                    path: self.path.clone(),
                    error,
                })
            }
        }
        self.report.loaded += 1;
        Ok(())
    }

    /// Reads (and hashes) a record's rings without keeping them.
    fn skip(&mut self, slots: usize) -> Result<(), SnapshotError> {
        let mut rest = slots * 8;
        while rest > 0 {
            let n = rest.min(self.scratch.len());
            self.read_exact(n)?;
            rest -= n;
        }
        Ok(())
    }
}
