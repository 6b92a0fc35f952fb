//! The metadata endpoints (graphite.md 4.3–4.6): `/metrics/find` (also `/metrics`),
//! `/metrics/expand`, `/metrics/index.json`, `/version`, and pencil's `/health`. Parameters are
//! checked as graphite-web's views check them, with the same 400 texts; the answers are shaped
//! by `find.rs` and the json writers. Reads the store through [`Ask`] only.

use super::find::{write_completer, write_node_list, write_nodes_json, write_tree_json};
use super::params::{bad_callback, bad_request, invalid, is_callback_name, py_repr, Params};
use super::routes::Ask;
use super::{Health, Reply};
use crate::query::time::parse_time_in;
use crate::render::json;
use crate::store::FindNode;
use crate::time::Tz;

/// What `/version` reports: a graphite-web release whose API pencil follows. Grafana reads it
/// with a semver parser and only offers tags and `/functions` from 1.1 on.
const GRAPHITE_VERSION: &str = "1.1.10";

/// `/metrics/find` (graphite.md 4.3): treejson (default), completer, json or nodelist.
pub(crate) fn find(ask: &Ask) -> Result<Reply, Reply> {
    let p = ask.params();
    let format = p.get("format").unwrap_or("treejson");
    let leaves_only = int_param(p, "leavesOnly", 0)? != 0;
    int_param(p, "local", 0)?;
    let wildcards = int_param(p, "wildcards", 0)? != 0;
    // The time range only restricts matches to metrics with data in it in graphite-web's
    // finders that know intervals; pencil's find does not filter by it, but bad values are
    // refused the same way.
    let tz = p.get("tz").and_then(Tz::load).unwrap_or_else(Tz::utc);
    let now = match p.get("now") {
        Some(spec) => find_time("now", spec, ask.now, &tz)?,
        None => ask.now,
    };
    for name in ["from", "until"] {
        if let Some(spec) = p.get(name).filter(|s| *s != "-1") {
            find_time(name, spec, now, &tz)?;
        }
    }
    let position = int_param(p, "position", -1)?;
    let automatic_variants = int_param(p, "automatic_variants", 0)? != 0;
    let query = match p.get("query") {
        None => return Err(invalid("Missing required parameter 'query'")),
        Some("") => return Err(invalid("Required parameter 'query' is empty")),
        Some(q) => q,
    };
    let pattern = if format == "completer" {
        completer_pattern(query, automatic_variants)
    } else {
        query.to_string()
    };
    let mut nodes = ask
        .source
        .find(&pattern)
        .map_err(|e| bad_request(format!("Invalid query {pattern:?}: {e}")))?;
    nodes.retain(|n| (n.leaf || !leaves_only) && !is_tagged(n));
    let mut body = Vec::new();
    match format {
        "treejson" => write_tree_json(query, &nodes, wildcards, &mut body),
        "completer" => write_completer(&nodes, wildcards, &mut body),
        "json" => write_nodes_json(&nodes, |path| interval(ask, path), &mut body),
        "nodelist" => write_node_list(&nodes, position, &mut body).map_err(bad_request)?,
        "pickle" | "msgpack" => {
            return Err(bad_request(format!(
                "Invalid value for 'format' parameter: {format} is not supported by pencil; use \
                 treejson, completer, json or nodelist."
            )))
        }
        other => {
            return Err(bad_request(format!(
                "Invalid value for 'format' parameter: {}; use treejson, completer, json or \
                 nodelist.",
                py_repr(other)
            )))
        }
    }
    let mut reply = json_reply(p, body)?;
    no_cache(&mut reply);
    Ok(reply)
}

/// The `[start, end]` a leaf can hold data for, as whisper reports it: `now - maxRetention`
/// to now.
fn interval(ask: &Ask, path: &str) -> Option<(i64, i64)> {
    let retention = ask.source.max_retention(path)?;
    Some((ask.now - retention, ask.now))
}

/// The completer's rewrite: `..` becomes `*.`, a `*` is appended when missing, and with
/// `automatic_variants` a node holding commas becomes a `{a,b}` alternative.
fn completer_pattern(query: &str, automatic_variants: bool) -> String {
    let mut q = query.replace("..", "*.");
    if !q.ends_with('*') {
        q.push('*');
    }
    if automatic_variants {
        q = q
            .split('.')
            .map(|part| {
                if part.contains(',') && !part.contains('{') {
                    format!("{{{part}}}")
                } else {
                    part.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(".");
    }
    q
}

/// `/metrics/expand` (graphite.md 4.4): the paths each `query` matches, merged and sorted, or
/// per query with `groupByExpr=1`.
pub(crate) fn expand(ask: &Ask) -> Result<Reply, Reply> {
    let p = ask.params();
    int_param(p, "local", 0)?;
    let group_by_expr = int_param(p, "groupByExpr", 0)? != 0;
    let leaves_only = int_param(p, "leavesOnly", 0)? != 0;
    // One entry per distinct query, in first-seen order, as a Python dict keeps them.
    let mut results: Vec<(&str, Vec<String>)> = Vec::new();
    for query in p.list("query") {
        if results.iter().any(|(q, _)| *q == query) {
            continue;
        }
        let nodes: Vec<FindNode> = ask
            .source
            .find(query)
            .map_err(|e| bad_request(format!("Invalid query {query:?}: {e}")))?;
        let mut paths: Vec<String> = nodes
            .into_iter()
            .filter(|n| (n.leaf || !leaves_only) && !is_tagged(n))
            .map(|n| n.path)
            .collect();
        paths.sort_unstable();
        paths.dedup();
        results.push((query, paths));
    }
    let mut body = b"{\"results\": ".to_vec();
    if group_by_expr {
        body.push(b'{');
        for (i, (query, paths)) in results.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(b", ");
            }
            json::write_str(query, &mut body);
            body.extend_from_slice(b": ");
            write_str_list(paths.iter().map(String::as_str), &mut body);
        }
        body.push(b'}');
    } else {
        let mut all: Vec<&str> = results
            .iter()
            .flat_map(|(_, paths)| paths.iter().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        write_str_list(all.into_iter(), &mut body);
    }
    body.push(b'}');
    let mut reply = json_reply(p, body)?;
    no_cache(&mut reply);
    Ok(reply)
}

/// `/metrics/index.json` (graphite.md 4.5): every metric name, sorted. Tagged series are listed
/// by their canonical names (graphite-web lists the hashed `_tagged.…` paths it stores them
/// under, which no query accepts).
pub(crate) fn index_json(ask: &Ask) -> Result<Reply, Reply> {
    let mut names = ask.source.names();
    names.sort_unstable();
    let mut body = Vec::with_capacity(names.iter().map(|n| n.len() + 4).sum::<usize>() + 2);
    write_str_list(names.iter().map(String::as_str), &mut body);
    json_reply(ask.params(), body)
}

/// `/version` (graphite.md 4.6): the version text graphite-web's template writes.
pub(crate) fn version(_ask: &Ask) -> Result<Reply, Reply> {
    Ok(Reply {
        content_type: "text/html; charset=utf-8",
        ..Reply::text(200, GRAPHITE_VERSION)
    })
}

/// `/health`: pencil's own counters for monitoring.
pub(crate) fn health(ask: &Ask) -> Result<Reply, Reply> {
    Ok(health_reply(ask.health, ask.now))
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

/// graphite-web's `json_response_for`: `pretty` indents, a non-empty `jsonp` wraps the JSON in
/// a call and answers `text/javascript`. graphite-web adds `;charset=utf-8` (and stops
/// escaping non-ASCII) unless the request's Accept header is exactly `application/json`, which
/// browsers and Grafana never send; pencil always sends that content type and always escapes,
/// which decodes to the same text.
pub(crate) fn json_reply(p: Params, body: Vec<u8>) -> Result<Reply, Reply> {
    let body = if p.flag("pretty") {
        let mut pretty = Vec::with_capacity(body.len() * 2);
        json::indent(&body, &mut pretty);
        pretty
    } else {
        body
    };
    match p.get("jsonp").filter(|c| !c.is_empty()) {
        None => Ok(Reply {
            content_type: "application/json;charset=utf-8",
            ..Reply::json(body)
        }),
        Some(callback) => {
            if !is_callback_name(callback) {
                return Err(bad_request(bad_callback(callback)));
            }
            let mut wrapped = Vec::with_capacity(body.len() + callback.len() + 2);
            wrapped.extend_from_slice(callback.as_bytes());
            wrapped.push(b'(');
            wrapped.extend_from_slice(&body);
            wrapped.push(b')');
            Ok(Reply {
                content_type: "text/javascript;charset=utf-8",
                ..Reply::json(wrapped)
            })
        }
    }
}

pub(crate) fn write_str_list<'s>(items: impl Iterator<Item = &'s str>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        json::write_str(item, out);
    }
    out.push(b']');
}

/// Tagged series (`name;tag=value`) are not part of graphite's metric tree: they are found
/// through the tag endpoints and seriesByTag, so find and expand leave them out.
fn is_tagged(node: &FindNode) -> bool {
    node.path.contains(';')
}

fn no_cache(reply: &mut Reply) {
    reply.headers.push(("Pragma", "no-cache".to_string()));
    reply
        .headers
        .push(("Cache-Control", "no-cache".to_string()));
}

/// graphite-web's `queryParamAsInt`.
fn int_param(p: Params, name: &str, default: i64) -> Result<i64, Reply> {
    p.int(name, default).map_err(|e| {
        invalid(format!(
            "Invalid int value {} for param {name}: {e}",
            py_repr(p.get(name).unwrap_or(""))
        ))
    })
}

fn find_time(name: &str, spec: &str, now: i64, tz: &Tz) -> Result<i64, Reply> {
    parse_time_in(spec, now, tz).map_err(|e| {
        invalid(format!(
            "Invalid value {} for param {name}: {e}",
            py_repr(spec)
        ))
    })
}
