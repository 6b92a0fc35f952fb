//! The event loop: one mio `Poll` owns the ingest sockets, the store, the HTTP hand-over channel,
//! the snapshot and self-metrics timers and the signals. Does not parse protocol bytes or format
//! responses.

use crate::config::Config;

/// Why pencil could not start or had to stop.
#[derive(Debug)]
pub struct AppError(pub String);

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn run(_cfg: Config) -> Result<(), AppError> {
    todo!()
}
