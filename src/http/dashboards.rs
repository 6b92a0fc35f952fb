//! Saved dashboards: one JSON file per dashboard under `<data dir>/dashboards/`, the URL shapes
//! of graphite-web's dashboard app (`/dashboard/save/NAME`, `/dashboard/load/NAME`,
//! `/dashboard/delete/NAME`) plus `/dashboard/list`, `/dashboard/export/NAME` and
//! `/dashboard/import/NAME`. The state itself is the UI's business: pencil checks only that it is
//! a JSON object of bounded size (and depth, through `json_in`), and stores the bytes as sent.
//!
//! Runs on the HTTP front thread, never on the event loop, so an fsync cannot hold up ingest.
//! Files are written atomically (temp file, fsync, rename, directory fsync), so a crash leaves
//! either the old dashboard or the new one. Names are checked before they touch a path, so no
//! name can leave the directory.

use super::events::{may_write, token_param};
use super::json_in::{self, Json};
use super::params::Params;
use super::{Reply, Request};
use crate::render::json;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Longest dashboard name: enough for `team.service.overview-2026` style names, short enough
/// to stay readable in a URL and a list.
pub(crate) const MAX_NAME_BYTES: usize = 64;
/// Largest saved state. A dashboard of 100 graphs with long targets is about 40 KiB; the limit
/// leaves room for that several times over while one request holds little memory.
pub(crate) const MAX_STATE_BYTES: usize = 256 << 10;
/// Most dashboards kept: listing reads the directory on every request, which stays instant
/// at this size, and nobody scrolls a longer list.
pub(crate) const MAX_DASHBOARDS: usize = 1000;
/// Sub-directory of the data directory that holds the dashboards.
const DIR: &str = "dashboards";

/// Where dashboards live and who may change them.
#[derive(Debug, Clone)]
pub struct Site {
    pub(crate) data_dir: PathBuf,
    pub(crate) write_token: Option<String>,
}

impl Site {
    pub fn new(data_dir: &Path, write_token: Option<String>) -> Site {
        Site {
            data_dir: data_dir.to_path_buf(),
            write_token,
        }
    }

    fn dir(&self) -> PathBuf {
        self.data_dir.join(DIR)
    }
}

/// The action a `/dashboard/...` API path names.
#[derive(Debug, PartialEq, Eq)]
enum Action<'a> {
    List,
    Save(&'a str),
    Import(&'a str),
    Load(&'a str),
    Export(&'a str),
    Delete(&'a str),
}

/// Words that are API actions, so they can never be dashboard names shown at `/dashboard/NAME`.
pub(crate) const RESERVED: [&str; 6] = ["list", "save", "import", "load", "export", "delete"];

fn action(path: &str) -> Option<Action<'_>> {
    let rest = path.strip_prefix("/dashboard/")?.trim_end_matches('/');
    if rest == "list" {
        return Some(Action::List);
    }
    let (verb, name) = rest.split_once('/')?;
    Some(match verb {
        "save" => Action::Save(name),
        "import" => Action::Import(name),
        "load" => Action::Load(name),
        "export" => Action::Export(name),
        "delete" => Action::Delete(name),
        _ => return None,
    })
}

/// Answers a dashboard API path; `None` for any other path.
pub(crate) fn handle(site: &Site, req: &Request) -> Option<Reply> {
    let action = action(&req.path)?;
    let writes = matches!(
        action,
        Action::Save(_) | Action::Import(_) | Action::Delete(_)
    );
    let method = req.method.as_str();
    if writes && method != "POST" {
        return Some(not_allowed(req, "POST"));
    }
    if !writes && !matches!(method, "GET" | "HEAD") {
        return Some(not_allowed(req, "GET, HEAD"));
    }
    if writes {
        let token = token_param(&req.params);
        if let Err(message) = may_write(req.peer, token, site.write_token.as_deref()) {
            return Some(Reply::json_error(403, &message));
        }
    }
    let outcome = match action {
        Action::List => list(&site.dir()).map(|names| list_reply(&names)),
        Action::Save(name) => save(site, name, state_of(req), true).map(|()| success()),
        Action::Import(name) => save(site, name, state_of(req), false).map(|()| success()),
        Action::Load(name) => load(&site.dir(), name).map(|state| {
            let mut body = b"{\"state\": ".to_vec();
            body.extend_from_slice(&state);
            body.push(b'}');
            Reply::json(body)
        }),
        Action::Export(name) => load(&site.dir(), name).map(|state| {
            let mut reply = Reply::json(state);
            reply.headers.push((
                "Content-Disposition",
                format!("attachment; filename=\"pencil-dashboard-{name}.json\""),
            ));
            reply
        }),
        Action::Delete(name) => delete(&site.dir(), name).map(|()| success()),
    };
    Some(outcome.unwrap_or_else(|e| Reply::json_error(e.status, &e.message)))
}

/// A failed dashboard request: the status and a message for the user.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DashboardError {
    pub status: u16,
    pub message: String,
}

fn fail(status: u16, message: impl Into<String>) -> DashboardError {
    DashboardError {
        status,
        message: message.into(),
    }
}

fn io_fail(what: &str, path: &Path, e: io::Error) -> DashboardError {
    fail(500, format!("cannot {what} {}: {e}", path.display()))
}

/// Checks a dashboard name: letters, digits, `-`, `_` and inner dots, so it is one plain file
/// name and one URL segment, never `..`, a slash or a hidden file.
pub(crate) fn check_name(name: &str) -> Result<(), DashboardError> {
    let ok_bytes = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if name.is_empty() || name.len() > MAX_NAME_BYTES || !ok_bytes {
        return Err(fail(
            400,
            format!(
                "invalid dashboard name {name:?}: use 1 to {MAX_NAME_BYTES} letters, digits, \
                 '-', '_' or '.'"
            ),
        ));
    }
    if name.starts_with('.') || name.ends_with('.') || name.contains("..") {
        return Err(fail(
            400,
            format!("invalid dashboard name {name:?}: dots only between other characters"),
        ));
    }
    if RESERVED.contains(&name) {
        return Err(fail(
            400,
            format!("invalid dashboard name {name:?}: it is one of pencil's dashboard actions"),
        ));
    }
    Ok(())
}

/// The state sent: the `state` form field (graphite-web's way) or else the raw body (JSON).
fn state_of(req: &Request) -> &[u8] {
    match Params(&req.params).get("state") {
        Some(state) => state.as_bytes(),
        None => &req.body,
    }
}

fn save(site: &Site, name: &str, state: &[u8], overwrite: bool) -> Result<(), DashboardError> {
    check_name(name)?;
    if state.len() > MAX_STATE_BYTES {
        return Err(fail(
            413,
            format!(
                "dashboard {name:?} is {} bytes; pencil keeps at most {MAX_STATE_BYTES}",
                state.len()
            ),
        ));
    }
    match json_in::parse(state) {
        Ok(Json::Object(_)) => {}
        Ok(other) => {
            return Err(fail(
                400,
                format!(
                    "dashboard {name:?} is not valid: a dashboard is a JSON object, not {}",
                    other.kind()
                ),
            ))
        }
        Err(e) => return Err(fail(400, format!("dashboard {name:?} is not valid: {e}"))),
    }
    let dir = site.dir();
    std::fs::create_dir_all(&dir).map_err(|e| io_fail("create", &dir, e))?;
    let path = dir.join(format!("{name}.json"));
    let exists = path.exists();
    if exists && !overwrite {
        return Err(fail(
            409,
            format!(
                "a dashboard named {name:?} exists already: delete it or import under another name"
            ),
        ));
    }
    if !exists && list(&dir)?.len() >= MAX_DASHBOARDS {
        return Err(fail(
            507,
            format!("pencil keeps at most {MAX_DASHBOARDS} dashboards: delete one first"),
        ));
    }
    write_atomically(&dir, &path, state).map_err(|e| io_fail("write", &path, e))
}

/// Temp file, fsync, rename over the old file, fsync the directory: a crash at any point
/// leaves the old dashboard or the new one, never half of one.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    // Unique per write, so two saves racing on front threads never share a temp file.
    let tmp = dir.join(format!(
        ".save-{}-{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    std::fs::File::open(dir)?.sync_all()
}

fn load(dir: &Path, name: &str) -> Result<Vec<u8>, DashboardError> {
    check_name(name)?;
    let path = dir.join(format!("{name}.json"));
    match std::fs::read(&path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(not_found(name)),
        Err(e) => Err(io_fail("read", &path, e)),
    }
}

fn delete(dir: &Path, name: &str) -> Result<(), DashboardError> {
    check_name(name)?;
    let path = dir.join(format!("{name}.json"));
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(not_found(name)),
        Err(e) => Err(io_fail("delete", &path, e)),
    }
}

/// Names of the saved dashboards, sorted; files that are not `<valid name>.json` are skipped.
fn list(dir: &Path) -> Result<Vec<String>, DashboardError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_fail("list", dir, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| {
            let file = entry.ok()?.file_name().into_string().ok()?;
            let name = file.strip_suffix(".json")?;
            check_name(name).ok()?;
            Some(name.to_string())
        })
        .collect();
    names.sort();
    Ok(names)
}

fn list_reply(names: &[String]) -> Reply {
    let mut body = b"{\"dashboards\": [".to_vec();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            body.extend_from_slice(b", ");
        }
        body.extend_from_slice(b"{\"name\": ");
        json::write_str(name, &mut body);
        body.push(b'}');
    }
    body.extend_from_slice(b"]}");
    Reply::json(body)
}

fn not_found(name: &str) -> DashboardError {
    fail(404, format!("no dashboard named {name:?}"))
}

fn success() -> Reply {
    Reply::json(b"{\"success\": true}".to_vec())
}

fn not_allowed(req: &Request, allow: &'static str) -> Reply {
    let mut reply = Reply::json_error(
        405,
        &format!(
            "method {} is not allowed on {}: use {allow}",
            req.method, req.path
        ),
    );
    reply.headers.push(("Allow", allow.to_string()));
    reply
}

#[cfg(test)]
#[path = "dashboards_tests.rs"]
mod tests;
