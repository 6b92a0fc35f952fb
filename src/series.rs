//! The series value type shared by store, query and render. Depends on nothing else in pencil.

use std::collections::BTreeMap;

/// How a run of values becomes one: used by maxDataPoints, the PNG renderer and the
/// common-step normalisation of multi-series functions (graphite.md 3.5, 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Consolidation {
    #[default]
    Average,
    Sum,
    AvgZero,
    Min,
    Max,
    First,
    Last,
}

impl Consolidation {
    /// graphite-web's names (`avg` is accepted as `average`).
    pub fn parse(name: &str) -> Option<Consolidation> {
        Some(match name {
            "average" | "avg" => Consolidation::Average,
            "sum" => Consolidation::Sum,
            "avg_zero" => Consolidation::AvgZero,
            "min" => Consolidation::Min,
            "max" => Consolidation::Max,
            "first" => Consolidation::First,
            "last" => Consolidation::Last,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Consolidation::Average => "average",
            Consolidation::Sum => "sum",
            Consolidation::AvgZero => "avg_zero",
            Consolidation::Min => "min",
            Consolidation::Max => "max",
            Consolidation::First => "first",
            Consolidation::Last => "last",
        }
    }
}

/// Drawing hints set by the Graph functions (graphite.md 5.9); only the image renderer reads
/// them (except `stacked`, which also changes values and is applied by the function itself).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Style {
    pub color: Option<String>,
    pub line_width: Option<f64>,
    /// Dash length in pixels.
    pub dashed: Option<f64>,
    /// Stack name when drawn stacked.
    pub stacked: Option<String>,
    pub second_y_axis: bool,
    pub draw_as_infinite: bool,
    pub alpha: Option<f64>,
    /// `areaBetween`: this series bounds a filled area with its neighbour.
    pub area_between: bool,
    /// Text appended to the legend entry only (legendValue, cactiStyle).
    pub legend_suffix: Option<String>,
}

/// A run of equally spaced values: `values[i]` is the value at `start + i * step`; NaN means no
/// data. The series covers `[start, end())`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub start: i64,
    pub step: i64,
    pub values: Vec<f64>,
    /// Graphite tags; always holds `name` once a series leaves the store.
    pub tags: BTreeMap<String, String>,
    /// The path expression (glob) this series was fetched by, as graphite-web keeps it for
    /// aggregate names.
    pub path_expression: String,
    pub consolidation: Consolidation,
    /// Fraction of non-null values a consolidated point needs (graphite-web's default 0).
    pub x_files_factor: f64,
    /// Raw values behind each point after maxDataPoints consolidation (1 before).
    pub values_per_point: usize,
    pub style: Style,
    /// Which values graphite-web holds as Python ints rather than floats (countSeries,
    /// isNonNull...), so they print `3` and not `3.0` (graphite.md 3.3). Empty means every
    /// value is a float, the common case, at no cost; otherwise one flag per value. Whoever
    /// computes new values must clear it (`Invocation::take_series` does) unless Python's
    /// arithmetic would keep the int.
    pub ints: Vec<bool>,
}

impl Series {
    /// A series with graphite-web's defaults: tags from the name (`a.b;k=v` gives `name=a.b`,
    /// `k=v`), the name as its path expression, average consolidation, xFilesFactor 0.
    pub fn new(name: impl Into<String>, start: i64, step: i64, values: Vec<f64>) -> Series {
        let name = name.into();
        Series {
            tags: tags_of(&name),
            path_expression: name.clone(),
            name,
            start,
            step,
            values,
            consolidation: Consolidation::Average,
            x_files_factor: 0.0,
            values_per_point: 1,
            style: Style::default(),
            ints: Vec::new(),
        }
    }

    /// Marks every value as a Python int (NaN stays None).
    pub fn all_ints(mut self) -> Series {
        self.ints = vec![true; self.values.len()];
        self
    }

    /// Whether value `i` prints as a Python int: flagged, and an integral finite number.
    pub fn is_int(&self, i: usize) -> bool {
        self.ints.get(i).copied().unwrap_or(false)
            && self
                .values
                .get(i)
                .is_some_and(|v| v.is_finite() && v.fract() == 0.0)
    }

    /// Exclusive end: one step past the last value.
    pub fn end(&self) -> i64 {
        self.start + self.step * self.values.len() as i64
    }
}

/// Tags of a series name: `name` is the part before the first `;`, then each `k=v`.
pub fn tags_of(name: &str) -> BTreeMap<String, String> {
    let mut parts = name.split(';');
    let mut tags = BTreeMap::new();
    tags.insert("name".to_string(), parts.next().unwrap_or("").to_string());
    for part in parts {
        if let Some((k, v)) = part.split_once('=') {
            tags.insert(k.to_string(), v.to_string());
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_from_the_name() {
        let s = Series::new("a.b;k=v;j=w", 0, 10, vec![]);
        let want: Vec<(&str, &str)> = vec![("j", "w"), ("k", "v"), ("name", "a.b")];
        let got: Vec<(&str, &str)> = s
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(s.end(), 0);
        assert_eq!(Series::new("x", 10, 10, vec![1.0, 2.0]).end(), 30);
    }

    #[test]
    fn int_flags_only_hold_for_integral_values() {
        let s = Series::new("x", 0, 10, vec![3.0, f64::NAN, 0.5]).all_ints();
        assert_eq!(
            (s.is_int(0), s.is_int(1), s.is_int(2), s.is_int(3)),
            (true, false, false, false)
        );
        assert!(!Series::new("x", 0, 10, vec![3.0]).is_int(0));
    }

    #[test]
    fn consolidation_names_round_trip() {
        for c in [
            Consolidation::Average,
            Consolidation::Sum,
            Consolidation::AvgZero,
            Consolidation::Min,
            Consolidation::Max,
            Consolidation::First,
            Consolidation::Last,
        ] {
            assert_eq!(Consolidation::parse(c.name()), Some(c));
        }
        assert_eq!(Consolidation::parse("avg"), Some(Consolidation::Average));
        assert_eq!(Consolidation::parse("median"), None);
    }
}
