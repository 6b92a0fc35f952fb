//! Tests of the metadata and tag endpoints against the fake store of `tests.rs`; expected
//! bodies were compared with the reference graphite-web 1.1.8.

use super::tests::{answers, ask, get, reply, store};

const BRANCH: &str = r#""allowChildren": 1, "expandable": 1, "leaf": 0}"#;
const LEAF: &str = r#""allowChildren": 0, "expandable": 0, "leaf": 1}"#;

#[test]
fn find_treejson_with_no_cache_headers() {
    let r = reply(&get("/metrics/find?query=a.*"));
    assert_eq!(
        (r.status, r.content_type),
        (200, "application/json;charset=utf-8")
    );
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        format!(r#"[{{"text": "b", "id": "a.b", {BRANCH}, {{"text": "x", "id": "a.x", {LEAF}]"#)
    );
    assert!(r.headers.contains(&("Pragma", "no-cache".to_string())));
    assert!(r
        .headers
        .contains(&("Cache-Control", "no-cache".to_string())));
}

#[test]
fn find_variants() {
    answers!("/metrics?query=a.*&format=treejson" => 200, "\"id\": \"a.b\"");
    answers!("/metrics/?query=a.*" => 200, "\"id\": \"a.b\"");
    answers!("/metrics/find/?query=a.*&wildcards=1" => 200, "[{\"text\": \"*\", \"id\": \"a.*\"");
    answers!("/metrics/find?query=a.*&leavesOnly=1" => 200, == format!(r#"[{{"text": "x", "id": "a.x", {LEAF}]"#));
    answers!("/metrics/find?query=a.*&from=-1h&until=now&from=-1" => 200, "\"a.b\"");
    answers!("/metrics/find?query=a.*&format=completer" => 200,
        == r#"{"metrics": [{"path": "a.b.", "name": "b", "is_leaf": "0"}, {"path": "a.x", "name": "x", "is_leaf": "1"}]}"#);
    // The completer appends `*` and turns `..` into `*.`.
    answers!("/metrics/find?query=a.&format=completer" => 200, "\"a.b.\"");
    answers!("/metrics/find?query=a..&format=completer" => 200, "{\"path\": \"a.x\", \"name\": \"x\"");
    answers!("/metrics/find?query=a.b.&format=completer" => 200, == r#"{"metrics": [{"path": "a.b.c", "name": "c", "is_leaf": "1"}]}"#);
    answers!("/metrics/find?query=a.*&format=completer&wildcards=1" => 200, r#", {"name": "*"}]}"#);
    answers!("/metrics/find?query=a.*&format=json" => 200,
        == r#"[{"path": "a.b", "is_leaf": false}, {"path": "a.x", "is_leaf": true, "intervals": [{"start": 1599913600.0, "end": 1600000000.0}]}]"#);
    answers!("/metrics/find?query=*.*&format=nodelist&position=0" => 200, == r#"{"nodes": ["a", "b"]}"#);
    answers!("/metrics/find?query=*.*&format=nodelist" => 200, == r#"{"nodes": ["a", "b", "x", "y"]}"#);
    answers!("/metrics/find?query=a.*&jsonp=cb" => 200, "cb([{\"text\": \"b\"");
    answers!("/metrics/find?query=a.x&pretty=1" => 200, "[\n  {\n    \"text\": \"x\",\n");
}

#[test]
fn find_refusals() {
    answers!("/metrics/find" => 400, == "Invalid parameters (Missing required parameter 'query')\n");
    answers!("/metrics/find?query=" => 400, == "Invalid parameters (Required parameter 'query' is empty)\n");
    answers!("/metrics/find?query=a.*&format=xml" => 400, "Invalid value for 'format' parameter: 'xml'");
    answers!("/metrics/find?query=a.*&format=pickle" => 400, "pickle is not supported by pencil");
    answers!("/metrics/find?query=a.*&wildcards=yes" => 400,
        == "Invalid parameters (Invalid int value 'yes' for param wildcards: invalid literal for int() with base 10: 'yes')\n");
    answers!("/metrics/find?query=a.*&leavesOnly=x" => 400, "param leavesOnly");
    answers!("/metrics/find?query=a.*&from=garbage" => 400, "Invalid parameters (Invalid value 'garbage' for param from: ");
    answers!("/metrics/find?query=a.*&format=nodelist&position=5" => 400, "position 5");
    answers!("/metrics/find?query=a.{b" => 400, "unclosed bracket");
}

#[test]
fn expand_merged_or_grouped() {
    let r = reply(&get("/metrics/expand?query=b.*&query=a.*"));
    assert_eq!(r.status, 200);
    assert!(r.headers.contains(&("Pragma", "no-cache".to_string())));
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        r#"{"results": ["a.b", "a.x", "b.a", "b.y"]}"#
    );
    answers!("/metrics/expand?query=b.*&query=a.*&groupByExpr=1" => 200,
        == r#"{"results": {"b.*": ["b.a", "b.y"], "a.*": ["a.b", "a.x"]}}"#);
    answers!("/metrics/expand?query=a.*&query=a.*&leavesOnly=1" => 200, == r#"{"results": ["a.x"]}"#);
    answers!("/metrics/expand" => 200, == r#"{"results": []}"#);
    // Tagged series are reached through the tag API, not the tree.
    answers!("/metrics/expand?query=*" => 200, == r#"{"results": []}"#);
    answers!("/metrics/find?query=*" => 200, == "[]");
    answers!("/metrics/expand?query=a.*&jsonp=f" => 200, == r#"f({"results": ["a.b", "a.x"]})"#);
    answers!("/metrics/expand?query=a.*&groupByExpr=x" => 400, "invalid literal for int()");
    answers!("/metrics/expand?query=a[" => 400, "unclosed bracket");
}

#[test]
fn index_json_lists_sorted_names() {
    answers!("/metrics/index.json" => 200,
        == r#"["a.x", "b.a", "b.y", "t;dc=d1;role=web", "u;dc=d2"]"#);
    let r = reply(&get("/metrics/index.json?jsonp=cb"));
    assert_eq!(r.content_type, "text/javascript;charset=utf-8");
    assert!(r.body.starts_with(b"cb([\"a.x\""));
}

#[test]
fn version_is_a_graphite_release() {
    let r = reply(&get("/version"));
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "text/html; charset=utf-8");
    assert_eq!(r.body, b"1.1.10\n");
    answers!("/version/" => 200, == "1.1.10\n");
}

#[test]
fn auto_complete_tags() {
    answers!("/tags/autoComplete/tags" => 200, == r#"["dc", "name", "role"]"#);
    answers!("/tags/autoComplete/tags?tagPrefix=r" => 200, == r#"["role"]"#);
    answers!("/tags/autoComplete/tags?limit=2" => 200, == r#"["dc", "name"]"#);
    // Tags named by the expressions are left out.
    answers!("/tags/autoComplete/tags?expr=dc=d1" => 200, == r#"["name", "role"]"#);
    answers!("/tags/autoComplete/tags?expr[]=dc=~d&expr=name!=u" => 200, == r#"["role"]"#);
    answers!("/tags/autoComplete/tags?expr=name=a.x" => 200, == "[]");
    answers!("/tags/autoComplete/tags?pretty=1" => 200, == "[\n  \"dc\",\n  \"name\",\n  \"role\"\n]");
}

#[test]
fn auto_complete_values() {
    answers!("/tags/autoComplete/values?tag=dc" => 200, == r#"["d1", "d2"]"#);
    answers!("/tags/autoComplete/values?tag=name&valuePrefix=b" => 200, == r#"["b.a", "b.y"]"#);
    answers!("/tags/autoComplete/values?tag=dc&expr=role=web" => 200, == r#"["d1"]"#);
    answers!("/tags/autoComplete/values?tag=role&expr=dc=~d" => 200, == r#"["web"]"#);
    answers!("/tags/autoComplete/values?tag=name&limit=1" => 200, == r#"["a.x"]"#);
    answers!("/tags/autoComplete/values?tag=nope" => 200, == "[]");
}

#[test]
fn auto_complete_errors_are_json() {
    let r = reply(&get("/tags/autoComplete/values?expr=dc=d1"));
    assert_eq!((r.status, r.content_type), (400, "application/json"));
    assert_eq!(r.body, br#"{"error": "no tag specified"}"#);
    answers!("/tags/autoComplete/values?tag=dc&limit=x" => 400,
        == r#"{"error": "invalid literal for int() with base 10: 'x'"}"#);
    answers!("/tags/autoComplete/tags?expr=a=" => 400,
        == r#"{"error": "At least one tagspec must not match the empty string"}"#);
    let (status, body) = ask(&store(), &get("/tags/autoComplete/tags?expr=bad"));
    assert_eq!(status, 400);
    assert!(
        body.starts_with(r#"{"error": "#) && body.contains("bad"),
        "{body}"
    );
}
