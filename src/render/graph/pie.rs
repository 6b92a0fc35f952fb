//! `graphType=pie` as graphite-web's `PieGraph`: one slice per series holding its average, maximum or
//! minimum (`pieMode`), clockwise from twelve o'clock in palette order, with percent or number labels
//! halfway out along each slice's middle.
//!
//! Owns pie geometry; takes series already evaluated.

use std::f64::consts::PI;

use super::frame::{draw_title, paint_legend, title_font};
use super::legend::{self, Entry};
use super::options::{GraphError, GraphOptions, PieMode, ValueLabels};
use super::surface::Surface;
use super::{draw_text, no_data, Align, Rotation, TextFont, VAlign};
use crate::render::canvas::{Point, Rgba};
use crate::series::Series;

/// graphite-web's `PieFunction`: the mode's value over the non-null points, 0 when there are none.
pub(crate) fn slice_value(values: &[f64], mode: PieMode) -> f64 {
    let mut finite = values.iter().cloned().filter(|v| !v.is_nan());
    let first = finite.next();
    let Some(first) = first else { return 0.0 };
    let (mut sum, mut n, mut lo, mut hi) = (first, 1.0, first, first);
    for v in finite {
        sum += v;
        n += 1.0;
        lo = lo.min(v);
        hi = hi.max(v);
    }
    match mode {
        PieMode::Average => sum / n,
        PieMode::Maximum => hi,
        PieMode::Minimum => lo,
    }
}

/// graphite-web's slice label text.
pub(crate) fn label(value: f64, percent: f64, kind: ValueLabels, min: f64) -> Option<String> {
    match kind {
        ValueLabels::None => None,
        ValueLabels::Percent => {
            (percent * 100.0 >= min).then(|| format!("%{:.2}", percent * 100.0))
        }
        ValueLabels::Number => (value >= min).then(|| {
            if value < 10.0 && value != value.trunc() {
                format!("{value:.2}")
            } else {
                format!("{}", value.trunc() as i64)
            }
        }),
    }
}

pub(crate) fn draw(
    surface: &mut dyn Surface,
    series: &[Series],
    opts: &GraphOptions,
) -> Result<(), GraphError> {
    if series.is_empty() {
        no_data(surface, opts);
        return Ok(());
    }
    if series.len() > super::MAX_SERIES {
        return Err(GraphError {
            param: "target".into(),
            value: series.len().to_string(),
            expected: format!("a pie draws at most {} slices", super::MAX_SERIES),
        });
    }
    let values: Vec<f64> = series
        .iter()
        .map(|s| slice_value(&s.values, opts.pie_mode))
        .collect();
    let total: f64 = values.iter().sum();
    if total == 0.0 || !total.is_finite() {
        return Err(GraphError {
            param: "graphType".into(),
            value: "pie".into(),
            expected: format!("the slices must add up to a finite non-zero total, not {total}"),
        });
    }
    let alpha = opts.area_alpha.unwrap_or(1.0) as f32;
    let mut palette = opts.colors.iter().cycle();
    let colours: Vec<Rgba> = series
        .iter()
        .map(|_| palette.next().copied().unwrap_or(Rgba::rgb(0, 0, 0)))
        .collect();

    let (width, height) = (opts.width as f64, opts.height as f64);
    let margin = opts.margin;
    let (mut xmin, xmax, mut ymin, mut ymax) =
        (margin + 10.0, width - margin, margin, height - margin);
    let font = TextFont::new(opts.font_size, opts.font_bold, surface.hinted_metrics());
    if !opts.title.is_empty() {
        let font = title_font(opts, surface);
        ymin = draw_title(surface, opts, font, ymin) + margin;
    }
    if !opts.hide_legend.unwrap_or(false) {
        let entries: Vec<Entry> = series
            .iter()
            .zip(&colours)
            .map(|(s, c)| Entry {
                name: s.name.clone(),
                colour: *c,
                right_side: false,
            })
            .collect();
        let frame = legend::Frame {
            width,
            xmin,
            xmax,
            ymax,
            second_y_axis: false,
            font_height: font.height(),
        };
        let laid = legend::layout(&entries, frame, &|t| font.width(t));
        ymax -= laid.height;
        paint_legend(surface, &laid.items, font, opts.foreground);
    }
    // graphite-web keeps the left pad of a line graph's y labels for pies too.
    xmin = xmin.min(xmax);
    let (half_x, half_y) = ((xmax - xmin) / 2.0, (ymax - ymin) / 2.0);
    let (cx, cy) = (xmin + half_x, ymin + half_y);
    let radius = half_x.min(half_y).max(0.0) * 0.95;
    let mut theta = 1.5 * PI;
    let mut middles = Vec::with_capacity(values.len());
    for (value, colour) in values.iter().zip(&colours) {
        let phi = theta + 2.0 * PI * (value / total);
        let steps = (((phi - theta).abs() * radius / 2.0).ceil() as usize).clamp(2, 2000);
        let mut points = Vec::with_capacity(steps + 2);
        points.push(Point::new(cx as f32, cy as f32));
        for i in 0..=steps {
            let a = theta + (phi - theta) * i as f64 / steps as f64;
            points.push(Point::new(
                (cx + radius * a.cos()) as f32,
                (cy + radius * a.sin()) as f32,
            ));
        }
        surface.fill(&points, *colour, alpha);
        middles.push(((theta + phi) / 2.0).rem_euclid(2.0 * PI));
        theta = phi;
    }
    for ((value, mid), _) in values.iter().zip(&middles).zip(&colours) {
        let Some(text) = label(
            *value,
            value / total,
            opts.value_labels,
            opts.value_labels_min,
        ) else {
            continue;
        };
        let x = cx + radius / 2.0 * mid.cos();
        let y = cy + radius / 2.0 * mid.sin();
        draw_text(
            surface,
            &text,
            x,
            y,
            font,
            opts.value_labels_color,
            Align::Center,
            VAlign::Middle,
            Rotation::None,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_values_and_labels() {
        let v = [1.0, f64::NAN, 5.0, 3.0];
        assert_eq!(slice_value(&v, PieMode::Average), 3.0);
        assert_eq!(slice_value(&v, PieMode::Maximum), 5.0);
        assert_eq!(slice_value(&v, PieMode::Minimum), 1.0);
        assert_eq!(slice_value(&[f64::NAN], PieMode::Average), 0.0);
        assert_eq!(
            label(3.0, 0.25, ValueLabels::Percent, 5.0).as_deref(),
            Some("%25.00")
        );
        assert_eq!(label(3.0, 0.01, ValueLabels::Percent, 5.0), None);
        assert_eq!(
            label(7.5, 0.5, ValueLabels::Number, 5.0).as_deref(),
            Some("7.50")
        );
        assert_eq!(
            label(12.7, 0.5, ValueLabels::Number, 5.0).as_deref(),
            Some("12")
        );
        assert_eq!(label(3.0, 0.5, ValueLabels::Number, 5.0), None);
        assert_eq!(label(3.0, 0.5, ValueLabels::None, 0.0), None);
    }
}
