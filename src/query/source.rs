//! The store as the query side's [`Source`](super::Source): read-only access.

use super::Source;
use crate::series::Series;
use crate::store::{GlobError, Store};

impl Source for Store {
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        Store::fetch(self, pattern, from, until, now)
    }

    fn events(&self, _from: i64, _until: i64) -> Vec<(i64, Vec<String>)> {
        // The store keeps no events until the events endpoints land (issue #3); none exist.
        Vec::new()
    }

    fn names(&self) -> Vec<String> {
        Store::names(self).map(str::to_string).collect()
    }
}
