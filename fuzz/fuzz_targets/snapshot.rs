//! Snapshot files (store/FORMAT.md) the loader must refuse or load, never panic on. Input: a
//! mode byte, then either the whole file (even mode) or edits to a valid snapshot of the fuzz
//! store (odd mode: a truncation length, then `(offset, byte)` pairs), so the fuzzer reaches
//! the records and the event log behind the header as well as the header checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil::store::{load, SnapshotWriter};
use pencil_fuzz::{config, small_store, NOW};
use std::path::PathBuf;
use std::sync::OnceLock;

static VALID: OnceLock<Vec<u8>> = OnceLock::new();

fn path() -> PathBuf {
    std::env::temp_dir().join(format!("pencil-fuzz-snapshot-{}", std::process::id()))
}

fn valid_snapshot() -> Vec<u8> {
    let store = small_store();
    let path = path();
    let mut writer = SnapshotWriter::begin(&path, NOW).expect("temp dir is writable");
    while !writer.step(&store, 4096).expect("temp dir is writable") {}
    writer.finish().expect("temp dir is writable");
    std::fs::read(&path).expect("the snapshot just written")
}

fuzz_target!(|data: &[u8]| {
    let valid = VALID.get_or_init(valid_snapshot);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let mut file = valid.clone();
        if let Some(&[a, b]) = rest.get(..2) {
            let keep = usize::from(u16::from_le_bytes([a, b]));
            if keep < file.len() {
                file.truncate(keep);
            }
        }
        for edit in rest.get(2..).unwrap_or(&[]).chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([edit[0], edit[1]]));
            if let Some(byte) = file.get_mut(at) {
                *byte = edit[2];
            }
        }
        file
    };
    let path = path();
    std::fs::write(&path, &file).expect("temp dir is writable");
    // Loading under a smaller config too: records that no longer fit must be refused cleanly.
    for memory in [1 << 20, 4096] {
        let _ = load(&path, &config(memory));
    }
});
