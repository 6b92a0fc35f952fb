//! The graph's frame around the series: the legend swatches and names, the y labels on one or two
//! sides, the major and minor grid, and the plot's side borders, in graphite-web's widths and colours.
//!
//! Owns painting what `legend`, `yaxis` and `xaxis` computed; must not change the layout.

use super::draw::Area;
use super::draw::Line;
use super::legend::{self, Entry};
use super::line::Layout;
use super::options::{GraphOptions, Side};
use super::surface::{Orientation, Surface};
use super::xaxis;
use super::yaxis::Axis;
use super::{draw_text, Align, Rotation, TextFont, VAlign};
use crate::render::canvas::{Rect, Rgba};

const DARK_GREY: Rgba = Rgba::rgb(111, 111, 111);

pub(crate) fn label_width(axis: &Axis, font: TextFont) -> f64 {
    axis.labels
        .iter()
        .map(|t| font.width(t))
        .fold(0.0, f64::max)
}

/// The titles' font: graphite-web's size + floor(ln(size)).
pub(crate) fn title_font(opts: &GraphOptions, surface: &dyn Surface) -> TextFont {
    TextFont::new(
        opts.font_size + opts.font_size.ln().floor(),
        opts.font_bold,
        surface.hinted_metrics(),
    )
}

/// Paints `opts.title` centred across the image, one line under the other from `y`, and returns the y
/// below its last line.
pub(crate) fn draw_title(
    surface: &mut dyn Surface,
    opts: &GraphOptions,
    font: TextFont,
    mut y: f64,
) -> f64 {
    for text in opts.title.split('\n') {
        draw_text(
            surface,
            text,
            opts.width as f64 / 2.0,
            y,
            font,
            opts.foreground,
            Align::Center,
            VAlign::Top,
            Rotation::None,
        );
        y += font.height();
    }
    y
}

pub(crate) fn draw_legend(
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
    paint_legend(surface, &laid.items, font, opts.foreground);
}

/// Paints laid-out legend items: a grey-edged swatch and the name beside it. Shared by the line and
/// pie graphs, which lay their legends out from different entries.
pub(crate) fn paint_legend(
    surface: &mut dyn Surface,
    items: &[legend::Item],
    font: TextFont,
    colour: Rgba,
) {
    for item in items {
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
            colour,
            align,
            VAlign::Top,
            Rotation::None,
        );
    }
}

pub(crate) fn draw_y_labels(
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

pub(crate) fn draw_grid(
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
            surface.grid_line(
                Orientation::Horizontal,
                y as f32,
                left,
                right,
                0.4,
                opts.major_grid,
            );
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
                    surface.grid_line(
                        Orientation::Horizontal,
                        y as f32,
                        left,
                        right,
                        0.3,
                        opts.minor_grid,
                    );
                }
            }
        }
    }
    let (top, bottom) = (a.ymin as f32, a.ymax as f32);
    for x in ticks(conf.minor_unit, conf.minor_step) {
        if x < a.xmax {
            surface.grid_line(
                Orientation::Vertical,
                x as f32,
                bottom,
                top,
                0.25,
                opts.minor_grid,
            );
        }
    }
    for x in ticks(conf.major_unit, conf.major_step) {
        if x < a.xmax {
            surface.grid_line(
                Orientation::Vertical,
                x as f32,
                bottom,
                top,
                0.33,
                opts.major_grid,
            );
        }
    }
    surface.grid_line(
        Orientation::Vertical,
        a.xmax as f32,
        bottom,
        top,
        0.5,
        opts.major_grid,
    );
    surface.grid_line(
        Orientation::Vertical,
        a.xmin as f32,
        bottom,
        top,
        0.5,
        opts.major_grid,
    );
}
