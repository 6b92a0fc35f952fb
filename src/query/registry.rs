//! The function registry's data types (style.md principle 9): every function family ends with a
//! table of [`FunctionSpec`]s; the binder, the evaluator, `/functions` and the coverage test all
//! read those tables. A function body receives an [`Invocation`] whose arguments the binder has
//! already checked against the spec, so bodies never re-validate types.

use super::ast::Expr;
use super::{Context, QueryError, Source};
use crate::series::Series;

/// graphite-web's parameter types (`functions/params.py`), as `/functions` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    SeriesList,
    SeriesLists,
    Integer,
    Float,
    String,
    Boolean,
    Interval,
    IntOrInterval,
    IntOrInf,
    Node,
    NodeOrTag,
    Tag,
    AggFunc,
    AggOrSeriesFunc,
    Date,
    Any,
}

impl ParamType {
    /// The name `/functions` uses.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::SeriesList => "seriesList",
            ParamType::SeriesLists => "seriesLists",
            ParamType::Integer => "integer",
            ParamType::Float => "float",
            ParamType::String => "string",
            ParamType::Boolean => "boolean",
            ParamType::Interval => "interval",
            ParamType::IntOrInterval => "intOrInterval",
            ParamType::IntOrInf => "intOrInf",
            ParamType::Node => "node",
            ParamType::NodeOrTag => "nodeOrTag",
            ParamType::Tag => "tag",
            ParamType::AggFunc => "aggFunc",
            ParamType::AggOrSeriesFunc => "aggOrSeriesFunc",
            ParamType::Date => "date",
            ParamType::Any => "any",
        }
    }
}

/// A literal in a spec: a default value or a suggestion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Str(&'static str),
    Bool(bool),
    /// Positive infinity (`keepLastValue`'s limit); `/functions` writes it as `1e9999`.
    Inf,
}

impl Literal {
    /// The bound value of this literal, as a default reaches a body.
    pub(crate) fn value(self) -> Value {
        match self {
            Literal::Int(n) => Value::Int(n),
            Literal::Float(x) => Value::Float(x),
            Literal::Str(s) => Value::Str(s.to_string()),
            Literal::Bool(b) => Value::Bool(b),
            Literal::Inf => Value::Float(f64::INFINITY),
        }
    }
}

/// One parameter of a function, built with the `const` helpers:
/// `Param::req("seriesList", ParamType::SeriesList)`, `Param::opt("n", ParamType::Integer).default(Literal::Int(1))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
    /// Takes every remaining positional argument (`*args`); always the last parameter.
    pub multiple: bool,
    pub default: Option<Literal>,
    pub options: &'static [&'static str],
    pub suggestions: &'static [Literal],
}

impl Param {
    pub const fn req(name: &'static str, ty: ParamType) -> Param {
        Param {
            name,
            ty,
            required: true,
            multiple: false,
            default: None,
            options: &[],
            suggestions: &[],
        }
    }
    pub const fn opt(name: &'static str, ty: ParamType) -> Param {
        Param {
            name,
            ty,
            required: false,
            multiple: false,
            default: None,
            options: &[],
            suggestions: &[],
        }
    }
    pub const fn many(self) -> Param {
        Param {
            multiple: true,
            ..self
        }
    }
    pub const fn default(self, value: Literal) -> Param {
        Param {
            default: Some(value),
            ..self
        }
    }
    pub const fn options(self, options: &'static [&'static str]) -> Param {
        Param { options, ..self }
    }
    pub const fn suggest(self, suggestions: &'static [Literal]) -> Param {
        Param {
            suggestions,
            ..self
        }
    }
}

/// The group names graphite-web uses in `/functions`.
pub mod group {
    pub const COMBINE: &str = "Combine";
    pub const TRANSFORM: &str = "Transform";
    pub const CALCULATE: &str = "Calculate";
    pub const FILTER_SERIES: &str = "Filter Series";
    pub const FILTER_DATA: &str = "Filter Data";
    pub const SORTING: &str = "Sorting";
    pub const ALIAS: &str = "Alias";
    pub const GRAPH: &str = "Graph";
    pub const SPECIAL: &str = "Special";
}

/// The body of a function.
pub type FunctionBody = fn(&mut Invocation<'_>) -> Result<Vec<Series>, QueryError>;

/// One function (or alias: `sum` is its own spec sharing `sumSeries`'s body).
#[derive(Debug, Clone, Copy)]
pub struct FunctionSpec {
    pub name: &'static str,
    pub group: &'static str,
    /// The docstring shown by `/functions` (graphite-web's are reST; plain text is fine).
    pub description: &'static str,
    pub params: &'static [Param],
    pub run: FunctionBody,
    /// May be named as a callback by `groupByNode`, `groupByNodes`, `applyByNode`'s relatives
    /// (`aggOrSeriesFunc` parameters): it combines a list into one series.
    pub aggregator: bool,
}

impl FunctionSpec {
    /// An entry of a family's table: a function of `group` that is not an aggregating
    /// callback (see `aggregating`).
    pub const fn new(
        name: &'static str,
        group: &'static str,
        description: &'static str,
        params: &'static [Param],
        run: FunctionBody,
    ) -> FunctionSpec {
        FunctionSpec {
            name,
            group,
            description,
            params,
            run,
            aggregator: false,
        }
    }

    /// The same spec, also accepted as an `aggOrSeriesFunc` callback.
    pub const fn aggregating(self) -> FunctionSpec {
        FunctionSpec {
            aggregator: true,
            ..self
        }
    }

    /// The same function under another name, as graphite-web's aliases (`map` for
    /// `mapSeries`) share one body and one description.
    pub const fn named(self, name: &'static str) -> FunctionSpec {
        FunctionSpec { name, ..self }
    }
}

/// A bound argument value. Series lists are evaluated before the body runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Series(Vec<Series>),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    /// The values of a `multiple` parameter, in order.
    List(Vec<Value>),
}

/// What a body may ask of the evaluator beyond its bound arguments.
pub trait Evaluator {
    /// Evaluates `expr` again over another time range (movingAverage, timeShift, ... re-fetch
    /// their first argument with extra history, graphite.md 3.6).
    fn eval_with_range(
        &self,
        expr: &Expr,
        from: i64,
        until: i64,
    ) -> Result<Vec<Series>, QueryError>;
    /// Parses and evaluates a new target over the request's range (applyByNode).
    fn eval_target(&self, target: &str) -> Result<Vec<Series>, QueryError>;
    fn source(&self) -> &dyn Source;
}

/// One call being run: the spec's parameters bound to values, plus access to the raw AST of
/// each argument and the evaluator for functions that re-fetch.
pub struct Invocation<'a> {
    /// The name as written (an alias like `sum` or `avg` shows in series names).
    pub name: &'a str,
    pub spec: &'a FunctionSpec,
    /// One value per spec parameter, in spec order: missing optional parameters hold their
    /// default (or `Value::None`), a `multiple` parameter holds `Value::List`.
    pub args: Vec<Value>,
    /// The unevaluated argument for each spec parameter (the first one for `multiple`), when
    /// one was given.
    pub raw: Vec<Option<&'a Expr>>,
    pub ctx: &'a Context,
    pub eval: &'a dyn Evaluator,
}

impl Invocation<'_> {
    /// An error naming this function.
    pub fn error(&self, message: impl std::fmt::Display) -> QueryError {
        QueryError {
            message: format!("{}: {message}", self.name),
        }
    }

    /// Takes the series list bound to parameter `i` (empty if it was not a series list), for a
    /// body that computes new values: they are floats, so the Python-int flags are cleared.
    pub fn take_series(&mut self, i: usize) -> Vec<Series> {
        floats(self.take_series_with_ints(i))
    }

    /// Takes the series list of parameter `i` as it is, for a body that keeps values (alias,
    /// filters, sorts) or tracks which stay Python ints.
    pub fn take_series_with_ints(&mut self, i: usize) -> Vec<Series> {
        match self.args.get_mut(i) {
            Some(Value::Series(list)) => std::mem::take(list),
            _ => Vec::new(),
        }
    }

    /// Takes every series list of a `multiple` series parameter, one `Vec` per argument, with
    /// the Python-int flags cleared (see `take_series`).
    pub fn take_series_lists(&mut self, i: usize) -> Vec<Vec<Series>> {
        let lists = self.take_series_lists_with_ints(i);
        lists.into_iter().map(floats).collect()
    }

    /// `take_series_lists`, keeping the Python-int flags (see `take_series_with_ints`).
    pub fn take_series_lists_with_ints(&mut self, i: usize) -> Vec<Vec<Series>> {
        match self.args.get_mut(i) {
            Some(Value::List(values)) => values
                .iter_mut()
                .map(|v| match v {
                    Value::Series(list) => std::mem::take(list),
                    _ => Vec::new(),
                })
                .collect(),
            Some(Value::Series(list)) => vec![std::mem::take(list)],
            _ => Vec::new(),
        }
    }

    /// Every series of a `multiple` series parameter, concatenated in order, as floats.
    pub fn take_all_series(&mut self, i: usize) -> Vec<Series> {
        self.take_series_lists(i).into_iter().flatten().collect()
    }

    /// `take_all_series`, keeping the Python-int flags (see `take_series_with_ints`).
    pub fn take_all_series_with_ints(&mut self, i: usize) -> Vec<Series> {
        let lists = self.take_series_lists_with_ints(i);
        lists.into_iter().flatten().collect()
    }

    pub fn value(&self, i: usize) -> &Value {
        self.args.get(i).unwrap_or(&Value::None)
    }

    pub fn int(&self, i: usize) -> Option<i64> {
        match self.value(i) {
            Value::Int(n) => Some(*n),
            Value::Float(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
            _ => None,
        }
    }

    /// A number, whether written as an int or a float; `inf` is `f64::INFINITY`.
    pub fn float(&self, i: usize) -> Option<f64> {
        match self.value(i) {
            Value::Int(n) => Some(*n as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn str(&self, i: usize) -> Option<&str> {
        match self.value(i) {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A boolean parameter; `None` counts as false.
    pub fn bool(&self, i: usize) -> bool {
        matches!(self.value(i), Value::Bool(true))
    }

    /// The values of a `multiple` parameter (empty when none were given).
    pub fn list(&self, i: usize) -> &[Value] {
        match self.value(i) {
            Value::List(values) => values,
            _ => &[],
        }
    }

    /// The strings of a `multiple` string parameter (other values are left out).
    pub fn strings(&self, i: usize) -> Vec<String> {
        self.list(i)
            .iter()
            .filter_map(|v| match v {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    /// Re-evaluates the raw argument of parameter `i` over `[from, until)`, for a body that
    /// computes new (float) values from it.
    pub fn refetch(&self, i: usize, from: i64, until: i64) -> Result<Vec<Series>, QueryError> {
        self.refetch_with_ints(i, from, until).map(floats)
    }

    /// `refetch`, keeping the Python-int flags, for a body that only moves values (timeShift).
    pub fn refetch_with_ints(
        &self,
        i: usize,
        from: i64,
        until: i64,
    ) -> Result<Vec<Series>, QueryError> {
        match self.raw.get(i).copied().flatten() {
            Some(expr) => self.eval.eval_with_range(expr, from, until),
            None => Err(self.error(format!("argument {} is missing", i + 1))),
        }
    }
}

/// Clears the Python-int flags of a list whose values a body is about to recompute.
fn floats(mut list: Vec<Series>) -> Vec<Series> {
    for s in &mut list {
        s.ints = Vec::new();
    }
    list
}
