//! The store configuration the snapshot benches share: pencil's built-in schema (every metric
//! `10s:6h,1m:7d,1h:1y`) and one average rule for every metric.

use pencil::config::{AggMethod, AggregationRule, Retention, Schema, StoreConfig};

/// One metric of this schema is 168000 bytes of rings.
pub fn config(memory: u64, x_files_factor: f32) -> StoreConfig {
    let archives = [(10, 2160), (60, 10080), (3600, 8760)];
    StoreConfig {
        memory,
        schemas: vec![Schema {
            name: "default".into(),
            pattern: regex_lite::Regex::new(".*").expect("literal pattern"),
            text: "10s:6h,1m:7d,1h:1y".into(),
            archives: archives
                .iter()
                .map(|&(step, points)| Retention { step, points })
                .collect(),
        }],
        aggregation: vec![AggregationRule {
            name: "default".into(),
            pattern: regex_lite::Regex::new(".*").expect("literal pattern"),
            x_files_factor,
            method: AggMethod::Average,
        }],
        future_tolerance: 600,
        strict_last_wins: false,
    }
}
