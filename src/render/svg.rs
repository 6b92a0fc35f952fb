//! The SVG writer behind `format=svg`: the graph layout paints on it exactly as on the PNG canvas, and
//! it writes each mark as an SVG element. The output is a standalone, valid XML document; every piece of
//! text is escaped and characters XML cannot carry are dropped.
//!
//! Owns SVG syntax only; must not lay anything out.

use std::fmt::Write;

use super::canvas::{Point, Rect, Rgba};
use super::graph::{Orientation, Surface};
use super::text::{Direction, Font};

pub(crate) struct Svg {
    body: String,
    defs: String,
    clip_count: usize,
    clip_open: bool,
    /// `<g>` elements opened by exclusive fills, closed by `end_exclusion`.
    exclusions: usize,
    width: u32,
    height: u32,
}

impl Svg {
    pub(crate) fn new(width: u32, height: u32) -> Svg {
        Svg {
            body: String::with_capacity(16 * 1024),
            defs: String::new(),
            clip_count: 0,
            clip_open: false,
            exclusions: 0,
            width,
            height,
        }
    }

    /// The finished document; `metadata` is a JSON object embedded as graphite-web does, in a script
    /// element, for clients that read the axes back.
    pub(crate) fn finish(mut self, metadata: &str) -> Vec<u8> {
        self.end_exclusion();
        if self.clip_open {
            self.body.push_str("</g>\n");
        }
        let mut out = String::with_capacity(self.body.len() + self.defs.len() + 512);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}px\" height=\"{h}px\" viewBox=\"0 0 {w} {h}\" version=\"1.1\">",
            w = self.width,
            h = self.height
        );
        if !self.defs.is_empty() {
            out.push_str("<defs>\n");
            out.push_str(&self.defs);
            out.push_str("</defs>\n");
        }
        out.push_str("<g class=\"graphite\">\n");
        out.push_str(&self.body);
        out.push_str("</g>\n<script>\n  <![CDATA[\n    metadata = ");
        // A JSON string cannot hold "]]>" unescaped only if a name does; break it so CDATA stays closed.
        out.push_str(&metadata.replace("]]>", "]]\\u003e"));
        out.push_str("\n  ]]>\n</script>\n</svg>\n");
        out.into_bytes()
    }
}

/// A number as the SVG writes it: rounded to thousandths, whole values without a fraction. A
/// `Display` value rather than a `String`, so path data formats straight into the document.
struct Num(f32);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = (self.0 as f64 * 1000.0).round() / 1000.0;
        if r == r.trunc() {
            write!(f, "{}", r as i64)
        } else {
            write!(f, "{r}")
        }
    }
}

fn num(v: f32) -> Num {
    Num(v)
}

fn paint(colour: Rgba, alpha: f32) -> (String, String) {
    let a = (alpha.clamp(0.0, 1.0) * colour.a as f32 / 255.0).clamp(0.0, 1.0);
    (
        format!("rgb({},{},{})", colour.r, colour.g, colour.b),
        num(a).to_string(),
    )
}

/// Text as XML character data or attribute value: the five special characters escaped, and characters
/// XML 1.0 forbids (most control characters) left out.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Path data for the runs of finite points (a non-finite point breaks the path, as on the canvas).
fn path_data(points: &[Point], close: bool) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for p in points {
        if !(p.x.is_finite() && p.y.is_finite()) {
            pen_down = false;
            continue;
        }
        let _ = write!(
            d,
            "{}{} {} ",
            if pen_down { "L" } else { "M" },
            num(p.x),
            num(p.y)
        );
        pen_down = true;
    }
    if close && !d.is_empty() {
        d.push('Z');
    }
    d
}

impl Surface for Svg {
    fn fill_rect(&mut self, r: Rect, colour: Rgba) {
        let (fill, opacity) = paint(colour, 1.0);
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" fill-opacity=\"{opacity}\"/>",
            r.x0,
            r.y0,
            (r.x1 - r.x0).max(0),
            (r.y1 - r.y0).max(0)
        );
    }

    fn outline_rect(&mut self, r: Rect, colour: Rgba) {
        let (stroke, opacity) = paint(colour, 1.0);
        let _ = writeln!(
            self.body,
            "<rect x=\"{}.5\" y=\"{}.5\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-opacity=\"{opacity}\" stroke-width=\"1\"/>",
            r.x0,
            r.y0,
            (r.x1 - r.x0 - 1).max(0),
            (r.y1 - r.y0 - 1).max(0)
        );
    }

    fn stroke(&mut self, points: &[Point], width: f32, dash: &[f32], colour: Rgba, alpha: f32) {
        let d = path_data(points, false);
        if d.is_empty() || width.is_nan() || width <= 0.0 {
            return;
        }
        let (stroke, opacity) = paint(colour, alpha);
        let dash = if dash.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = dash.iter().map(|v| num(*v).to_string()).collect();
            format!(" stroke-dasharray=\"{}\"", list.join(","))
        };
        let _ = writeln!(
            self.body,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-opacity=\"{opacity}\" stroke-width=\"{}\" stroke-linecap=\"butt\" stroke-linejoin=\"miter\"{dash}/>",
            num(width)
        );
    }

    fn fill(&mut self, points: &[Point], colour: Rgba, alpha: f32) {
        let d = path_data(points, true);
        if d.is_empty() {
            return;
        }
        let (fill, opacity) = paint(colour, alpha);
        let _ = writeln!(
            self.body,
            "<path d=\"{d}\" fill=\"{fill}\" fill-opacity=\"{opacity}\" stroke=\"none\"/>"
        );
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
        let (stroke, opacity) = paint(colour, 1.0);
        let (x1, y1, x2, y2) = match orientation {
            Orientation::Horizontal => (from, at, to, at),
            Orientation::Vertical => (at, from, at, to),
        };
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-opacity=\"{opacity}\" stroke-width=\"{}\"/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width)
        );
    }

    fn text(&mut self, s: &str, origin: Point, font: Font, colour: Rgba, direction: Direction) {
        if s.is_empty() || !(origin.x.is_finite() && origin.y.is_finite()) {
            return;
        }
        let (fill, opacity) = paint(colour, 1.0);
        let rotate = match direction {
            Direction::LeftToRight => String::new(),
            Direction::BottomToTop => {
                format!(
                    " transform=\"rotate(-90 {} {})\"",
                    num(origin.x),
                    num(origin.y)
                )
            }
            Direction::TopToBottom => {
                format!(
                    " transform=\"rotate(90 {} {})\"",
                    num(origin.x),
                    num(origin.y)
                )
            }
        };
        let _ = writeln!(
            self.body,
            "<text x=\"{}\" y=\"{}\" font-family=\"DejaVu Sans, Sans\" font-size=\"{}\" font-weight=\"{}\" fill=\"{fill}\" fill-opacity=\"{opacity}\" xml:space=\"preserve\"{rotate}>{}</text>",
            num(origin.x),
            num(origin.y),
            num(font.size),
            if font.bold { "bold" } else { "normal" },
            escape(s)
        );
    }

    fn fill_exclusive(&mut self, points: &[Point], colour: Rgba, alpha: f32) {
        let d = path_data(points, true);
        if d.is_empty() {
            return;
        }
        self.fill(points, colour, alpha);
        // Everything but the polygon (even-odd against the whole image) stays paintable.
        self.clip_count += 1;
        let _ = writeln!(
            self.defs,
            "<clipPath id=\"clip{}\"><path clip-rule=\"evenodd\" d=\"M0 0 H{w} V{h} H0 Z {d}\"/></clipPath>",
            self.clip_count,
            w = self.width,
            h = self.height
        );
        let _ = writeln!(self.body, "<g clip-path=\"url(#clip{})\">", self.clip_count);
        self.exclusions += 1;
    }

    fn hinted_metrics(&self) -> bool {
        false
    }

    fn end_exclusion(&mut self) {
        for _ in 0..self.exclusions {
            self.body.push_str("</g>\n");
        }
        self.exclusions = 0;
    }

    fn clip(&mut self, rect: Option<Rect>) {
        self.end_exclusion();
        if self.clip_open {
            self.body.push_str("</g>\n");
            self.clip_open = false;
        }
        if let Some(r) = rect {
            self.clip_count += 1;
            let _ = writeln!(
                self.defs,
                "<clipPath id=\"clip{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>",
                self.clip_count,
                r.x0,
                r.y0,
                (r.x1 - r.x0).max(0),
                (r.y1 - r.y0).max(0)
            );
            let _ = writeln!(self.body, "<g clip-path=\"url(#clip{})\">", self.clip_count);
            self.clip_open = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(escape("a<b>&\"c'\u{1}d"), "a&lt;b&gt;&amp;&quot;c&apos;d");
    }

    #[test]
    fn broken_paths_start_again() {
        let nan = f32::NAN;
        let pts = [
            Point::new(0.0, 0.0),
            Point::new(1.5, 2.0),
            Point::new(nan, 0.0),
            Point::new(3.0, 4.0),
        ];
        assert_eq!(path_data(&pts, false), "M0 0 L1.5 2 M3 4 ");
    }
}
