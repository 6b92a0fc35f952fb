//! The line graph's layout, in graphite-web's order (`LineGraph.drawGraph`): title and vertical titles,
//! legend, room for the time labels, consolidation to the plot width, y axes (repeated until their label
//! width settles), the time axis, labels, grid, then the series.
//!
//! Owns where things go; `draw` paints the series, `yaxis`/`xaxis`/`legend` do their own arithmetic.

use std::fmt::Write;

use super::color;
use super::draw::{self, Area, Axes, Line};
use super::legend::{self, Entry};
use super::options::{
    unquote_plus, AreaMode, AxisSettings, GraphError, GraphOptions, LineMode, Side,
};
use super::surface::Surface;
use super::xaxis;
use super::yaxis::{self, Axis};
use super::{draw_text, no_data, Align, Rotation, TextFont, VAlign};
use crate::render::canvas::{Rect, Rgba};
use crate::series::Series;

/// Most series one graph draws. Each costs a full pass of the rasterizer; past a few hundred a graph is
/// unreadable anyway, and the cap keeps one request from holding the loop for seconds.
pub const MAX_SERIES: usize = 500;

/// Rounds of "consolidate, fit the y labels, consolidate again". graphite-web loops until the label
/// width settles, which it does in two or three; the cap only guards against oscillation.
const MAX_FIT_ROUNDS: usize = 8;

const DARK_GREY: Rgba = Rgba::rgb(111, 111, 111);

fn err(param: &str, value: &str, message: impl Into<String>) -> GraphError {
    GraphError {
        param: param.to_string(),
        value: value.to_string(),
        expected: message.into(),
    }
}

fn lines_of(series: &[Series], opts: &GraphOptions) -> Result<Vec<Line>, GraphError> {
    if series.len() > MAX_SERIES {
        return Err(err(
            "target",
            &series.len().to_string(),
            format!("a graph draws at most {MAX_SERIES} series; narrow the targets"),
        ));
    }
    let mut palette = opts.colors.iter().cycle();
    let mut lines = Vec::with_capacity(series.len());
    let mut between = 0usize;
    for s in series {
        let st = &s.style;
        let side = if st.second_y_axis {
            &opts.right
        } else {
            &opts.left
        };
        let own = match &st.color {
            Some(c) => Some(color::parse(c).ok_or_else(|| {
                err(
                    "color",
                    c,
                    "a series colour must be a colour name or hex RRGGBB[AA]",
                )
            })?),
            None => None,
        };
        let colour = match (side.color, own) {
            (Some(c), _) => c,
            (None, Some(c)) => c,
            // An empty colorList cannot be parsed, so the palette always has a colour.
            (None, None) => palette.next().copied().unwrap_or(Rgba::rgb(0, 0, 0)),
        };
        // areaBetween pairs a lower series, drawn invisibly to bound the area, with an upper one.
        let invisible = st.area_between && {
            between += 1;
            between % 2 == 1
        };
        let mut legend = unquote_plus(&s.name);
        if let Some(suffix) = &st.legend_suffix {
            legend.push_str(suffix);
        }
        lines.push(Line {
            name: s.name.clone(),
            legend,
            colour,
            raw: s.values.clone(),
            start: s.start,
            step: s.step.max(1),
            consolidation: s.consolidation,
            x_files_factor: s.x_files_factor,
            vpp: 1,
            values: s.values.clone(),
            x_step: 1.0,
            line_width: side.width.or(st.line_width),
            dashed: side.dashed.or(st.dashed),
            stacked: st.stacked.is_some(),
            second_y: st.second_y_axis,
            infinite: st.draw_as_infinite,
            alpha: st.alpha,
            invisible,
        });
    }
    Ok(lines)
}

struct Layout {
    area: Area,
    /// The margin graphite-web uses when fitting y labels (the image width for a right-hand axis).
    margin: f64,
    font: TextFont,
}

/// Paints the line graph and returns graphite-web's SVG metadata.
pub(crate) fn draw(
    surface: &mut dyn Surface,
    series: &[Series],
    opts: &GraphOptions,
) -> Result<String, GraphError> {
    let start = series.iter().map(|s| s.start).min();
    let end = series.iter().map(|s| s.end()).max();
    let (Some(start), Some(end)) = (start, end) else {
        no_data(surface, opts);
        return Ok("{}".into());
    };
    if end - start == 0 {
        no_data(surface, opts);
        return Ok("{}".into());
    }
    let mut lines = lines_of(series, opts)?;
    let second_y = lines.iter().any(|l| l.second_y);

    let (width, height) = (opts.width as f64, opts.height as f64);
    let graph_only = opts.graph_only;
    let margin = if graph_only { 0.0 } else { opts.margin };
    let hide_axes = opts.hide_axes || graph_only;
    let hide_grid = opts.hide_grid || graph_only;
    let hide_x_axis = opts.hide_x_axis && !graph_only;
    let hide_y_axis = opts.hide_y_axis && !graph_only;
    let y_side = if second_y || graph_only {
        Side::Left
    } else {
        opts.y_axis_side
    };
    let mut l = Layout {
        area: if graph_only {
            Area {
                xmin: 0.0,
                xmax: width,
                ymin: 0.0,
                ymax: height,
            }
        } else {
            Area {
                xmin: margin + 10.0,
                xmax: width - margin,
                ymin: margin,
                ymax: height - margin,
            }
        },
        margin: if y_side == Side::Right { width } else { margin },
        font: TextFont::new(opts.font_size, opts.font_bold),
    };

    let mut line_mode = opts.line_mode;
    if line_mode == LineMode::Slope && lines.iter().any(|l| l.raw.len() == 1) {
        line_mode = LineMode::Staircase;
    }

    // Titles use a larger font: size + floor(ln(size)).
    let title_font = TextFont::new(opts.font_size + opts.font_size.ln().floor(), opts.font_bold);
    if !graph_only && !opts.title.is_empty() {
        let mut y = l.area.ymin;
        for text in opts.title.split('\n') {
            draw_text(
                surface,
                text,
                width / 2.0,
                y,
                title_font,
                opts.foreground,
                Align::Center,
                VAlign::Top,
                Rotation::None,
            );
            y += title_font.height();
        }
        l.area.ymin = if y_side == Side::Right { y } else { y + margin };
    }
    if !graph_only && !opts.vtitle.is_empty() {
        let mut x = l.area.xmin + title_font.height();
        for text in opts.vtitle.split('\n') {
            draw_text(
                surface,
                text,
                x,
                height / 2.0,
                title_font,
                opts.foreground,
                Align::Center,
                VAlign::Baseline,
                Rotation::ThreeQuarters,
            );
            x += title_font.height();
        }
        l.area.xmin = x + margin + title_font.height();
    }
    if second_y && !opts.vtitle_right.is_empty() {
        let mut x = l.area.xmax - title_font.height();
        for text in opts.vtitle_right.split('\n') {
            draw_text(
                surface,
                text,
                x,
                height / 2.0,
                title_font,
                opts.foreground,
                Align::Center,
                VAlign::Baseline,
                Rotation::Quarter,
            );
            x -= title_font.height();
        }
        l.area.xmax = x - margin - title_font.height();
    }

    let hide_legend = graph_only
        || opts
            .hide_legend
            .unwrap_or(series.len() > super::LEGEND_MAX_ITEMS);
    if !hide_legend {
        draw_legend(surface, &lines, opts, &mut l, second_y);
    }

    if !hide_axes && !hide_x_axis {
        l.area.ymax -= l.font.ascent() * 2.0;
    }

    let time_start = lines.iter().map(|l| l.start).min().unwrap_or(start);
    let time_end = if line_mode == LineMode::Staircase {
        lines
            .iter()
            .map(|l| l.start + l.step * l.raw.len() as i64)
            .max()
    } else {
        lines
            .iter()
            .map(|l| l.start + l.step * (l.raw.len() as i64 - 1))
            .max()
    }
    .unwrap_or(end);
    // A lone point in slope mode has no width; give it one second rather than divide by zero.
    let time_range = ((time_end - time_start) as f64).max(1.0);

    let y_settings = |side: Side| -> AxisSettings {
        match side {
            Side::Left => opts.y_left,
            Side::Right => opts.y_right,
        }
    };
    let mut axes: (Axis, Option<Axis>) = (placeholder(), None);
    let mut graph_width = consolidate(&mut lines, &l.area, opts, time_range);
    for _ in 0..MAX_FIT_ROUNDS {
        let (xmin, xmax) = (l.area.xmin, l.area.xmax);
        axes = if second_y {
            let left: Vec<&Line> = lines.iter().filter(|l| !l.second_y).collect();
            let right: Vec<&Line> = lines.iter().filter(|l| l.second_y).collect();
            let a = build_axis(&left, opts, &y_settings(Side::Left), "yMinLeft")?;
            let b = build_axis(&right, opts, &y_settings(Side::Right), "yMinRight")?;
            let wl = label_width(&a, l.font);
            let wr = label_width(&b, l.font);
            let x_min = l.margin + wl * 1.02;
            if l.area.xmin < x_min {
                l.area.xmin = x_min;
            }
            let x_max = width - wr * 1.02;
            if l.area.xmax >= x_max {
                l.area.xmax = x_max;
            }
            (a, Some(b))
        } else {
            let all: Vec<&Line> = lines.iter().collect();
            let a = build_axis(&all, opts, &opts.y, "yMin")?;
            if !hide_axes && !hide_y_axis {
                let w = label_width(&a, l.font);
                if y_side == Side::Left {
                    let x_min = l.margin + w * 1.02;
                    if l.area.xmin < x_min {
                        l.area.xmin = x_min;
                    }
                } else {
                    let x_max = l.margin - w * 1.02;
                    if l.area.xmax >= x_max {
                        l.area.xmax = x_max;
                    }
                }
            }
            (a, None)
        };
        if xmin == l.area.xmin && xmax == l.area.xmax {
            break;
        }
        graph_width = consolidate(&mut lines, &l.area, opts, time_range);
    }
    let (left_axis, right_axis) = axes;
    let hide_labels = hide_axes;

    let offset = opts.tz.offset_at(time_start) as i64;
    let conf = xaxis::choose(time_range, graph_width);
    let x_scale = graph_width / time_range;
    let x_of = |t: i64| l.area.xmin + (t - time_start) as f64 * x_scale;

    if !hide_labels {
        if !hide_y_axis {
            draw_y_labels(surface, &left_axis, right_axis.as_ref(), &l, opts, y_side);
        }
        if !hide_x_axis {
            let format = opts.x_format.as_deref().unwrap_or(conf.format);
            let y = l.area.ymax + l.font.ascent();
            for t in xaxis::ticks(
                time_start,
                time_end,
                offset,
                conf.label_unit,
                conf.label_step,
            ) {
                let text = xaxis::strftime(format, t + offset, offset, &opts.tz.name);
                draw_text(
                    surface,
                    &text,
                    x_of(t),
                    y,
                    l.font,
                    opts.foreground,
                    Align::Center,
                    VAlign::Top,
                    Rotation::None,
                );
            }
        }
        if !hide_grid {
            draw_grid(
                surface,
                &left_axis,
                &l.area,
                opts,
                &|unit, step| {
                    xaxis::ticks(time_start, time_end, offset, unit, step)
                        .into_iter()
                        .map(x_of)
                        .collect()
                },
                conf,
            );
        }
    }

    let metadata = metadata(
        &lines, opts, &l.area, time_start, time_end, &left_axis, second_y,
    );
    let axes = Axes {
        left: &left_axis,
        right: right_axis.as_ref(),
    };
    draw::draw_lines(surface, lines, opts, line_mode, &l.area, &axes, second_y);
    Ok(metadata)
}

fn placeholder() -> Axis {
    Axis {
        step: Some(1.0),
        bottom: 0.0,
        top: 1.0,
        log_base: None,
        values: Vec::new(),
        labels: Vec::new(),
    }
}

/// `consolidateDataPoints`: about `minXStep` pixels or more per drawn point. Returns the graph width.
fn consolidate(lines: &mut [Line], area: &Area, opts: &GraphOptions, time_range: f64) -> f64 {
    let pixels = (area.xmax - area.xmin - (opts.line_width + 1.0)).max(1.0);
    for line in lines.iter_mut() {
        let points = time_range / line.step as f64;
        let best = pixels / points;
        if best < opts.min_x_step {
            let drawable = ((pixels / opts.min_x_step) as i64).max(1) as f64;
            let per_pixel = (points / drawable).ceil().max(1.0);
            line.consolidate(per_pixel as usize);
            line.x_step = pixels * per_pixel / points;
        } else {
            line.consolidate(1);
            line.x_step = best;
        }
    }
    pixels
}

fn build_axis(
    lines: &[&Line],
    opts: &GraphOptions,
    settings: &AxisSettings,
    param: &str,
) -> Result<Axis, GraphError> {
    let (min, max) = draw::data_limits(
        lines,
        opts.draw_null_as_zero,
        opts.area_mode == AreaMode::Stacked,
    );
    yaxis::build(
        min,
        max,
        settings,
        &opts.y_divisors,
        opts.unit_system,
        opts.log_base,
    )
    .map_err(|m| {
        let (name, value) = match opts.log_base {
            Some(b) if m.contains("logarithmic") => ("logBase".to_string(), format!("{b}")),
            _ => (param.to_string(), format!("{:?}", settings.min)),
        };
        err(&name, &value, m)
    })
}

fn label_width(axis: &Axis, font: TextFont) -> f64 {
    axis.labels
        .iter()
        .map(|t| font.width(t))
        .fold(0.0, f64::max)
}

fn draw_legend(
    surface: &mut dyn Surface,
    lines: &[Line],
    opts: &GraphOptions,
    l: &mut Layout,
    second_y: bool,
) {
    let mut entries: Vec<Entry> = lines
        .iter()
        .filter(|line| !line.name.is_empty())
        .filter(|line| !(opts.hide_null_from_legend && line.raw.iter().all(|v| v.is_nan())))
        .map(|line| Entry {
            name: line.legend.clone(),
            colour: line.colour,
            right_side: line.second_y,
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    if opts.unique_legend {
        entries = legend::unique(entries);
    }
    let font = l.font;
    let frame = legend::Frame {
        width: opts.width as f64,
        xmin: l.area.xmin,
        xmax: l.area.xmax,
        ymax: l.area.ymax,
        second_y_axis: second_y,
        font_height: font.height(),
    };
    let laid = legend::layout(&entries, frame, &|t| font.width(t));
    l.area.ymax -= laid.height;
    for item in &laid.items {
        let (x0, y0) = (item.swatch_x.round() as i32, item.swatch_y.round() as i32);
        let side = item.swatch.round() as i32;
        let swatch = Rect::new(x0, y0, x0 + side, y0 + side);
        surface.fill_rect(swatch, item.colour);
        surface.outline_rect(swatch, DARK_GREY);
        let align = if item.align_right {
            Align::Right
        } else {
            Align::Left
        };
        draw_text(
            surface,
            &item.name,
            item.text_x,
            item.text_y,
            font,
            opts.foreground,
            align,
            VAlign::Top,
            Rotation::None,
        );
    }
}

fn draw_y_labels(
    surface: &mut dyn Surface,
    left: &Axis,
    right: Option<&Axis>,
    l: &Layout,
    opts: &GraphOptions,
    side: Side,
) {
    let a = &l.area;
    let wl = label_width(left, l.font);
    for (value, text) in left.values.iter().zip(&left.labels) {
        let Some(y) = left.y(*value, a.ymin, a.ymax) else {
            continue;
        };
        let y = y.max(0.0);
        let (x, align) = if side == Side::Left || right.is_some() {
            (a.xmin - wl * 0.02, Align::Right)
        } else {
            (a.xmax + wl * 0.02, Align::Left)
        };
        draw_text(
            surface,
            text,
            x,
            y,
            l.font,
            opts.foreground,
            align,
            VAlign::Middle,
            Rotation::None,
        );
    }
    if let Some(right) = right {
        let wr = label_width(right, l.font);
        for (value, text) in right.values.iter().zip(&right.labels) {
            let Some(y) = right.y(*value, a.ymin, a.ymax) else {
                continue;
            };
            let x = a.xmax + wr * 0.02 + 3.0;
            draw_text(
                surface,
                text,
                x,
                y.max(0.0),
                l.font,
                opts.foreground,
                Align::Left,
                VAlign::Middle,
                Rotation::None,
            );
        }
    }
}

fn draw_grid(
    surface: &mut dyn Surface,
    axis: &Axis,
    a: &Area,
    opts: &GraphOptions,
    ticks: &dyn Fn(i64, f64) -> Vec<f64>,
    conf: &xaxis::XConf,
) {
    let (left, right) = (a.xmin as f32, a.xmax as f32);
    let values = &axis.values;
    for (i, &value) in values.iter().enumerate() {
        if let Some(y) = axis.y(value, a.ymin, a.ymax).filter(|y| *y >= 0.0) {
            surface.grid_line(true, y as f32, left, right, 0.4, opts.major_grid);
        }
        if opts.minor_y >= 1 && i + 1 < values.len() {
            let (lo, hi) = if value <= values[i + 1] {
                (value, values[i + 1])
            } else {
                (values[i + 1], value)
            };
            let distance = (hi - lo) / (1.0 + opts.minor_y as f64);
            let top_factor = axis.log_base.map_or(1.0, |b| b * b);
            for minor in 0..opts.minor_y {
                let v = lo + (1.0 + minor as f64) * distance;
                if v >= top_factor * axis.top {
                    continue;
                }
                if let Some(y) = axis.y(v, a.ymin, a.ymax).filter(|y| *y >= 0.0) {
                    surface.grid_line(true, y as f32, left, right, 0.3, opts.minor_grid);
                }
            }
        }
    }
    let (top, bottom) = (a.ymin as f32, a.ymax as f32);
    for x in ticks(conf.minor_unit, conf.minor_step) {
        if x < a.xmax {
            surface.grid_line(false, x as f32, bottom, top, 0.25, opts.minor_grid);
        }
    }
    for x in ticks(conf.major_unit, conf.major_step) {
        if x < a.xmax {
            surface.grid_line(false, x as f32, bottom, top, 0.33, opts.major_grid);
        }
    }
    surface.grid_line(false, a.xmax as f32, bottom, top, 0.5, opts.major_grid);
    surface.grid_line(false, a.xmin as f32, bottom, top, 0.5, opts.major_grid);
}

/// A JSON string literal.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// graphite-web's SVG `metadata` object: the time and value extents and each series' geometry.
fn metadata(
    lines: &[Line],
    opts: &GraphOptions,
    a: &Area,
    start: i64,
    end: i64,
    axis: &Axis,
    second_y: bool,
) -> String {
    let mut out = String::with_capacity(256 + lines.len() * 96);
    let _ = write!(
        out,
        "{{\"x\": {{\"start\": {start}, \"end\": {end}}}, \"options\": {{\"lineWidth\": {}}}, \"area\": {{\"xmin\": {}, \"xmax\": {}, \"ymin\": {}, \"ymax\": {}}}",
        json_num(opts.line_width),
        json_num(a.xmin),
        json_num(a.xmax),
        json_num(a.ymin),
        json_num(a.ymax)
    );
    if !second_y {
        let _ = write!(
            out,
            ", \"y\": {{\"top\": {}, \"bottom\": {}, \"step\": {}, \"labels\": [",
            json_num(axis.top),
            json_num(axis.bottom),
            axis.step.map_or("null".into(), json_num)
        );
        for (i, label) in axis.labels.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            json_str(&mut out, label);
        }
        out.push_str("], \"labelValues\": [");
        let values: Vec<String> = axis.values.iter().map(|v| json_num(*v)).collect();
        out.push_str(&values.join(", "));
        out.push_str("]}");
    }
    out.push_str(", \"series\": [");
    for (i, line) in lines.iter().filter(|l| !l.stacked).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("{\"name\": ");
        json_str(&mut out, &line.name);
        let c = line.colour;
        let _ = write!(
            out,
            ", \"start\": {}, \"end\": {}, \"step\": {}, \"valuesPerPoint\": {}, \"color\": \"#{:02x}{:02x}{:02x}\"}}",
            line.start,
            line.start + line.step * line.raw.len() as i64,
            line.step,
            line.vpp,
            c.r,
            c.g,
            c.b
        );
    }
    out.push_str("]}");
    out
}
