//! The line graph's layout, in graphite-web's order (`LineGraph.drawGraph`): title and vertical titles,
//! legend, room for the time labels, consolidation to the plot width, y axes (repeated until their label
//! width settles), the time axis, labels, grid, then the series.
//!
//! Owns where things go; `draw` paints the series, `yaxis`/`xaxis`/`legend` do their own arithmetic.

use super::color;
use super::draw::{self, Area, Axes, Line};
use super::frame::{draw_grid, draw_legend, draw_title, draw_y_labels, label_width, title_font};
use super::metadata::metadata;
use super::options::{AreaMode, AxisSettings, GraphError, GraphOptions, LineMode, Side, SideStyle};
use super::params::unquote_plus;
use super::surface::Surface;
use super::xaxis;
use super::yaxis::{self, Axis};
use super::{draw_text, no_data, Align, Rotation, TextFont, VAlign};
use crate::render::canvas::Rgba;
use crate::series::Series;

/// Most series one graph draws. Each costs a full pass of the rasterizer; past a few hundred a graph is
/// unreadable anyway, and the cap keeps one request from holding the loop for seconds.
pub const MAX_SERIES: usize = 500;

/// Rounds of "consolidate, fit the y labels, consolidate again". graphite-web loops until the label
/// width settles, which it does in two or three; the cap only guards against oscillation.
const MAX_FIT_ROUNDS: usize = 8;

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
    // graphite-web applies leftColor/rightWidth/... only to graphs that have a second axis.
    let two_axes = series.iter().any(|s| s.style.second_y_axis);
    let plain = SideStyle::default();
    let mut between = 0usize;
    for s in series {
        let st = &s.style;
        let side = match (two_axes, st.second_y_axis) {
            (false, _) => &plain,
            (true, true) => &opts.right,
            (true, false) => &opts.left,
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
            // Filled by `consolidate` before anything reads it.
            values: Vec::new(),
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

pub(crate) struct Layout {
    pub area: Area,
    /// The margin graphite-web uses when fitting y labels (the image width for a right-hand axis).
    pub margin: f64,
    pub font: TextFont,
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
        font: TextFont::new(opts.font_size, opts.font_bold, surface.hinted_metrics()),
    };

    let mut line_mode = opts.line_mode;
    if line_mode == LineMode::Slope && lines.iter().any(|l| l.raw.len() == 1) {
        line_mode = LineMode::Staircase;
    }

    let title_font = title_font(opts, surface);
    if !graph_only && !opts.title.is_empty() {
        let y = draw_title(surface, opts, title_font, l.area.ymin);
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
