//! `/render` (graphite.md 3.1, 3.3, 3.5): reads the parameters as graphite-web's `parseOptions`
//! does (same order of checks, same 400 texts), evaluates the targets with `query::evaluate`,
//! consolidates for maxDataPoints and writes json, csv or raw, or hands the series to the graph
//! renderer for png and svg (graphite-web's default is png). pdf and the binary formats are
//! refused by name. Holds no evaluation or formatting logic of its own.

use super::params::{
    bad_callback, bad_request, invalid, is_callback_name, py_float, py_int, Params,
};
use super::routes::Ask;
use super::Reply;
use crate::query::time::parse_time_in;
use crate::query::{evaluate, Context, Source};
use crate::render::graph::{self, GraphOptions};
use crate::render::{consolidate, csv, json, raw};
use crate::series::Series;
use crate::store::GlobError;
use crate::time::Tz;
use std::cell::Cell;

/// Series one render may return. Grafana panels show tens; ten thousand lines is already an
/// unreadable graph and a `*.*.*` typo should get an error, not a 100 MB answer.
pub(crate) const MAX_RENDER_SERIES: usize = 10_000;
/// Points one render may return: about 240 MB of JSON at ~24 bytes a point, which is as much as
/// one reply should hold in memory at once.
pub(crate) const MAX_RENDER_POINTS: usize = 10_000_000;
/// Points one render may fetch from the store, counting every fetch its functions make: 400 MB
/// of values. More than it may return, since `sumSeries(*.*)` over a whole store answers one
/// series; the bound keeps a `*.*.*` typo from holding gigabytes on the event loop.
pub(crate) const MAX_FETCHED_POINTS: usize = 50_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Raw,
    Png,
    Svg,
}

/// A checked `/render` request.
struct RenderRequest {
    targets: Vec<String>,
    ctx: Context,
    format: Format,
    jsonp: Option<String>,
    max_data_points: Option<usize>,
    json: json::JsonOptions,
    /// The graph options, read (and refused) before anything is fetched; images only.
    graph: Option<GraphOptions>,
}

pub(crate) fn render(ask: &Ask) -> Result<Reply, Reply> {
    let rq = parse(ask.params(), ask.now)?;
    let targets: Vec<&str> = rq.targets.iter().map(String::as_str).collect();
    let budget = Budget {
        inner: ask.source,
        points: Cell::new(0),
        limit: MAX_FETCHED_POINTS,
    };
    let mut series = evaluate(&targets, &rq.ctx, &budget).map_err(|e| bad_request(e.message))?;
    check_size(&series)?;
    let mut body = Vec::new();
    match rq.format {
        Format::Json => {
            if let Some(max) = rq.max_data_points {
                consolidate::max_data_points(&mut series, max);
            }
            match &rq.jsonp {
                Some(callback) => {
                    body.extend_from_slice(callback.as_bytes());
                    body.push(b'(');
                    json::write_series_list(&series, &rq.json, &mut body);
                    body.push(b')');
                    Ok(Reply {
                        content_type: "text/javascript",
                        ..Reply::json(body)
                    })
                }
                None => {
                    json::write_series_list(&series, &rq.json, &mut body);
                    Ok(Reply::json(body))
                }
            }
        }
        Format::Csv => {
            csv::write_series_list(&series, &rq.ctx.tz, &mut body);
            Ok(Reply {
                content_type: "text/csv",
                ..Reply::json(body)
            })
        }
        Format::Raw => {
            raw::write_series_list(&series, &mut body);
            Ok(Reply {
                content_type: "text/plain",
                ..Reply::json(body)
            })
        }
        Format::Png | Format::Svg => {
            // parse() fills the options for both image formats.
            let Some(opts) = &rq.graph else {
                return Err(bad_request("graph options missing"));
            };
            let (from, until) = (rq.ctx.from, rq.ctx.until);
            let (bytes, content_type) = if rq.format == Format::Png {
                (graph::try_png(&series, opts, from, until), "image/png")
            } else {
                (graph::try_svg(&series, opts, from, until), "image/svg+xml")
            };
            let body = bytes.map_err(|e| bad_request(e.to_string()))?;
            Ok(Reply {
                content_type,
                ..Reply::json(body)
            })
        }
    }
}

/// The store as evaluation sees it during one render: every fetch counts against `limit`
/// ([`MAX_FETCHED_POINTS`]), and the fetch that passes it fails with a message saying so.
struct Budget<'a> {
    inner: &'a dyn Source,
    points: Cell<usize>,
    limit: usize,
}

impl Source for Budget<'_> {
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        let found = self.inner.fetch(pattern, from, until, now)?;
        let points = self.points.get() + found.iter().map(|s| s.values.len()).sum::<usize>();
        self.points.set(points);
        if points > self.limit {
            return Err(GlobError {
                pattern: pattern.to_string(),
                message: format!(
                    "too much data: the render has fetched {points} points with it; pencil \
                     fetches at most {} per render. Narrow the targets or \
                     the time range.",
                    self.limit
                ),
            });
        }
        Ok(found)
    }

    fn events(&self, from: i64, until: i64) -> Vec<(i64, Vec<String>)> {
        self.inner.events(from, until)
    }

    fn names(&self) -> Vec<String> {
        self.inner.names()
    }
}

fn check_size(series: &[Series]) -> Result<(), Reply> {
    let points: usize = series.iter().map(|s| s.values.len()).sum();
    if series.len() > MAX_RENDER_SERIES || points > MAX_RENDER_POINTS {
        return Err(bad_request(format!(
            "Too much data: the targets match {} series and {points} points; pencil answers at \
             most {MAX_RENDER_SERIES} series and {MAX_RENDER_POINTS} points. Narrow the targets \
             or the time range.",
            series.len()
        )));
    }
    Ok(())
}

/// graphite-web's `parseOptions`, in its order, then pencil's own refusals.
fn parse(p: Params, now: i64) -> Result<RenderRequest, Reply> {
    match p.get("graphType").unwrap_or("line") {
        "line" | "pie" => {}
        other => {
            return Err(invalid(format!(
                "Invalid graphType {}, must be one of ['line', 'pie']",
                super::params::py_repr(other)
            )))
        }
    }
    // Parsed as graphite-web does so a bad value is refused the same way; pencil keeps no
    // response cache, so the value itself is not used (noCache likewise).
    if let Some(v) = p.get("cacheTimeout") {
        py_int(v).map_err(invalid)?;
    }
    // Blank targets are skipped, as graphite-web's evaluateTarget does.
    let targets: Vec<String> = p
        .list("target")
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .collect();
    let template = template_params(p);
    let format = format_of(p)?;
    let jsonp = if p.has("format") {
        p.get("jsonp").map(checked_callback).transpose()?
    } else {
        None
    };
    let json = json::JsonOptions {
        pretty: p.flag("pretty"),
        no_null_points: p.has("noNullPoints"),
    };
    let max_data_points = match p.get("maxDataPoints") {
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            // All digits; too many of them means "no limit" in practice.
            let n = v.parse::<usize>().unwrap_or(usize::MAX);
            if n == 0 {
                return Err(bad_request(
                    "Invalid maxDataPoints=0: it must be at least 1 (graphite-web fails with a \
                     division by zero).",
                ));
            }
            Some(n)
        }
        // graphite-web ignores values that are not all digits.
        _ => None,
    };
    // Unknown zone names fall back to UTC, as graphite-web falls back to its TIME_ZONE.
    let tz = p.get("tz").and_then(Tz::load).unwrap_or_else(Tz::utc);
    let now = match p.get("now") {
        Some(spec) => time_param("now", spec, now, &tz)?,
        None => now,
    };
    let until = match p.get("until") {
        Some(spec) => time_param("until", spec, now, &tz)?,
        None => now,
    };
    let from = time_param("from", p.get("from").unwrap_or("-1d"), now, &tz)?;
    let (from, until) = (from.min(until), from.max(until));
    if from == until {
        return Err(invalid("Invalid empty time range"));
    }
    let graph = match format {
        Format::Png | Format::Svg => {
            Some(GraphOptions::from_params(p.0, &tz).map_err(|e| bad_request(e.to_string()))?)
        }
        _ => None,
    };
    let x_files_factor = match p.get("xFilesFactor") {
        Some(v) => py_float(v).map_err(invalid)?,
        None => 0.0,
    };
    Ok(RenderRequest {
        targets,
        ctx: Context {
            from,
            until,
            now,
            tz,
            x_files_factor,
            template,
        },
        format,
        jsonp,
        max_data_points,
        json,
        graph,
    })
}

/// A time spec read in the request's zone (absolute dates, `today`, `noon`...).
fn time_param(name: &str, spec: &str, now: i64, tz: &Tz) -> Result<i64, Reply> {
    parse_time_in(spec, now, tz).map_err(|e| invalid(format!("{name}: {e}")))
}

/// `template[name]=value` pairs: one per name, the last value winning, in first-seen order
/// (a Python dict filled from `queryParams.items()`).
fn template_params(p: Params) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, _) in p.0 {
        let Some(rest) = key.strip_prefix("template[") else {
            continue;
        };
        // graphite-web cuts the last character whatever it is (`key[9:-1]`).
        let mut name = rest.to_string();
        name.pop();
        let value = p.get(key).unwrap_or("").to_string();
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => out.push((name, value)),
        }
    }
    out
}

/// The output format: `format` wins over the legacy `rawData` and `pickle` flags.
fn format_of(p: Params) -> Result<Format, Reply> {
    let name = if p.has("format") {
        p.get("format")
    } else if p.has("rawData") {
        Some("raw")
    } else if p.has("pickle") {
        Some("pickle")
    } else {
        None
    };
    match name {
        Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("raw") => Ok(Format::Raw),
        Some("png") => Ok(Format::Png),
        Some("svg") => Ok(Format::Svg),
        Some("pdf") => Err(bad_request(
            "format=pdf is not supported by pencil: use format=png or svg for images, json, csv \
             or raw for data.",
        )),
        Some(other @ ("pickle" | "msgpack" | "dygraph" | "rickshaw")) => Err(bad_request(format!(
            "format={other} is not supported by pencil: use format=json, csv or raw."
        ))),
        // graphite-web draws a png for an unknown format or none at all.
        _ => Ok(Format::Png),
    }
}

fn checked_callback(callback: &str) -> Result<String, Reply> {
    // An empty one is allowed: graphite-web then writes `(...)`, which is harmless.
    if is_callback_name(callback) {
        Ok(callback.to_string())
    } else {
        Err(bad_request(bad_callback(callback)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        crate::http::form::parse_pairs(query.as_bytes(), &mut out);
        out
    }

    fn parsed(query: &str) -> RenderRequest {
        let p = pairs(query);
        match parse(Params(&p), 1_600_000_000) {
            Ok(rq) => rq,
            Err(reply) => panic!("{query}: {}", String::from_utf8_lossy(&reply.body)),
        }
    }

    #[test]
    fn context_from_parameters() {
        let rq = parsed("format=json&target=a&xFilesFactor=0.5&tz=Europe/Paris&from=-1h");
        assert_eq!(rq.ctx.x_files_factor, 0.5);
        assert_eq!(rq.ctx.tz.name, "Europe/Paris");
        assert_eq!(
            (rq.ctx.from, rq.ctx.until, rq.ctx.now),
            (1_599_996_400, 1_600_000_000, 1_600_000_000)
        );
        let rq = parsed("format=json&tz=Nowhere/Land&now=1000&until=-10s");
        assert_eq!(rq.ctx.tz, Tz::utc());
        assert_eq!(
            (rq.ctx.from, rq.ctx.until, rq.ctx.now),
            (1000 - 86_400, 990, 1000)
        );
        assert_eq!(rq.ctx.x_files_factor, 0.0);
    }

    #[test]
    fn fetch_budget_refuses_the_fetch_that_passes_it() {
        use crate::http::routes::tests::store;
        let source = store();
        let budget = Budget {
            inner: &source,
            points: Cell::new(0),
            limit: 4,
        };
        // a.x has 2 points, b.* 2 more: exactly the limit, then one fetch too many.
        assert_eq!(budget.fetch("a.x", 0, 1, 1).map(|s| s.len()), Ok(1));
        assert_eq!(budget.fetch("b.*", 0, 1, 1).map(|s| s.len()), Ok(2));
        let err = budget.fetch("a.x", 0, 1, 1).unwrap_err();
        assert!(err.message.contains("fetched 6 points"), "{}", err.message);
        assert!(
            err.message.contains("at most 4 per render"),
            "{}",
            err.message
        );
        assert_eq!(budget.names().len(), source.names().len());
    }

    #[test]
    fn absolute_times_are_read_in_the_request_zone() {
        // 2020-09-13 00:00 in Paris (CEST, +2) is 22:00 UTC the day before.
        let rq = parsed("format=json&from=20200913&until=20200914&tz=Europe/Paris");
        assert_eq!((rq.ctx.from, rq.ctx.until), (1_599_948_000, 1_600_034_400));
        let rq = parsed("format=json&from=20200913&until=20200914");
        assert_eq!((rq.ctx.from, rq.ctx.until), (1_599_955_200, 1_600_041_600));
    }

    #[test]
    fn template_variables_last_value_wins() {
        let rq =
            parsed("format=json&template[host]=a&template[dc]=x&template[host]=b&template=graph");
        assert_eq!(
            rq.ctx.template,
            vec![
                ("host".to_string(), "b".to_string()),
                ("dc".to_string(), "x".to_string())
            ]
        );
    }

    #[test]
    fn targets_options_and_limits() {
        let rq = parsed(
            "format=json&target=a&target=%20&target[]=b&maxDataPoints=300&noNullPoints=&pretty=1",
        );
        assert_eq!(rq.targets, ["a", "b"]);
        assert_eq!(rq.max_data_points, Some(300));
        assert_eq!(
            rq.json,
            json::JsonOptions {
                no_null_points: true,
                pretty: true
            }
        );
        assert_eq!(parsed("format=json&maxDataPoints=-5").max_data_points, None);
        assert_eq!(
            parsed("format=json&maxDataPoints=99999999999999999999999").max_data_points,
            Some(usize::MAX)
        );
        assert_eq!(parsed("format=csv&jsonp=cb").jsonp.as_deref(), Some("cb"));
        assert_eq!(parsed("rawData&jsonp=cb").jsonp, None);
        assert_eq!(parsed("rawData").format, Format::Raw);
    }
}
