//! The metric name index: every metric name, its dense id, and the tree of dot-separated nodes
//! that answers Graphite globs for `/metrics/find` and `/render` without scanning every name.
//!
//! Layout, chosen so a million names cost under a hundred bytes each (measured: 87 bytes a name
//! for a million 31-byte names, 56 of them index): each name's text is stored once, in one arena string; a tree node is 32 bytes and
//! refers to its full path as a slice of that arena (the path of `a.b` is a prefix of the first
//! name inserted below it); one open-addressing hash table maps every node's full path to the
//! node, which serves both the exact lookup of ingest and the direct child lookup of a glob node
//! without wildcards. Children are an intrusive, unsorted sibling list, so inserting under a
//! node with a million children costs O(1); a query sorts only the siblings it matched.
//!
//! Tagged names (`a.b;k=v`) are stored whole and split on dots like any name, so a tag value
//! holding a dot makes extra nodes; the tag index, when it lands, must not rely on this tree.
//!
//! This module must not know about series, rings or HTTP, and never removes a name.

use super::glob::{self, NodeGlob};
use super::pathhash::PathHasher;
use super::{FindNode, GlobError};
use std::cmp::Ordering;

type NodeId = u32;

/// No node / no metric, in the `u32` fields of [`Node`].
const NONE: u32 = u32::MAX;
/// The root has the empty path and is not in the hash table.
const ROOT: NodeId = 0;

struct Node {
    /// The full path is `arena[path_start..path_start + path_len]`. The label is what follows the
    /// parent's path and its dot, so it needs no field of its own.
    path_start: usize,
    path_len: usize,
    /// The metric id when this path is a metric, else `NONE`.
    leaf: u32,
    first_child: NodeId,
    next_sibling: NodeId,
    /// How many children: decides between looking literal labels up and scanning.
    children: u32,
}

// The memory estimate in the module doc counts on this (on 64-bit targets).
const _: () = assert!(std::mem::size_of::<Node>() <= 32);

pub(crate) struct NameIndex {
    arena: String,
    nodes: Vec<Node>,
    /// metric id → its node.
    leaf_node: Vec<NodeId>,
    /// Open addressing with linear probing, at most three quarters full: a miss then reads about
    /// eight consecutive slots, one or two cache lines, and half full would cost 16 more bytes a
    /// name at a million names. A slot packs the top 32 bits of the path's hash (high half) with
    /// node id + 1 (low half); 0 is empty, so the table is allocated zeroed and the kernel maps
    /// only the pages it touches.
    slots: Vec<u64>,
    /// Seeded per process: names come from the network, and a fixed hash would let a sender
    /// make every insert probe the whole table.
    hasher: PathHasher,
}

impl NameIndex {
    pub(crate) fn with_capacity(max_metrics: usize) -> NameIndex {
        // Most trees have a little more than one node per name.
        let slots = (max_metrics.saturating_mul(3) / 2)
            .max(16)
            .next_power_of_two();
        let mut nodes = Vec::with_capacity(max_metrics.saturating_add(1));
        nodes.push(Node {
            path_start: 0,
            path_len: 0,
            leaf: NONE,
            first_child: NONE,
            next_sibling: NONE,
            children: 0,
        });
        NameIndex {
            arena: String::new(),
            nodes,
            leaf_node: Vec::with_capacity(max_metrics),
            slots: vec![0; slots],
            hasher: PathHasher::new(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.lookup(name)
            .map(|node| self.nodes[node as usize].leaf)
            .filter(|&id| id != NONE)
    }

    /// `name` must be new and `id` must be `len()`: the store hands out ids densely.
    pub(crate) fn insert(&mut self, name: &str, id: u32) {
        debug_assert_eq!(id as usize, self.leaf_node.len(), "metric ids are dense");
        debug_assert!(self.get(name).is_none(), "metric {name:?} inserted twice");
        let start = self.arena.len();
        self.arena.push_str(name);
        let mut node = ROOT;
        let mut known = true;
        let ends = name
            .match_indices('.')
            .map(|(i, _)| i)
            .chain(std::iter::once(name.len()));
        for end in ends {
            // Once a prefix is new, every longer prefix is new too.
            let existing = if known {
                self.lookup(&name[..end])
            } else {
                None
            };
            node = match existing {
                Some(child) => child,
                None => {
                    known = false;
                    self.add_node(node, start, end)
                }
            };
        }
        self.nodes[node as usize].leaf = id;
        self.leaf_node.push(node);
    }

    pub(crate) fn len(&self) -> usize {
        self.leaf_node.len()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        self.path(self.leaf_node[id as usize])
    }

    /// The metrics matching the glob, sorted by name.
    pub(crate) fn matches(&self, pattern: &str) -> Result<Vec<(String, u32)>, GlobError> {
        let mut found = self.matching_nodes(pattern)?;
        found.retain(|&node| self.nodes[node as usize].leaf != NONE);
        Ok(found
            .iter()
            .map(|&node| (self.path(node).to_string(), self.nodes[node as usize].leaf))
            .collect())
    }

    /// The paths matching the glob, sorted; a path that has children and is also a metric comes
    /// twice, branch first.
    pub(crate) fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        let found = self.matching_nodes(pattern)?;
        let mut answer = Vec::with_capacity(found.len());
        for &id in &found {
            let node = &self.nodes[id as usize];
            if node.first_child != NONE {
                answer.push(FindNode {
                    path: self.path(id).to_string(),
                    leaf: false,
                });
            }
            if node.leaf != NONE {
                answer.push(FindNode {
                    path: self.path(id).to_string(),
                    leaf: true,
                });
            }
        }
        Ok(answer)
    }

    /// Walks the tree one pattern node at a time, looking at the children of the nodes matched
    /// so far only. Sorted by path, without duplicates.
    fn matching_nodes(&self, pattern: &str) -> Result<Vec<NodeId>, GlobError> {
        let sequences = glob::compile(pattern)?;
        let (mut found, mut frontier, mut next) = (Vec::new(), Vec::new(), Vec::new());
        // Buffers reused for every node of the query: the full path of a child looked up by name,
        // and the matched children of one parent with their labels, to be sorted.
        let mut key = String::new();
        let mut siblings: Vec<(&[u8], NodeId)> = Vec::new();
        for globs in &sequences {
            frontier.clear();
            frontier.push(ROOT);
            for (depth, node_glob) in globs.iter().enumerate() {
                let last = depth + 1 == globs.len();
                next.clear();
                for &parent in &frontier {
                    match node_glob {
                        // More labels than children (`{a,b,...}` listing many hosts) would
                        // cost more lookups than one scan does.
                        NodeGlob::Literals(labels)
                            if labels.len() <= self.nodes[parent as usize].children as usize =>
                        {
                            for label in labels {
                                key.clear();
                                if parent != ROOT {
                                    key.push_str(self.path(parent));
                                    key.push('.');
                                }
                                key.push_str(label);
                                if let Some(child) = self.lookup(&key) {
                                    siblings.push((label.as_bytes(), child));
                                }
                            }
                        }
                        _ => self.scan_children(parent, node_glob, &mut siblings),
                    }
                    sort_siblings(&mut siblings, last);
                    next.extend(siblings.drain(..).map(|(_, child)| child));
                }
                std::mem::swap(&mut frontier, &mut next);
                if frontier.is_empty() {
                    break;
                }
            }
            found.extend_from_slice(&frontier);
        }
        // One sequence never repeats a node (distinct nodes have distinct parents or labels) and
        // comes out sorted; several (a brace holding a dot) may overlap and differ in depth.
        if sequences.len() > 1 {
            found.sort_unstable();
            found.dedup();
            self.sort_by_path(&mut found);
        }
        Ok(found)
    }

    fn scan_children<'a>(
        &'a self,
        parent: NodeId,
        node_glob: &NodeGlob,
        out: &mut Vec<(&'a [u8], NodeId)>,
    ) {
        // A child's label is its path past the parent's path and its dot.
        let skip = match parent {
            ROOT => 0,
            _ => self.nodes[parent as usize].path_len + 1,
        };
        let mut child = self.nodes[parent as usize].first_child;
        while child != NONE {
            let label = &self.path(child)[skip..];
            if node_glob.matches(label) {
                out.push((label.as_bytes(), child));
            }
            child = self.nodes[child as usize].next_sibling;
        }
    }

    fn sort_by_path(&self, nodes: &mut [NodeId]) {
        nodes.sort_unstable_by(|&a, &b| self.path(a).cmp(self.path(b)));
    }

    fn path(&self, node: NodeId) -> &str {
        let node = &self.nodes[node as usize];
        &self.arena[node.path_start..node.path_start + node.path_len]
    }

    fn hash(&self, path: &str) -> u32 {
        (self.hasher.hash(path.as_bytes()) >> 32) as u32
    }

    fn lookup(&self, path: &str) -> Option<NodeId> {
        let hash = self.hash(path);
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        // Ends: the table is never full, so an empty slot is always reached.
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if (slot >> 32) as u32 == hash {
                let node = (slot as u32) - 1;
                if self.path(node) == path {
                    return Some(node);
                }
            }
            i = (i + 1) & mask;
        }
    }

    fn add_node(&mut self, parent: NodeId, path_start: usize, path_len: usize) -> NodeId {
        // Cannot fail: a node is 32 bytes, so 2^32 of them would need 128 GiB of index, far
        // beyond any metric budget the store accepts. (`NONE` and the slot encoding's `+ 1`
        // take the top two values.)
        let id = NodeId::try_from(self.nodes.len())
            .ok()
            .filter(|&id| id < NONE - 1)
            .expect("fewer than 2^32 - 2 nodes");
        let next_sibling = self.nodes[parent as usize].first_child;
        self.nodes.push(Node {
            path_start,
            path_len,
            leaf: NONE,
            first_child: NONE,
            next_sibling,
            children: 0,
        });
        let parent = &mut self.nodes[parent as usize];
        parent.first_child = id;
        // Cannot overflow: there are fewer nodes than `u32::MAX`.
        parent.children += 1;
        // The root is not in the table, hence `len() - 1` entries.
        if (self.nodes.len() - 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let hash = self.hash(&self.arena[path_start..path_start + path_len]);
        place(&mut self.slots, hash, id);
        id
    }

    /// Doubles the table; the stored hash bits are enough to re-place every slot without
    /// hashing a path again.
    fn grow(&mut self) {
        let mut bigger = vec![0u64; self.slots.len() * 2];
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            place(&mut bigger, (slot >> 32) as u32, (slot as u32) - 1);
        }
        self.slots = bigger;
    }
}

/// Sorts the matched children of one parent so that, level after level, the frontier stays in
/// byte order of full paths. Sorting small sibling groups by label is far cheaper than one sort
/// of every answer by full path (measured: 100k answers took ~40 ms that way). Below the last
/// level a label is compared as if followed by its dot, because that is what follows it in the
/// full path: `b-x.c` sorts before `b.c` although `b` sorts before `b-x`.
fn sort_siblings(siblings: &mut [(&[u8], NodeId)], last: bool) {
    if last {
        siblings.sort_unstable_by(|a, b| a.0.cmp(b.0));
    } else {
        siblings.sort_unstable_by(|a, b| cmp_dot_terminated(a.0, b.0));
    }
}

/// Compares `a.` with `b.` without building them; labels hold no dot.
fn cmp_dot_terminated(a: &[u8], b: &[u8]) -> Ordering {
    let common = a.len().min(b.len());
    a[..common].cmp(&b[..common]).then_with(|| {
        let after = |s: &[u8]| s.get(common).copied().unwrap_or(b'.');
        after(a).cmp(&after(b))
    })
}

fn place(slots: &mut [u64], hash: u32, node: NodeId) {
    let mask = slots.len() - 1;
    let mut i = hash as usize & mask;
    while slots[i] != 0 {
        i = (i + 1) & mask;
    }
    slots[i] = (u64::from(hash) << 32) | u64::from(node + 1);
}

#[cfg(test)]
mod tests {
    use super::super::glob::reference;
    use super::*;
    use proptest::prelude::*;

    const NAMES: &[&str] = &[
        "servers.web01.cpu.user",
        "servers.web01.cpu.system",
        "servers.web02.cpu.user",
        "servers.db01.cpu.user",
        "servers.db01.mem",
        "servers.db01",
        "a.b",
        "a.b.c",
        "a.bb.c",
        "a.x.c",
        "a-b.c",
        "c",
        "tagged.m;dc=eu.west",
        "ünï.cödé",
        "weird[x].y*z",
        "x.b.z",
        "x.bz.z",
        "x.b-y.z",
        "x.b!.z",
        "x.b.z-",
        "x.b.z.deeper",
    ];

    fn index_of(names: &[&str]) -> NameIndex {
        let mut index = NameIndex::with_capacity(4);
        for (id, name) in names.iter().enumerate() {
            index.insert(name, id as u32);
        }
        index
    }

    fn matched(pattern: &str) -> Vec<String> {
        let found = index_of(NAMES)
            .matches(pattern)
            .expect("test patterns are valid");
        for (name, id) in &found {
            assert_eq!(NAMES[*id as usize], name, "id of {name}");
        }
        found.into_iter().map(|(name, _)| name).collect()
    }

    macro_rules! matches_case {
        ($name:ident: $pattern:literal => [$($want:literal),*]) => {
            #[test]
            fn $name() {
                let want: Vec<&str> = vec![$($want),*];
                assert_eq!(matched($pattern), want, "pattern {:?}", $pattern);
            }
        };
    }

    matches_case!(exact: "a.b" => ["a.b"]);
    matches_case!(branch_only_is_not_a_metric: "a" => []);
    matches_case!(star_node: "servers.*.cpu.user" => ["servers.db01.cpu.user", "servers.web01.cpu.user", "servers.web02.cpu.user"]);
    matches_case!(star_does_not_cross_dots: "servers.*" => ["servers.db01"]);
    matches_case!(star_suffix: "servers.web*.cpu.*" => ["servers.web01.cpu.system", "servers.web01.cpu.user", "servers.web02.cpu.user"]);
    matches_case!(question: "a.?.c" => ["a.b.c", "a.x.c"]);
    matches_case!(range: "servers.web0[2-9].cpu.user" => ["servers.web02.cpu.user"]);
    matches_case!(negation: "a.[!x]*.c" => ["a.b.c", "a.bb.c"]);
    matches_case!(braces: "servers.{db01,web02}.cpu.user" => ["servers.db01.cpu.user", "servers.web02.cpu.user"]);
    matches_case!(more_braces_than_children: "servers.{db01,web02,h1,h2,h3,h4}.cpu.user" => ["servers.db01.cpu.user", "servers.web02.cpu.user"]);
    matches_case!(braces_with_wildcards: "servers.{db*,nope}.*" => ["servers.db01.mem"]);
    matches_case!(braces_across_dots: "{a.b,a-b}.c" => ["a-b.c", "a.b.c"]);
    matches_case!(braces_across_dots_overlapping: "{a.*,a.b}.c" => ["a.b.c", "a.bb.c", "a.x.c"]);
    matches_case!(nested_braces: "servers.{web{01,02},x}.cpu.user" => ["servers.web01.cpu.user", "servers.web02.cpu.user"]);
    matches_case!(top_level_star: "*" => ["c"]);
    matches_case!(sorted_in_byte_order: "*.*" => ["a-b.c", "a.b", "servers.db01", "weird[x].y*z", "ünï.cödé"]);
    matches_case!(utf8_question: "?nï.c?d?" => ["ünï.cödé"]);
    matches_case!(tagged_name_split_on_dots: "tagged.*.west" => ["tagged.m;dc=eu.west"]);
    matches_case!(literal_specials: "weird[x].y*z" => []);
    matches_case!(literal_specials_via_class: "weird[[]x].y[*]z" => ["weird[x].y*z"]);
    matches_case!(unknown: "nope.*" => []);
    matches_case!(dot_sorts_after_dash: "x.*.z*" => ["x.b!.z", "x.b-y.z", "x.b.z", "x.b.z-", "x.bz.z"]);

    #[test]
    fn find_reports_branch_and_leaf_of_one_path() {
        let found = index_of(NAMES).find("servers.*").expect("valid");
        let got: Vec<(&str, bool)> = found.iter().map(|n| (n.path.as_str(), n.leaf)).collect();
        assert_eq!(
            got,
            vec![
                ("servers.db01", false),
                ("servers.db01", true),
                ("servers.web01", false),
                ("servers.web02", false)
            ]
        );
    }

    #[test]
    fn find_sorts_across_parents() {
        let found = index_of(NAMES).find("a.*").expect("valid");
        let got: Vec<(&str, bool)> = found.iter().map(|n| (n.path.as_str(), n.leaf)).collect();
        assert_eq!(
            got,
            vec![
                ("a.b", false),
                ("a.b", true),
                ("a.bb", false),
                ("a.x", false)
            ]
        );
    }

    #[test]
    fn find_refuses_bad_patterns() {
        let index = index_of(NAMES);
        assert!(index.find("a.{b").is_err());
        assert!(index.find("").is_err());
        assert!(index.matches("a..b").is_err());
    }

    #[test]
    fn exact_lookup_and_names() {
        let index = index_of(NAMES);
        assert_eq!(index.len(), NAMES.len());
        assert_eq!(index.get("a.b"), Some(6));
        assert_eq!(index.get("a"), None, "a branch is not a metric");
        assert_eq!(index.get("a.b.c.d"), None);
        assert_eq!(index.name(12), "tagged.m;dc=eu.west");
    }

    #[test]
    fn table_grows_past_its_initial_size() {
        let names: Vec<String> = (0..5_000).map(|i| format!("h{}.m{}", i % 97, i)).collect();
        let mut index = NameIndex::with_capacity(1);
        for (id, name) in names.iter().enumerate() {
            index.insert(name, id as u32);
        }
        for (id, name) in names.iter().enumerate() {
            assert_eq!(index.get(name), Some(id as u32));
            assert_eq!(index.name(id as u32), name);
        }
        assert_eq!(
            index.matches("h5.*").expect("valid").len(),
            names.iter().filter(|n| n.starts_with("h5.")).count()
        );
    }

    fn matches_reference(names: &[String], pattern: &str) -> Vec<String> {
        let mut out: Vec<String> = reference::expand(pattern)
            .iter()
            .flat_map(|p| {
                names
                    .iter()
                    .filter(move |n| reference::nodes_match(p, &n.split('.').collect::<Vec<_>>()))
            })
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn find_reference(names: &[String], pattern: &str) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for p in reference::expand(pattern) {
            let depth = p.split('.').count();
            for name in names {
                let nodes: Vec<&str> = name.split('.').collect();
                if nodes.len() >= depth && reference::nodes_match(&p, &nodes[..depth]) {
                    out.push((nodes[..depth].join("."), nodes.len() == depth));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// A pattern made from `name`: some chars replaced by a wildcard, a class or a brace, and
    /// sometimes the whole pattern put in a brace with another name (crossing dots).
    fn pattern_from(
        name: &str,
        edits: &[(prop::sample::Index, u8)],
        other: Option<&str>,
    ) -> String {
        let mut chars: Vec<String> = name.chars().map(String::from).collect();
        for (at, kind) in edits {
            let i = at.index(chars.len());
            if chars[i] == "." {
                continue;
            }
            chars[i] = match kind {
                0 => "?".to_string(),
                1 => "*".to_string(),
                2 => "[!c]".to_string(),
                3 => "[a-b]".to_string(),
                _ => format!("{{{},c*}}", chars[i]),
            };
        }
        let pattern = chars.concat();
        match other {
            Some(other) => format!("{{{pattern},{other}}}"),
            None => pattern,
        }
    }

    proptest! {
        #[test]
        fn globs_agree_with_the_reference(
            raw in prop::collection::vec("[-abc]{1,3}(\\.[-abc]{1,3}){0,3}", 1..40),
            pick in any::<prop::sample::Index>(),
            other in any::<prop::sample::Index>(),
            cross in any::<bool>(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..5), 0..5),
        ) {
            let mut names: Vec<String> = Vec::new();
            for name in raw {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let mut index = NameIndex::with_capacity(2);
            for (id, name) in names.iter().enumerate() {
                index.insert(name, id as u32);
            }
            let cross_with = cross.then(|| other.get(&names).as_str());
            let pattern = pattern_from(pick.get(&names).as_str(), &edits, cross_with);

            let got: Vec<String> = index.matches(&pattern).expect("valid").into_iter().map(|(n, _)| n).collect();
            prop_assert_eq!(got, matches_reference(&names, &pattern), "matches {}", pattern);

            let got: Vec<(String, bool)> = index.find(&pattern).expect("valid").into_iter().map(|n| (n.path, n.leaf)).collect();
            prop_assert_eq!(got, find_reference(&names, &pattern), "find {}", pattern);
        }
    }
}
