//! The anti-aliasing scan converter: turns polygon edges into exact per-pixel area coverage.
//!
//! Owns the coverage accumulation buffer and nothing else: it knows neither colours nor pixels, it hands
//! (pixel index, coverage) pairs to a callback. Must not allocate per edge or per fill.
//!
//! Method: signed-area accumulation, as font rasterizers do. Each edge adds, to every cell it passes
//! through, the change in covered area it causes relative to the cell on its left; a prefix sum along
//! the row then yields the exact area of each pixel inside the polygon, weighted by winding number.
//! Non-zero winding is `min(|sum|, 1)`, which is exact wherever pieces do not overlap and over-covers a
//! little only in pixels cut by two overlapping boundaries (the inner corner of a stroke join) — the same
//! trade FreeType and AGG make.
//!
//! Sparse sweep: a per-row bitmask of touched 16-pixel blocks lets the sweep skip untouched spans (or fill
//! them at the running coverage when they lie inside a polygon), so a long thin polyline costs what its
//! outline crosses, not its bounding box.

use super::canvas::{Point, Rect};

/// Width of one dirty-tracking block in pixels: small enough that a 1-pixel line wastes little sweep
/// work, large enough that an 800-pixel row has 50 bits to look at.
const BLOCK: usize = 16;
/// Coverage below half an 8-bit step changes no pixel, so the sweep skips it.
const MIN_COVERAGE: f32 = 0.5 / 255.0;

pub(crate) struct Coverage {
    width: usize,
    height: usize,
    /// Row stride of `acc`: edges on the right clip border write one or two cells past it.
    stride: usize,
    acc: Vec<f32>,
    words_per_row: usize,
    touched: Vec<u64>,
    clip: Rect,
    /// Rows that received any edge since the last sweep (`rows_start >= rows_end` when none did).
    rows_start: usize,
    rows_end: usize,
}

impl Coverage {
    pub(crate) fn new(width: usize, height: usize) -> Coverage {
        let stride = width + 2;
        let words_per_row = stride.div_ceil(BLOCK).div_ceil(64);
        Coverage {
            width,
            height,
            stride,
            acc: vec![0.0; stride * height],
            words_per_row,
            touched: vec![0; words_per_row * height],
            clip: Rect::new(0, 0, width as i32, height as i32),
            rows_start: usize::MAX,
            rows_end: 0,
        }
    }

    /// The clip must already be intersected with the canvas (the canvas does that).
    pub(crate) fn set_clip(&mut self, clip: Rect) {
        self.clip = clip;
    }

    /// Adds one polygon edge. Portions above or below the clip are dropped (rows are independent);
    /// portions left or right of it are projected onto the clip's side, which keeps the winding of the
    /// rows they span intact.
    pub(crate) fn add_edge(&mut self, a: Point, b: Point) {
        let (ax, ay, bx, by) = (a.x as f64, a.y as f64, b.x as f64, b.y as f64);
        if !(ax.is_finite() && ay.is_finite() && bx.is_finite() && by.is_finite()) || ay == by {
            return;
        }
        let (cy0, cy1) = (self.clip.y0 as f64, self.clip.y1 as f64);
        // Clip in y first, in f64, so huge coordinates never reach the f32 row walk.
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let dy = by - ay;
        let (ta, tb) = ((cy0 - ay) / dy, (cy1 - ay) / dy);
        t0 = t0.max(ta.min(tb));
        t1 = t1.min(ta.max(tb));
        if t0 >= t1 {
            return;
        }
        let dx = bx - ax;
        let (cx0, cx1) = (self.clip.x0 as f64, self.clip.x1 as f64);
        let mut cuts = [t0, t1, t1, t1];
        let mut n = 1;
        if dx != 0.0 {
            for c in [cx0, cx1] {
                let t = (c - ax) / dx;
                if t > t0 && t < t1 {
                    cuts[n] = t;
                    n += 1;
                }
            }
        }
        cuts[n] = t1;
        if n == 3 && cuts[1] > cuts[2] {
            cuts.swap(1, 2);
        }
        for i in 0..n {
            let p = |t: f64| {
                let y = (ay + dy * t).clamp(cy0, cy1);
                Point::new((ax + dx * t).clamp(cx0, cx1) as f32, y as f32)
            };
            self.add_clipped_edge(p(cuts[i]), p(cuts[i + 1]));
        }
    }

    /// `a` and `b` lie inside the clip rectangle (borders included), so coordinates are non-negative and
    /// `as usize` floors them without a libm call.
    fn add_clipped_edge(&mut self, a: Point, b: Point) {
        if a.y == b.y {
            return;
        }
        let (dir, top, bottom) = if a.y < b.y { (1.0, a, b) } else { (-1.0, b, a) };
        let dxdy = (bottom.x - top.x) / (bottom.y - top.y);
        let first_row = top.y as i32 as usize;
        let end_row = ceil_non_negative(bottom.y).min(self.height);
        self.rows_start = self.rows_start.min(first_row);
        self.rows_end = self.rows_end.max(end_row);
        let mut x = top.x;
        for row in first_row..end_row {
            let row_top = (row as f32).max(top.y);
            let row_bottom = ((row + 1) as f32).min(bottom.y);
            let dy = row_bottom - row_top;
            let x_next = x + dxdy * dy;
            self.add_row_span(row, x, x_next, dy * dir);
            x = x_next;
        }
    }

    /// One edge piece within one row: from `xa` to `xb` over `d` (signed) of the row's height.
    fn add_row_span(&mut self, row: usize, xa: f32, xb: f32, d: f32) {
        let (x0, x1) = if xa < xb { (xa, xb) } else { (xb, xa) };
        let line = &mut self.acc[row * self.stride..(row + 1) * self.stride];
        let first = (x0 as i32 as usize).min(self.stride - 2);
        let last;
        if x1 <= (first + 1) as f32 {
            // Within one column: the covered share right of the edge is linear in its mean x.
            let mean = 0.5 * (x0 + x1) - first as f32;
            line[first] += d * (1.0 - mean);
            line[first + 1] += d * mean;
            last = first + 1;
        } else {
            // Across columns: with X uniform on [x0, x1], pixel j gets d * E[clamp(j + 1 - X, 0, 1)]
            // = d * (P(j + 1 - x0) - P(j + 1 - x1)) / (x1 - x0), P the integral of clamp(w, 0, 1).
            // Here x1 > first + 1, so P(j + 1 - x1) vanishes before the last column and P(j + 1 - x0)
            // is linear after the first: the middle columns all step by the same amount.
            let end = ceil_non_negative(x1).min(self.stride - 1).max(first + 2);
            let scale = d / (x1 - x0);
            let head = (first + 1) as f32 - x0;
            let mut previous = scale * 0.5 * head * head;
            line[first] += previous;
            for cell in &mut line[first + 1..end - 1] {
                *cell += scale;
            }
            previous += scale * (end - first - 2) as f32;
            let tail = end as f32 - x1;
            let covered = scale * (end as f32 - x0 - 0.5 - 0.5 * tail * tail);
            line[end - 1] += covered - previous;
            previous = covered;
            line[end] += d - previous;
            last = end;
        }
        let words = &mut self.touched[row * self.words_per_row..(row + 1) * self.words_per_row];
        for block in first / BLOCK..=last / BLOCK {
            words[block / 64] |= 1 << (block % 64);
        }
    }

    /// Walks every touched row, calls `emit(pixel_index, coverage)` for each pixel inside the clip with
    /// visible coverage, and leaves the buffer zeroed for the next fill.
    pub(crate) fn sweep(&mut self, mut emit: impl FnMut(usize, f32)) {
        let (clip_x0, clip_x1) = (self.clip.x0 as usize, self.clip.x1 as usize);
        for row in self.rows_start..self.rows_end {
            let line = &mut self.acc[row * self.stride..(row + 1) * self.stride];
            let words = &mut self.touched[row * self.words_per_row..(row + 1) * self.words_per_row];
            let pixel_base = row * self.width;
            let mut sum = 0.0f32;
            let mut next_x = 0;
            for (w, word) in words.iter_mut().enumerate() {
                let mut bits = std::mem::take(word);
                while bits != 0 {
                    let block = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let start = block * BLOCK;
                    let end = (start + BLOCK).min(self.stride);
                    // The untouched gap before this block sits at a constant coverage.
                    let gap = sum.abs().min(1.0);
                    if gap >= MIN_COVERAGE {
                        for x in next_x.max(clip_x0)..start.min(clip_x1) {
                            emit(pixel_base + x, gap);
                        }
                    }
                    for (x, cell) in line.iter_mut().enumerate().take(end).skip(start) {
                        sum += std::mem::take(cell);
                        let coverage = sum.abs().min(1.0);
                        if coverage >= MIN_COVERAGE && x >= clip_x0 && x < clip_x1 {
                            emit(pixel_base + x, coverage);
                        }
                    }
                    next_x = end;
                }
            }
        }
        self.rows_start = usize::MAX;
        self.rows_end = 0;
    }
}

/// `v.ceil() as usize` for `v >= 0`, without the libm call that baseline x86-64 makes of `ceil`.
/// Coordinates are clipped to a canvas side (at most `MAX_SIDE`), so they fit an i32, whose conversion
/// is one instruction where usize's is several.
fn ceil_non_negative(v: f32) -> usize {
    let i = v as i32 as usize;
    if (i as f32) < v {
        i + 1
    } else {
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polygon(cov: &mut Coverage, points: &[(f32, f32)]) {
        for i in 0..points.len() {
            let (a, b) = (points[i], points[(i + 1) % points.len()]);
            cov.add_edge(Point::new(a.0, a.1), Point::new(b.0, b.1));
        }
    }

    fn coverage_map(cov: &mut Coverage) -> Vec<f32> {
        let mut out = vec![0.0; cov.width * cov.height];
        cov.sweep(|i, c| out[i] += c);
        out
    }

    macro_rules! pixel_cases {
        ($($name:ident: $poly:expr, ($x:expr, $y:expr) => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                let mut cov = Coverage::new(8, 8);
                polygon(&mut cov, &$poly);
                let got = coverage_map(&mut cov)[$y * 8 + $x];
                assert!((got - $want).abs() < 1e-4, "pixel ({}, {}): got {got}, want {}", $x, $y, $want);
            }
        )*};
    }

    pixel_cases! {
        half_covered_by_vertical_edge: [(1.5, 0.0), (4.0, 0.0), (4.0, 4.0), (1.5, 4.0)], (1, 1) => 0.5;
        half_covered_by_horizontal_edge: [(0.0, 2.5), (4.0, 2.5), (4.0, 4.0), (0.0, 4.0)], (1, 2) => 0.5;
        half_covered_by_diagonal: [(0.0, 0.0), (4.0, 0.0), (0.0, 4.0)], (1, 2) => 0.5;
        quarter_by_corner: [(2.5, 2.5), (6.0, 2.5), (6.0, 6.0), (2.5, 6.0)], (2, 2) => 0.25;
        fully_inside: [(0.0, 0.0), (6.0, 0.0), (6.0, 6.0), (0.0, 6.0)], (3, 3) => 1.0;
        outside_stays_empty: [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)], (5, 5) => 0.0;
        reversed_orientation_counts_too: [(0.0, 0.0), (0.0, 6.0), (6.0, 6.0), (6.0, 0.0)], (3, 3) => 1.0;
        thin_sliver: [(3.25, 0.0), (3.5, 0.0), (3.5, 8.0), (3.25, 8.0)], (3, 4) => 0.25;
    }

    #[test]
    fn area_sum_matches_polygon_area() {
        // A rotated square of side 20 centred off-grid: area 400.
        let mut cov = Coverage::new(64, 64);
        let (cx, cy, h) = (31.3f32, 30.7f32, 10.0f32);
        let (s, c) = (0.4f32.sin(), 0.4f32.cos());
        let corners: Vec<(f32, f32)> = [(-h, -h), (h, -h), (h, h), (-h, h)]
            .iter()
            .map(|&(x, y)| (cx + x * c - y * s, cy + x * s + y * c))
            .collect();
        polygon(&mut cov, &corners);
        let total: f32 = coverage_map(&mut cov).iter().sum();
        assert!((total - 400.0).abs() < 4.0, "area {total}");
    }

    #[test]
    fn overlapping_pieces_do_not_exceed_full_coverage() {
        let mut cov = Coverage::new(8, 8);
        polygon(&mut cov, &[(0.0, 0.0), (6.0, 0.0), (6.0, 6.0), (0.0, 6.0)]);
        polygon(&mut cov, &[(2.0, 2.0), (8.0, 2.0), (8.0, 8.0), (2.0, 8.0)]);
        let map = coverage_map(&mut cov);
        assert!(map.iter().all(|&c| c <= 1.0));
        assert_eq!(map[3 * 8 + 3], 1.0);
    }

    #[test]
    fn clip_drops_everything_outside() {
        let mut cov = Coverage::new(16, 16);
        cov.set_clip(Rect::new(4, 5, 10, 12));
        polygon(
            &mut cov,
            &[(-30.0, -20.0), (40.0, -3.0), (25.0, 50.0), (-9.0, 30.0)],
        );
        let map = coverage_map(&mut cov);
        for y in 0..16 {
            for x in 0..16 {
                let inside = (4..10).contains(&x) && (5..12).contains(&y);
                let want = if inside { 1.0 } else { 0.0 };
                assert!(
                    (map[y * 16 + x] - want).abs() < 1e-4,
                    "({x}, {y}) = {}",
                    map[y * 16 + x]
                );
            }
        }
    }

    #[test]
    fn sweep_leaves_buffer_clean() {
        let mut cov = Coverage::new(40, 10);
        polygon(&mut cov, &[(0.3, 0.2), (39.9, 4.1), (2.2, 9.7)]);
        coverage_map(&mut cov);
        assert!(cov.acc.iter().all(|&v| v == 0.0));
        assert!(cov.touched.iter().all(|&w| w == 0));
        assert!(coverage_map(&mut cov).iter().all(|&c| c == 0.0));
    }

    #[test]
    fn non_finite_edges_are_ignored() {
        let mut cov = Coverage::new(8, 8);
        cov.add_edge(Point::new(f32::NAN, 0.0), Point::new(3.0, 5.0));
        cov.add_edge(Point::new(1.0, f32::INFINITY), Point::new(3.0, 5.0));
        assert!(coverage_map(&mut cov).iter().all(|&c| c == 0.0));
    }
}
