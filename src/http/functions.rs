//! `/functions`, `/functions/` and `/functions/<name>` (graphite.md 4.6): GET only, the JSON
//! itself comes from `query::metadata`. Holds no logic beyond picking the view and the method
//! check.

use super::{Reply, Request};
use crate::query::metadata;

/// The answer for a path under `/functions`, or `None` when the path is not one of ours.
pub(crate) fn handle(req: &Request) -> Option<Reply> {
    let name = match req.path.as_str() {
        "/functions" | "/functions/" => None,
        // Everything after the slash is the name, as in graphite-web: `/functions/color/`
        // answers "Function not found: color/".
        path => Some(path.strip_prefix("/functions/")?),
    };
    if req.method != "GET" {
        return Some(Reply::method_not_allowed(req, "GET", "GET"));
    }
    let answer = match name {
        None => metadata::function_list(&req.params),
        Some(name) => metadata::function_details(name, &req.params),
    };
    Some(Reply {
        status: answer.status,
        ..Reply::json(answer.body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, params: &[(&str, &str)]) -> Request {
        Request {
            method: method.to_string(),
            path: path.to_string(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            peer: None,
        }
    }

    fn status(method: &str, path: &str, params: &[(&str, &str)]) -> Option<u16> {
        handle(&request(method, path, params)).map(|r| r.status)
    }

    #[test]
    fn routes_and_methods() {
        assert_eq!(status("GET", "/functions", &[]), Some(200));
        assert_eq!(status("GET", "/functions/", &[]), Some(200));
        assert_eq!(status("GET", "/functions/color", &[]), Some(200));
        assert_eq!(status("GET", "/functions/color/", &[]), Some(404));
        assert_eq!(status("GET", "/functions/noSuchFunction", &[]), Some(404));
        assert_eq!(status("GET", "/functions", &[("type", "pie")]), Some(200));
        assert_eq!(status("POST", "/functions", &[]), Some(405));
        assert_eq!(status("HEAD", "/functions/color", &[]), Some(405));
        assert_eq!(status("GET", "/functionsx", &[]), None);
        assert_eq!(status("GET", "/functions/a/b", &[]), Some(404));
        assert_eq!(status("GET", "/render", &[]), None);
    }

    #[test]
    fn answers_json() {
        let reply = handle(&request("GET", "/functions/color", &[])).unwrap();
        assert_eq!(reply.content_type, "application/json");
        let body = String::from_utf8(reply.body).unwrap();
        assert!(
            body.starts_with("{\"name\": \"color\", \"function\": \"color(seriesList, theColor)\""),
            "{body}"
        );
        let reply = handle(&request("GET", "/functions/nope", &[])).unwrap();
        assert_eq!(reply.body, b"{\"error\": \"Function not found: nope\"}");
    }
}
