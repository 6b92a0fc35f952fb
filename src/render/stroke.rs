//! Polyline stroking: turns a line of some width, with dashes, into polygon edges for the scan converter.
//!
//! Owns the stroke geometry only (offset outlines, mitre and bevel joins, butt caps, the dash walk); the
//! canvas paints the coverage afterwards. Must not allocate once its buffers have grown: they are the
//! canvas's and are reused by every call.
//!
//! Each run becomes one closed outline: its left offset side forwards, its right offset side backwards.
//! At a join the outer side gets the mitre tip (or the two bevel corners) and the inner side the point
//! where both offset lines cross. When the segments are too short for that crossing to lie on them, the
//! inner side detours through the vertex instead, as cairo's stroker does: the outline then equals the
//! union of the segment bodies and the join wedge, overlapping where they overlap, which the non-zero
//! rule fills correctly.

use super::canvas::{Point, Stroke};
use super::raster::Coverage;

/// cairo's default mitre limit: a join whose mitre would reach past 10 half-widths is bevelled.
const MITER_LIMIT: f32 = 10.0;
/// A dash period shorter than this many pixels cannot show as dashes, only as a paler line, and would
/// cost one polygon per sub-pixel dash: such patterns stroke solid.
const MIN_DASH_PERIOD: f32 = 1.0;
/// Points closer than this are the same point for direction purposes.
const MIN_SEGMENT: f32 = 1e-4;

/// Reusable point buffers for the stroker.
#[derive(Default)]
pub(crate) struct Scratch {
    dash: Vec<Point>,
    left: Vec<Point>,
    right: Vec<Point>,
}

pub(crate) fn stroke(cov: &mut Coverage, scratch: &mut Scratch, points: &[Point], style: &Stroke) {
    let half = style.width / 2.0;
    let dashed = !style.dash.is_empty()
        && style.dash.iter().all(|d| d.is_finite() && *d >= 0.0)
        && style.dash.iter().sum::<f32>() >= MIN_DASH_PERIOD;
    // A non-finite point is a gap: each run between gaps is its own subpath, and like cairo's subpaths
    // each restarts the dash pattern.
    for run in points.split(|p| !(p.x.is_finite() && p.y.is_finite())) {
        if dashed {
            stroke_dashed(cov, scratch, run, half, style.dash);
        } else {
            stroke_solid(cov, &mut scratch.left, &mut scratch.right, run, half);
        }
    }
}

fn stroke_solid(
    cov: &mut Coverage,
    left: &mut Vec<Point>,
    right: &mut Vec<Point>,
    run: &[Point],
    half: f32,
) {
    let Some(&first) = run.first() else { return };
    left.clear();
    right.clear();
    let mut start = first;
    let mut previous: Option<(Point, f32)> = None;
    for &p in &run[1..] {
        let (dx, dy) = (p.x - start.x, p.y - start.y);
        let len = (dx * dx + dy * dy).sqrt();
        if len < MIN_SEGMENT {
            continue;
        }
        let dir = Point::new(dx / len, dy / len);
        match previous {
            None => push_pair(left, right, start, dir, half),
            Some((before, before_len)) => {
                join(left, right, start, (before, before_len), (dir, len), half)
            }
        }
        previous = Some((dir, len));
        start = p;
    }
    let Some((last_dir, _)) = previous else {
        return;
    };
    push_pair(left, right, start, last_dir, half);
    let mut from = right[0];
    for &p in left.iter().chain(right.iter().rev()) {
        cov.add_edge(from, p);
        from = p;
    }
}

/// Normals are directions turned by +90°; the left side is `v + half * normal`.
fn normal(d: Point) -> Point {
    Point::new(-d.y, d.x)
}

fn offset(v: Point, n: Point, k: f32) -> Point {
    Point::new(v.x + k * n.x, v.y + k * n.y)
}

/// A butt end, or a straight-through vertex: one point on each side.
fn push_pair(left: &mut Vec<Point>, right: &mut Vec<Point>, v: Point, dir: Point, half: f32) {
    let n = normal(dir);
    left.push(offset(v, n, half));
    right.push(offset(v, n, -half));
}

/// The outline points of the join at `v` between segment `a` (direction, length) and segment `b`.
fn join(
    left: &mut Vec<Point>,
    right: &mut Vec<Point>,
    v: Point,
    a: (Point, f32),
    b: (Point, f32),
    half: f32,
) {
    let ((da, len_a), (db, len_b)) = (a, b);
    let cross = da.x * db.y - da.y * db.x;
    let dot = da.x * db.x + da.y * db.y;
    if cross.abs() < 1e-6 && dot > 0.0 {
        push_pair(left, right, v, da, half);
        return;
    }
    let (na, nb) = (normal(da), normal(db));
    let bisector = Point::new(na.x + nb.x, na.y + nb.y);
    // Half the turning angle: its cosine is cairo's mitre test (1 / sin of half the angle between the
    // segments), its tangent how far along each segment the offset lines cross.
    let cos_half = ((1.0 + dot) / 2.0).max(0.0).sqrt();
    let sin_half = ((1.0 - dot) / 2.0).max(0.0).sqrt();
    // Where the offset lines cross, on the side of sign `k`: half / cos_half along the unit bisector.
    let crossing = |k: f32| offset(v, bisector, k * half / (2.0 * cos_half * cos_half));
    // A turn towards the normal (cross > 0) has its outer side opposite the normal, on the right.
    let (outer, inner, k_out) = if cross > 0.0 {
        (&mut *right, &mut *left, -1.0)
    } else {
        (&mut *left, &mut *right, 1.0)
    };
    if cos_half * MITER_LIMIT >= 1.0 {
        outer.push(crossing(k_out));
    } else {
        outer.push(offset(v, na, k_out * half));
        outer.push(offset(v, nb, k_out * half));
    }
    // Each join may use at most half of either segment, so neighbouring joins never overlap.
    let reach = half * sin_half / cos_half.max(1e-6);
    if cos_half > 1e-6 && reach <= 0.5 * len_a.min(len_b) {
        inner.push(crossing(-k_out));
    } else {
        inner.push(offset(v, na, -k_out * half));
        inner.push(v);
        inner.push(offset(v, nb, -k_out * half));
    }
}

/// Walks the run along the dash pattern and strokes each "on" stretch as a solid polyline, joins included.
fn stroke_dashed(
    cov: &mut Coverage,
    scratch: &mut Scratch,
    run: &[Point],
    half: f32,
    dash: &[f32],
) {
    let Some(&first) = run.first() else { return };
    let Scratch {
        dash: dash_points,
        left,
        right,
    } = scratch;
    // cairo doubles an odd-length pattern so that on and off alternate.
    let period = if dash.len().is_multiple_of(2) {
        dash.len()
    } else {
        2 * dash.len()
    };
    let mut k = 0;
    let mut remaining = dash[0];
    dash_points.clear();
    dash_points.push(first);
    let mut a = first;
    for &b in &run[1..] {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt();
        let mut walked = 0.0;
        while len - walked > remaining {
            walked += remaining;
            let t = walked / len;
            let p = Point::new(a.x + dx * t, a.y + dy * t);
            if k % 2 == 0 {
                dash_points.push(p);
                stroke_solid(cov, left, right, dash_points, half);
            }
            dash_points.clear();
            dash_points.push(p);
            k = (k + 1) % period;
            remaining = dash[k % dash.len()];
        }
        remaining -= len - walked;
        if k % 2 == 0 {
            dash_points.push(b);
        }
        a = b;
    }
    if k % 2 == 0 {
        stroke_solid(cov, left, right, dash_points, half);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::canvas::Rect;

    fn stroked(points: &[(f32, f32)], width: f32, dash: &[f32]) -> Vec<f32> {
        let mut cov = Coverage::new(40, 20);
        cov.set_clip(Rect::new(0, 0, 40, 20));
        let pts: Vec<Point> = points.iter().map(|&(x, y)| Point::new(x, y)).collect();
        stroke(
            &mut cov,
            &mut Scratch::default(),
            &pts,
            &Stroke { width, dash },
        );
        let mut out = vec![0.0; 40 * 20];
        cov.sweep(|i, c| out[i] += c);
        out
    }

    #[test]
    fn horizontal_line_covers_width_times_length() {
        let map = stroked(&[(5.0, 10.0), (35.0, 10.0)], 2.0, &[]);
        let total: f32 = map.iter().sum();
        assert!((total - 60.0).abs() < 0.01, "{total}");
        assert_eq!(map[9 * 40 + 20], 1.0);
        assert_eq!(map[10 * 40 + 20], 1.0);
        assert_eq!(map[11 * 40 + 20], 0.0);
    }

    #[test]
    fn joins_fill_the_outer_corner_without_gaps() {
        // A right angle mitres into a square corner: two arms, less the square where they overlap, plus
        // the outer corner square.
        let map = stroked(&[(5.0, 15.0), (20.0, 15.0), (20.0, 2.0)], 2.0, &[]);
        let total: f32 = map.iter().sum();
        assert!(
            (total - (15.0 * 2.0 + 13.0 * 2.0 - 1.0 + 1.0)).abs() < 0.05,
            "{total}"
        );
        assert_eq!(map[15 * 40 + 20], 1.0, "mitre corner pixel");
    }

    #[test]
    fn sharp_spike_is_bevelled_past_the_limit() {
        // A hairpin whose mitre would reach far beyond 10 half-widths stays short.
        let map = stroked(&[(5.0, 10.0), (30.0, 11.0), (5.0, 12.0)], 1.0, &[]);
        assert!(map[11 * 40 + 32..11 * 40 + 40].iter().all(|&c| c == 0.0));
    }

    #[test]
    fn dashes_alternate_and_carry_across_segments() {
        // 4 on, 2 off from x = 2: on [2,6) [8,12) [14,18); the corner at x = 10 falls inside a dash.
        let map = stroked(&[(2.0, 10.0), (10.0, 10.0), (18.0, 10.0)], 2.0, &[4.0, 2.0]);
        let row = |x: usize| map[10 * 40 + x];
        for x in [2, 5, 8, 10, 11, 14, 17] {
            assert_eq!(row(x), 1.0, "x={x} should be on");
        }
        for x in [6, 7, 12, 13, 18] {
            assert_eq!(row(x), 0.0, "x={x} should be off");
        }
    }

    #[test]
    fn odd_dash_pattern_is_doubled() {
        // [3] means 3 on, 3 off.
        let map = stroked(&[(0.0, 10.0), (12.0, 10.0)], 2.0, &[3.0]);
        let on: Vec<bool> = (0..12).map(|x| map[10 * 40 + x] > 0.5).collect();
        let want = [
            true, true, true, false, false, false, true, true, true, false, false, false,
        ];
        assert_eq!(on, want);
    }

    #[test]
    fn degenerate_input_draws_nothing() {
        assert!(stroked(&[(3.0, 3.0)], 2.0, &[]).iter().all(|&c| c == 0.0));
        assert!(stroked(&[(3.0, 3.0), (3.0, 3.0)], 2.0, &[])
            .iter()
            .all(|&c| c == 0.0));
        assert!(stroked(&[], 2.0, &[2.0, 1.0]).iter().all(|&c| c == 0.0));
    }

    #[test]
    fn short_zigzags_leave_no_holes() {
        // Wound pieces that cancelled instead of adding would punch holes at the vertices.
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..20 {
            let points: Vec<(f32, f32)> = (0..30)
                .map(|i| (5.5 + i as f32, rng.i32(3..17) as f32 + 0.5))
                .collect();
            let map = stroked(&points, 3.0, &[]);
            for &(x, y) in &points[1..points.len() - 1] {
                let c = map[y as usize * 40 + x as usize];
                assert!(c >= 0.45, "vertex ({x}, {y}) coverage {c} in {points:?}");
            }
        }
    }

    #[test]
    fn nan_point_splits_the_line() {
        let map = stroked(
            &[
                (2.0, 10.0),
                (10.0, 10.0),
                (f32::NAN, 0.0),
                (20.0, 10.0),
                (30.0, 10.0),
            ],
            2.0,
            &[],
        );
        assert_eq!(map[10 * 40 + 15], 0.0);
        assert_eq!(map[10 * 40 + 5], 1.0);
        assert_eq!(map[10 * 40 + 25], 1.0);
    }
}
