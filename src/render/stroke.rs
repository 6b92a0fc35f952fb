//! Polyline stroking: turns a line of some width, with dashes, into polygon edges for the scan converter.
//!
//! Owns the stroke geometry only (segment bodies, mitre and bevel joins, butt caps, the dash walk); the
//! canvas paints the coverage afterwards. Must not allocate: the dash buffer is the canvas's.
//!
//! Each segment body and each join is its own convex piece, all wound the same way, filled together
//! under the non-zero rule: their union is the stroke outline cairo would build, without having to
//! untangle the inner side of joins.

use super::canvas::{Point, Stroke};
use super::raster::Coverage;

/// cairo's default mitre limit: a join whose mitre would reach past 10 half-widths is bevelled.
const MITER_LIMIT: f32 = 10.0;
/// A dash period shorter than this many pixels cannot show as dashes, only as a paler line, and would
/// cost one polygon per sub-pixel dash: such patterns stroke solid.
const MIN_DASH_PERIOD: f32 = 1.0;
/// Points closer than this are the same point for direction purposes.
const MIN_SEGMENT: f32 = 1e-4;

pub(crate) fn stroke(
    cov: &mut Coverage,
    dash_points: &mut Vec<Point>,
    points: &[Point],
    style: &Stroke,
) {
    let half = style.width / 2.0;
    let dashed = !style.dash.is_empty()
        && style.dash.iter().all(|d| d.is_finite() && *d >= 0.0)
        && style.dash.iter().sum::<f32>() >= MIN_DASH_PERIOD;
    // A non-finite point is a gap: each run between gaps is its own subpath, and like cairo's subpaths
    // each restarts the dash pattern.
    for run in points.split(|p| !(p.x.is_finite() && p.y.is_finite())) {
        if dashed {
            stroke_dashed(cov, dash_points, run, half, style.dash);
        } else {
            stroke_solid(cov, run, half);
        }
    }
}

fn stroke_solid(cov: &mut Coverage, run: &[Point], half: f32) {
    let Some(&first) = run.first() else { return };
    let mut start = first;
    let mut previous_dir: Option<Point> = None;
    for &p in &run[1..] {
        let (dx, dy) = (p.x - start.x, p.y - start.y);
        let len = (dx * dx + dy * dy).sqrt();
        if len < MIN_SEGMENT {
            continue;
        }
        let dir = Point::new(dx / len, dy / len);
        if let Some(before) = previous_dir {
            join(cov, start, before, dir, half);
        }
        let n = Point::new(-dir.y * half, dir.x * half);
        add_convex(
            cov,
            &[
                Point::new(start.x + n.x, start.y + n.y),
                Point::new(p.x + n.x, p.y + n.y),
                Point::new(p.x - n.x, p.y - n.y),
                Point::new(start.x - n.x, start.y - n.y),
            ],
        );
        previous_dir = Some(dir);
        start = p;
    }
}

/// The outer wedge between two segments meeting at `v`, mitred or bevelled.
fn join(cov: &mut Coverage, v: Point, a: Point, b: Point, half: f32) {
    let cross = a.x * b.y - a.y * b.x;
    let dot = a.x * b.x + a.y * b.y;
    if cross.abs() < 1e-6 && dot > 0.0 {
        return;
    }
    // Normals are the directions turned by +90°; a turn towards the normal has its outer side opposite.
    let side = if cross > 0.0 { -half } else { half };
    let (na, nb) = (Point::new(-a.y, a.x), Point::new(-b.y, b.x));
    let a_out = Point::new(v.x + side * na.x, v.y + side * na.y);
    let b_out = Point::new(v.x + side * nb.x, v.y + side * nb.y);
    // cos of half the turning angle = sin of half the angle between the segments, cairo's mitre test.
    let cos_half = ((1.0 + dot) / 2.0).max(0.0).sqrt();
    if cos_half * MITER_LIMIT >= 1.0 {
        // The mitre tip lies along the bisecting normal, at half / cos_half from the vertex.
        let k = side / (2.0 * cos_half * cos_half);
        let tip = Point::new(v.x + k * (na.x + nb.x), v.y + k * (na.y + nb.y));
        add_convex(cov, &[v, a_out, tip, b_out]);
    } else {
        add_convex(cov, &[v, a_out, b_out]);
    }
}

/// Walks the run along the dash pattern and strokes each "on" stretch as a solid polyline, joins included.
fn stroke_dashed(
    cov: &mut Coverage,
    dash_points: &mut Vec<Point>,
    run: &[Point],
    half: f32,
    dash: &[f32],
) {
    let Some(&first) = run.first() else { return };
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
                stroke_solid(cov, dash_points, half);
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
        stroke_solid(cov, dash_points, half);
    }
}

/// Adds a convex polygon's edges wound positively, so overlapping pieces add up instead of cancelling.
fn add_convex(cov: &mut Coverage, points: &[Point]) {
    let mut twice_area = 0.0;
    for i in 0..points.len() {
        let (p, q) = (points[i], points[(i + 1) % points.len()]);
        twice_area += p.x * q.y - q.x * p.y;
    }
    let n = points.len();
    for i in 0..n {
        let (p, q) = (points[i], points[(i + 1) % n]);
        if twice_area >= 0.0 {
            cov.add_edge(p, q);
        } else {
            cov.add_edge(q, p);
        }
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
        let mut buf = Vec::new();
        stroke(&mut cov, &mut buf, &pts, &Stroke { width, dash });
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
