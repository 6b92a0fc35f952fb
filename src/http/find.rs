//! `/metrics/find` answer shaping (graphite.md 4.3): the `treejson` format Grafana's metric
//! browser reads. Works on already-found nodes; the store does the matching.

use super::form::unquote_plus;
use crate::render::json::write_str;
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

    #[test]
    fn text_is_unquoted_id_is_not() {
        let nodes = [node("a.x%2Ey", true)];
        assert_eq!(
            tree("a.*", &nodes, false),
            format!(r#"[{{"text": "x.y", "id": "a.x%2Ey", {LEAF}]"#)
        );
    }
}
