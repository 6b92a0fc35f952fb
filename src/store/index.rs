//! THROWAWAY name index so the store compiles and tests on its own branch: a hash map for exact
//! lookups and a linear scan with a small glob matcher (`*`, `?`, `{a,b}`, literals) for
//! patterns. The real index (branch `index`, with `glob.rs`) replaces this whole file at merge.
//! Must not hold anything but names and ids.

use super::{FindNode, GlobError};
use std::collections::HashMap;

pub(crate) struct NameIndex {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl NameIndex {
    pub(crate) fn with_capacity(max_metrics: usize) -> NameIndex {
        // Reserve lazily bounded: the throwaway must not commit gigabytes for a huge capacity.
        let reserve = max_metrics.min(1 << 16);
        NameIndex {
            ids: HashMap::with_capacity(reserve),
            names: Vec::with_capacity(reserve),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    pub(crate) fn insert(&mut self, name: &str, id: u32) {
        debug_assert_eq!(id as usize, self.names.len(), "ids are dense and in order");
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub(crate) fn matches(&self, pattern: &str) -> Result<Vec<(String, u32)>, GlobError> {
        check(pattern)?;
        let want: Vec<&str> = pattern.split('.').collect();
        let mut out: Vec<(String, u32)> = (self.names.iter().zip(0u32..))
            .filter(|(name, _)| nodes_match(&want, &name.split('.').collect::<Vec<_>>()))
            .map(|(name, id)| (name.clone(), id))
            .collect();
        out.sort();
        Ok(out)
    }

    pub(crate) fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        check(pattern)?;
        let want: Vec<&str> = pattern.split('.').collect();
        let mut out = Vec::new();
        for name in &self.names {
            let nodes: Vec<&str> = name.split('.').collect();
            if nodes.len() < want.len() || !nodes_match(&want, &nodes[..want.len()]) {
                continue;
            }
            let path = nodes[..want.len()].join(".");
            out.push(FindNode {
                leaf: nodes.len() == want.len(),
                path,
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.leaf.cmp(&b.leaf)));
        out.dedup();
        Ok(out)
    }
}

fn check(pattern: &str) -> Result<(), GlobError> {
    if pattern.matches('{').count() != pattern.matches('}').count() {
        return Err(GlobError {
            pattern: pattern.to_string(),
            message: "unclosed '{'".to_string(),
        });
    }
    Ok(())
}

fn nodes_match(want: &[&str], nodes: &[&str]) -> bool {
    want.len() == nodes.len()
        && want
            .iter()
            .zip(nodes)
            .all(|(w, n)| node_matches(w.as_bytes(), n.as_bytes()))
}

fn node_matches(pat: &[u8], s: &[u8]) -> bool {
    match pat.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| node_matches(&pat[1..], &s[i..])),
        Some(b'?') => !s.is_empty() && node_matches(&pat[1..], &s[1..]),
        Some(b'{') => {
            let Some(close) = pat.iter().position(|&c| c == b'}') else {
                return false;
            };
            pat[1..close].split(|&c| c == b',').any(|alt| {
                let mut p = alt.to_vec();
                p.extend_from_slice(&pat[close + 1..]);
                node_matches(&p, s)
            })
        }
        Some(&c) => s.first() == Some(&c) && node_matches(&pat[1..], &s[1..]),
    }
}
