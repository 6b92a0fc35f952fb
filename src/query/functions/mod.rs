//! The function library, one file per graphite-web group. Each family file ends with its
//! `SPECS` table; this module only chains the tables. Nothing here switches on a function's
//! name: variants are one-line wrappers around a shared body.

use super::registry::FunctionSpec;

mod alias;
mod calculate;
mod combine;
mod combine_group;
mod combine_pair;
mod filter;
mod filter_data;
mod filter_list;
mod generators;
mod graph;
mod holt_winters;
mod legend;
mod moving;
mod pyre;
mod rates;
mod sort;
mod special;
mod summarize;
mod transform;
mod transform_time;

/// Tag expressions, also read by the HTTP tag auto-completion.
pub(crate) use special::TagTerm;

/// Every family's table with the Rust module that holds it (`/functions` shows it as
/// `module`), in graphite-web's group order. A new family file adds one line here.
pub fn families() -> &'static [(&'static str, &'static [FunctionSpec])] {
    &[
        ("pencil::query::functions::combine", combine::SPECS),
        (
            "pencil::query::functions::combine_pair",
            combine_pair::SPECS,
        ),
        (
            "pencil::query::functions::combine_group",
            combine_group::SPECS,
        ),
        ("pencil::query::functions::transform", transform::SPECS),
        ("pencil::query::functions::rates", rates::SPECS),
        ("pencil::query::functions::summarize", summarize::SPECS),
        (
            "pencil::query::functions::transform_time",
            transform_time::SPECS,
        ),
        ("pencil::query::functions::generators", generators::SPECS),
        ("pencil::query::functions::calculate", calculate::SPECS),
        ("pencil::query::functions::moving", moving::SPECS),
        (
            "pencil::query::functions::holt_winters",
            holt_winters::SPECS,
        ),
        ("pencil::query::functions::filter", filter::SPECS),
        ("pencil::query::functions::filter_list", filter_list::SPECS),
        ("pencil::query::functions::filter_data", filter_data::SPECS),
        ("pencil::query::functions::sort", sort::SPECS),
        ("pencil::query::functions::alias", alias::SPECS),
        ("pencil::query::functions::legend", legend::SPECS),
        ("pencil::query::functions::graph", graph::SPECS),
        ("pencil::query::functions::special", special::SPECS),
    ]
}

/// Every function and alias, family by family.
pub fn all() -> impl Iterator<Item = &'static FunctionSpec> {
    families().iter().flat_map(|(_, specs)| specs.iter())
}

/// The spec called `name`, aliases included.
pub fn lookup(name: &str) -> Option<&'static FunctionSpec> {
    all().find(|s| s.name == name)
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = super::all().map(|s| s.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a function name appears in two tables");
    }
}
