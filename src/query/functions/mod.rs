//! The function library, one file per graphite-web group. Each family file ends with its
//! `SPECS` table; this module only chains the tables. Nothing here switches on a function's
//! name: variants are one-line wrappers around a shared body.

use super::registry::FunctionSpec;

mod alias;
mod calculate;
mod combine;
mod filter;
mod filter_data;
mod filter_list;
mod graph;
mod holt_winters;
mod legend;
mod moving;
mod pyre;
mod sort;
mod special;
mod transform;

/// Every function and alias, family by family.
pub fn all() -> impl Iterator<Item = &'static FunctionSpec> {
    [
        combine::SPECS,
        transform::SPECS,
        calculate::SPECS,
        moving::SPECS,
        holt_winters::SPECS,
        filter::SPECS,
        filter_list::SPECS,
        filter_data::SPECS,
        sort::SPECS,
        alias::SPECS,
        legend::SPECS,
        graph::SPECS,
        special::SPECS,
    ]
    .into_iter()
    .flatten()
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
