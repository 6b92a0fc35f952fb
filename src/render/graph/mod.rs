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

mod advances;
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
pub(crate) use surface::{Orientation, PngSurface, Surface};

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
    let font = TextFont::new(size, false, surface.hinted_metrics());
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
    let font = TextFont::new(opts.font_size, false, surface.hinted_metrics());
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

/// A font as graphite-web sizes it, with DejaVu Sans's extents as cairo reports them. cairo's image
/// surface hints metrics (FreeType rounds the ascent up, the descent down and the line height to whole
/// pixels, and advances to whole pixels) while its SVG surface does not, so graphite-web's PNG and SVG
/// layouts differ by a pixel or two; `hinted` picks which one to reproduce.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextFont {
    pub size: f64,
    pub bold: bool,
    pub hinted: bool,
}

/// DejaVu Sans's vertical metrics in em (hhea: ascender 1901, descender 483, no line gap, of 2048).
const ASCENT_EM: f64 = 1901.0 / 2048.0;
const DESCENT_EM: f64 = 483.0 / 2048.0;

impl TextFont {
    pub(crate) const fn new(size: f64, bold: bool, hinted: bool) -> TextFont {
        TextFont { size, bold, hinted }
    }

    pub(crate) fn ascent(self) -> f64 {
        let a = ASCENT_EM * self.size;
        if self.hinted {
            a.ceil()
        } else {
            a
        }
    }

    pub(crate) fn descent(self) -> f64 {
        let d = DESCENT_EM * self.size;
        if self.hinted {
            d.ceil()
        } else {
            d
        }
    }

    pub(crate) fn height(self) -> f64 {
        let h = (ASCENT_EM + DESCENT_EM) * self.size;
        if self.hinted {
            h.round()
        } else {
            h
        }
    }

    fn raster(self) -> Font {
        Font::new(self.size as f32, self.bold)
    }

    /// The advance width of `text` in the surface's metrics: the embedded glyphs' hinted advances, or
    /// the unhinted ones of the TrueType tables. Characters the embedded font lacks count as the
    /// replacement box the text layer draws.
    pub(crate) fn width(self, text: &str) -> f64 {
        if self.hinted {
            return self.drawn_width(text);
        }
        let table: &[u16] = if self.bold {
            &advances::BOLD
        } else {
            &advances::REGULAR
        };
        let units: f64 = text
            .chars()
            .map(|ch| {
                let c = ch as usize;
                let index = match c {
                    0x20..=0x7e => Some(c - 0x20),
                    0xa0..=0xff => Some(c - 0xa0 + 0x5f),
                    _ => None,
                };
                index
                    .and_then(|i| table.get(i))
                    .map_or(0.6 * advances::UNITS_PER_EM, |&u| f64::from(u))
            })
            .sum();
        units * self.size / advances::UNITS_PER_EM
    }

    /// The width the embedded glyphs cover when drawn.
    fn drawn_width(self, text: &str) -> f64 {
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
