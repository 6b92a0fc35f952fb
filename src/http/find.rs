//! `/metrics/find` answer shaping (graphite.md 4.3): `treejson` (what Grafana's metric browser
//! reads), `completer`, `json` and `nodelist`. Works on already-found nodes; the store does the
//! matching.

use super::form::unquote_plus;
use crate::render::json::{write_float, write_str};
use crate::store::FindNode;

/// Writes graphite-web's `tree_json`: an optional `*` item, then branches, then leaves, each
/// sorted by node name, one item per node name. `query` gives the id prefix: everything up to
/// its last dot.
pub(crate) fn write_tree_json(query: &str, nodes: &[FindNode], wildcards: bool, out: &mut Vec<u8>) {
    let prefix = match query.rfind('.') {
        Some(at) => &query[..=at],
        None => "",
    };
    // Sorted by name; for a name that is both a branch and a leaf the branch comes first and
    // wins the collapse below, so the tree stays browsable below it.
    let mut named: Vec<(&str, bool)> = nodes.iter().map(|n| (name_of(n), n.leaf)).collect();
    named.sort_unstable();
    named.dedup_by(|later, earlier| later.0 == earlier.0);

    out.push(b'[');
    let mut first = true;
    if wildcards && nodes.len() > 1 {
        let any_branch = nodes.iter().any(|n| !n.leaf);
        write_item(out, &mut first, "*", prefix, "*", !any_branch);
    }
    for leaves in [false, true] {
        for &(name, leaf) in named.iter().filter(|(_, leaf)| *leaf == leaves) {
            write_item(out, &mut first, &unquote_plus(name), prefix, name, leaf);
        }
    }
    out.push(b']');
}

/// graphite-web's `completer` format: `{"metrics": [{"path", "name", "is_leaf"}, ...]}` in node
/// name order, branches' paths ending in a dot, `is_leaf` a string; with `wildcards` and more
/// than one node a `{"name": "*"}` entry last. No collapsing of equal names.
pub(crate) fn write_completer(nodes: &[FindNode], wildcards: bool, out: &mut Vec<u8>) {
    let mut sorted: Vec<&FindNode> = nodes.iter().collect();
    sorted.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    out.extend_from_slice(b"{\"metrics\": [");
    for (i, node) in sorted.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(b"{\"path\": ");
        if node.leaf {
            write_str(&node.path, out);
        } else {
            write_str(&format!("{}.", node.path), out);
        }
        out.extend_from_slice(b", \"name\": ");
        write_str(name_of(node), out);
        out.extend_from_slice(if node.leaf {
            b", \"is_leaf\": \"1\"}"
        } else {
            b", \"is_leaf\": \"0\"}"
        });
    }
    if wildcards && sorted.len() > 1 {
        out.extend_from_slice(b", {\"name\": \"*\"}");
    }
    out.extend_from_slice(b"]}");
}

/// graphite-web's `json` format, sorted by path: `{"path", "is_leaf": bool}`, leaves with
/// `"intervals": [{"start", "end"}]` (floats) where `interval` knows them.
pub(crate) fn write_nodes_json(
    nodes: &[FindNode],
    interval: impl Fn(&str) -> Option<(i64, i64)>,
    out: &mut Vec<u8>,
) {
    let mut sorted: Vec<&FindNode> = nodes.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    out.push(b'[');
    for (i, node) in sorted.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(b"{\"path\": ");
        write_str(&node.path, out);
        if !node.leaf {
            out.extend_from_slice(b", \"is_leaf\": false}");
            continue;
        }
        out.extend_from_slice(b", \"is_leaf\": true, \"intervals\": [");
        if let Some((start, end)) = interval(&node.path) {
            out.extend_from_slice(b"{\"start\": ");
            write_float(start as f64, out);
            out.extend_from_slice(b", \"end\": ");
            write_float(end as f64, out);
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
}

/// graphite-web's `nodelist` format: `{"nodes": [...]}`, the sorted distinct path components at
/// `position` (negative counts from the end, as a Python index). A path too short for the
/// position is an error naming it (graphite-web fails with a 500 there).
pub(crate) fn write_node_list(
    nodes: &[FindNode],
    position: i64,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let mut names: Vec<&str> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let parts: Vec<&str> = node.path.split('.').collect();
        let at = if position < 0 {
            parts.len() as i64 + position
        } else {
            position
        };
        match usize::try_from(at).ok().and_then(|i| parts.get(i)) {
            Some(part) => names.push(part),
            None => {
                return Err(format!(
                    "position {position} is outside the path {:?} ({} nodes)",
                    node.path,
                    parts.len()
                ))
            }
        }
    }
    names.sort_unstable();
    names.dedup();
    out.extend_from_slice(b"{\"nodes\": [");
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        write_str(name, out);
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

fn name_of(node: &FindNode) -> &str {
    match node.path.rfind('.') {
        Some(at) => &node.path[at + 1..],
        None => &node.path,
    }
}

fn write_item(
    out: &mut Vec<u8>,
    first: &mut bool,
    text: &str,
    prefix: &str,
    name: &str,
    leaf: bool,
) {
    if !*first {
        out.extend_from_slice(b", ");
    }
    *first = false;
    out.extend_from_slice(b"{\"text\": ");
    write_str(text, out);
    out.extend_from_slice(b", \"id\": ");
    let mut id = String::with_capacity(prefix.len() + name.len());
    id.push_str(prefix);
    id.push_str(name);
    write_str(&id, out);
    let flags: &[u8] = if leaf {
        b", \"allowChildren\": 0, \"expandable\": 0, \"leaf\": 1}"
    } else {
        b", \"allowChildren\": 1, \"expandable\": 1, \"leaf\": 0}"
    };
    out.extend_from_slice(flags);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(path: &str, leaf: bool) -> FindNode {
        FindNode {
            path: path.to_string(),
            leaf,
        }
    }

    fn tree(query: &str, nodes: &[FindNode], wildcards: bool) -> String {
        let mut out = Vec::new();
        write_tree_json(query, nodes, wildcards, &mut out);
        String::from_utf8(out).unwrap()
    }

    const BRANCH: &str = r#""allowChildren": 1, "expandable": 1, "leaf": 0}"#;
    const LEAF: &str = r#""allowChildren": 0, "expandable": 0, "leaf": 1}"#;

    #[test]
    fn branches_first_then_leaves_each_sorted() {
        let nodes = [
            node("a.z", true),
            node("a.b", false),
            node("a.c", true),
            node("a.a", false),
        ];
        assert_eq!(
            tree("a.*", &nodes, false),
            format!(
                r#"[{{"text": "a", "id": "a.a", {BRANCH}, {{"text": "b", "id": "a.b", {BRANCH}, {{"text": "c", "id": "a.c", {LEAF}, {{"text": "z", "id": "a.z", {LEAF}]"#
            )
        );
    }

    #[test]
    fn duplicate_names_collapse() {
        // `a.*.c` matches `a.x.c` and `a.y.c`: one `c`, with the query's prefix.
        let nodes = [node("a.x.c", true), node("a.y.c", true)];
        assert_eq!(
            tree("a.*.c", &nodes, false),
            format!(r#"[{{"text": "c", "id": "a.*.c", {LEAF}]"#)
        );
        // A node that is both a branch and a leaf is shown once, as a branch.
        let both = [node("a.b", true), node("a.b", false)];
        assert_eq!(
            tree("a.*", &both, false),
            format!(r#"[{{"text": "b", "id": "a.b", {BRANCH}]"#)
        );
    }

    #[test]
    fn top_level_ids_have_no_prefix() {
        let nodes = [node("servers", false)];
        assert_eq!(
            tree("*", &nodes, false),
            format!(r#"[{{"text": "servers", "id": "servers", {BRANCH}]"#)
        );
        assert_eq!(tree("*", &[], false), "[]");
    }

    #[test]
    fn wildcard_item_only_with_more_than_one_result() {
        let leaves = [node("a.b", true), node("a.c", true)];
        let got = tree("a.*", &leaves, true);
        assert!(
            got.starts_with(&format!(r#"[{{"text": "*", "id": "a.*", {LEAF}, "#)),
            "{got}"
        );
        let mixed = [node("a.b", false), node("a.c", true)];
        let got = tree("a.*", &mixed, true);
        assert!(
            got.starts_with(&format!(r#"[{{"text": "*", "id": "a.*", {BRANCH}, "#)),
            "{got}"
        );
        let one = [node("a.b", true)];
        assert!(!tree("a.*", &one, true).contains("\"*\""));
    }

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completer_shape() {
        let nodes = [node("a.z", true), node("a.b", false), node("a.x,y", true)];
        assert_eq!(
            text(|o| write_completer(&nodes, false, o)),
            r#"{"metrics": [{"path": "a.b.", "name": "b", "is_leaf": "0"}, {"path": "a.x,y", "name": "x,y", "is_leaf": "1"}, {"path": "a.z", "name": "z", "is_leaf": "1"}]}"#
        );
        assert!(text(|o| write_completer(&nodes, true, o)).ends_with(r#", {"name": "*"}]}"#));
        assert_eq!(
            text(|o| write_completer(&nodes[..1], true, o)),
            r#"{"metrics": [{"path": "a.z", "name": "z", "is_leaf": "1"}]}"#
        );
        assert_eq!(
            text(|o| write_completer(&[], true, o)),
            r#"{"metrics": []}"#
        );
    }

    #[test]
    fn nodes_json_shape() {
        let nodes = [node("a.z", true), node("a.b", false), node("a.c", true)];
        let got = text(|o| write_nodes_json(&nodes, |p| (p == "a.c").then_some((100, 700)), o));
        assert_eq!(
            got,
            r#"[{"path": "a.b", "is_leaf": false}, {"path": "a.c", "is_leaf": true, "intervals": [{"start": 100.0, "end": 700.0}]}, {"path": "a.z", "is_leaf": true, "intervals": []}]"#
        );
    }

    #[test]
    fn node_list_positions() {
        let nodes = [
            node("a.b.c", true),
            node("a.x.c", true),
            node("a.b.d", true),
        ];
        assert_eq!(
            text(|o| write_node_list(&nodes, 1, o).unwrap()),
            r#"{"nodes": ["b", "x"]}"#
        );
        assert_eq!(
            text(|o| write_node_list(&nodes, -1, o).unwrap()),
            r#"{"nodes": ["c", "d"]}"#
        );
        assert!(write_node_list(&nodes, 3, &mut Vec::new())
            .unwrap_err()
            .contains("position 3"));
        assert!(write_node_list(&nodes, -4, &mut Vec::new()).is_err());
    }

    #[test]
    fn text_is_unquoted_id_is_not() {
        let nodes = [node("a.x%2Ey", true)];
        assert_eq!(
            tree("a.*", &nodes, false),
            format!(r#"[{{"text": "x.y", "id": "a.x%2Ey", {LEAF}]"#)
        );
    }
}
