//! Routing and `/render` tests against a fake store: each case is a request and the reply it
//! must get. The fake and the helpers are shared with `meta_tests.rs`.

use super::*;
use crate::http::routes_render::MAX_RENDER_POINTS;
use crate::series::Series;
use std::cell::RefCell;

pub(crate) const NOW: i64 = 1_600_000_000;

/// Canned series and nodes, globbed node by node (`*` and `prefix*` only), or an error for
/// patterns containing `[` or `{`; remembers every fetch.
#[derive(Default)]
pub(crate) struct FakeStore {
    pub(crate) series: Vec<Series>,
    pub(crate) nodes: Vec<FindNode>,
    pub(crate) fetches: RefCell<Vec<(String, i64, i64)>>,
}

fn glob_matches(pattern: &str, path: &str) -> bool {
    let (p, n): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), path.split('.').collect());
    p.len() == n.len()
        && p.iter().zip(&n).all(|(p, n)| match p.strip_suffix('*') {
            Some(prefix) => n.starts_with(prefix),
            None => p == n,
        })
}

fn refuse(pattern: &str) -> Result<(), GlobError> {
    match pattern.find(['[', '{']) {
        Some(_) => Err(GlobError {
            pattern: pattern.to_string(),
            message: "unclosed bracket".to_string(),
        }),
        None => Ok(()),
    }
}

impl Source for FakeStore {
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        _now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        self.fetches
            .borrow_mut()
            .push((pattern.to_string(), from, until));
        refuse(pattern)?;
        let mut found: Vec<Series> = (self.series.iter())
            .filter(|s| glob_matches(pattern, &s.name))
            .cloned()
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }
    fn events(&self, _from: i64, _until: i64) -> Vec<(i64, Vec<String>)> {
        Vec::new()
    }
    fn names(&self) -> Vec<String> {
        self.series.iter().map(|s| s.name.clone()).collect()
    }
}

impl MetricSource for FakeStore {
    fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        refuse(pattern)?;
        Ok((self.nodes.iter())
            .filter(|n| glob_matches(pattern, &n.path))
            .cloned()
            .collect())
    }
    fn max_retention(&self, name: &str) -> Option<i64> {
        self.nodes
            .iter()
            .any(|n| n.leaf && n.path == name)
            .then_some(86_400)
    }
}

pub(crate) fn series(name: &str, values: &[f64]) -> Series {
    Series::new(name, NOW - 120, 60, values.to_vec())
}

fn node(path: &str, leaf: bool) -> FindNode {
    FindNode {
        path: path.into(),
        leaf,
    }
}

pub(crate) fn store() -> FakeStore {
    FakeStore {
        // Deliberately unsorted: the store's fetch sorts each glob's series by name.
        series: vec![
            series("b.y", &[2.0]),
            series("a.x", &[1.0, f64::NAN]),
            series("b.a", &[3.0]),
            series("t;dc=d1;role=web", &[4.0]),
            series("u;dc=d2", &[5.0]),
        ],
        nodes: vec![
            node("a.b", false),
            node("a.x", true),
            node("a.b.c", true),
            node("b.a", true),
            node("b.y", true),
            node("t;dc=d1;role=web", true),
        ],
        ..FakeStore::default()
    }
}

pub(crate) fn get(path_and_query: &str) -> Request {
    request("GET", path_and_query, "", None)
}

/// A request as the front thread hands it over: the query string decoded into `params`, the
/// body kept as bytes (not read as a form).
pub(crate) fn request(
    method: &str,
    path_and_query: &str,
    body: &str,
    peer: Option<std::net::SocketAddr>,
) -> Request {
    Request::from_wire(
        method,
        path_and_query,
        false,
        body.as_bytes().to_vec(),
        peer,
    )
}

pub(crate) fn reply(req: &Request) -> Reply {
    route(&store(), &Health::default(), req, NOW)
}

pub(crate) fn ask(source: &FakeStore, req: &Request) -> (u16, String) {
    let reply = route(source, &Health::default(), req, NOW);
    (reply.status, String::from_utf8(reply.body).unwrap())
}

/// `answers!(url => status, part)`: the reply has that status and its body contains `part`;
/// `answers!(url => status, == body)` for the whole body.
macro_rules! answers {
    ($query:expr => $status:expr, == $body:expr) => {{
        let (status, body) = ask(&store(), &get($query));
        assert_eq!(status, $status, "{}: {}", $query, body);
        assert_eq!(body, $body, "{}", $query);
    }};
    ($query:expr => $status:expr, $body_part:expr) => {{
        let (status, body) = ask(&store(), &get($query));
        assert_eq!(status, $status, "{}: {}", $query, body);
        assert!(
            body.contains($body_part),
            "{}: {:?} lacks {:?}",
            $query,
            body,
            $body_part
        );
    }};
}
pub(crate) use answers;

#[test]
fn render_outputs_each_target_sorted_in_target_order() {
    answers!("/render?target=b.*&target=a.*&target=&target=%20&format=json" => 200, ==
        "[{\"target\": \"b.a\", \"tags\": {\"name\": \"b.a\"}, \"datapoints\": [[3.0, 1599999880]]}, \
         {\"target\": \"b.y\", \"tags\": {\"name\": \"b.y\"}, \"datapoints\": [[2.0, 1599999880]]}, \
         {\"target\": \"a.x\", \"tags\": {\"name\": \"a.x\"}, \"datapoints\": [[1.0, 1599999880], [null, 1599999940]]}]");
    answers!("/render?target[]=a.x&format=json" => 200, "\"a.x\"");
    answers!("/render?format=json" => 200, == "[]");
}

#[test]
fn render_time_range() {
    let s = store();
    for query in [
        "",
        "&from=-1h&until=-2h",
        "&from=1000&until=2000",
        "&from=-10min&now=1000000",
        "&until=-1h",
    ] {
        let (status, body) = ask(&s, &get(&format!("/render?target=a.*&format=json{query}")));
        assert_eq!(status, 200, "{query}: {body}");
    }
    assert_eq!(
        *s.fetches.borrow(),
        vec![
            ("a.*".to_string(), NOW - 86_400, NOW),
            ("a.*".to_string(), NOW - 7200, NOW - 3600),
            ("a.*".to_string(), 1000, 2000),
            ("a.*".to_string(), 1_000_000 - 600, 1_000_000),
            ("a.*".to_string(), NOW - 86_400, NOW - 3600),
        ]
    );
}

#[test]
fn render_post_and_get_params_merge_last_single_value_wins() {
    let mut req = get("/render/?target=a.x&format=png");
    req.method = "POST".into();
    req.params.push(("format".into(), "json".into()));
    req.params.push(("target".into(), "b.y".into()));
    let (status, body) = ask(&store(), &req);
    assert_eq!(status, 200, "{body}");
    assert!(body.find("\"a.x\"") < body.find("\"b.y\""), "{body}");
}

#[test]
fn render_parameter_refusals_quote_the_value() {
    answers!("/render?target=a.*&format=json&from=100&until=100" => 400, == "Invalid parameters (Invalid empty time range)\n");
    answers!("/render?target=a.*&format=json&from=garbage" => 400, "Invalid parameters (from: time \"garbage\"");
    answers!("/render?target=a.*&format=json&until=-1x" => 400, "Invalid parameters (until: ");
    answers!("/render?target=a.*&format=json&now=x" => 400, "Invalid parameters (now: ");
    answers!("/render?target=a.*&format=json&cacheTimeout=abc" => 400,
        == "Invalid parameters (invalid literal for int() with base 10: 'abc')\n");
    answers!("/render?target=a.*&format=json&xFilesFactor=x" => 400,
        == "Invalid parameters (could not convert string to float: 'x')\n");
    answers!("/render?target=a.*&format=json&graphType=bar" => 400,
        == "Invalid parameters (Invalid graphType 'bar', must be one of ['line', 'pie'])\n");
    answers!("/render?target=a.*&format=json&graphType=pie" => 200, "\"a.x\"");
    answers!("/render?target=a.*&format=json&maxDataPoints=0" => 400, "maxDataPoints=0");
    answers!("/render?target=a.[x&format=json" => 400, "unclosed bracket");
    answers!("/render?target=a.*&format=json&jsonp=alert(1)" => 400, "Invalid jsonp callback");
    // Accepted and ignored: pencil has no response cache.
    answers!("/render?target=a.x&format=json&cacheTimeout=0&noCache=1" => 200, "\"a.x\"");
    answers!("/render?target=a.x&format=json&maxDataPoints=abc&local=1&maxStep=5" => 200, "\"a.x\"");
}

#[test]
fn render_query_errors_are_400_with_their_message() {
    answers!("/render?target=nosuchfunction(a.x)&format=json" => 400, "nosuchfunction");
    answers!("/render?target=a.x)&format=json" => 400, "a.x)");
}

#[test]
fn render_images_by_default_and_other_formats_refused_by_name() {
    // graphite-web's default (no format, or one it does not know) is a png.
    for query in [
        "/render?target=a.*",
        "/render?target=a.*&format=png",
        "/render?target=a.*&format=xml",
        "/render?target=a.*&format=",
    ] {
        let r = reply(&get(query));
        assert_eq!((r.status, r.content_type), (200, "image/png"), "{query}");
        assert!(r.body.starts_with(b"\x89PNG\r\n\x1a\n"), "{query}");
    }
    let svg = reply(&get("/render?target=a.*&format=svg&title=%3Cb%3E"));
    assert_eq!((svg.status, svg.content_type), (200, "image/svg+xml"));
    let text = String::from_utf8(svg.body).unwrap();
    assert!(
        text.contains("<svg") && text.contains("&lt;b&gt;"),
        "{text}"
    );
    answers!("/render?target=a.*&format=png&width=abc" => 400, "width");
    answers!("/render?target=a.*&format=pdf" => 400, "format=pdf");
    answers!("/render?target=a.*&format=pickle" => 400, "format=pickle is not supported by pencil");
    answers!("/render?target=a.*&pickle=1" => 400, "format=pickle");
    answers!("/render?target=a.*&format=msgpack" => 400, "format=msgpack");
    answers!("/render?target=a.*&format=dygraph" => 400, "format=dygraph");
    answers!("/render?target=a.*&format=rickshaw" => 400, "format=rickshaw");
}

#[test]
fn render_csv_and_raw() {
    let csv = reply(&get("/render?target=a.x&format=csv"));
    assert_eq!((csv.status, csv.content_type), (200, "text/csv"));
    assert_eq!(
        String::from_utf8(csv.body).unwrap(),
        "a.x,2020-09-13 12:24:40,1.0\r\na.x,2020-09-13 12:25:40,\r\n"
    );
    answers!("/render?target=a.x&format=csv&tz=Europe/Paris" => 200, "a.x,2020-09-13 14:24:40,1.0\r\n");
    // Unknown zones are ignored, as graphite-web ignores them.
    answers!("/render?target=a.x&format=csv&tz=Mars/Olympus" => 200, "a.x,2020-09-13 12:24:40,1.0\r\n");
    let raw = reply(&get("/render?target=a.x&format=raw"));
    assert_eq!((raw.status, raw.content_type), (200, "text/plain"));
    assert_eq!(
        String::from_utf8(raw.body).unwrap(),
        "a.x,1599999880,1600000000,60|1.0,None\n"
    );
    // Legacy rawData; `format` wins over it.
    answers!("/render?target=a.x&rawData=1" => 200, == "a.x,1599999880,1600000000,60|1.0,None\n");
    answers!("/render?target=a.x&rawData=1&format=json" => 200, "[{\"target\"");
}

#[test]
fn render_jsonp_only_with_format() {
    let wrapped = reply(&get("/render?target=a.x&format=json&jsonp=cb"));
    assert_eq!(wrapped.content_type, "text/javascript");
    let body = String::from_utf8(wrapped.body).unwrap();
    assert!(
        body.starts_with("cb([{\"target\": \"a.x\"") && body.ends_with("])"),
        "{body}"
    );
    answers!("/render?target=a.x&rawData=1&jsonp=cb" => 200, == "a.x,1599999880,1600000000,60|1.0,None\n");
    let plain = reply(&get("/render?target=a.x&format=json"));
    assert_eq!(plain.content_type, "application/json");
}

#[test]
fn render_json_options() {
    answers!("/render?target=a.x&format=json&noNullPoints" => 200,
        == "[{\"target\": \"a.x\", \"tags\": {\"name\": \"a.x\"}, \"datapoints\": [[1.0, 1599999880]]}]");
    answers!("/render?target=a.x&format=json&pretty=1" => 200, "[\n  {\n    \"target\": \"a.x\",\n");
    answers!("/render?target=a.x&format=json&pretty=" => 200, "[{\"target\"");
    // Two points into one: maxDataPoints applies to json only.
    answers!("/render?target=a.x&format=json&maxDataPoints=1" => 200, "\"datapoints\": [[1.0, 1599999880]]}]");
    answers!("/render?target=a.x&format=raw&maxDataPoints=1" => 200, "|1.0,None\n");
}

#[test]
fn render_refuses_too_much_data() {
    let big = FakeStore {
        series: vec![series("big", &vec![1.0; MAX_RENDER_POINTS + 1])],
        ..FakeStore::default()
    };
    let (status, body) = ask(&big, &get("/render?target=big&format=json"));
    assert_eq!(status, 400);
    assert!(body.contains("Too much data"), "{body}");
}

#[test]
fn unknown_paths_and_methods() {
    answers!("/nope" => 404, "\"/nope\"");
    answers!("/nope" => 404, "/render, /metrics/find, /metrics, /metrics/expand");
    answers!("/" => 404, "/tags/autoComplete/values");
    let mut req = get("/render");
    req.method = "DELETE".into();
    let reply = route(&store(), &Health::default(), &req, NOW);
    assert_eq!(reply.status, 405);
    assert!(reply.headers.iter().any(|(k, _)| *k == "Allow"));
}

#[test]
fn health_lists_every_field() {
    let health = Health {
        counters: vec![("points_received", 7), ("invalid_syntax", 0)],
        metrics: 3,
        capacity_bytes: 1000,
        used_bytes: 10,
        last_snapshot_time: Some(NOW - 5),
        last_snapshot_seconds: Some(0.25),
        started: NOW - 60,
    };
    let reply = route(&store(), &health, &get("/health"), NOW);
    assert_eq!(reply.status, 200);
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        "{\"counters\": {\"points_received\": 7, \"invalid_syntax\": 0}, \"metrics\": 3, \
         \"capacity_bytes\": 1000, \"used_bytes\": 10, \"last_snapshot_time\": 1599999995, \
         \"last_snapshot_seconds\": 0.25, \"uptime_seconds\": 60}"
    );
    let fresh = route(
        &store(),
        &Health {
            started: NOW,
            ..Health::default()
        },
        &get("/health"),
        NOW,
    );
    let body = String::from_utf8(fresh.body).unwrap();
    assert!(
        body.contains("\"last_snapshot_time\": null, \"last_snapshot_seconds\": null"),
        "{body}"
    );
}
