//! Shared time value types. Only `app` reads the clock; everything else takes `now` as an argument.

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// Reads the wall clock. Only `app` (and `main` for start-up messages) may call this.
pub fn wall_clock_now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
