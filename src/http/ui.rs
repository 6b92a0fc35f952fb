//! pencil's own web UI: the page at `/` and `/dashboard/NAME`, its scripts and style sheet
//! (compiled into the binary from `ui/`, so it works on an air-gapped network), and the hand-off
//! to the dashboard store ([`super::dashboards`]). Answered on the HTTP front thread: nothing
//! here needs the event loop or the metric store. The page talks to pencil only through the
//! public Graphite API (`/metrics/find`, `/functions`, `/render`) and the dashboard endpoints.

use super::dashboards::{self, Site};
use super::{Reply, Request};

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const DASHBOARD_JS: &str = include_str!("ui/dashboard.js");
const STYLE_CSS: &str = include_str!("ui/style.css");

/// Only our own files may run or style the page, and images only from pencil itself: a metric
/// name that slipped into markup still could not load a script or call out to another host.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'";

/// Answers the UI's paths and the dashboard API; `None` sends the request on to the loop.
pub fn handle(site: &Site, req: &Request) -> Option<Reply> {
    if let Some(reply) = dashboards::handle(site, req) {
        return Some(reply);
    }
    let (content_type, body) = match req.path.as_str() {
        "/" | "/index.html" | "/dashboard" | "/dashboard/" => {
            ("text/html; charset=utf-8", INDEX_HTML)
        }
        "/ui/app.js" => ("text/javascript; charset=utf-8", APP_JS),
        "/ui/dashboard.js" => ("text/javascript; charset=utf-8", DASHBOARD_JS),
        "/ui/style.css" => ("text/css; charset=utf-8", STYLE_CSS),
        path => {
            let name = path.strip_prefix("/dashboard/")?;
            if let Err(e) = dashboards::check_name(name) {
                return Some(Reply::text(e.status, e.message));
            }
            // The page finds its dashboard in its own URL and loads it through the API.
            ("text/html; charset=utf-8", INDEX_HTML)
        }
    };
    if !matches!(req.method.as_str(), "GET" | "HEAD") {
        return Some(Reply::method_not_allowed(req, "GET", "GET, HEAD"));
    }
    Some(Reply {
        status: 200,
        content_type,
        // no-cache: a browser revalidates, so an upgraded pencil never runs yesterday's script.
        headers: vec![
            ("Content-Security-Policy", CSP.to_string()),
            ("X-Content-Type-Options", "nosniff".to_string()),
            ("Referrer-Policy", "no-referrer".to_string()),
            ("Cache-Control", "no-cache".to_string()),
        ],
        body: body.as_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn get(path: &str) -> Option<Reply> {
        let site = Site::new(Path::new("/nonexistent-pencil-ui-test"), None);
        handle(&site, &crate::http::routes::tests::get(path))
    }

    macro_rules! serves {
        ($($path:expr => $status:expr, $type:expr;)*) => {$(
            let reply = get($path).expect($path);
            assert_eq!((reply.status, reply.content_type), ($status, $type), "{}", $path);
        )*};
    }

    #[test]
    fn pages_and_assets() {
        serves! {
            "/" => 200, "text/html; charset=utf-8";
            "/dashboard/ops.web" => 200, "text/html; charset=utf-8";
            "/ui/app.js" => 200, "text/javascript; charset=utf-8";
            "/ui/style.css" => 200, "text/css; charset=utf-8";
            "/dashboard/a..b" => 400, "text/plain; charset=utf-8";
            "/dashboard/list" => 200, "application/json";
        }
        assert!(get("/render").is_none());
        assert!(get("/ui/other.js").is_none());
        let page = get("/").expect("index");
        assert!(page
            .headers
            .iter()
            .any(|(k, v)| *k == "Content-Security-Policy" && v.contains("script-src 'self'")));
    }

    #[test]
    fn assets_are_self_contained() {
        // Air-gapped networks: nothing may point at another host.
        for text in [INDEX_HTML, APP_JS, DASHBOARD_JS, STYLE_CSS] {
            assert!(!text.contains("http://") && !text.contains("https://"));
            assert!(
                !text.contains("innerHTML"),
                "data must never be parsed as markup"
            );
        }
    }
}
