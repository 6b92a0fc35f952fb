use super::*;
use crate::http::routes::tests::request;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

macro_rules! name_ok {
    ($($name:expr),* $(,)?) => {$(assert_eq!(check_name($name), Ok(()), "{:?}", $name);)*};
}
macro_rules! name_bad {
    ($($name:expr),* $(,)?) => {$(assert!(check_name($name).is_err(), "{:?}", $name);)*};
}
#[test]
fn names() {
    name_ok![
        "ops",
        "team.web-overview_2",
        "A",
        &"x".repeat(MAX_NAME_BYTES)
    ];
    name_bad!["", "..", ".hidden", "a..b", "a.", "a/b", "../etc", "a b", "é", "a\\b"];
    name_bad!["save", "list", "delete", &"x".repeat(MAX_NAME_BYTES + 1)];
}

#[test]
fn actions() {
    assert_eq!(action("/dashboard/list"), Some(Action::List));
    assert_eq!(action("/dashboard/list/"), Some(Action::List));
    assert_eq!(action("/dashboard/save/ops"), Some(Action::Save("ops")));
    assert_eq!(action("/dashboard/load/ops/"), Some(Action::Load("ops")));
    assert_eq!(action("/dashboard/ops"), None);
    assert_eq!(action("/render"), None);
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn save_load_list_delete_round_trip() {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = Dir(std::env::temp_dir().join(format!(
        "pencil-dash-unit-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )));
    let site = Site::new(&dir.0, None);
    let local = Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9));
    let remote = Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 9));
    let ask = |m: &str, p: &str, b: &str, peer| {
        let reply = handle(&site, &request(m, p, b, peer)).expect("a dashboard path");
        (reply.status, String::from_utf8(reply.body).expect("utf-8"))
    };
    assert_eq!(
        ask("GET", "/dashboard/list", "", remote),
        (200, "{\"dashboards\": []}".into())
    );
    assert_eq!(
        ask("POST", "/dashboard/save/ops", "{\"graphs\": []}", local).0,
        200
    );
    assert_eq!(ask("POST", "/dashboard/save/web", "{}", remote).0, 403);
    assert_eq!(ask("GET", "/dashboard/save/web", "[1]", local).0, 405);
    assert_eq!(ask("POST", "/dashboard/save/web", "{", local).0, 400);
    assert!(ask("POST", "/dashboard/save/web", "[1]", local)
        .1
        .contains("not an array"));
    assert_eq!(ask("POST", "/dashboard/save/..", "{}", local).0, 400);
    assert_eq!(ask("POST", "/dashboard/import/ops", "{}", local).0, 409);
    assert_eq!(ask("POST", "/dashboard/import/b", "{}", local).0, 200);
    let big = format!("{{\"a\": \"{}\"}}", "x".repeat(MAX_STATE_BYTES));
    assert_eq!(ask("POST", "/dashboard/save/big", &big, local).0, 413);
    assert_eq!(
        ask("GET", "/dashboard/list", "", remote).1,
        "{\"dashboards\": [{\"name\": \"b\"}, {\"name\": \"ops\"}]}"
    );
    assert_eq!(
        ask("GET", "/dashboard/load/ops", "", remote),
        (200, "{\"state\": {\"graphs\": []}}".into())
    );
    assert_eq!(
        ask("GET", "/dashboard/export/ops", "", remote).1,
        "{\"graphs\": []}"
    );
    assert_eq!(ask("GET", "/dashboard/load/nope", "", remote).0, 404);
    assert_eq!(ask("POST", "/dashboard/delete/ops", "", local).0, 200);
    assert_eq!(ask("POST", "/dashboard/delete/ops", "", local).0, 404);
    let leftovers: Vec<_> = std::fs::read_dir(dir.0.join(DIR))
        .expect("the dashboards directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    assert_eq!(
        leftovers,
        vec!["b.json".to_string()],
        "no temp files left behind"
    );
}
