//! The series marks of a line graph, as graphite-web's `drawLines`: consolidation to the plot's width,
//! the slope/staircase/connected line modes with their gap rules, drawNullAsZero, area modes and
//! stacking, areaAlpha outlines, dashes, per-series line widths, drawAsInfinite and areaBetween.
//!
//! Owns turning values into paths; the axes and the surface come from the caller.

use super::options::{AreaMode, GraphOptions, LineMode};
use super::surface::Surface;
use super::yaxis::{Axis, Rows};
use crate::render::canvas::{Point, Rect, Rgba};
use crate::series::Consolidation;

/// One series as the graph draws it.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub name: String,
    pub legend: String,
    pub colour: Rgba,
    pub raw: Vec<f64>,
    pub start: i64,
    pub step: i64,
    pub consolidation: Consolidation,
    pub x_files_factor: f64,
    /// Raw points per drawn point.
    pub vpp: usize,
    /// The drawn points (NaN = none), `raw` consolidated by `vpp`.
    pub values: Vec<f64>,
    pub x_step: f64,
    pub line_width: Option<f64>,
    pub dashed: Option<f64>,
    pub stacked: bool,
    pub second_y: bool,
    pub infinite: bool,
    pub alpha: Option<f64>,
    pub invisible: bool,
}

impl Line {
    /// graphite-web's consolidating iterator: a bucket of `vpp` raw values gives one drawn value when
    /// enough of it is non-null (xFilesFactor), else none.
    pub(crate) fn consolidate(&mut self, vpp: usize) {
        let vpp = vpp.max(1);
        self.vpp = vpp;
        if vpp == 1 {
            self.values.clone_from(&self.raw);
            return;
        }
        let mut out = Vec::with_capacity(self.raw.len() / vpp + 1);
        let mut buf: Vec<f64> = Vec::with_capacity(vpp);
        for chunk in self.raw.chunks(vpp) {
            buf.clear();
            let mut non_null = 0usize;
            for &v in chunk {
                if !v.is_nan() {
                    buf.push(v);
                    non_null += 1;
                } else if self.consolidation == Consolidation::AvgZero {
                    buf.push(0.0);
                }
            }
            let enough = non_null > 0 && non_null as f64 / vpp as f64 >= self.x_files_factor;
            out.push(if enough {
                reduce(self.consolidation, &buf)
            } else {
                f64::NAN
            });
        }
        self.values = out;
    }
}

fn reduce(c: Consolidation, buf: &[f64]) -> f64 {
    match c {
        Consolidation::Average | Consolidation::AvgZero => {
            buf.iter().sum::<f64>() / buf.len() as f64
        }
        Consolidation::Sum => buf.iter().sum(),
        Consolidation::Min => buf.iter().cloned().fold(f64::INFINITY, f64::min),
        Consolidation::Max => buf.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        Consolidation::First => buf[0],
        Consolidation::Last => buf[buf.len() - 1],
    }
}

fn finite(values: &[f64]) -> impl Iterator<Item = f64> + '_ {
    values.iter().cloned().filter(|v| v.is_finite())
}

/// graphite-web's `dataLimits`: the finite range of the drawn values (drawAsInfinite series left out),
/// stretched to zero by drawNullAsZero when there are gaps, summed per point when stacked.
pub(crate) fn data_limits(lines: &[&Line], draw_null_as_zero: bool, stacked: bool) -> (f64, f64) {
    let missing = lines.iter().any(|l| l.values.iter().any(|v| v.is_nan()));
    let drawn: Vec<&&Line> = lines.iter().filter(|l| !l.infinite).collect();
    let min = drawn
        .iter()
        .flat_map(|l| finite(&l.values))
        .fold(f64::INFINITY, f64::min);
    if !min.is_finite() {
        return (0.0, 1.0);
    }
    let min = if min > 0.0 && draw_null_as_zero && missing {
        0.0
    } else {
        min
    };
    let max = if stacked {
        let length = drawn.iter().map(|l| l.values.len()).min().unwrap_or(0);
        (0..length)
            .map(|i| {
                drawn
                    .iter()
                    .map(|l| l.values[i])
                    .filter(|v| v.is_finite())
                    .sum::<f64>()
            })
            .fold(f64::NEG_INFINITY, f64::max)
    } else {
        drawn
            .iter()
            .flat_map(|l| finite(&l.values))
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let max = if max < 0.0 && draw_null_as_zero && missing {
        0.0
    } else {
        max
    };
    (min, max)
}

/// The plot rectangle in pixels (fractional, as graphite-web keeps it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Area {
    pub xmin: f64,
    pub xmax: f64,
    pub ymin: f64,
    pub ymax: f64,
}

/// The axes values map onto: one, or left and right.
pub(crate) struct Axes<'a> {
    pub left: &'a Axis,
    pub right: Option<&'a Axis>,
}

impl Axes<'_> {
    /// The rows of the axis `line` is drawn against, mapped once per series.
    fn rows(&self, line: &Line, area: &Area) -> Rows {
        let axis = match (line.second_y, self.right) {
            (true, Some(r)) => r,
            _ => self.left,
        };
        axis.rows(area.ymin, area.ymax)
    }
}

fn row(rows: &Rows, value: f64) -> Option<f64> {
    // Far outside the image is as good as infinitely far, and keeps the rasterizer finite.
    rows.y(value).map(|y| y.clamp(-1.0e5, 1.0e5))
}

/// A path under construction, cairo style: `move_to` starts a subpath, `line_to` extends it. The
/// subpaths share one buffer, joined by NaN breaks, so the whole path is one stroke call as it stands.
#[derive(Default)]
struct Path {
    points: Vec<Point>,
    /// Where each subpath begins in `points`; the one before it ends at the NaN break.
    starts: Vec<usize>,
}

impl Path {
    fn move_to(&mut self, x: f64, y: f64) {
        if !self.points.is_empty() {
            self.points.push(Point::new(f32::NAN, f32::NAN));
        }
        self.starts.push(self.points.len());
        self.points.push(pt(x, y));
    }

    fn line_to(&mut self, x: f64, y: f64) {
        if self.points.is_empty() {
            self.move_to(x, y);
        } else {
            self.points.push(pt(x, y));
        }
    }

    fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Each subpath without its NaN break.
    fn subpaths(&self) -> impl Iterator<Item = &[Point]> {
        let ends = self.starts.iter().skip(1).map(|next| next - 1);
        self.starts
            .iter()
            .zip(ends.chain([self.points.len()]))
            .map(|(&start, end)| &self.points[start..end])
    }

    fn clear(&mut self) {
        self.points.clear();
        self.starts.clear();
    }
}

fn pt(x: f64, y: f64) -> Point {
    Point::new(x as f32, y as f32)
}

/// How one series is painted: stroked, or filled as an area.
struct Pen {
    colour: Rgba,
    alpha: f32,
    width: f32,
    dash: Vec<f32>,
}

fn stroke(surface: &mut dyn Surface, path: &mut Path, pen: &Pen) {
    if !path.is_empty() {
        surface.stroke(&path.points, pen.width, &pen.dash, pen.colour, pen.alpha);
    }
    path.clear();
}

/// `fillAreaAndClip`: closes the last subpath down to `base` between `start_x` and `x`, fills every
/// subpath and keeps the filled shape out of later areas.
fn fill_area(
    surface: &mut dyn Surface,
    path: &mut Path,
    pen: &Pen,
    x: f64,
    start_x: f64,
    base: f64,
) {
    if !path.is_empty() {
        path.points.push(pt(x, base));
        path.points.push(pt(start_x, base));
    }
    for s in path.subpaths() {
        surface.fill_exclusive(s, pen.colour, pen.alpha);
    }
    path.clear();
}

/// Draws every series in graphite-web's order and modes. `lines` is consumed: stacking changes values.
pub(crate) fn draw_lines(
    surface: &mut dyn Surface,
    mut lines: Vec<Line>,
    opts: &GraphOptions,
    line_mode: LineMode,
    area: &Area,
    axes: &Axes,
    second_y_axis: bool,
) {
    // Series stacked by the stacked() function or areaBetween are drawn first.
    if lines.iter().any(|l| l.stacked) {
        let (mut first, rest): (Vec<Line>, Vec<Line>) = lines.into_iter().partition(|l| l.stacked);
        first.extend(rest);
        lines = first;
    }
    match opts.area_mode {
        AreaMode::Stacked if !second_y_axis => {
            let mut total: Vec<f64> = Vec::new();
            for l in lines.iter_mut().filter(|l| !l.infinite) {
                l.stacked = true;
                if total.len() < l.values.len() {
                    total.resize(l.values.len(), 0.0);
                }
                for (v, t) in l.values.iter_mut().zip(total.iter_mut()) {
                    if !v.is_nan() {
                        let original = *v;
                        *v += *t;
                        *t += original;
                    }
                }
            }
        }
        AreaMode::First => {
            if let Some(l) = lines.first_mut() {
                l.stacked = true;
            }
        }
        AreaMode::All => lines
            .iter_mut()
            .filter(|l| !l.infinite)
            .for_each(|l| l.stacked = true),
        _ => {}
    }
    if let Some(alpha) = opts.area_alpha {
        let mut outlines = Vec::new();
        for l in lines.iter_mut().filter(|l| l.stacked) {
            l.alpha = Some(alpha);
            outlines.push(Line {
                stacked: false,
                alpha: None,
                line_width: None,
                dashed: None,
                infinite: false,
                invisible: false,
                ..l.clone()
            });
        }
        lines.extend(outlines);
    }

    let clip = Rect::new(
        area.xmin.floor() as i32,
        area.ymin.floor() as i32,
        area.xmax.ceil() as i32,
        area.ymax.ceil() as i32,
    );
    surface.clip(Some(clip));
    let start_time = lines.iter().map(|l| l.start).min().unwrap_or(0);
    let mut excluding = true;
    for line in &lines {
        if !line.stacked && excluding {
            excluding = false;
            surface.end_exclusion();
        }
        draw_one(surface, line, opts, line_mode, area, axes, start_time);
    }
    surface.end_exclusion();
    surface.clip(None);
}

fn draw_one(
    surface: &mut dyn Surface,
    line: &Line,
    opts: &GraphOptions,
    line_mode: LineMode,
    area: &Area,
    axes: &Axes,
    start_time: i64,
) {
    let width = line.line_width.unwrap_or(opts.line_width);
    let pen = Pen {
        colour: line.colour,
        alpha: if line.invisible {
            0.0
        } else {
            line.alpha.unwrap_or(1.0) as f32
        },
        width: width as f32,
        dash: line.dashed.map_or(Vec::new(), |d| vec![d as f32, d as f32]),
    };
    let missing = (line.start - start_time) as f64 / line.step as f64;
    let start_shift = line.x_step * (missing / line.vpp as f64);
    let mut x = area.xmin + start_shift + opts.line_width / 2.0;
    let mut y = area.ymin;
    let mut start_x = x;
    // graphite-web falls back to the plot's bottom when zero has no row (log axes) or sits on row 0.
    let rows = axes.rows(line, area);
    let base = row(&rows, 0.0).filter(|b| *b != 0.0).unwrap_or(area.ymax);
    let limit = opts.connected_limit.unwrap_or(f64::INFINITY);
    let mut path = Path::default();
    let mut nones = 0usize;

    for (index, &raw) in line.values.iter().enumerate() {
        let mut value = if raw.is_nan() && opts.draw_null_as_zero {
            0.0
        } else {
            raw
        };
        let coord = if value.is_nan() {
            None
        } else {
            row(&rows, value)
        };
        if coord.is_none() {
            value = f64::NAN;
        }
        if value.is_nan() {
            if nones == 0 {
                path.line_to(x, y);
                if line.stacked {
                    fill_area(surface, &mut path, &pen, x, start_x, base);
                }
            }
            x += line.x_step;
            nones += 1;
            continue;
        }
        y = coord.unwrap_or(area.ymax).max(0.0);
        if line.infinite && value > 0.0 {
            path.move_to(x, area.ymax);
            path.line_to(x, area.ymin);
            stroke(surface, &mut path, &pen);
            x += line.x_step;
            continue;
        }
        if nones > 0 {
            start_x = x;
        }
        match line_mode {
            LineMode::Staircase => {
                if nones > 0 {
                    path.move_to(x, y);
                } else {
                    path.line_to(x, y);
                }
                x += line.x_step;
                path.line_to(x, y);
            }
            LineMode::Slope => {
                if nones > 0 {
                    path.move_to(x, y);
                }
                path.line_to(x, y);
                x += line.x_step;
            }
            LineMode::Connected => {
                if nones as f64 > limit || nones == index {
                    path.move_to(x, y);
                }
                path.line_to(x, y);
                x += line.x_step;
            }
        }
        nones = 0;
    }

    if line.stacked {
        let end_x = if line_mode == LineMode::Staircase {
            x
        } else {
            x - line.x_step
        };
        fill_area(surface, &mut path, &pen, end_x, start_x, base);
    } else {
        stroke(surface, &mut path, &pen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(raw: Vec<f64>, c: Consolidation, xff: f64) -> Line {
        Line {
            name: "a".into(),
            legend: "a".into(),
            colour: Rgba::rgb(0, 0, 0),
            values: raw.clone(),
            raw,
            start: 0,
            step: 10,
            consolidation: c,
            x_files_factor: xff,
            vpp: 1,
            x_step: 1.0,
            line_width: None,
            dashed: None,
            stacked: false,
            second_y: false,
            infinite: false,
            alpha: None,
            invisible: false,
        }
    }

    fn show(v: &[f64]) -> Vec<String> {
        v.iter()
            .map(|x| {
                if x.is_nan() {
                    "None".into()
                } else {
                    format!("{x}")
                }
            })
            .collect()
    }

    macro_rules! consolidates {
        ($($raw:expr, $c:expr, $xff:expr, $vpp:expr => $want:expr);* $(;)?) => {$(
            let mut l = line($raw.to_vec(), $c, $xff);
            l.consolidate($vpp);
            assert_eq!(show(&l.values), $want.iter().map(|s: &&str| s.to_string()).collect::<Vec<_>>());
        )*};
    }

    #[test]
    fn consolidation_follows_graphite_buckets() {
        let n = f64::NAN;
        consolidates! {
            [1.0, 2.0, 3.0, 4.0, 5.0], Consolidation::Average, 0.0, 2 => ["1.5", "3.5", "5"];
            [1.0, n, 3.0, 4.0], Consolidation::Sum, 0.0, 2 => ["1", "7"];
            [1.0, n, n, n], Consolidation::Max, 0.5, 2 => ["1", "None"];
            [1.0, n, 3.0, 4.0], Consolidation::AvgZero, 0.0, 2 => ["0.5", "3.5"];
            [5.0, 2.0, 9.0], Consolidation::Last, 0.0, 3 => ["9"];
            [5.0, 2.0, 9.0], Consolidation::First, 0.0, 3 => ["5"];
            [5.0, 2.0, 9.0], Consolidation::Min, 0.0, 1 => ["5", "2", "9"];
        }
    }

    #[test]
    fn limits_skip_infinite_series_and_stack_sums() {
        let a = line(vec![1.0, 2.0, f64::NAN], Consolidation::Average, 0.0);
        let b = line(vec![3.0, 1.0, 1.0], Consolidation::Average, 0.0);
        let mut inf = line(vec![0.0, 100.0, 0.0], Consolidation::Average, 0.0);
        inf.infinite = true;
        assert_eq!(data_limits(&[&a, &b, &inf], false, false), (1.0, 3.0));
        assert_eq!(data_limits(&[&a, &b], false, true), (1.0, 4.0));
        assert_eq!(data_limits(&[&a, &b], true, false), (0.0, 3.0));
        assert_eq!(data_limits(&[&inf], false, false), (0.0, 1.0));
    }
}
