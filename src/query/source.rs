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

    fn events(&self, from: i64, until: i64) -> Vec<(i64, Vec<String>)> {
        (self.events().range(from, until))
            .map(|e| (e.when, e.tag_names().to_vec()))
            .collect()
    }

    fn names(&self) -> Vec<String> {
        Store::names(self).map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreConfig;

    #[test]
    fn events_in_range_oldest_first_with_tags() {
        let cfg = StoreConfig {
            memory: 1 << 20,
            schemas: Vec::new(),
            aggregation: Vec::new(),
            future_tolerance: 600,
            strict_last_wins: false,
        };
        let mut s = Store::new(&cfg).expect("fits");
        let tags = |t: &[&str]| t.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        s.add_event(30, "b".into(), String::new(), "x".into())
            .expect("fits");
        // Matched by django-tagging's names: a comma makes "y z" one name.
        s.add_event(10, "a".into(), String::new(), "y z, x".into())
            .expect("fits");
        s.add_event(50, "c".into(), String::new(), String::new())
            .expect("fits");
        assert_eq!(
            Source::events(&s, 10, 30),
            vec![(10, tags(&["x", "y z"])), (30, tags(&["x"]))]
        );
        assert_eq!(Source::events(&s, 31, 60), vec![(50, Vec::new())]);
    }
}
