//! Graphite's events endpoints (graphite.md 4.8): `POST /events/` records an annotation,
//! `/events/get_data` lists them, `/events/<id>` shows one. The only HTTP code that writes the
//! store, so it also owns the write-access rule (loopback peer, or the `--write-token` token).
//! Parses and formats only; the event log itself is `store::EventLog`.

use super::json_in::{self, Json};
use super::params::{bad_callback, is_callback_name, Params};
use super::{Reply, Request};
use crate::query::time::parse_time;
use crate::render::json;
use crate::store::{Event, EventError, EventLog, Store, TagMatch};
use crate::time::civil_from_days;
use std::net::SocketAddr;

/// Earliest and latest `when` accepted: the range of Python's `datetime` (years 1 to 9999),
/// outside which graphite-web fails on the event and pencil could not print it.
const WHEN_MIN: i64 = -62_135_596_800;
const WHEN_MAX: i64 = 253_402_300_799;

/// Answers `/events`, `/events/`, `/events/get_data` and `/events/<id>`; `None` for any other
/// path, which the caller routes as usual. `write_token` is `--write-token`.
pub fn handle_events(
    store: &mut Store,
    req: &Request,
    now: i64,
    write_token: Option<&str>,
) -> Option<Reply> {
    let endpoint = endpoint(&req.path)?;
    let method = req.method.as_str();
    Some(match endpoint {
        Endpoint::List => match method {
            "POST" => match may_write(req.peer, token_param(&req.params), write_token) {
                Ok(()) => post(store, &req.body, now),
                Err(message) => Reply::json_error(403, &message),
            },
            "GET" | "HEAD" => Reply::json_error(
                501,
                "GET /events/ (graphite-web's HTML list of events) is not implemented in \
                 pencil; use /events/get_data for the events as JSON",
            ),
            _ => not_allowed(&req.path, "GET, POST, HEAD"),
        },
        _ if !matches!(method, "GET" | "HEAD" | "POST") => {
            not_allowed(&req.path, "GET, POST, HEAD")
        }
        Endpoint::GetData => get_data(store.events(), &req.params, now),
        Endpoint::Detail(id) => detail(store.events(), id, &req.params),
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Endpoint<'a> {
    List,
    GetData,
    /// The digits of the id as given (they may not fit a u64: then no such event).
    Detail(&'a str),
}

/// graphite-web's `events/urls.py`: `^/get_data?$`, `^/(\d+)/?$`, `^/?$` under `^events`.
fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    let rest = path.strip_prefix("/events")?;
    match rest {
        "" | "/" => Some(Endpoint::List),
        "/get_data" | "/get_dat" => Some(Endpoint::GetData),
        _ => {
            let id = rest.strip_prefix('/')?;
            let id = id.strip_suffix('/').unwrap_or(id);
            (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
                .then_some(Endpoint::Detail(id))
        }
    }
}

/// The `token` parameter (query string). A header would keep it out of URLs, but pencil's
/// request type carries no headers; pencil logs no URLs, a proxy in front might.
pub(crate) fn token_param(params: &[(String, String)]) -> Option<&str> {
    Params(params).get("token")
}

/// The write rule of architecture.md: a loopback peer may write; anyone else needs the
/// configured token. `Err` is the message for the 403.
pub(crate) fn may_write(
    peer: Option<SocketAddr>,
    given: Option<&str>,
    configured: Option<&str>,
) -> Result<(), String> {
    if peer.is_some_and(|p| p.ip().to_canonical().is_loopback()) {
        return Ok(());
    }
    match configured {
        None => Err(
            "writes are accepted from loopback only: start pencil with --write-token TOKEN and \
             add ?token=TOKEN to the URL to write from other hosts"
                .to_string(),
        ),
        Some(want) => match given {
            Some(token) if same_secret(token.as_bytes(), want.as_bytes()) => Ok(()),
            Some(_) => Err("the token parameter does not match --write-token".to_string()),
            None => Err(
                "writes from other hosts need the token: add ?token=TOKEN (the value of \
                 --write-token) to the URL"
                    .to_string(),
            ),
        },
    }
}

/// Compares without stopping at the first difference, so response times do not reveal how
/// much of a guessed token was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    diff == 0
}

/// `POST /events/`: `{"what", "tags", "when", "data"}` as graphite-web's `post_event`, but a
/// body it would fail on with a 500 is a 400 here naming the problem.
fn post(store: &mut Store, body: &[u8], now: i64) -> Reply {
    let fields = match json_in::parse(body) {
        Ok(event @ Json::Object(_)) => event_fields(&event, now),
        Ok(other) => Err(format!(
            "the body must be a JSON object such as {{\"what\": \"deploy\", \"tags\": \
             [\"web\"], \"data\": \"v1.2\"}}, not {}",
            other.kind()
        )),
        Err(e) => Err(format!("the body is not JSON: {e}")),
    };
    let (when, what, data, tags) = match fields {
        Ok(fields) => fields,
        Err(message) => return Reply::json_error(400, &message),
    };
    match store.add_event(when, what, data, tags) {
        Ok(_) => Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: Vec::new(),
        },
        // Not the client's mistake: the log has no room for an event that old.
        Err(e @ EventError::OlderThanFullLog { .. }) => Reply::json_error(507, &e.to_string()),
        Err(e) => Reply::json_error(400, &e.to_string()),
    }
}

/// `(when, what, data, tags)` of a posted event object.
fn event_fields(event: &Json, now: i64) -> Result<(i64, String, String, String), String> {
    let tags = tags_of(event.get("tags"))?;
    let when = when_of(event.get("when"), now)?;
    let what = match event.get("what") {
        Some(Json::Str(s)) => s.clone(),
        Some(other) => return Err(format!("\"what\" must be a string, not {}", other.kind())),
        None => return Err("\"what\" is required: a string saying what happened".to_string()),
    };
    let data = data_of(event.get("data"))?;
    Ok((when, what, data, tags))
}

/// graphite-web's tag string: a list is joined with spaces, a string kept as is, null or
/// absent is no tags.
fn tags_of(value: Option<&Json>) -> Result<String, String> {
    match value {
        None | Some(Json::Null) => Ok(String::new()),
        Some(Json::Str(s)) => Ok(s.clone()),
        Some(Json::Array(items)) => {
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Json::Str(s) => {
                        if i > 0 {
                            out.push(' ');
                        }
                        out.push_str(s);
                    }
                    other => {
                        return Err(format!(
                            "\"tags\" must be an array of strings or a space-separated string; \
                             the array holds {}",
                            other.kind()
                        ))
                    }
                }
            }
            Ok(out)
        }
        // graphite-web's exact message.
        Some(_) => Err("\"tags\" must be an array or space-separated string".to_string()),
    }
}

/// Epoch seconds; a fraction is dropped toward the past, as graphite-web's whole-second
/// `epoch()` shows it.
fn when_of(value: Option<&Json>, now: i64) -> Result<i64, String> {
    let when = match value {
        None => now,
        Some(Json::Int(n)) => *n,
        Some(Json::Float(f)) if (WHEN_MIN as f64..=WHEN_MAX as f64).contains(f) => f.floor() as i64,
        Some(Json::Float(f)) => return Err(format!("\"when\" {f} is outside the years 1 to 9999")),
        Some(other) => {
            return Err(format!(
                "\"when\" must be a number of epoch seconds, not {}",
                other.kind()
            ))
        }
    };
    if !(WHEN_MIN..=WHEN_MAX).contains(&when) {
        return Err(format!("\"when\" {when} is outside the years 1 to 9999"));
    }
    Ok(when)
}

/// A string as is; numbers and booleans as Python's `str()` shows them (graphite-web stores
/// that); null, arrays and objects are refused (graphite-web fails on null and stores a Python
/// repr of the others).
fn data_of(value: Option<&Json>) -> Result<String, String> {
    match value {
        None => Ok(String::new()),
        Some(Json::Str(s)) => Ok(s.clone()),
        Some(Json::Int(n)) => Ok(n.to_string()),
        Some(Json::Float(f)) => Ok(crate::query::pyfmt::repr(*f)),
        Some(Json::Bool(b)) => Ok(if *b { "True" } else { "False" }.to_string()),
        Some(other) => Err(format!(
            "\"data\" must be a string (or a number or boolean), not {}",
            other.kind()
        )),
    }
}

/// `/events/get_data?from&until&tags&set&jsonp`: the matching events, oldest first.
fn get_data(log: &EventLog, params: &[(String, String)], now: i64) -> Reply {
    let params = Params(params);
    let time = |name: &str, default: i64| match params.get(name) {
        None => Ok(default),
        Some(spec) => parse_time(spec, now)
            .map_err(|e| Reply::json_error(400, &format!("Invalid '{name}' parameter: {e}"))),
    };
    let (from, until) = match (time("from", 0), time("until", now)) {
        (Ok(from), Ok(until)) => (from, until),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    // graphite-web splits on single spaces and django-tagging drops the empty words.
    let tags: Option<Vec<String>> = params.get("tags").map(|t| {
        t.split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    });
    let how = match params.get("set") {
        Some("union") => TagMatch::Any,
        // `intersection` and anything else (graphite-web falls back to with_all).
        _ => TagMatch::All,
    };
    let mut body = Vec::new();
    let jsonp = params.get("jsonp");
    if let Some(callback) = jsonp {
        // Unlike /render's, an empty callback is refused here.
        if callback.is_empty() || !is_callback_name(callback) {
            return Reply::json_error(400, &bad_callback(callback));
        }
        body.extend_from_slice(callback.as_bytes());
        body.push(b'(');
    }
    body.push(b'[');
    for (i, e) in log.select(from, until, tags.as_deref(), how).enumerate() {
        if i > 0 {
            body.extend_from_slice(b", ");
        }
        body.extend_from_slice(b"{\"when\": ");
        json::write_int(e.when, &mut body);
        write_what_data_tags(e, &mut body);
        body.extend_from_slice(b", \"id\": ");
        json::write_int(e.id as i64, &mut body);
        body.push(b'}');
    }
    body.push(b']');
    if jsonp.is_some() {
        body.push(b')');
        return Reply {
            content_type: "text/javascript",
            ..Reply::json(body)
        };
    }
    Reply::json(body)
}

/// The `"what"`, `"data"` and `"tags"` members, in the order both event answers use.
fn write_what_data_tags(e: &Event, body: &mut Vec<u8>) {
    body.extend_from_slice(b", \"what\": ");
    json::write_str(&e.what, body);
    body.extend_from_slice(b", \"data\": ");
    json::write_str(&e.data, body);
    body.extend_from_slice(b", \"tags\": ");
    write_tags(e, None, body);
}

/// `/events/<id>`: the event as Django's `model_to_dict` with `when` in ISO form; `pretty`
/// indents and sorts the keys as graphite-web's `jsonResponse` does.
fn detail(log: &EventLog, id: &str, params: &[(String, String)]) -> Reply {
    let Some(e) = id.parse::<u64>().ok().and_then(|id| log.get(id)) else {
        return Reply::json_error(404, "Event matching query does not exist");
    };
    let pretty = Params(params).flag("pretty");
    let mut body = Vec::new();
    if pretty {
        write_detail_pretty(e, &mut body);
    } else {
        body.extend_from_slice(b"{\"id\": ");
        json::write_int(e.id as i64, &mut body);
        body.extend_from_slice(b", \"when\": ");
        json::write_str(&iso_utc(e.when), &mut body);
        write_what_data_tags(e, &mut body);
        body.push(b'}');
    }
    Reply::json(body)
}

fn write_detail_pretty(e: &Event, body: &mut Vec<u8>) {
    body.extend_from_slice(b"{\n  \"data\": ");
    json::write_str(&e.data, body);
    body.extend_from_slice(b",\n  \"id\": ");
    json::write_int(e.id as i64, body);
    body.extend_from_slice(b",\n  \"tags\": ");
    write_tags(e, Some("  "), body);
    body.extend_from_slice(b",\n  \"what\": ");
    json::write_str(&e.what, body);
    body.extend_from_slice(b",\n  \"when\": ");
    json::write_str(&iso_utc(e.when), body);
    body.extend_from_slice(b"\n}");
}

/// `["a", "b"]`, or Python's `indent=2` layout nested under `indent` when given.
fn write_tags(event: &Event, indent: Option<&str>, out: &mut Vec<u8>) {
    let tags: Vec<&str> = event.shown_tags().collect();
    match indent {
        Some(pad) if !tags.is_empty() => {
            out.push(b'[');
            for (i, t) in tags.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'\n');
                out.extend_from_slice(pad.as_bytes());
                out.extend_from_slice(b"  ");
                json::write_str(t, out);
            }
            out.push(b'\n');
            out.extend_from_slice(pad.as_bytes());
            out.push(b']');
        }
        _ => {
            out.push(b'[');
            for (i, t) in tags.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                json::write_str(t, out);
            }
            out.push(b']');
        }
    }
}

/// Django's JSON form of an aware UTC datetime with no microseconds: `2020-09-13T12:26:40Z`.
fn iso_utc(ts: i64) -> String {
    let (days, secs) = (ts.div_euclid(86_400), ts.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn not_allowed(path: &str, allow: &'static str) -> Reply {
    let mut reply = Reply::json_error(
        405,
        &format!("this method is not allowed on {path}: use {allow}"),
    );
    reply.headers.push(("Allow", allow.to_string()));
    reply
}

#[cfg(test)]
mod tests;
