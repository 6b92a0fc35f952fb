//! The events endpoints against graphite-web 1.1.8's answers (shapes captured from the
//! reference instance), and the write-access rule.

use super::*;
use crate::config::StoreConfig;
use crate::http::routes::tests::request;
use std::net::SocketAddr;

const NOW: i64 = 1_796_183_281;

fn store() -> Store {
    Store::new(&StoreConfig {
        memory: 1 << 20,
        schemas: Vec::new(),
        aggregation: Vec::new(),
        future_tolerance: 600,
        strict_last_wins: false,
    })
    .expect("fits")
}

fn peer(addr: &str) -> Option<SocketAddr> {
    Some(addr.parse().expect("test address"))
}

fn ask(s: &mut Store, req: &Request, token: Option<&str>) -> (u16, String) {
    let reply = handle_events(s, req, NOW, token).expect("an events path");
    (reply.status, String::from_utf8(reply.body).expect("utf-8"))
}

fn post(s: &mut Store, body: &str) -> (u16, String) {
    ask(
        s,
        &request("POST", "/events/", body, peer("127.0.0.1:5000")),
        None,
    )
}

fn get(s: &mut Store, path: &str) -> (u16, String) {
    ask(s, &request("GET", path, "", peer("10.0.0.9:5000")), None)
}

/// The events posted to the reference in the same order.
fn reference_events(s: &mut Store) {
    for body in [
        r#"{"what":"deploy","tags":["evt","a"],"data":"x","when":1796183275}"#,
        r#"{"what":"deploy2","tags":"evt b","when":1600000000}"#,
        r#"{"what":"t5","tags":"evt,comma  spaces","when":1600000100.7}"#,
        r#"{"what":"t8","tags":"evt","data":5,"when":1796183281}"#,
        r#"{"what":"t10","tags":"EVT Mixed"}"#,
        r#"{"what":"t11","tags":[]}"#,
    ] {
        assert_eq!(post(s, body), (200, String::new()), "{body}");
    }
}

#[test]
fn paths_as_graphite_urls() {
    assert_eq!(endpoint("/events"), Some(Endpoint::List));
    assert_eq!(endpoint("/events/"), Some(Endpoint::List));
    assert_eq!(endpoint("/events/get_data"), Some(Endpoint::GetData));
    assert_eq!(endpoint("/events/get_dat"), Some(Endpoint::GetData));
    assert_eq!(endpoint("/events/12"), Some(Endpoint::Detail("12")));
    assert_eq!(endpoint("/events/12/"), Some(Endpoint::Detail("12")));
    for other in [
        "/eventsx",
        "/events/x",
        "/events//",
        "/events/1/2",
        "/render",
        "/events/get_data/",
    ] {
        assert_eq!(endpoint(other), None, "{other}");
    }
    assert!(handle_events(
        &mut store(),
        &request("GET", "/render", "", None),
        NOW,
        None
    )
    .is_none());
}

macro_rules! write_rule {
    ($peer:expr, $given:expr, $configured:expr => $ok:expr) => {{
        let (given, configured): (Option<&str>, Option<&str>) = ($given, $configured);
        assert_eq!(
            may_write(peer($peer), given, configured).is_ok(),
            $ok,
            "peer {} given {given:?} configured {configured:?}",
            $peer
        )
    }};
}

#[test]
fn writes_need_loopback_or_the_token() {
    write_rule!("127.0.0.1:1", None, None => true);
    write_rule!("127.8.9.10:1", None, None => true);
    write_rule!("[::1]:1", None, None => true);
    write_rule!("[::ffff:127.0.0.1]:1", None, None => true);
    write_rule!("127.0.0.1:1", Some("wrong"), Some("s3cret") => true);
    write_rule!("10.0.0.9:1", None, None => false);
    write_rule!("10.0.0.9:1", Some("s3cret"), None => false);
    write_rule!("10.0.0.9:1", None, Some("s3cret") => false);
    write_rule!("10.0.0.9:1", Some("s3cre"), Some("s3cret") => false);
    write_rule!("10.0.0.9:1", Some("s3crett"), Some("s3cret") => false);
    write_rule!("10.0.0.9:1", Some(""), Some("s3cret") => false);
    write_rule!("10.0.0.9:1", Some("s3cret"), Some("s3cret") => true);
    write_rule!("[2001:db8::1]:1", Some("s3cret"), Some("s3cret") => true);
    assert!(
        may_write(None, None, None).is_err(),
        "an unknown peer is not loopback"
    );
    let msg = may_write(peer("10.0.0.9:1"), None, None).unwrap_err();
    assert!(msg.contains("--write-token"), "{msg}");
}

#[test]
fn remote_posts_are_refused_without_the_token() {
    let mut s = store();
    let body = r#"{"what":"deploy","tags":"a"}"#;
    let remote = peer("10.0.0.9:5000");
    let (status, text) = ask(&mut s, &request("POST", "/events/", body, remote), None);
    assert_eq!(status, 403, "{text}");
    assert!(
        text.starts_with("{\"error\": \"writes are accepted from loopback only"),
        "{text}"
    );
    let (status, _) = ask(
        &mut s,
        &request("POST", "/events/?token=nope", body, remote),
        Some("s3cret"),
    );
    assert_eq!(status, 403);
    assert!(s.events().is_empty());
    let (status, _) = ask(
        &mut s,
        &request("POST", "/events?token=s3cret", body, remote),
        Some("s3cret"),
    );
    assert_eq!(status, 200);
    assert_eq!(s.events().len(), 1);
}

#[test]
fn get_data_matches_the_reference() {
    let mut s = store();
    reference_events(&mut s);
    assert_eq!(
        get(&mut s, "/events/get_data?tags=evt"),
        (200, "[{\"when\": 1600000000, \"what\": \"deploy2\", \"data\": \"\", \"tags\": [\"evt\", \"b\"], \"id\": 2}, \
{\"when\": 1600000100, \"what\": \"t5\", \"data\": \"\", \"tags\": [\"evt,comma\", \"spaces\"], \"id\": 3}, \
{\"when\": 1796183275, \"what\": \"deploy\", \"data\": \"x\", \"tags\": [\"evt\", \"a\"], \"id\": 1}, \
{\"when\": 1796183281, \"what\": \"t8\", \"data\": \"5\", \"tags\": [\"evt\"], \"id\": 4}]".to_string())
    );
    let ids = |s: &mut Store, q: &str| -> String {
        let (status, body) = get(s, &format!("/events/get_data?{q}"));
        assert_eq!(status, 200, "{q}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|e| e["id"].to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(ids(&mut s, ""), "2 3 1 4 5 6");
    assert_eq!(ids(&mut s, "tags="), "");
    assert_eq!(ids(&mut s, "tags=EVT"), "5");
    assert_eq!(ids(&mut s, "tags=mixed"), "");
    assert_eq!(ids(&mut s, "tags=evt%20%20a"), "1");
    // Shown split on whitespace, matched by django-tagging's comma-separated names.
    assert_eq!(ids(&mut s, "tags=evt,comma"), "");
    assert_eq!(ids(&mut s, "tags=spaces"), "");
    assert_eq!(ids(&mut s, "tags=a%20b&set=union"), "2 1");
    assert_eq!(ids(&mut s, "tags=evt%20a&set=intersection"), "1");
    assert_eq!(ids(&mut s, "tags=evt%20zzz&set=intersection"), "");
    assert_eq!(ids(&mut s, "tags=evt&set=bogus"), "2 3 1 4");
    assert_eq!(
        ids(&mut s, "tags=evt&from=1600000050&until=1600000150"),
        "3"
    );
    assert_eq!(ids(&mut s, "tags=evt&until=1600000000"), "2");
    assert_eq!(ids(&mut s, "from=-1min"), "1 4 5 6");
    let (status, body) = get(&mut s, "/events/get_data?tags=b&jsonp=cb");
    assert_eq!((status, body.as_str()), (200, "cb([{\"when\": 1600000000, \"what\": \"deploy2\", \"data\": \"\", \"tags\": [\"evt\", \"b\"], \"id\": 2}])"));
    let (status, body) = get(&mut s, "/events/get_data?jsonp=alert(1)//");
    assert_eq!(status, 400, "{body}");
    let (status, body) = get(&mut s, "/events/get_data?from=teatimex");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Invalid 'from' parameter"), "{body}");
}

#[test]
fn detail_matches_the_reference() {
    let mut s = store();
    reference_events(&mut s);
    let want = "{\"id\": 2, \"when\": \"2020-09-13T12:26:40Z\", \"what\": \"deploy2\", \"data\": \"\", \"tags\": [\"evt\", \"b\"]}";
    assert_eq!(get(&mut s, "/events/2"), (200, want.to_string()));
    assert_eq!(get(&mut s, "/events/2/"), (200, want.to_string()));
    assert_eq!(
        get(&mut s, "/events/2/?pretty=1"),
        (200, "{\n  \"data\": \"\",\n  \"id\": 2,\n  \"tags\": [\n    \"evt\",\n    \"b\"\n  ],\n  \"what\": \"deploy2\",\n  \"when\": \"2020-09-13T12:26:40Z\"\n}".to_string())
    );
    let (_, empty_tags) = get(&mut s, "/events/6?pretty=1");
    assert!(empty_tags.contains("\"tags\": [],"), "{empty_tags}");
    let missing = (
        404,
        "{\"error\": \"Event matching query does not exist\"}".to_string(),
    );
    assert_eq!(get(&mut s, "/events/999"), missing);
    assert_eq!(get(&mut s, "/events/99999999999999999999999"), missing);
}

#[test]
fn iso_times() {
    assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(iso_utc(-1), "1969-12-31T23:59:59Z");
    assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(iso_utc(WHEN_MIN), "0001-01-01T00:00:00Z");
    assert_eq!(iso_utc(WHEN_MAX), "9999-12-31T23:59:59Z");
}

macro_rules! posted {
    ($body:expr => $status:expr, $part:expr) => {{
        let mut s = store();
        let (status, text) = post(&mut s, $body);
        assert_eq!(status, $status, "{}: {text}", $body);
        assert!(text.contains($part), "{}: {text}", $body);
        assert_eq!(s.events().len(), usize::from(status == 200), "{}", $body);
        s
    }};
}

#[test]
fn post_bodies() {
    posted!(r#"{"what":"t1","tags":5}"# => 400, r#"{"error": "\"tags\" must be an array or space-separated string"}"#);
    posted!(r#"{"what":"t2","tags":{"a":1}}"# => 400, "space-separated string");
    posted!(r#"{"what":"t3","tags":["evt",5]}"# => 400, "the array holds a number");
    posted!(r#"{"tags":"evt"}"# => 400, "\\\"what\\\" is required");
    posted!(r#"{"what":5}"# => 400, "\\\"what\\\" must be a string");
    posted!(r#"{"what":"t","when":"1600000200"}"# => 400, "\\\"when\\\" must be a number");
    posted!(r#"{"what":"t","when":null}"# => 400, "not null");
    posted!(r#"{"what":"t","when":1e300}"# => 400, "years 1 to 9999");
    posted!(r#"{"what":"t","when":-99999999999999}"# => 400, "years 1 to 9999");
    posted!(r#"{"what":"t","data":null}"# => 400, "\\\"data\\\" must be a string");
    posted!(r#"{"what":"t","data":{"k":1}}"# => 400, "not an object");
    posted!("notjson" => 400, "the body is not JSON: invalid JSON at byte 0");
    posted!("" => 400, "not JSON");
    posted!("[1]" => 400, "must be a JSON object");
    posted!(r#"{"what":"","tags":null}"# => 200, "");
    let s = posted!(r#"{"what":"w","tags":["a b","c"],"when":-1.5,"data":1.5e20,"extra":[1]}"# => 200, "");
    let e = s.events().iter().next().expect("stored").clone();
    assert_eq!(
        (e.when, e.what.as_str(), e.data.as_str()),
        (-2, "w", "1.5e+20")
    );
    assert_eq!(e.shown_tags().collect::<Vec<_>>(), vec!["a", "b", "c"]);
    let s = posted!(r#"{"what":"w","data":true}"# => 200, "");
    let e = s.events().iter().next().expect("stored").clone();
    assert_eq!(
        (e.when, e.data.as_str(), e.tags.as_str()),
        (NOW, "True", "")
    );
    let big = format!(r#"{{"what":"w","data":"{}"}}"#, "x".repeat(40_000));
    posted!(&big => 400, "event too large");
}

#[test]
fn methods() {
    let mut s = store();
    let (status, text) = get(&mut s, "/events/");
    assert_eq!(status, 501, "{text}");
    assert!(text.contains("/events/get_data"), "{text}");
    let reply = handle_events(
        &mut s,
        &request("DELETE", "/events/get_data", "", None),
        NOW,
        None,
    )
    .expect("events path");
    assert_eq!(reply.status, 405);
    assert!(reply.headers.iter().any(|(k, _)| *k == "Allow"));
    let (status, _) = ask(&mut s, &request("POST", "/events/get_data", "", None), None);
    assert_eq!(
        status, 200,
        "get_data answers any read method, as graphite-web"
    );
}
