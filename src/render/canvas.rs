//! The RGBA8 drawing surface under the PNG renderer: anti-aliased polylines and polygons, crisp
//! axis-aligned lines and rectangles, a clip rectangle, source-over blending and PNG encoding.
//!
//! Owns pixels only. It must not know about series, axes or layout (that is the graph layer above it),
//! and must not allocate per point: the scan converter and the stroker's point buffers live in the
//! canvas and are reused by every call. Coordinates are pixels with (0, 0) the top-left corner of the
//! top-left pixel, so a crisp 1-pixel line drawn with the anti-aliased path sits at `.5` coordinates,
//! as in cairo.

use super::raster::Coverage;
use super::stroke;

/// Largest canvas side in pixels. Graphite itself has no cap; one 4096² canvas already costs 64 MiB of
/// pixels plus as much of coverage buffer, so callers should refuse larger requests with a message, and the
/// canvas clamps as a last defence.
pub const MAX_SIDE: u32 = 4096;

/// A colour with straight (not premultiplied) alpha, as Graphite's colour parameters spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Rgba {
    pub const fn new(r: u8, g: u8, b: u8, a: u8) -> Rgba {
        Rgba { r, g, b, a }
    }

    pub const fn rgb(r: u8, g: u8, b: u8) -> Rgba {
        Rgba { r, g, b, a: 255 }
    }
}

/// What a shape is painted with: a colour and a global alpha on top of the colour's own alpha
/// (Graphite's `areaAlpha` and `alpha()` act this way).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paint {
    pub colour: Rgba,
    pub alpha: f32,
}

impl Paint {
    pub const fn solid(colour: Rgba) -> Paint {
        Paint { colour, alpha: 1.0 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Point {
        Point { x, y }
    }
}

/// A half-open pixel rectangle: columns `x0..x1`, rows `y0..y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    pub const fn new(x0: i32, y0: i32, x1: i32, y1: i32) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    /// The overlap of two rectangles; empty (x0 == x1 or y0 == y1) when they do not meet.
    pub fn intersect(self, other: Rect) -> Rect {
        let x0 = self.x0.max(other.x0);
        let y0 = self.y0.max(other.y0);
        Rect {
            x0,
            y0,
            x1: self.x1.min(other.x1).max(x0),
            y1: self.y1.min(other.y1).max(y0),
        }
    }
}

/// How a polyline is stroked. Joins are mitred up to cairo's default limit of 10 and bevelled past it;
/// ends are butt caps, as cairo's defaults that graphite-web keeps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke<'a> {
    pub width: f32,
    /// Alternating on and off lengths in pixels, carried across segments; empty means solid.
    pub dash: &'a [f32],
}

pub struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    clip: Rect,
    coverage: Coverage,
    stroke_scratch: stroke::Scratch,
}

impl Canvas {
    /// A canvas filled with `background`; sides are clamped to `1..=MAX_SIDE`.
    pub fn new(width: u32, height: u32, background: Rgba) -> Canvas {
        let width = width.clamp(1, MAX_SIDE);
        let height = height.clamp(1, MAX_SIDE);
        let pixels = [background.r, background.g, background.b, background.a]
            .repeat(width as usize * height as usize);
        Canvas {
            width,
            height,
            pixels,
            clip: Rect::new(0, 0, width as i32, height as i32),
            coverage: Coverage::new(width as usize, height as usize),
            stroke_scratch: stroke::Scratch::default(),
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// RGBA bytes, row by row from the top.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgba> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = &self.pixels[i..i + 4];
        Some(Rgba::new(p[0], p[1], p[2], p[3]))
    }

    /// Restricts every later drawing call to `clip` (intersected with the canvas).
    pub fn set_clip(&mut self, clip: Rect) {
        let c = clip.intersect(self.bounds());
        // An empty intersection can keep corners outside the canvas (x0 past the right edge), which the
        // rasterizer would index with; any empty clip is the same as the empty clip at the origin.
        self.clip = if c.x0 >= c.x1 || c.y0 >= c.y1 {
            Rect::new(0, 0, 0, 0)
        } else {
            c
        };
        self.coverage.set_clip(self.clip);
    }

    pub fn reset_clip(&mut self) {
        self.set_clip(self.bounds());
    }

    fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width as i32, self.height as i32)
    }

    /// Strokes an open polyline. A non-finite point ends one run and starts the next, so NaN gaps in a
    /// series need no splitting by the caller.
    pub fn stroke_polyline(&mut self, points: &[Point], style: &Stroke, paint: Paint) {
        // NaN widths fail `> 0.0` too, so they draw nothing.
        let drawable = style.width > 0.0 && style.width.is_finite();
        if !drawable || paint.alpha <= 0.0 {
            return;
        }
        stroke::stroke(&mut self.coverage, &mut self.stroke_scratch, points, style);
        self.paint_coverage(paint);
    }

    /// Fills a closed polygon (the last point joins the first) with the non-zero winding rule.
    pub fn fill_polygon(&mut self, points: &[Point], paint: Paint) {
        if points.len() < 3 || paint.alpha <= 0.0 {
            return;
        }
        let mut previous = points[points.len() - 1];
        for &p in points {
            self.coverage.add_edge(previous, p);
            previous = p;
        }
        self.paint_coverage(paint);
    }

    fn paint_coverage(&mut self, paint: Paint) {
        let alpha = paint.alpha.clamp(0.0, 1.0) * paint.colour.a as f32 / 255.0;
        let pixels = &mut self.pixels;
        self.coverage
            .sweep(|i, coverage| blend(pixels, i, paint.colour, alpha * coverage));
    }

    /// Fills whole pixels, no anti-aliasing: legend swatches, backgrounds.
    pub fn fill_rect(&mut self, rect: Rect, paint: Paint) {
        let r = rect.intersect(self.clip);
        let alpha = paint.alpha.clamp(0.0, 1.0) * paint.colour.a as f32 / 255.0;
        for y in r.y0..r.y1 {
            let row = y as usize * self.width as usize;
            for x in r.x0..r.x1 {
                blend(&mut self.pixels, row + x as usize, paint.colour, alpha);
            }
        }
    }

    /// A crisp 1-pixel horizontal line over columns `x0..x1` of row `y` (grid lines, ticks).
    pub fn hline(&mut self, x0: i32, x1: i32, y: i32, paint: Paint) {
        self.fill_rect(Rect::new(x0.min(x1), y, x0.max(x1), y + 1), paint);
    }

    /// A crisp 1-pixel vertical line over rows `y0..y1` of column `x`.
    pub fn vline(&mut self, x: i32, y0: i32, y1: i32, paint: Paint) {
        self.fill_rect(Rect::new(x, y0.min(y1), x + 1, y0.max(y1)), paint);
    }

    /// Blends one pixel at `alpha` (0..=1) times the colour's own alpha; outside the clip does nothing.
    /// Text uses this to lay glyph coverage down.
    pub fn blend_pixel(&mut self, x: i32, y: i32, colour: Rgba, alpha: f32) {
        let c = self.clip;
        if x < c.x0 || x >= c.x1 || y < c.y0 || y >= c.y1 {
            return;
        }
        let i = y as usize * self.width as usize + x as usize;
        blend(&mut self.pixels, i, colour, alpha * colour.a as f32 / 255.0);
    }

    /// The canvas as an RGBA PNG, fast compression: graphs are mostly flat colour, which even the fastest
    /// deflate packs well, and the time goes to the next request instead.
    pub fn encode_png(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pixels.len() / 16);
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        // Up-filtering suits graphs: most rows repeat the row above except where a line crosses.
        encoder.set_filter(png::FilterType::Up);
        // Writing to a Vec cannot fail, and the png crate's only other errors are for zero or mismatched
        // dimensions, which `new` rules out (sides >= 1, buffer sized width * height * 4).
        let mut writer = encoder.write_header().expect("PNG header into a Vec");
        writer
            .write_image_data(&self.pixels)
            .expect("PNG data sized to the canvas");
        writer.finish().expect("PNG trailer into a Vec");
        out
    }
}

/// Source-over of a straight-alpha colour at `alpha` onto straight-alpha pixel `i`.
fn blend(pixels: &mut [u8], i: usize, colour: Rgba, alpha: f32) {
    let sa = (alpha * 255.0 + 0.5) as u32;
    if sa == 0 {
        return;
    }
    let p = &mut pixels[i * 4..i * 4 + 4];
    let src = [colour.r as u32, colour.g as u32, colour.b as u32];
    let da = p[3] as u32;
    if sa >= 255 {
        p[..3].copy_from_slice(&[colour.r, colour.g, colour.b]);
        p[3] = 255;
    } else if da == 255 {
        for c in 0..3 {
            p[c] = ((src[c] * sa + p[c] as u32 * (255 - sa) + 127) / 255) as u8;
        }
    } else {
        // Destination weight da * (1 - sa), both in 0..=255 units, so out_a = sa + dw / 255.
        let dw = da * (255 - sa);
        let out_a = sa * 255 + dw;
        if out_a == 0 {
            return;
        }
        for c in 0..3 {
            p[c] = ((src[c] * sa * 255 + p[c] as u32 * dw + out_a / 2) / out_a) as u8;
        }
        p[3] = ((out_a + 127) / 255) as u8;
    }
}

#[cfg(test)]
#[path = "canvas_tests.rs"]
mod tests;
