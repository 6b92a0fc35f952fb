//! Graphite's graphs: `format=png` from pencil's own rasterizer and `format=svg`, both painted by one
//! layout that follows graphite-web 1.1's `glyph.py` (margins, title, legend, nice y steps, the time-label
//! table, grid, line and area modes, pie charts, the "No Data" image).
//!
//! Owns graph options and layout. Must not touch the store or the AST, and does no I/O: the caller
//! hands in evaluated series and the request's time range and gets bytes back.
//!
//! The tour: `options` parses the request's parameters (with `color` for colour names and templates);
//! `line` lays out a line graph using `yaxis`, `xaxis` and `legend` and paints it with `draw`; `pie`
//! draws pie charts; every mark goes through the `Surface` trait, which the PNG canvas and the SVG writer
//! implement.

mod color;
mod draw;
mod frame;
mod legend;
mod line;
mod metadata;
mod options;
mod params;
mod pie;
mod pyfmt;
mod surface;
mod xaxis;
mod yaxis;

pub use line::MAX_SERIES;
pub use options::{
    AreaMode, AxisMax, AxisSettings, GraphError, GraphOptions, GraphType, LineMode, PieMode, Side,
    SideStyle, UnitSystem, ValueLabels, LEGEND_MAX_ITEMS,
};
pub(crate) use surface::{PngSurface, Surface};

use crate::render::canvas::{Point, Rgba};
use crate::render::svg::Svg;
use crate::render::text::{self, Direction, Font};
use crate::series::Series;

/// The PNG image of `series` over `[from, until)`. Layout errors graphite-web would answer with a 500
/// (a log axis over data <= 0, yMin above yMax) are drawn into the image as a red message; use
/// `try_png` to answer them as an error instead.
pub fn png(series: &[Series], opts: &GraphOptions, from: i64, until: i64) -> Vec<u8> {
    try_png(series, opts, from, until).unwrap_or_else(|e| {
        let mut surface = PngSurface::new(opts.width, opts.height, opts.background);
        error_image(&mut surface, opts, &e);
        surface.into_png()
    })
}

/// The SVG document of `series`; errors as in `png`.
pub fn svg(series: &[Series], opts: &GraphOptions, from: i64, until: i64) -> Vec<u8> {
    try_svg(series, opts, from, until).unwrap_or_else(|e| {
        let mut surface = Svg::new(opts.width, opts.height);
        surface.fill_rect(full_rect(opts), opts.background);
        error_image(&mut surface, opts, &e);
        surface.finish("{}")
    })
}

pub fn try_png(
    series: &[Series],
    opts: &GraphOptions,
    from: i64,
    until: i64,
) -> Result<Vec<u8>, GraphError> {
    let mut surface = PngSurface::new(opts.width, opts.height, opts.background);
    paint(&mut surface, series, opts, from, until)?;
    Ok(surface.into_png())
}

pub fn try_svg(
    series: &[Series],
    opts: &GraphOptions,
    from: i64,
    until: i64,
) -> Result<Vec<u8>, GraphError> {
    let mut surface = Svg::new(opts.width, opts.height);
    surface.fill_rect(full_rect(opts), opts.background);
    let metadata = paint(&mut surface, series, opts, from, until)?;
    Ok(surface.finish(&metadata))
}

/// Paints the graph and returns graphite-web's SVG metadata object.
fn paint(
    surface: &mut dyn Surface,
    series: &[Series],
    opts: &GraphOptions,
    from: i64,
    until: i64,
) -> Result<String, GraphError> {
    // graphite-web takes the time axis from the series themselves and draws "No Data" without them, so
    // the request's range only matters to the caller; it stays in the signature for the callers' sake.
    let _ = (from, until);
    match opts.graph_type {
        GraphType::Line => line::draw(surface, series, opts),
        GraphType::Pie => pie::draw(surface, series, opts).map(|_| "{}".to_string()),
    }
}

fn full_rect(opts: &GraphOptions) -> crate::render::canvas::Rect {
    crate::render::canvas::Rect::new(0, 0, opts.width as i32, opts.height as i32)
}

/// graphite-web's "No Data": red, centred, in a font of ln(width × height) points.
fn no_data(surface: &mut dyn Surface, opts: &GraphOptions) {
    let size = ((opts.width as f64) * (opts.height as f64)).ln();
    let font = TextFont::new(size, false);
    let (x, y) = (opts.width as f64 / 2.0, opts.height as f64 / 2.0);
    draw_text(
        surface,
        "No Data",
        x,
        y,
        font,
        RED,
        Align::Center,
        VAlign::Top,
        Rotation::None,
    );
}

fn error_image(surface: &mut dyn Surface, opts: &GraphOptions, e: &GraphError) {
    let font = TextFont::new(opts.font_size, false);
    let x = opts.width as f64 / 2.0;
    let y = opts.height as f64 / 2.0 - font.height();
    let lines = [e.expected.clone(), format!("({}={})", e.param, e.value)];
    for (i, text) in lines.iter().enumerate() {
        draw_text(
            surface,
            text,
            x,
            y + i as f64 * font.height(),
            font,
            RED,
            Align::Center,
            VAlign::Top,
            Rotation::None,
        );
    }
}

const RED: Rgba = Rgba::rgb(200, 0, 50);

/// A font as graphite-web sizes it, with DejaVu Sans's cairo extents (ascent 0.928 em, descent
/// 0.236 em, line height 1.164 em) so the layout spaces lines exactly as graphite-web does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextFont {
    pub size: f64,
    pub bold: bool,
}

impl TextFont {
    pub(crate) const fn new(size: f64, bold: bool) -> TextFont {
        TextFont { size, bold }
    }

    pub(crate) fn ascent(self) -> f64 {
        0.928 * self.size
    }

    pub(crate) fn descent(self) -> f64 {
        0.236 * self.size
    }

    pub(crate) fn height(self) -> f64 {
        1.164 * self.size
    }

    fn raster(self) -> Font {
        Font::new(self.size as f32, self.bold)
    }

    pub(crate) fn width(self, text: &str) -> f64 {
        text::measure(text, self.raster()).width as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VAlign {
    Top,
    Middle,
    Baseline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rotation {
    None,
    /// 90° clockwise: read top to bottom.
    Quarter,
    /// 270°: read bottom to top.
    ThreeQuarters,
}

/// graphite-web's `drawText`: `(x, y)` is the anchor named by `align` and `valign`, and rotation turns
/// the text about it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_text(
    surface: &mut dyn Surface,
    text: &str,
    x: f64,
    y: f64,
    font: TextFont,
    colour: Rgba,
    align: Align,
    valign: VAlign,
    rotation: Rotation,
) {
    let width = font.width(text);
    let h = match align {
        Align::Left => 0.0,
        Align::Center => width / 2.0,
        Align::Right => width,
    };
    let v = match valign {
        VAlign::Top => font.ascent(),
        VAlign::Middle => font.height() / 2.0 - font.descent(),
        VAlign::Baseline => 0.0,
    };
    let (sin, cos, direction) = match rotation {
        Rotation::None => (0.0, 1.0, Direction::LeftToRight),
        Rotation::Quarter => (1.0, 0.0, Direction::TopToBottom),
        Rotation::ThreeQuarters => (-1.0, 0.0, Direction::BottomToTop),
    };
    let ox = x - v * sin - h * cos;
    let oy = y + v * cos - h * sin;
    surface.text(
        text,
        Point::new(ox as f32, oy as f32),
        font.raster(),
        colour,
        direction,
    );
}

#[cfg(test)]
#[path = "golden_tests.rs"]
mod golden_tests;
