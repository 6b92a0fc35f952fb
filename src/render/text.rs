//! Text on the canvas: measuring and drawing single lines in the embedded DejaVu Sans, horizontally or
//! turned a quarter for vertical titles.
//!
//! Owns glyph placement (pen advance, pixel snapping, the replacement box for characters the table lacks).
//! Must not wrap, align or choose sizes: the graph layout does that with `measure`. Sizes are Graphite's
//! `fontSize` in points, which cairo at 72 dpi draws as that many pixels per em.

use super::canvas::{Canvas, Point, Rgba};
use super::font::{self, Face, Glyph};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Font {
    pub size: f32,
    pub bold: bool,
}

impl Font {
    pub const fn new(size: f32, bold: bool) -> Font {
        Font { size, bold }
    }
}

/// A line's advance width and the pixels it needs above and below its baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextExtent {
    pub width: f32,
    pub ascent: f32,
    pub descent: f32,
}

/// Which way the baseline runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    LeftToRight,
    /// Turned a quarter anticlockwise, read from the bottom up: the left `vtitle`.
    BottomToTop,
    /// Turned a quarter clockwise, read from the top down: `vtitleRight`.
    TopToBottom,
}

pub fn measure(text: &str, font: Font) -> TextExtent {
    let Some(face) = font::face(font.size, font.bold) else {
        return TextExtent {
            width: 0.0,
            ascent: 0.0,
            descent: 0.0,
        };
    };
    let width = text
        .chars()
        .map(|ch| {
            face.glyph(ch)
                .map_or(replacement_advance(&face), |g| g.advance)
        })
        .sum();
    TextExtent {
        width,
        ascent: face.ascent as f32,
        descent: face.descent as f32,
    }
}

/// Draws `text` with its baseline starting at `origin`.
pub fn draw_text(canvas: &mut Canvas, origin: Point, text: &str, font: Font, colour: Rgba) {
    draw_text_turned(canvas, origin, text, font, colour, Direction::LeftToRight);
}

/// Draws `text` with its baseline starting at `origin` and running in `direction`.
pub fn draw_text_turned(
    canvas: &mut Canvas,
    origin: Point,
    text: &str,
    font: Font,
    colour: Rgba,
    direction: Direction,
) {
    let Some(face) = font::face(font.size, font.bold) else {
        return;
    };
    if !(origin.x.is_finite() && origin.y.is_finite()) {
        return;
    }
    // Snap the baseline origin to whole pixels: hinted glyphs are only crisp on the pixel grid.
    let (ox, oy) = (origin.x.round() as i32, origin.y.round() as i32);
    let mut pen = 0.0f32;
    for ch in text.chars() {
        let pen_px = pen.round() as i32;
        // Offsets along the baseline (u) and downwards across it (v), turned onto the canvas.
        let mut put = |u: i32, v: i32, alpha: f32| {
            let (x, y) = match direction {
                Direction::LeftToRight => (ox + u, oy + v),
                Direction::BottomToTop => (ox + v, oy - u),
                Direction::TopToBottom => (ox - v, oy + u),
            };
            canvas.blend_pixel(x, y, colour, alpha);
        };
        match face.glyph(ch) {
            Some(glyph) => {
                draw_glyph(&glyph, pen_px, &mut put);
                pen += glyph.advance;
            }
            None => {
                draw_replacement(&face, pen_px, &mut put);
                pen += replacement_advance(&face);
            }
        }
    }
}

fn draw_glyph(glyph: &Glyph, pen: i32, put: &mut impl FnMut(i32, i32, f32)) {
    for gy in 0..glyph.height {
        for gx in 0..glyph.width {
            let c = glyph.coverage(gx, gy);
            if c != 0 {
                put(
                    pen + glyph.left + gx as i32,
                    gy as i32 - glyph.top,
                    c as f32 / 255.0,
                );
            }
        }
    }
}

fn replacement_advance(face: &Face) -> f32 {
    (face.size as f32 * 0.6).round().max(3.0)
}

/// An empty box the height of a capital, as font renderers show a character they have no glyph for.
fn draw_replacement(face: &Face, pen: i32, put: &mut impl FnMut(i32, i32, f32)) {
    let width = replacement_advance(face) as i32 - 2;
    let height = (face.size as f32 * 0.73).round() as i32;
    for u in 0..width {
        put(pen + 1 + u, -height, 1.0);
        put(pen + 1 + u, -1, 1.0);
    }
    for v in -height + 1..-1 {
        put(pen + 1, v, 1.0);
        put(pen + width, v, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgba = Rgba::rgb(255, 255, 255);
    const BLACK: Rgba = Rgba::rgb(0, 0, 0);

    /// Bounding box (x0, y0, x1, y1) of every pixel that is no longer white.
    fn ink_box(canvas: &Canvas) -> Option<(u32, u32, u32, u32)> {
        let mut found: Option<(u32, u32, u32, u32)> = None;
        for y in 0..canvas.height() {
            for x in 0..canvas.width() {
                if canvas.pixel(x, y) != Some(WHITE) {
                    let b = found.get_or_insert((x, y, x, y));
                    *b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
                }
            }
        }
        found
    }

    #[test]
    fn measure_sums_hinted_advances() {
        let e = measure("Hello", Font::new(10.0, false));
        assert_eq!((e.width, e.ascent, e.descent), (26.0, 10.0, 3.0));
        assert!(measure("Hello", Font::new(10.0, true)).width > e.width);
        assert!(measure("Hello", Font::new(14.0, false)).width > e.width);
        assert_eq!(measure("", Font::new(10.0, false)).width, 0.0);
        // Outside Latin-1: one replacement box per character.
        assert_eq!(measure("€€", Font::new(10.0, false)).width, 12.0);
    }

    #[test]
    fn capitals_sit_on_the_baseline() {
        let mut canvas = Canvas::new(60, 30, WHITE);
        draw_text(
            &mut canvas,
            Point::new(5.0, 20.0),
            "HE",
            Font::new(10.0, false),
            BLACK,
        );
        let (x0, y0, x1, y1) = ink_box(&canvas).expect("ink");
        assert_eq!(
            y1, 20,
            "bottom of the capitals is the baseline row above y = 20"
        );
        assert!((12..=14).contains(&y0), "cap height ~7 px, top at {y0}");
        assert!(x0 >= 5 && x1 <= 5 + 14);
    }

    #[test]
    fn turned_text_runs_along_the_turned_baseline() {
        let font = Font::new(10.0, false);
        let width = measure("Hello", font).width as u32;
        let mut up = Canvas::new(40, 60, WHITE);
        draw_text_turned(
            &mut up,
            Point::new(20.0, 50.0),
            "Hello",
            font,
            BLACK,
            Direction::BottomToTop,
        );
        let (x0, y0, x1, y1) = ink_box(&up).expect("ink");
        assert!(
            x1 <= 20 + 3 && x0 >= 20 - 10,
            "glyphs stand left of the baseline: {x0}..{x1}"
        );
        assert!(
            y1 <= 50 && y0 >= 50 - width,
            "runs upwards from y = 50: {y0}..{y1}"
        );

        let mut down = Canvas::new(40, 60, WHITE);
        draw_text_turned(
            &mut down,
            Point::new(20.0, 10.0),
            "Hello",
            font,
            BLACK,
            Direction::TopToBottom,
        );
        let (x0, y0, _, y1) = ink_box(&down).expect("ink");
        assert!(x0 >= 20 - 3, "glyphs stand right of the baseline");
        assert!(y0 >= 10 && y1 <= 10 + width);
    }

    #[test]
    fn unknown_characters_draw_a_box_and_text_is_clipped() {
        let mut canvas = Canvas::new(30, 20, WHITE);
        canvas.set_clip(crate::render::canvas::Rect::new(0, 0, 30, 12));
        draw_text(
            &mut canvas,
            Point::new(2.0, 15.0),
            "€g",
            Font::new(10.0, false),
            BLACK,
        );
        let (_, y0, _, y1) = ink_box(&canvas).expect("box drawn");
        assert!(y0 >= 15 - 8 && y1 <= 12, "{y0}..{y1}");
        assert_eq!(canvas.pixel(3, 8), Some(BLACK), "box's left side");
    }
}
