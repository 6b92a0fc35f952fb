//! `/tags/autoComplete/tags` and `/tags/autoComplete/values` (graphite.md 4.7): tag names and
//! values for Grafana's tag editor, computed from the stored names. Like graphite's tag
//! database pencil treats every series as tagged (`name` is a tag, so untagged metrics have
//! just that one). Answers and errors are graphite-web's `jsonResponse` shapes: a JSON array, or
//! `{"error": "..."}` with a 400.

use super::params::Params;
use super::routes::Ask;
use super::routes_meta::write_str_list;
use super::Reply;
use crate::query::functions::TagTerm;
use crate::render::json;
use crate::series::tags_of;
use std::collections::BTreeSet;

/// graphite-web's TAGDB_AUTOCOMPLETE_LIMIT, used when no `limit` is given.
const DEFAULT_LIMIT: i64 = 100;

/// Tag names of the series matching every `expr` (all series without one), minus the tags the
/// expressions already name, filtered by `tagPrefix`, sorted, at most `limit`.
pub(crate) fn auto_complete_tags(ask: &Ask) -> Result<Reply, Reply> {
    let p = ask.params();
    let exprs: Vec<&str> = p.list("expr").collect();
    let prefix = p.get("tagPrefix").unwrap_or("");
    let limit = limit_of(p)?;
    let terms = parse_terms(&exprs)?;
    let mut found = BTreeSet::new();
    for name in ask.source.names() {
        let tags = tags_of(&name);
        if !matches_all(&terms, &tags) {
            continue;
        }
        for tag in tags.into_keys() {
            if tag.starts_with(prefix) && !terms.iter().any(|t| t.tag == tag) {
                found.insert(tag);
            }
        }
    }
    Ok(answer(p, found, limit, !exprs.is_empty()))
}

/// Values of `tag` over the series matching every `expr` and having the tag, filtered by
/// `valuePrefix`, sorted, at most `limit`.
pub(crate) fn auto_complete_values(ask: &Ask) -> Result<Reply, Reply> {
    let p = ask.params();
    let exprs: Vec<&str> = p.list("expr").collect();
    let tag = match p.get("tag") {
        Some(t) if !t.is_empty() => t,
        _ => return Err(Reply::json_error(400, "no tag specified")),
    };
    let prefix = p.get("valuePrefix").unwrap_or("");
    let limit = limit_of(p)?;
    let terms = parse_terms(&exprs)?;
    let mut found = BTreeSet::new();
    for name in ask.source.names() {
        let mut tags = tags_of(&name);
        if !matches_all(&terms, &tags) {
            continue;
        }
        if let Some(value) = tags.remove(tag) {
            if !value.is_empty() && value.starts_with(prefix) {
                found.insert(value);
            }
        }
    }
    Ok(answer(p, found, limit, !exprs.is_empty()))
}

fn limit_of(p: Params) -> Result<i64, Reply> {
    p.int("limit", DEFAULT_LIMIT)
        .map_err(|e| Reply::json_error(400, &e))
}

/// Tag expressions as seriesByTag reads them; at least one must need a non-empty value, or
/// every series would match.
fn parse_terms(exprs: &[&str]) -> Result<Vec<TagTerm>, Reply> {
    let terms = exprs
        .iter()
        .map(|e| TagTerm::parse(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| Reply::json_error(400, &m))?;
    if !terms.is_empty() && terms.iter().all(|t| t.matches("")) {
        return Err(Reply::json_error(
            400,
            "At least one tagspec must not match the empty string",
        ));
    }
    Ok(terms)
}

fn matches_all(terms: &[TagTerm], tags: &std::collections::BTreeMap<String, String>) -> bool {
    terms
        .iter()
        .all(|t| t.matches(tags.get(&t.tag).map(String::as_str).unwrap_or("")))
}

/// The sorted answer cut to `limit` the way graphite-web cuts it: with expressions a limit of
/// 0 or less leaves nothing (its tag database stops adding at once); without, 0 means no
/// limit and a negative one drops that many from the end (a Python slice).
fn answer(p: Params, found: BTreeSet<String>, limit: i64, with_exprs: bool) -> Reply {
    let mut list: Vec<String> = found.into_iter().collect();
    match limit {
        n if n > 0 => list.truncate(usize::try_from(n).unwrap_or(usize::MAX)),
        _ if with_exprs => list.clear(),
        0 => {}
        n => list.truncate(
            list.len()
                .saturating_sub(usize::try_from(-n).unwrap_or(usize::MAX)),
        ),
    }
    let mut body = Vec::new();
    write_str_list(list.iter().map(String::as_str), &mut body);
    pretty_json(p, body, 200)
}

fn pretty_json(p: Params, body: Vec<u8>, status: u16) -> Reply {
    let body = if p.flag("pretty") {
        let mut out = Vec::with_capacity(body.len() * 2);
        json::indent(&body, &mut out);
        out
    } else {
        body
    };
    Reply {
        status,
        ..Reply::json(body)
    }
}
