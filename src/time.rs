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

/// A time zone: UTC offsets over time, from the system's zoneinfo (`Tz::load`) or UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tz {
    pub name: String,
    /// `(first instant, offset seconds east of UTC)`, sorted by instant; empty means `fixed`.
    transitions: Vec<(i64, i32)>,
    fixed: i32,
}

impl Tz {
    pub fn utc() -> Tz {
        Tz {
            name: "UTC".to_string(),
            transitions: Vec::new(),
            fixed: 0,
        }
    }

    /// Seconds east of UTC in force at `ts`.
    pub fn offset_at(&self, ts: Timestamp) -> i32 {
        match self.transitions.partition_point(|&(at, _)| at <= ts) {
            0 => self.fixed,
            i => self.transitions[i - 1].1,
        }
    }
}
