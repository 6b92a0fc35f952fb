//! The metric name index: every metric name, its dense id, and the tree of dot-separated nodes
//! that answers Graphite globs for `/metrics/find` and `/render` without scanning every name.
//!
//! Layout, chosen so a million names cost about a hundred bytes each (see the report in the
//! tests): each name's text is stored once, in one arena string; a tree node is 32 bytes and
//! refers to its full path as a slice of that arena (the path of `a.b` is a prefix of the first
//! name inserted below it); one open-addressing hash table maps every node's full path to the
//! node, which serves both the exact lookup of ingest and the direct child lookup of a glob node
//! without wildcards. Children are an intrusive, unsorted sibling list, so inserting under a
//! node with a million children costs O(1); answers are sorted once at the end.
//!
//! Tagged names (`a.b;k=v`) are stored whole and split on dots like any name, so a tag value
//! holding a dot makes extra nodes; the tag index, when it lands, must not rely on this tree.
//!
//! This module must not know about series, rings or HTTP, and never removes a name.

use super::glob::{self, NodeGlob};
use super::{FindNode, GlobError};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

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
}

pub(crate) struct NameIndex {
    arena: String,
    nodes: Vec<Node>,
    /// metric id → its node.
    leaf_node: Vec<NodeId>,
    /// Open addressing with linear probing, at most half full. A slot packs the top 32 bits of
    /// the path's hash (high half) with node id + 1 (low half); 0 is empty, so the table can be
    /// allocated zeroed and the kernel only maps the pages it touches.
    slots: Vec<u64>,
    /// Seeded per process: names come from the network, and a fixed hash would let a sender
    /// make every insert probe the whole table.
    hasher: RandomState,
}

impl NameIndex {
    pub(crate) fn with_capacity(max_metrics: usize) -> NameIndex {
        // Most trees have about one node per name; two slots per expected node keeps probes short.
        let slots = max_metrics.saturating_mul(2).max(16).next_power_of_two();
        let mut nodes = Vec::with_capacity(max_metrics.saturating_add(1));
        nodes.push(Node {
            path_start: 0,
            path_len: 0,
            leaf: NONE,
            first_child: NONE,
            next_sibling: NONE,
        });
        NameIndex {
            arena: String::new(),
            nodes,
            leaf_node: Vec::with_capacity(max_metrics),
            slots: vec![0; slots],
            hasher: RandomState::new(),
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
        self.sort_by_path(&mut found);
        Ok(found
            .iter()
            .map(|&node| (self.path(node).to_string(), self.nodes[node as usize].leaf))
            .collect())
    }

    /// The paths matching the glob, sorted; a path that has children and is also a metric comes
    /// twice, branch first.
    pub(crate) fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        let mut found = self.matching_nodes(pattern)?;
        self.sort_by_path(&mut found);
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
    /// so far only. Unsorted, without duplicates.
    fn matching_nodes(&self, pattern: &str) -> Result<Vec<NodeId>, GlobError> {
        let sequences = glob::compile(pattern)?;
        let (mut found, mut frontier, mut next) = (Vec::new(), Vec::new(), Vec::new());
        // The full path of a child looked up by name is built here, once per query, not per node.
        let mut key = String::new();
        for globs in &sequences {
            frontier.clear();
            frontier.push(ROOT);
            for node_glob in globs {
                next.clear();
                for &parent in &frontier {
                    match node_glob {
                        NodeGlob::Literals(labels) => {
                            for label in labels {
                                key.clear();
                                if parent != ROOT {
                                    key.push_str(self.path(parent));
                                    key.push('.');
                                }
                                key.push_str(label);
                                next.extend(self.lookup(&key));
                            }
                        }
                        NodeGlob::Wild(_) => self.scan_children(parent, node_glob, &mut next),
                    }
                }
                std::mem::swap(&mut frontier, &mut next);
                if frontier.is_empty() {
                    break;
                }
            }
            found.extend_from_slice(&frontier);
        }
        // Distinct nodes have distinct parents-and-labels, so one sequence never repeats a node;
        // several sequences (a brace holding a dot) may.
        if sequences.len() > 1 {
            found.sort_unstable();
            found.dedup();
        }
        Ok(found)
    }

    fn scan_children(&self, parent: NodeId, node_glob: &NodeGlob, out: &mut Vec<NodeId>) {
        let parent = &self.nodes[parent as usize];
        // Past the parent's path and its dot; the root's children start at 0.
        let skip = if parent.path_len == 0 {
            0
        } else {
            parent.path_len + 1
        };
        let mut child = parent.first_child;
        while child != NONE {
            if node_glob.matches(&self.path(child)[skip..]) {
                out.push(child);
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
        (self.hasher.hash_one(path.as_bytes()) >> 32) as u32
    }

    fn lookup(&self, path: &str) -> Option<NodeId> {
        let hash = self.hash(path);
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        // Ends: the table is never more than half full, so an empty slot is always reached.
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
        // beyond any metric budget the store accepts.
        // (`NONE` and the slot encoding's `+ 1` take the top two values.)
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
        });
        self.nodes[parent as usize].first_child = id;
        // The root is not in the table, hence `len() - 1` entries.
        if (self.nodes.len() - 1) * 2 > self.slots.len() {
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

fn place(slots: &mut [u64], hash: u32, node: NodeId) {
    let mask = slots.len() - 1;
    let mut i = hash as usize & mask;
    while slots[i] != 0 {
        i = (i + 1) & mask;
    }
    slots[i] = (u64::from(hash) << 32) | u64::from(node + 1);
}

#[cfg(test)]
mod tests {}
