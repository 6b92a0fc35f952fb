//! Reading one metric as whisper's fetch does (graphite.md 2.6): which archive answers, which
//! window of intervals comes back, and nulls wherever the ring holds nothing valid.
//! Read only: never moves a ring head or allocates beyond the returned values.

use super::{ring, ring_of, Store};
use crate::series::Series;

/// whisper's answer window for `[from, until)` once clamped: `(start, end)` exclusive, in steps.
/// The slot containing `from` is skipped and the one containing `until` included, as whisper does.
pub(crate) fn window(from: i64, until: i64, step: i64) -> (i64, i64) {
    let start = from.div_euclid(step) * step + step;
    let end = until.div_euclid(step) * step + step;
    if start == end {
        (start, end + step)
    } else {
        (start, end)
    }
}

impl Store {
    /// `None` where whisper returns None (the range is in the future or older than the
    /// longest retention), so the caller omits the series. Expects `from <= until`.
    pub(super) fn fetch_one(
        &self,
        id: usize,
        name: String,
        from: i64,
        until: i64,
        now: i64,
    ) -> Option<Series> {
        let m = &self.metrics[id];
        let layout = &self.layouts[m.layout];
        let oldest = now.saturating_sub(layout.max_retention());
        if from > now || until < oldest {
            return None;
        }
        let (from, until) = (from.max(oldest), until.min(now));
        // Exists: from >= oldest, so the longest archive covers now - from.
        let archive = layout.archive_for_age(now - from)?;
        let step = layout.step(archive);
        let (start, end) = window(from, until, step);
        let ring = ring_of(&self.arena, m, layout, archive);
        let head = &self.heads[m.first_head + archive];
        // `window` returns start <= end, so the count is not negative.
        let values =
            ring::read_run(ring, head, step, start, ((end - start) / step) as usize).collect();
        Some(Series::new(name, start, step, values))
    }
}

#[cfg(test)]
mod tests {
    use super::window;

    macro_rules! case {
        ($from:expr, $until:expr, $step:expr => $start:expr, $end:expr) => {
            assert_eq!(
                window($from, $until, $step),
                ($start, $end),
                "window({}, {}, {})",
                $from,
                $until,
                $step
            );
        };
    }

    #[test]
    fn whisper_windows() {
        // from = now - 600 with now = 6000 on 60 s: first ts now - 540, last ts now (graphite.md 2.6).
        case!(5400, 6000, 60 => 5460, 6060);
        case!(5400, 6000, 10 => 5410, 6010);
        case!(5401, 6005, 10 => 5410, 6010);
        case!(5400, 5400, 60 => 5460, 5520);
        case!(5400, 5430, 60 => 5460, 5520);
        case!(-65, -5, 60 => -60, 0);
    }
}
