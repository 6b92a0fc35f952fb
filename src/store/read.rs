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
        let mut values = Vec::with_capacity(((end - start) / step) as usize);
        read_window(ring, head, step, start, end, &mut values);
        Some(Series::new(name, start, step, values))
    }
}

/// Appends the value of every interval in `[start, end)` (multiples of `step`) to `out`, exactly
/// as `ring::read` one interval at a time would, but as at most four slice copies: nulls before
/// the valid window, the window's slots (wrapping once at the ring's end), nulls after it. A
/// day of 10 s points for a thousand series is 8.6 M reads, and a division per read was most of
/// the fetch.
pub(crate) fn read_window(
    ring: &[f64],
    head: &ring::RingHead,
    step: i64,
    start: i64,
    end: i64,
    out: &mut Vec<f64>,
) {
    let count = ((end - start) / step).max(0) as usize;
    let base = out.len();
    // The valid part of the window, as interval indices `[lo, hi)` from `start`.
    let first = head.oldest_valid.max(start);
    let last = head.newest.min(start + (count as i64 - 1) * step);
    if count == 0 || head.is_empty() || first > last || ring.is_empty() {
        out.resize(base + count, f64::NAN);
        return;
    }
    // Both ends are multiples of `step` (the window is aligned and so are heads), so the
    // divisions are exact; rounding `first` up keeps an unaligned head from reading outside it.
    let lo = (first - start + step - 1).div_euclid(step) as usize;
    let hi = ((last - start).div_euclid(step) + 1) as usize;
    if lo >= hi {
        out.resize(base + count, f64::NAN);
        return;
    }
    out.resize(base + lo, f64::NAN);
    let n = ring.len();
    let mut slot = ring::slot(start + lo as i64 * step, step, n);
    let mut left = hi - lo;
    while left > 0 {
        let take = left.min(n - slot);
        out.extend_from_slice(&ring[slot..slot + take]);
        left -= take;
        slot = 0;
    }
    out.resize(base + count, f64::NAN);
}

#[cfg(test)]
mod tests {
    use super::{read_window, ring, window};
    use proptest::prelude::*;

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

    proptest! {
        /// The window copy agrees with reading one interval at a time, for any head (aligned or
        /// not, wrapping or not) and any window.
        #[test]
        fn window_copy_agrees_with_point_reads(
            n in 1usize..12,
            step in 1i64..5,
            newest in -40i64..40,
            span in 0i64..12,
            start in -60i64..60,
            count in 0i64..30,
            empty in any::<bool>(),
        ) {
            let ring: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
            let newest = newest * step;
            let head = if empty {
                ring::RingHead::EMPTY
            } else {
                ring::RingHead {
                    newest,
                    oldest_valid: newest - span.min(n as i64 - 1) * step,
                }
            };
            let end = start + count * step;
            let mut got = vec![7.0];
            read_window(&ring, &head, step, start, end, &mut got);
            let want: Vec<f64> = std::iter::once(7.0)
                .chain((0..count).map(|i| ring::read(&ring, &head, step, start + i * step)))
                .collect();
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!(g.to_bits() == w.to_bits(), "{:?} vs {:?}", got, want);
            }
        }
    }
}
