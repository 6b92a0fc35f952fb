//! Routing tests against a fake store: each case is a request and the reply it must get.

use super::*;
use std::cell::RefCell;

const NOW: i64 = 1_600_000_000;

/// Answers every glob with canned series (or an error for patterns containing `[`), and
/// remembers what it was asked.
#[derive(Default)]
struct FakeStore {
    series: Vec<Series>,
    nodes: Vec<FindNode>,
    fetches: RefCell<Vec<(String, i64, i64)>>,
}

impl MetricSource for FakeStore {
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
        if pattern.contains('[') {
            return Err(GlobError {
                pattern: pattern.to_string(),
                message: "unclosed [".to_string(),
            });
        }
        let prefix = pattern.trim_end_matches('*');
        Ok(self
            .series
            .iter()
            .filter(|s| s.name.starts_with(prefix))
            .cloned()
            .collect())
    }
    fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        if pattern.contains('{') {
            return Err(GlobError {
                pattern: pattern.to_string(),
                message: "unclosed {".to_string(),
            });
        }
        Ok(self.nodes.clone())
    }
}

fn series(name: &str, values: &[f64]) -> Series {
    Series::new(name, NOW - 120, 60, values.to_vec())
}

fn store() -> FakeStore {
    FakeStore {
        // Deliberately unsorted: render sorts each target's series by name.
        series: vec![
            series("b.y", &[2.0]),
            series("a.x", &[1.0, f64::NAN]),
            series("b.a", &[3.0]),
        ],
        nodes: vec![
            FindNode {
                path: "a.x".into(),
                leaf: true,
            },
            FindNode {
                path: "a.b".into(),
                leaf: false,
            },
        ],
        ..FakeStore::default()
    }
}

fn get(path_and_query: &str) -> Request {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut params = Vec::new();
    crate::http::form::parse_pairs(query.as_bytes(), &mut params);
    Request {
        method: "GET".into(),
        path: path.into(),
        params,
        body: Vec::new(),
        peer: None,
    }
}

fn ask(source: &FakeStore, req: &Request) -> (u16, String) {
    let reply = route(source, &Health::default(), req, NOW);
    (reply.status, String::from_utf8(reply.body).unwrap())
}

macro_rules! expect {
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

#[test]
fn render_outputs_each_target_sorted_in_target_order() {
    let (status, body) = ask(
        &store(),
        &get("/render?target=b.*&target=a.*&target=&format=json"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        "[{\"target\": \"b.a\", \"tags\": {\"name\": \"b.a\"}, \"datapoints\": [[3.0, 1599999880]]}, \
         {\"target\": \"b.y\", \"tags\": {\"name\": \"b.y\"}, \"datapoints\": [[2.0, 1599999880]]}, \
         {\"target\": \"a.x\", \"tags\": {\"name\": \"a.x\"}, \"datapoints\": [[1.0, 1599999880], [null, 1599999940]]}]"
    );
}

#[test]
fn render_time_range() {
    let s = store();
    ask(&s, &get("/render?target=a.*&format=json"));
    ask(
        &s,
        &get("/render?target=a.*&format=json&from=-1h&until=-2h"),
    );
    ask(
        &s,
        &get("/render?target=a.*&format=json&from=1000&until=2000"),
    );
    ask(
        &s,
        &get("/render?target=a.*&format=json&from=-10min&now=1000000"),
    );
    assert_eq!(
        *s.fetches.borrow(),
        vec![
            ("a.*".to_string(), NOW - 86_400, NOW),
            ("a.*".to_string(), NOW - 7200, NOW - 3600),
            ("a.*".to_string(), 1000, 2000),
            ("a.*".to_string(), 1_000_000 - 600, 1_000_000),
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
    assert!(
        body.contains("\"a.x\"") && body.contains("\"b.y\""),
        "{body}"
    );
}

#[test]
fn render_refusals() {
    expect!("/render?target=a.*&format=json&from=100&until=100" => 400, "Invalid empty time range");
    expect!("/render?target=a.*&format=json&from=garbage" => 400, "'from' parameter: time \"garbage\": unknown day reference");
    expect!("/render?target=a.*&format=json&until=-1x" => 400, "'until' parameter");
    expect!("/render?target=a.*&format=png" => 400, "format \"png\" is not supported yet; supported for now: json");
    expect!("/render?target=a.*&format=csv" => 400, "\"csv\"");
    expect!("/render?target=a.*" => 400, "add format=json");
    expect!("/render?target=sum(a.*)&format=json" => 400, "functions are not supported yet: sum(a.*)");
    expect!("/render?target=a.[x&format=json" => 400, "unclosed [");
    expect!("/render?target=a.*&format=json&jsonp=alert(1)" => 400, "Invalid jsonp callback");
}

#[test]
fn render_without_targets_is_an_empty_list() {
    expect!("/render?format=json" => 200, "[]");
    expect!("/render?format=json&target=%20" => 200, "[]");
}

#[test]
fn render_jsonp_wraps() {
    let reply = route(
        &store(),
        &Health::default(),
        &get("/render?target=a.*&format=json&jsonp=cb"),
        NOW,
    );
    assert_eq!(reply.content_type, "text/javascript");
    let body = String::from_utf8(reply.body).unwrap();
    assert!(
        body.starts_with("cb([{\"target\": \"a.x\"") && body.ends_with("])"),
        "{body}"
    );
}

#[test]
fn render_refuses_too_many_points() {
    let big = FakeStore {
        series: vec![series("big", &vec![1.0; MAX_RENDER_POINTS + 1])],
        ..FakeStore::default()
    };
    let (status, body) = ask(&big, &get("/render?target=big&format=json"));
    assert_eq!(status, 400);
    assert!(body.contains("Too much data"), "{body}");
}

#[test]
fn find_treejson() {
    let reply = route(
        &store(),
        &Health::default(),
        &get("/metrics/find?query=a.*"),
        NOW,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        "[{\"text\": \"b\", \"id\": \"a.b\", \"allowChildren\": 1, \"expandable\": 1, \"leaf\": 0}, \
         {\"text\": \"x\", \"id\": \"a.x\", \"allowChildren\": 0, \"expandable\": 0, \"leaf\": 1}]"
    );
    assert!(reply.headers.contains(&("Pragma", "no-cache".to_string())));
    assert!(reply
        .headers
        .contains(&("Cache-Control", "no-cache".to_string())));
}

#[test]
fn find_variants_and_refusals() {
    expect!("/metrics?query=a.*&format=treejson" => 200, "\"id\": \"a.b\"");
    expect!("/metrics/find/?query=a.*&wildcards=1" => 200, "[{\"text\": \"*\", \"id\": \"a.*\"");
    expect!("/metrics/find" => 400, "Missing required parameter 'query'");
    expect!("/metrics/find?query=" => 400, "Missing required parameter 'query'");
    expect!("/metrics/find?query=a.*&format=completer" => 400, "Invalid value for 'format' parameter");
    expect!("/metrics/find?query=a.*&wildcards=yes" => 400, "'wildcards'");
    expect!("/metrics/find?query=a.{b" => 400, "unclosed {");
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

#[test]
fn unknown_paths_and_methods() {
    expect!("/nope" => 404, "\"/nope\"");
    expect!("/nope" => 404, "/render, /metrics/find");
    let mut req = get("/render");
    req.method = "DELETE".into();
    let reply = route(&store(), &Health::default(), &req, NOW);
    assert_eq!(reply.status, 405);
    assert!(reply.headers.iter().any(|(k, _)| *k == "Allow"));
}
