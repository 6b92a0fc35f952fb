//! The route table: which path is answered by which handler, the 404 and 405 answers, and what
//! routing needs from the store ([`MetricSource`]). Handlers live by role in `routes_render.rs`
//! (`/render`), `routes_meta.rs` (`/metrics/*`, `/version`, `/health`) and `routes_tags.rs`
//! (`/tags/autoComplete/*`); `/functions` is answered by `functions.rs` and the writing
//! `/events/` endpoints by `events.rs` before the table is consulted. No sockets here: a `Request` in, a `Reply` out; the store is only
//! read.

use super::{Health, Reply, Request};
use crate::query::Source;
use crate::store::{FindNode, GlobError, Store};

/// What the handlers read from the store beyond evaluation's [`Source`]. `Store` implements
/// it, the tests use a fake.
pub(crate) trait MetricSource: Source {
    /// Branches and leaves matching the glob, sorted by path.
    fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError>;
    /// Seconds of history the metric keeps (whisper's maxRetention), `None` if unknown.
    fn max_retention(&self, name: &str) -> Option<i64>;
}

impl MetricSource for Store {
    fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        Store::find(self, pattern)
    }
    fn max_retention(&self, name: &str) -> Option<i64> {
        Store::max_retention(self, name)
    }
}

/// Everything a handler may look at for one request.
pub(crate) struct Ask<'a> {
    pub(crate) source: &'a dyn MetricSource,
    pub(crate) health: &'a Health,
    pub(crate) req: &'a Request,
    pub(crate) now: i64,
}

impl Ask<'_> {
    pub(crate) fn params(&self) -> super::params::Params<'_> {
        super::params::Params(&self.req.params)
    }
}

/// A handler answers with a reply either way; `Err` is for early returns of error replies.
type Handler = fn(&Ask) -> Result<Reply, Reply>;

/// Paths without their trailing slash (`/render/` is `/render`), one line per endpoint.
const ROUTES: &[(&str, Handler)] = &[
    ("/render", super::routes_render::render),
    ("/metrics/find", super::routes_meta::find),
    ("/metrics", super::routes_meta::find),
    ("/metrics/expand", super::routes_meta::expand),
    ("/metrics/index.json", super::routes_meta::index_json),
    ("/version", super::routes_meta::version),
    (
        "/tags/autoComplete/tags",
        super::routes_tags::auto_complete_tags,
    ),
    (
        "/tags/autoComplete/values",
        super::routes_tags::auto_complete_values,
    ),
    ("/health", super::routes_meta::health),
];

/// Answers one request. Pure apart from reading the store (and the zoneinfo for `tz=`).
pub fn handle(store: &Store, health: &Health, req: &Request, now: i64) -> Reply {
    route(store, health, req, now)
}

pub(crate) fn route(source: &dyn MetricSource, health: &Health, req: &Request, now: i64) -> Reply {
    // `/functions` and `/functions/<name>` (GET only) answer from the function registry.
    if let Some(reply) = super::functions::handle(req) {
        return reply;
    }
    let path = match req.path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => req.path.as_str(),
    };
    let Some(&(_, handler)) = ROUTES.iter().find(|(p, _)| *p == path) else {
        return not_found(&req.path);
    };
    if !matches!(req.method.as_str(), "GET" | "POST" | "HEAD") {
        return Reply::method_not_allowed(req, "GET or POST", "GET, POST, HEAD");
    }
    let ask = Ask {
        source,
        health,
        req,
        now,
    };
    handler(&ask).unwrap_or_else(|error| error)
}

fn not_found(path: &str) -> Reply {
    let mut known: Vec<&str> = ROUTES.iter().map(|(p, _)| *p).collect();
    known.dedup();
    Reply::text(
        404,
        format!(
            "Not found: {path:?}. pencil answers {}, /functions (each also with a trailing \
             slash) and /events/.",
            known.join(", ")
        ),
    )
}

#[cfg(test)]
mod ints_tests;
#[cfg(test)]
mod meta_tests;
#[cfg(test)]
pub(crate) mod tests;
