//! graphite-web's SVG `metadata` object (a script element at the end of the SVG): the time range, the
//! plot area, the y axis and each series' geometry, for clients that map pixels back to values.
//!
//! Owns the JSON text; must not lay out or draw.

use std::fmt::Write;

use super::draw::{Area, Line};
use super::options::GraphOptions;
use super::yaxis::Axis;

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
pub(crate) fn metadata(
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
