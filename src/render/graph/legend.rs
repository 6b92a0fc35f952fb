//! The legend under the plot as graphite-web's `drawLegend` lays it out: columns as wide as the longest
//! name plus its swatch, as many as fit the image width, rows one line high, and with a second y axis the
//! right-axis names listed from the right edge when two columns fit.
//!
//! Owns legend geometry; must not draw (the caller paints the items it returns).

use crate::render::canvas::Rgba;

/// graphite-web's legend padding in pixels.
const PADDING: f64 = 5.0;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub name: String,
    pub colour: Rgba,
    pub right_side: bool,
}

/// One swatch and its name, in pixels: the swatch's top-left corner and side, and the name's anchor
/// (top of the text line; its left end, or its right end when `align_right`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub swatch_x: f64,
    pub swatch_y: f64,
    pub swatch: f64,
    pub text_x: f64,
    pub text_y: f64,
    pub align_right: bool,
    pub name: String,
    pub colour: Rgba,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Legend {
    /// How far the plot's bottom edge moves up.
    pub height: f64,
    pub items: Vec<Item>,
}

/// Drops later entries whose name was seen before (`uniqueLegend`).
pub(crate) fn unique(entries: Vec<Entry>) -> Vec<Entry> {
    let mut seen: Vec<String> = Vec::new();
    entries
        .into_iter()
        .filter(|e| {
            if seen.contains(&e.name) {
                false
            } else {
                seen.push(e.name.clone());
                true
            }
        })
        .collect()
}

/// Where the legend goes: an image `width` wide whose plot spans `xmin..xmax` and currently ends at
/// `ymax`, in a font `font_height` high.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    pub width: f64,
    pub xmin: f64,
    pub xmax: f64,
    pub ymax: f64,
    pub second_y_axis: bool,
    pub font_height: f64,
}

/// The layout of `entries` in `frame`; `measure` gives a text's width.
pub(crate) fn layout(entries: &[Entry], frame: Frame, measure: &dyn Fn(&str) -> f64) -> Legend {
    let Frame {
        width,
        xmin,
        xmax,
        ymax,
        second_y_axis,
        font_height: line_height_of_font,
    } = frame;
    let Some(longest) = entries
        .iter()
        .map(|e| e.name.as_str())
        .enumerate()
        // Python's sort by length is stable, so the last of the longest names wins.
        .max_by_key(|(i, n)| (n.chars().count(), *i))
        .map(|(_, n)| n)
    else {
        return Legend {
            height: 0.0,
            items: Vec::new(),
        };
    };
    let box_size = line_height_of_font - 1.0;
    let line_height = line_height_of_font + 1.0;
    let name_width = measure(longest);
    let label_width = name_width + 2.0 * (box_size + PADDING);
    // graphite-web checks whether the longest name fits twice over before using right-side columns.
    let doubled = measure(&format!("{longest} {longest}")) + 2.0 * (box_size + PADDING);
    let room_for_two = doubled + 50.0 < width;

    let mut items = Vec::with_capacity(entries.len());
    let mut push = |sx: f64, sy: f64, tx: f64, right: bool, e: &Entry| {
        items.push(Item {
            swatch_x: sx,
            swatch_y: sy,
            swatch: box_size,
            text_x: tx,
            text_y: sy,
            align_right: right,
            name: e.name.clone(),
            colour: e.colour,
        })
    };

    if second_y_axis && room_for_two {
        let columns = ((width - xmin) / label_width).floor().max(1.0);
        let right_count = entries.iter().filter(|e| e.right_side).count() as f64;
        let lines = (entries.len() as f64 - right_count).max(right_count);
        let columns = (columns / 2.0).floor().max(1.0);
        let height = (lines / columns).max(1.0) * line_height + PADDING;
        let top = ymax - height + 2.0 * PADDING;
        let (mut x, mut y, mut n) = (xmin, top, 0.0);
        // graphite-web starts the right-hand column at the plot's width, not its right edge.
        let right_start = xmax - xmin;
        let (mut x_right, mut y_right, mut n_right) = (right_start, top, 0.0);
        for e in entries {
            if e.right_side {
                n_right += 1.0;
                push(x_right - PADDING, y_right, x_right - box_size, true, e);
                x_right -= label_width;
                if n_right % columns == 0.0 {
                    x_right = right_start;
                    y_right += line_height;
                }
            } else {
                n += 1.0;
                push(x, y, x + box_size + PADDING, false, e);
                x += label_width;
                if n % columns == 0.0 {
                    x = xmin;
                    y += line_height;
                }
            }
        }
        return Legend { height, items };
    }

    let columns = (width / label_width).floor().max(1.0);
    let lines = (entries.len() as f64 / columns).ceil();
    let height = lines * line_height + PADDING;
    let (mut x, mut y) = (xmin, ymax - height + 2.0 * PADDING);
    for (i, e) in entries.iter().enumerate() {
        if e.right_side {
            push(x + label_width + PADDING, y, x + label_width, true, e);
        } else {
            push(x, y, x + box_size + PADDING, false, e);
        }
        x += label_width;
        if (i as f64 + 1.0) % columns == 0.0 {
            x = xmin;
            y += line_height;
        }
    }
    Legend { height, items }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(names: &[&str]) -> Vec<Entry> {
        names
            .iter()
            .map(|n| Entry {
                name: n.to_string(),
                colour: Rgba::rgb(0, 0, 0),
                right_side: false,
            })
            .collect()
    }

    fn frame(width: f64) -> Frame {
        Frame {
            width,
            xmin: 20.0,
            xmax: 320.0,
            ymax: 240.0,
            second_y_axis: false,
            font_height: 11.64,
        }
    }

    /// Every character 6 pixels wide.
    fn six(text: &str) -> f64 {
        6.0 * text.chars().count() as f64
    }

    macro_rules! wraps {
        ($($names:expr, $width:expr => $rows:expr, $height:expr);* $(;)?) => {$(
            let l = layout(&entries(&$names), frame($width), &six);
            let rows: Vec<f64> = l.items.iter().map(|i| i.text_y).collect();
            let mut distinct = rows.clone();
            distinct.dedup();
            assert_eq!(distinct.len(), $rows, "{:?} at {}", $names, $width);
            assert!((l.height - $height).abs() < 1e-9, "height {}", l.height);
        )*};
    }

    #[test]
    fn columns_fill_the_width_then_wrap() {
        // label width = 4 * 6 + 2 * (10.64 + 5) = 55.28: five columns in 330, two in 120.
        wraps! {
            ["gr.a", "gr.b", "gr.c"], 330.0 => 1, 12.64 + 5.0;
            ["gr.a", "gr.b", "gr.c", "gr.d", "gr.e", "gr.f"], 330.0 => 2, 2.0 * 12.64 + 5.0;
            ["gr.a", "gr.b", "gr.c"], 120.0 => 2, 2.0 * 12.64 + 5.0;
            ["a-very-long-series-name-indeed"], 50.0 => 1, 12.64 + 5.0;
        }
    }

    #[test]
    fn rows_sit_below_the_plot_and_swatches_lead_names() {
        let l = layout(&entries(&["a", "b"]), frame(330.0), &six);
        let first = &l.items[0];
        assert_eq!(
            (first.swatch_x, first.swatch_y),
            (20.0, 240.0 - l.height + 10.0)
        );
        assert_eq!(first.text_x, 20.0 + 10.64 + 5.0);
        assert_eq!(l.items[1].swatch_x, 20.0 + 6.0 + 2.0 * 15.64);
    }

    #[test]
    fn unique_keeps_first_of_each_name() {
        let kept = unique(entries(&["a", "b", "a", "c", "b"]));
        let names: Vec<&str> = kept.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
