//! Routing and parameter checking for the Graphite endpoints: `/render`, `/metrics/find`,
//! `/health`, and the 404/405 answers. Reads the store through [`MetricSource`] and never writes
//! it; turns bad parameters into plain-text 400s that quote the offending value, as graphite-web
//! does. No sockets here: a `Request` in, a `Reply` out.

use super::find::write_tree_json;
use super::{Health, Reply, Request};
use crate::query::time::parse_time;
use crate::render::json;
use crate::series::Series;
use crate::store::{FindNode, GlobError, Store};

/// Series one render may return. Grafana panels show tens; ten thousand lines is already an
/// unreadable graph and a `*.*.*` typo should get an error, not a 100 MB answer.
const MAX_RENDER_SERIES: usize = 10_000;
/// Points one render may return: about 240 MB of JSON at ~24 bytes a point, which is as much as
/// one reply should hold in memory at once.
const MAX_RENDER_POINTS: usize = 10_000_000;

/// What routing needs from the store; `Store` implements it, the tests use a fake.
pub(crate) trait MetricSource {
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        now: i64,
    ) -> Result<Vec<Series>, GlobError>;
    fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError>;
}

impl MetricSource for Store {
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        Store::fetch(self, pattern, from, until, now)
    }
    fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        Store::find(self, pattern)
    }
}

/// Answers one request. Pure apart from reading the store.
pub fn handle(store: &Store, health: &Health, req: &Request, now: i64) -> Reply {
    route(store, health, req, now)
}

#[derive(Clone, Copy)]
enum Endpoint {
    Render,
    Find,
    Health,
}

pub(crate) fn route(source: &impl MetricSource, health: &Health, req: &Request, now: i64) -> Reply {
    if let Some(reply) = super::functions::handle(req) {
        return reply;
    }
    let endpoint = match req.path.as_str() {
        "/render" | "/render/" => Endpoint::Render,
        "/metrics/find" | "/metrics/find/" | "/metrics" => Endpoint::Find,
        "/health" => Endpoint::Health,
        other => {
            return Reply::text(
                404,
                format!(
                    "Not found: {other:?}. pencil answers /render, /metrics/find (also /metrics) \
                     and /health so far."
                ),
            )
        }
    };
    if !matches!(req.method.as_str(), "GET" | "POST" | "HEAD") {
        let mut reply = Reply::text(
            405,
            format!(
                "Method {} is not allowed on {}: use GET or POST.",
                req.method, req.path
            ),
        );
        reply.headers.push(("Allow", "GET, POST, HEAD".to_string()));
        return reply;
    }
    let outcome = match endpoint {
        Endpoint::Render => render(source, &req.params, now),
        Endpoint::Find => find(source, &req.params),
        Endpoint::Health => Ok(health_reply(health, now)),
    };
    outcome.unwrap_or_else(|error| error)
}

/// `/render`, json only for now (graphite.md 3.1, 3.3).
fn render(
    source: &impl MetricSource,
    params: &[(String, String)],
    now: i64,
) -> Result<Reply, Reply> {
    let now = match last(params, "now") {
        Some(spec) => time_param("now", spec, now)?,
        None => now,
    };
    let mut from = time_param("from", last(params, "from").unwrap_or("-1d"), now)?;
    let mut until = time_param("until", last(params, "until").unwrap_or("now"), now)?;
    if from > until {
        std::mem::swap(&mut from, &mut until);
    }
    if from == until {
        return Err(bad_request(format!(
            "Invalid empty time range: from and until are both {from}."
        )));
    }
    match last(params, "format") {
        Some("json") => {}
        Some(other) => {
            return Err(bad_request(format!(
                "format {other:?} is not supported yet; supported for now: json."
            )))
        }
        None => {
            return Err(bad_request(
                "No format given: graphite's default is png, which is not supported yet; add \
                 format=json.",
            ))
        }
    }
    let jsonp = last(params, "jsonp");
    if let Some(callback) = jsonp {
        // The callback lands verbatim in a script; only a JavaScript name path is safe there.
        let is_name = callback
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_$.".contains(&b));
        if !is_name {
            return Err(bad_request(format!(
                "Invalid jsonp callback {callback:?}: use a JavaScript function name such as cb or app.cb."
            )));
        }
    }
    let targets: Vec<&str> = all(params, "target")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(call) = targets.iter().find(|t| t.contains('(')) {
        return Err(bad_request(format!(
            "functions are not supported yet: {call}"
        )));
    }

    let mut series: Vec<Series> = Vec::new();
    let mut points = 0usize;
    for target in targets {
        let mut found = source
            .fetch(target, from, until, now)
            .map_err(|e| bad_request(format!("Invalid target {target:?}: {e}")))?;
        found.sort_by(|a, b| a.name.cmp(&b.name));
        points += found.iter().map(|s| s.values.len()).sum::<usize>();
        series.append(&mut found);
        if series.len() > MAX_RENDER_SERIES || points > MAX_RENDER_POINTS {
            return Err(bad_request(format!(
                "Too much data: the targets up to {target:?} match {} series and {points} points; \
                 pencil answers at most {MAX_RENDER_SERIES} series and {MAX_RENDER_POINTS} points. \
                 Narrow the targets or the time range.",
                series.len()
            )));
        }
    }

    let mut body = Vec::new();
    match jsonp {
        Some(callback) => {
            body.extend_from_slice(callback.as_bytes());
            body.push(b'(');
            json::write_series_list(&series, &mut body);
            body.push(b')');
            Ok(Reply {
                content_type: "text/javascript",
                ..Reply::json(body)
            })
        }
        None => {
            json::write_series_list(&series, &mut body);
            Ok(Reply::json(body))
        }
    }
}

/// `/metrics/find`, treejson only for now (graphite.md 4.3).
fn find(source: &impl MetricSource, params: &[(String, String)]) -> Result<Reply, Reply> {
    let query = match last(params, "query") {
        Some(q) if !q.is_empty() => q,
        _ => return Err(bad_request("Missing required parameter 'query'")),
    };
    match last(params, "format") {
        None | Some("treejson") => {}
        Some(other) => {
            return Err(bad_request(format!(
                "Invalid value for 'format' parameter: {other:?} (supported for now: treejson)"
            )))
        }
    }
    let wildcards = match last(params, "wildcards") {
        None | Some("") => false,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) => n != 0,
            Err(_) => {
                return Err(bad_request(format!(
                    "Invalid value for 'wildcards' parameter: {v:?} (expected 0 or 1)"
                )))
            }
        },
    };
    let nodes = source
        .find(query)
        .map_err(|e| bad_request(format!("Invalid query {query:?}: {e}")))?;
    let mut body = Vec::new();
    write_tree_json(query, &nodes, wildcards, &mut body);
    let mut reply = Reply::json(body);
    reply.headers.push(("Pragma", "no-cache".to_string()));
    reply
        .headers
        .push(("Cache-Control", "no-cache".to_string()));
    Ok(reply)
}

fn health_reply(health: &Health, now: i64) -> Reply {
    let mut out = Vec::with_capacity(256 + health.counters.len() * 32);
    out.extend_from_slice(b"{\"counters\": {");
    for (i, (name, value)) in health.counters.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        json::write_str(name, &mut out);
        out.extend_from_slice(b": ");
        json::write_int(*value as i64, &mut out);
    }
    out.extend_from_slice(b"}, \"metrics\": ");
    json::write_int(health.metrics as i64, &mut out);
    out.extend_from_slice(b", \"capacity_bytes\": ");
    json::write_int(health.capacity_bytes as i64, &mut out);
    out.extend_from_slice(b", \"used_bytes\": ");
    json::write_int(health.used_bytes as i64, &mut out);
    out.extend_from_slice(b", \"last_snapshot_time\": ");
    match health.last_snapshot_time {
        Some(t) => json::write_int(t, &mut out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b", \"last_snapshot_seconds\": ");
    match health.last_snapshot_seconds {
        Some(s) => json::write_value(s, &mut out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b", \"uptime_seconds\": ");
    json::write_int(now.saturating_sub(health.started).max(0), &mut out);
    out.push(b'}');
    Reply::json(out)
}

fn time_param(name: &str, spec: &str, now: i64) -> Result<i64, Reply> {
    parse_time(spec, now).map_err(|e| bad_request(format!("Invalid '{name}' parameter: {e}")))
}

fn bad_request(message: impl Into<String>) -> Reply {
    Reply::text(400, message)
}

/// Single-valued parameters: the last value wins, as in Django's QueryDict.
fn last<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn all<'a>(params: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
    params
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests;
