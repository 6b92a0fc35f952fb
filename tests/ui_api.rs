//! The web UI's server side against the real binary: the embedded pages and assets, and the
//! dashboard endpoints (save, list, load, export, import, delete) across a restart, with the
//! checks that keep a name from leaving the data directory.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;

/// The raw response head and body, for the headers the helpers in `common` leave out.
fn raw_get(p: &Pencil, path: &str) -> String {
    let mut s = TcpStream::connect(p.http).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn pages_and_assets_are_served_from_the_binary() {
    let dir = TempDir::new("ui-pages");
    let p = start(dir.path(), &[]);
    for path in ["/", "/dashboard/", "/dashboard/ops.web"] {
        let (status, body) = p.get(path);
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("<script src=\"/ui/app.js\""), "{path}");
    }
    let head = raw_get(&p, "/");
    assert!(head.contains("Content-Security-Policy: default-src 'none'; script-src 'self'"));
    let (status, js) = p.get("/ui/app.js");
    assert_eq!(status, 200);
    assert!(js.contains("/metrics/find"));
    assert_eq!(p.get("/ui/style.css").0, 200);
    assert_eq!(p.get("/ui/dashboard.js").0, 200);
    assert_eq!(p.get("/dashboard/..%2Fstore").0, 400);
    // Everything else still reaches the Graphite API.
    assert_eq!(p.get("/metrics/find?query=*").0, 200);
    p.stop();
}

#[test]
fn dashboards_survive_a_restart() {
    let dir = TempDir::new("ui-dash");
    let state =
        r#"{"version": 1, "name": "ops", "graphs": [{"title": "<b>x</b>", "targets": ["a.b"]}]}"#;
    let p = start(dir.path(), &[]);
    assert_eq!(json(&p.get("/dashboard/list").1)["dashboards"], json("[]"));
    let (status, body) = p.post_form(
        "/dashboard/save/ops",
        &format!("state={}", urlencode(state)),
    );
    assert_eq!((status, json(&body)), (200, json(r#"{"success": true}"#)));
    // A raw JSON body works too (what the UI sends).
    assert_eq!(
        p.post_form("/dashboard/save/web", "{\"graphs\": [1, 2]}").0,
        200
    );
    p.stop();

    let p = start(dir.path(), &[]);
    let listed = json(&p.get("/dashboard/list").1);
    assert_eq!(
        listed,
        json(r#"{"dashboards": [{"name": "ops"}, {"name": "web"}]}"#)
    );
    let (status, body) = p.get("/dashboard/load/ops");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["state"], json(state));
    let (status, exported) = p.get("/dashboard/export/ops");
    assert_eq!((status, json(&exported)), (200, json(state)));
    assert!(raw_get(&p, "/dashboard/export/ops")
        .contains("Content-Disposition: attachment; filename=\"pencil-dashboard-ops.json\""));

    // Import refuses to overwrite; save replaces.
    assert_eq!(p.post_form("/dashboard/import/ops", &exported).0, 409);
    assert_eq!(p.post_form("/dashboard/import/ops-copy", &exported).0, 200);
    assert_eq!(p.post_form("/dashboard/save/ops", "{}").0, 200);
    assert_eq!(json(&p.get("/dashboard/load/ops").1)["state"], json("{}"));

    assert_eq!(p.post_form("/dashboard/delete/web", "").0, 200);
    let (status, body) = p.get("/dashboard/load/web");
    assert_eq!(status, 404);
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("no dashboard named"));
    p.stop();
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("dashboards"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["ops-copy.json", "ops.json"]);
}

#[test]
fn bad_names_bodies_and_methods_are_refused() {
    let dir = TempDir::new("ui-bad");
    let p = start(dir.path(), &["--write-token", "s3cret"]);
    for name in ["..", "..%2F..%2Fetc%2Fpasswd", ".hidden", "a%20b", "save"] {
        let (status, body) = p.post_form(&format!("/dashboard/save/{name}"), "{}");
        assert_eq!(status, 400, "{name}: {body}");
        assert!(json(&body)["error"]
            .as_str()
            .unwrap()
            .contains("invalid dashboard name"));
    }
    let (status, body) = p.post_form("/dashboard/save/ops", "{\"a\": }");
    assert_eq!(status, 400);
    assert!(body.contains("not valid"), "{body}");
    assert_eq!(p.get("/dashboard/save/ops").0, 405);
    assert_eq!(p.post_form("/dashboard/list", "").0, 405);
    assert_eq!(p.get("/dashboard/load/ops").0, 404);
    p.stop();
    assert!(!dir.path().join("etc").exists());
}
