//! One archive's ring of slots: which slot holds an interval, which intervals are valid, and how
//! a write moves the valid window. Pure functions on a slice and a small head; they never
//! allocate and never look at the clock or at other archives.
//!
//! The slot of interval `t` (already floored to `step`) is `(t / step) mod n`, epoch aligned, so
//! the arena's zeroed memory needs no initialisation: only slots whose interval lies in
//! `[oldest_valid, newest]` are ever read as data, everything else reads as null (NaN).

/// Where the valid window of one ring is. `EMPTY` until the first write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RingHead {
    /// Newest interval written.
    pub(crate) newest: i64,
    /// Oldest interval whose slot holds this ring's data (a value or NaN).
    pub(crate) oldest_valid: i64,
}

impl RingHead {
    /// A ring never written: the window is inverted so no interval is inside it.
    pub(crate) const EMPTY: RingHead = RingHead {
        newest: i64::MIN,
        oldest_valid: i64::MAX,
    };

    pub(crate) fn is_empty(&self) -> bool {
        self.oldest_valid > self.newest
    }

    fn holds(&self, t: i64) -> bool {
        self.oldest_valid <= t && t <= self.newest
    }

    /// True when a head read from a snapshot describes a window that fits a ring of `n` slots.
    pub(crate) fn is_consistent(&self, step: i64, n: usize) -> bool {
        if *self == RingHead::EMPTY {
            return true;
        }
        self.oldest_valid <= self.newest
            && self.newest.rem_euclid(step) == 0
            && self.oldest_valid.rem_euclid(step) == 0
            && ((self.newest - self.oldest_valid) / step) < n as i64
    }
}

/// The slot of interval `t` in a ring of `n` slots.
pub(crate) fn slot(t: i64, step: i64, n: usize) -> usize {
    // rem_euclid keeps pre-1970 intervals in range; the result is < n so the cast is lossless.
    t.div_euclid(step).rem_euclid(n as i64) as usize
}

/// The value stored for interval `t`, NaN when `t` is outside the valid window: the
/// one-at-a-time definition `read_run` is checked against.
#[cfg(test)]
pub(crate) fn read(ring: &[f64], head: &RingHead, step: i64, t: i64) -> f64 {
    if head.holds(t) {
        ring[slot(t, step, ring.len())]
    } else {
        f64::NAN
    }
}

/// The values of `count` consecutive intervals from `t` (floored to `step`), exactly as `read`
/// gives them one at a time. Consecutive intervals sit in consecutive slots (wrapping at the
/// end), so the slot is computed once: a rollup into 1h reads 60 slots per point, and two
/// integer divisions per slot were most of an insert's cost.
pub(crate) fn read_run<'a>(
    ring: &'a [f64],
    head: &RingHead,
    step: i64,
    t: i64,
    count: usize,
) -> impl Iterator<Item = f64> + 'a {
    let n = ring.len();
    let head = *head;
    let mut s = slot(t, step, n);
    let mut ti = t;
    (0..count).map(move |_| {
        let v = if head.holds(ti) { ring[s] } else { f64::NAN };
        s += 1;
        if s == n {
            s = 0;
        }
        ti = ti.saturating_add(step);
        v
    })
}

/// Makes interval `t` part of the valid window and returns its slot, clearing (to NaN) every slot
/// the window newly covers; `None` when `t` is more than `n - 1` steps older than the newest
/// interval, i.e. it would evict newer data.
pub(crate) fn claim(ring: &mut [f64], head: &mut RingHead, step: i64, t: i64) -> Option<usize> {
    let n = ring.len();
    let span = (n as i64 - 1) * step;
    if head.is_empty() {
        *head = RingHead {
            newest: t,
            oldest_valid: t,
        };
        let s = slot(t, step, n);
        ring[s] = f64::NAN;
        return Some(s);
    }
    if t > head.newest {
        let gap = (t - head.newest) / step;
        if gap >= n as i64 {
            ring.fill(f64::NAN);
        } else {
            let mut cleared = head.newest + step;
            while cleared <= t {
                ring[slot(cleared, step, n)] = f64::NAN;
                cleared += step;
            }
        }
        head.newest = t;
        head.oldest_valid = head.oldest_valid.max(t - span);
    } else if t < head.oldest_valid {
        if t < head.newest - span {
            return None;
        }
        let mut cleared = t;
        while cleared < head.oldest_valid {
            ring[slot(cleared, step, n)] = f64::NAN;
            cleared += step;
        }
        head.oldest_valid = t;
    }
    Some(slot(t, step, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The ring's meaning without slots: every accepted write, minus what fell out of the last
    /// `n` intervals before the newest one.
    struct Model {
        step: i64,
        n: i64,
        points: BTreeMap<i64, f64>,
        newest: Option<i64>,
    }

    impl Model {
        fn write(&mut self, t: i64, v: f64) -> bool {
            let newest = self.newest.map_or(t, |newest| newest.max(t));
            if t <= newest - self.n * self.step {
                return false;
            }
            self.newest = Some(newest);
            self.points.insert(t, v);
            let oldest = newest - (self.n - 1) * self.step;
            self.points.retain(|&k, _| k >= oldest);
            true
        }
        fn read(&self, t: i64) -> f64 {
            self.points.get(&t).copied().unwrap_or(f64::NAN)
        }
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn zeroed_ring_reads_null() {
        let ring = [0.0; 4];
        assert!(read(&ring, &RingHead::EMPTY, 10, 0).is_nan());
        assert!(read(&ring, &RingHead::EMPTY, 10, 30).is_nan());
    }

    #[test]
    fn gap_larger_than_ring_clears_everything() {
        let mut ring = [0.0; 4];
        let mut head = RingHead::EMPTY;
        for t in [0, 10, 20, 30] {
            let s = claim(&mut ring, &mut head, 10, t).expect("in window");
            ring[s] = t as f64;
        }
        let s = claim(&mut ring, &mut head, 10, 1000).expect("newer");
        ring[s] = 1.0;
        assert_eq!(
            head,
            RingHead {
                newest: 1000,
                oldest_valid: 970
            }
        );
        assert!(read(&ring, &head, 10, 970).is_nan());
        assert!(read(&ring, &head, 10, 990).is_nan());
        assert_eq!(read(&ring, &head, 10, 1000), 1.0);
        assert!(read(&ring, &head, 10, 30).is_nan());
    }

    #[test]
    fn too_old_for_the_ring_is_refused_and_changes_nothing() {
        let mut ring = [0.0; 3];
        let mut head = RingHead::EMPTY;
        let s = claim(&mut ring, &mut head, 60, 600).expect("first");
        ring[s] = 5.0;
        assert_eq!(claim(&mut ring, &mut head, 60, 420), None);
        assert_eq!(
            head,
            RingHead {
                newest: 600,
                oldest_valid: 600
            }
        );
        assert_eq!(claim(&mut ring, &mut head, 60, 480), Some(slot(480, 60, 3)));
        assert_eq!(
            head,
            RingHead {
                newest: 600,
                oldest_valid: 480
            }
        );
        assert!(read(&ring, &head, 60, 540).is_nan());
        assert_eq!(read(&ring, &head, 60, 600), 5.0);
    }

    #[test]
    fn negative_intervals_map_into_the_ring() {
        assert_eq!(slot(-10, 10, 4), 3);
        assert_eq!(slot(-40, 10, 4), 0);
        assert!(RingHead {
            newest: -10,
            oldest_valid: -30
        }
        .is_consistent(10, 3));
        assert!(!RingHead {
            newest: -10,
            oldest_valid: -40
        }
        .is_consistent(10, 3));
        assert!(!RingHead {
            newest: 5,
            oldest_valid: 0
        }
        .is_consistent(10, 3));
    }

    proptest! {
        #[test]
        fn ring_matches_model(
            n in 1usize..12,
            step in prop_oneof![Just(1i64), Just(10), Just(60)],
            base in -1000i64..1000,
            writes in proptest::collection::vec((0i64..60, -1e6f64..1e6), 0..80),
            reads in proptest::collection::vec((-5i64..70, 0usize..20), 1..10),
        ) {
            // Dirty memory proves the ring never reads a slot outside its window.
            let mut ring = vec![123.0; n];
            let mut head = RingHead::EMPTY;
            let mut model = Model { step, n: n as i64, points: BTreeMap::new(), newest: None };
            for (k, v) in writes {
                let t = (base + k) * step;
                let accepted = model.write(t, v);
                let claimed = claim(&mut ring, &mut head, step, t);
                prop_assert_eq!(accepted, claimed.is_some(), "write at {}", t);
                if let Some(s) = claimed {
                    ring[s] = v;
                }
                prop_assert!(head.is_consistent(step, n));
            }
            for (k, len) in reads {
                let run: Vec<f64> = read_run(&ring, &head, step, (base + k) * step, len).collect();
                prop_assert_eq!(run.len(), len);
                for i in 0..len as i64 {
                    let t = (base + k + i) * step;
                    let (got, want) = (read(&ring, &head, step, t), model.read(t));
                    prop_assert!(same(got, want), "t={} got {} want {}", t, got, want);
                    let got = run[i as usize];
                    prop_assert!(same(got, want), "run at t={} got {} want {}", t, got, want);
                }
            }
        }
    }
}
