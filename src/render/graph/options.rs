//! Every graph (image) parameter of `/render`, parsed from the request with graphite-web's defaults and
//! coercions (`views.parseOptions` then `glyph.Graph`): digits become ints, `x.y` floats (except options
//! whose name holds "color"), `true`/`false` bools, and an empty value or `default` leaves the option
//! unset. Where graphite-web would fail with a Python exception (a 500), pencil answers a `GraphError`
//! naming the parameter and its value.
//!
//! Owns parameter names, defaults and validation; must not draw or look at series.

use std::fmt;

use super::color::{self, Template};
use super::params::{color_list, template_color, unquote_plus, Params, Value};
use crate::render::canvas::{Rgba, MAX_SIDE};
use crate::time::Tz;

/// graphite-web's `LEGEND_MAX_ITEMS`: past this many series the legend hides unless asked for.
pub const LEGEND_MAX_ITEMS: usize = 10;

/// Largest `fontSize` honoured. The embedded font stops at 24 px; beyond 64 every label of a default
/// graph overflows anyway, so a bigger request is refused rather than drawn as nonsense.
pub const MAX_FONT_SIZE: f64 = 64.0;

/// A graph parameter that cannot be used, or a graph that cannot be drawn from these options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub param: String,
    pub value: String,
    pub expected: String,
}

impl GraphError {
    pub(crate) fn new(param: &str, value: &str, expected: impl Into<String>) -> GraphError {
        GraphError {
            param: param.to_string(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid graph parameter {}={:?}: {}",
            self.param, self.value, self.expected
        )
    }
}

impl std::error::Error for GraphError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphType {
    Line,
    Pie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineMode {
    Slope,
    Staircase,
    Connected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaMode {
    None,
    First,
    All,
    Stacked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieMode {
    Average,
    Maximum,
    Minimum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueLabels {
    None,
    Number,
    Percent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSystem {
    Si,
    Binary,
    Sec,
    Msec,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// The upper end an axis was asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AxisMax {
    /// Round up from the data.
    Auto,
    /// `yMax=max`: the data's maximum itself.
    Extremum,
    Value(f64),
}

/// `yMin`/`yMax`/`yLimit`/`yStep` for one axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisSettings {
    pub min: Option<f64>,
    pub max: AxisMax,
    pub limit: Option<f64>,
    pub step: Option<f64>,
}

/// `leftWidth`/`leftColor`/`leftDashed` (or right): overrides for every series on that axis.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SideStyle {
    pub width: Option<f64>,
    pub color: Option<Rgba>,
    pub dashed: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphOptions {
    pub graph_type: GraphType,
    pub width: u32,
    pub height: u32,
    pub margin: f64,
    pub background: Rgba,
    pub foreground: Rgba,
    pub major_grid: Rgba,
    pub minor_grid: Rgba,
    pub colors: Vec<Rgba>,
    /// Whole points, as graphite-web's `int(fontSize)`.
    pub font_size: f64,
    pub font_bold: bool,
    pub title: String,
    pub vtitle: String,
    pub vtitle_right: String,
    pub line_mode: LineMode,
    pub line_width: f64,
    /// None: hidden past `LEGEND_MAX_ITEMS` series.
    pub hide_legend: Option<bool>,
    pub hide_axes: bool,
    pub hide_x_axis: bool,
    pub hide_y_axis: bool,
    pub hide_grid: bool,
    pub graph_only: bool,
    pub unique_legend: bool,
    pub hide_null_from_legend: bool,
    pub minor_y: u32,
    pub min_x_step: f64,
    pub y: AxisSettings,
    pub y_left: AxisSettings,
    pub y_right: AxisSettings,
    pub y_divisors: Vec<f64>,
    pub area_mode: AreaMode,
    /// None when unset or zero (graphite-web tests it for truth).
    pub area_alpha: Option<f64>,
    pub draw_null_as_zero: bool,
    pub unit_system: UnitSystem,
    pub log_base: Option<f64>,
    pub left: SideStyle,
    pub right: SideStyle,
    pub x_format: Option<String>,
    /// Gaps of more than this many points break a `connected` line; None: never.
    pub connected_limit: Option<f64>,
    pub y_axis_side: Side,
    pub pie_mode: PieMode,
    pub value_labels: ValueLabels,
    pub value_labels_min: f64,
    pub value_labels_color: Rgba,
    pub tz: Tz,
}

impl GraphOptions {
    /// The graph options of a request. `tz` is the request's already resolved time zone (graphite.md
    /// 3.1: unknown names fall back silently before this point).
    pub fn from_params(params: &[(String, String)], tz: &Tz) -> Result<GraphOptions, GraphError> {
        let p = Params::new(params);
        let graph_type = p.choice(
            "graphType",
            GraphType::Line,
            &[("line", GraphType::Line), ("pie", GraphType::Pie)],
        )?;

        let side = |name: &str| -> Result<u32, GraphError> {
            let default = if name == "width" { 330 } else { 250 };
            let v = p.int(name)?.unwrap_or(default);
            if v < 1 || v > MAX_SIDE as i64 {
                return Err(GraphError::new(
                    name,
                    &v.to_string(),
                    format!("expected 1 to {MAX_SIDE} pixels"),
                ));
            }
            Ok(v as u32)
        };
        let width = side("width")?;
        let height = side("height")?;
        let margin = match p.int("margin")?.unwrap_or(10) {
            m if m < 0 => 10,
            m => m.min(i64::from(MAX_SIDE)),
        } as f64;

        let template = p.get("template").map_or("default", |(raw, _)| raw);
        let t: &Template = color::template(template);
        let d = color::template("default");
        let background = match p.color("bgcolor")? {
            Some(c) => c,
            None => template_color("template", t.background, d.background)?,
        };
        let foreground = match p.color("fgcolor")? {
            Some(c) => c,
            None => template_color("template", t.foreground, d.foreground)?,
        };
        let major_grid = match p.color("majorGridLineColor")? {
            Some(c) => c,
            None => template_color("template", t.major_line, d.major_line)?,
        };
        let minor_grid = match p.color("minorGridLineColor")? {
            Some(c) => c,
            None => template_color("template", t.minor_line, d.minor_line)?,
        };
        let colors = match p.get("colorList") {
            Some((raw, _)) => color_list("colorList", &unquote_plus(raw))?,
            None => color_list("template", t.line_colors.or(d.line_colors).unwrap_or(""))?,
        };

        let font_size = p.int("fontSize")?.unwrap_or(10) as f64;
        if !(1.0..=MAX_FONT_SIZE).contains(&font_size) {
            return Err(GraphError::new(
                "fontSize",
                &font_size.to_string(),
                format!("expected 1 to {MAX_FONT_SIZE}"),
            ));
        }
        if p.flag("fontItalic") == Some(true) {
            return Err(GraphError::new(
                "fontItalic",
                p.get("fontItalic").map_or("", |(r, _)| r),
                "italic is not implemented: pencil embeds DejaVu Sans upright and bold only",
            ));
        }

        let line_width = p
            .number("lineWidth")?
            .or(p.number("thickness")?)
            .unwrap_or(1.2);
        if !(line_width.is_finite() && line_width >= 0.0) {
            return Err(GraphError::new(
                "lineWidth",
                &line_width.to_string(),
                "expected a width >= 0",
            ));
        }
        let line_mode = p.choice(
            "lineMode",
            LineMode::Slope,
            &[
                ("slope", LineMode::Slope),
                ("staircase", LineMode::Staircase),
                ("connected", LineMode::Connected),
            ],
        )?;
        let area_mode = p.choice(
            "areaMode",
            AreaMode::None,
            &[
                ("none", AreaMode::None),
                ("first", AreaMode::First),
                ("all", AreaMode::All),
                ("stacked", AreaMode::Stacked),
            ],
        )?;
        let pie_mode = p.choice(
            "pieMode",
            if graph_type == GraphType::Pie {
                PieMode::Average
            } else {
                PieMode::Maximum
            },
            &[
                ("average", PieMode::Average),
                ("maximum", PieMode::Maximum),
                ("minimum", PieMode::Minimum),
            ],
        )?;
        let value_labels = p.choice(
            "valueLabels",
            ValueLabels::Percent,
            &[
                ("none", ValueLabels::None),
                ("number", ValueLabels::Number),
                ("percent", ValueLabels::Percent),
            ],
        )?;
        let unit_system = match p.get("yUnitSystem") {
            None => UnitSystem::Si,
            Some((raw, _)) => match raw.to_ascii_lowercase().as_str() {
                "binary" => UnitSystem::Binary,
                "sec" => UnitSystem::Sec,
                "msec" => UnitSystem::Msec,
                "none" => UnitSystem::None,
                // graphite-web: an unknown unit system is si.
                _ => UnitSystem::Si,
            },
        };
        let y_axis_side = p.choice(
            "yAxisSide",
            Side::Left,
            &[("left", Side::Left), ("right", Side::Right)],
        )?;

        let log_base = match p.get("logBase") {
            None => None,
            Some(("e", Value::Str(_))) => Some(std::f64::consts::E),
            Some(_) => match p.finite("logBase")? {
                Some(b) if b < 1.0 => None,
                Some(1.0) => {
                    return Err(GraphError::new(
                        "logBase",
                        "1",
                        "the logarithmic base must be greater than one",
                    ))
                }
                b => b,
            },
        };

        let y_divisors = match p.get("yDivisors") {
            None => vec![4.0, 5.0, 6.0],
            Some((raw, _)) => {
                let mut out = Vec::new();
                for d in raw.split(',') {
                    match d.trim().parse::<i64>() {
                        Ok(n) if n >= 1 => out.push(n as f64),
                        _ => {
                            return Err(GraphError::new(
                                "yDivisors",
                                raw,
                                "expected a comma-separated list of whole numbers >= 1",
                            ))
                        }
                    }
                }
                out
            }
        };

        let side_style = |w: &str, c: &str, d: &str| -> Result<SideStyle, GraphError> {
            Ok(SideStyle {
                width: p.number(w)?,
                color: p.color(c)?,
                dashed: p.number(d)?,
            })
        };

        let mut y = p.axis("yMin", "yMax", "yLimit", "yStep")?;
        if y.min.is_none() {
            y.min = p.finite("min")?;
        }
        if y.max == AxisMax::Auto {
            y.max = p.axis("min", "max", "yLimit", "yStep")?.max;
        }

        let connected_limit = p.number("connectedLimit")?;
        let min_x_step = p.number("minXStep")?.unwrap_or(1.0);
        if !(min_x_step.is_finite() && min_x_step > 0.0) {
            return Err(GraphError::new(
                "minXStep",
                &min_x_step.to_string(),
                "expected a number > 0",
            ));
        }
        let area_alpha = p.number("areaAlpha")?.filter(|a| *a != 0.0);
        let minor_y = p.int("minorY")?.unwrap_or(1).clamp(0, 100) as u32;
        let value_labels_color = p.color("valueLabelsColor")?.unwrap_or(Rgba::rgb(0, 0, 0));
        if let Some((raw, _)) = p.get("pieLabels").filter(|(raw, _)| *raw == "rotated") {
            return Err(GraphError::new(
                "pieLabels",
                raw,
                "rotated pie labels are not implemented; use horizontal",
            ));
        }

        Ok(GraphOptions {
            graph_type,
            width,
            height,
            margin,
            background,
            foreground,
            major_grid,
            minor_grid,
            colors,
            font_size,
            font_bold: p.flag("fontBold").unwrap_or(false),
            title: p
                .text("title")
                .map(|t| unquote_plus(&t))
                .unwrap_or_default(),
            vtitle: p
                .text("vtitle")
                .map(|t| unquote_plus(&t))
                .unwrap_or_default(),
            vtitle_right: p
                .text("vtitleRight")
                .map(|t| unquote_plus(&t))
                .unwrap_or_default(),
            line_mode,
            line_width,
            hide_legend: p.flag("hideLegend"),
            hide_axes: p.flag("hideAxes").unwrap_or(false),
            hide_x_axis: p.flag("hideXAxis").unwrap_or(false),
            hide_y_axis: p.flag("hideYAxis").unwrap_or(false),
            hide_grid: p.flag("hideGrid").unwrap_or(false),
            graph_only: p.flag("graphOnly").unwrap_or(false),
            unique_legend: p.flag("uniqueLegend").unwrap_or(false),
            hide_null_from_legend: p.flag("hideNullFromLegend").unwrap_or(false),
            minor_y,
            min_x_step,
            y,
            y_left: p.axis("yMinLeft", "yMaxLeft", "yLimitLeft", "yStepLeft")?,
            y_right: p.axis("yMinRight", "yMaxRight", "yLimitRight", "yStepRight")?,
            y_divisors,
            area_mode,
            area_alpha,
            draw_null_as_zero: p.flag("drawNullAsZero").unwrap_or(false),
            unit_system,
            log_base,
            left: side_style("leftWidth", "leftColor", "leftDashed")?,
            right: side_style("rightWidth", "rightColor", "rightDashed")?,
            x_format: p.has("xFormat").then(|| p.text("xFormat")).flatten(),
            connected_limit,
            y_axis_side,
            pie_mode,
            value_labels,
            value_labels_min: p.number("valueLabelsMin")?.unwrap_or(5.0),
            value_labels_color,
            tz: tz.clone(),
        })
    }
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
