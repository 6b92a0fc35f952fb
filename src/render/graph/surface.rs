//! The drawing surface the graph layout paints on, so PNG and SVG come from one layout: the RGBA
//! canvas implements it here, the SVG writer in `render/svg.rs`.
//!
//! Owns the small vocabulary of marks a Graphite graph is made of (filled rectangles and polygons,
//! stroked polylines, crisp grid lines, text runs, a rectangular clip). Must not know about series or
//! axes; coordinates are pixels from the top-left corner, as cairo's.

use crate::render::canvas::{Canvas, Paint, Point, Rect, Rgba, Stroke};
use crate::render::text::{self, Direction, Font};

/// Which way a grid line runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Orientation {
    Horizontal,
    Vertical,
}

pub(crate) trait Surface {
    /// Fills a rectangle of whole pixels (backgrounds, legend swatches).
    fn fill_rect(&mut self, rect: Rect, colour: Rgba);
    /// Outlines a rectangle of whole pixels with a 1-pixel line inside its edge.
    fn outline_rect(&mut self, rect: Rect, colour: Rgba);
    /// Strokes a polyline; a non-finite point breaks it into separate runs.
    fn stroke(&mut self, points: &[Point], width: f32, dash: &[f32], colour: Rgba, alpha: f32);
    /// Fills a closed polygon (non-zero winding).
    fn fill(&mut self, points: &[Point], colour: Rgba, alpha: f32);
    /// A grid line of the given cairo width across the plot: horizontal at `y = at` from `from` to
    /// `to`, or vertical at `x = at`.
    fn grid_line(
        &mut self,
        orientation: Orientation,
        at: f32,
        from: f32,
        to: f32,
        width: f32,
        colour: Rgba,
    );
    /// One line of text with its baseline starting at `origin`.
    fn text(&mut self, text: &str, origin: Point, font: Font, colour: Rgba, direction: Direction);
    /// Restricts later marks to `rect`, or lifts the restriction with None.
    fn clip(&mut self, rect: Option<Rect>);
    /// Fills a polygon only where no earlier exclusive fill painted, then keeps it out of later ones:
    /// graphite-web's `fillAreaAndClip`, which stops stacked areas from painting over each other.
    fn fill_exclusive(&mut self, points: &[Point], colour: Rgba, alpha: f32);
    /// Forgets every exclusion (graphite-web's clip restore before the plain lines).
    fn end_exclusion(&mut self);
    /// Whether text is measured with hinted (whole-pixel) metrics, as cairo does on raster surfaces.
    fn hinted_metrics(&self) -> bool;
}

/// The PNG side: the canvas plus the mask of what exclusive fills already covered.
pub(crate) struct PngSurface {
    canvas: Canvas,
    clip: Option<Rect>,
    /// Coverage 0..=1 per pixel of every exclusive fill so far; allocated by the first one.
    taken: Option<Vec<f32>>,
}

impl PngSurface {
    pub(crate) fn new(width: u32, height: u32, background: Rgba) -> PngSurface {
        PngSurface {
            canvas: Canvas::new(width, height, background),
            clip: None,
            taken: None,
        }
    }

    pub(crate) fn into_png(self) -> Vec<u8> {
        self.canvas.encode_png()
    }
}

/// How dark a crisp 1-pixel line must be to read like cairo's anti-aliased line of `width` pixels,
/// which spreads that much ink over the pixels it crosses.
fn grid_alpha(width: f32) -> f32 {
    width.clamp(0.0, 1.0)
}

impl Surface for PngSurface {
    fn fill_rect(&mut self, rect: Rect, colour: Rgba) {
        self.canvas.fill_rect(rect, Paint::solid(colour));
    }

    fn outline_rect(&mut self, r: Rect, colour: Rgba) {
        if r.x1 <= r.x0 || r.y1 <= r.y0 {
            return;
        }
        let paint = Paint::solid(colour);
        let c = &mut self.canvas;
        c.hline(r.x0, r.x1, r.y0, paint);
        c.hline(r.x0, r.x1, r.y1 - 1, paint);
        c.vline(r.x0, r.y0 + 1, r.y1 - 1, paint);
        c.vline(r.x1 - 1, r.y0 + 1, r.y1 - 1, paint);
    }

    fn stroke(&mut self, points: &[Point], width: f32, dash: &[f32], colour: Rgba, alpha: f32) {
        let style = Stroke { width, dash };
        self.canvas
            .stroke_polyline(points, &style, Paint { colour, alpha });
    }

    fn fill(&mut self, points: &[Point], colour: Rgba, alpha: f32) {
        self.canvas.fill_polygon(points, Paint { colour, alpha });
    }

    fn grid_line(
        &mut self,
        orientation: Orientation,
        at: f32,
        from: f32,
        to: f32,
        width: f32,
        colour: Rgba,
    ) {
        if !(at.is_finite() && from.is_finite() && to.is_finite()) {
            return;
        }
        let paint = Paint {
            colour,
            alpha: grid_alpha(width),
        };
        // cairo centres the line on `at`; the pixel holding most of its ink is the one `at` falls in.
        let pixel = at.floor() as i32;
        let (a, b) = (from.round() as i32, to.round() as i32);
        match orientation {
            Orientation::Horizontal => self.canvas.hline(a, b, pixel, paint),
            Orientation::Vertical => self.canvas.vline(pixel, a, b, paint),
        }
    }

    fn text(&mut self, s: &str, origin: Point, font: Font, colour: Rgba, direction: Direction) {
        text::draw_text_turned(&mut self.canvas, origin, s, font, colour, direction);
    }

    fn clip(&mut self, rect: Option<Rect>) {
        self.clip = rect;
        match rect {
            Some(r) => self.canvas.set_clip(r),
            None => self.canvas.reset_clip(),
        }
    }

    fn fill_exclusive(&mut self, points: &[Point], colour: Rgba, alpha: f32) {
        if points.len() < 3 {
            return;
        }
        let (w, h) = (self.canvas.width(), self.canvas.height());
        // The polygon's own coverage, rasterised alone so it can be weighed against the mask.
        let mut shape = Canvas::new(w, h, Rgba::new(0, 0, 0, 0));
        if let Some(r) = self.clip {
            shape.set_clip(r);
        }
        shape.fill_polygon(points, Paint::solid(Rgba::rgb(255, 255, 255)));
        let taken = self
            .taken
            .get_or_insert_with(|| vec![0.0; w as usize * h as usize]);
        let pixels = shape.pixels();
        for (i, t) in taken.iter_mut().enumerate() {
            let a = pixels[i * 4 + 3];
            if a == 0 {
                continue;
            }
            let a = a as f32 / 255.0;
            let free = 1.0 - *t;
            if free > 0.0 {
                let (x, y) = ((i as u32 % w) as i32, (i as u32 / w) as i32);
                self.canvas
                    .blend_pixel(x, y, colour, alpha.clamp(0.0, 1.0) * a * free);
            }
            *t += a * free;
        }
    }

    fn end_exclusion(&mut self) {
        self.taken = None;
    }

    fn hinted_metrics(&self) -> bool {
        true
    }
}
