//! PNG rendering time: an 800×600 graph of 10 series × 1,000 points, and the default 330×250 graph
//! of one series, both from fixed sine data, with default options otherwise. SVG of the large case is
//! measured too, for comparison.

use criterion::{criterion_group, criterion_main, Criterion};
use pencil::render::graph::{self, GraphOptions};
use pencil::series::Series;
use pencil::time::Tz;

const START: i64 = 1_700_000_000;
const STEP: i64 = 60;

fn series(count: usize, points: usize) -> Vec<Series> {
    (0..count)
        .map(|k| {
            let values = (0..points)
                .map(|i| 100.0 + 50.0 * k as f64 + 40.0 * ((i as f64) / (20.0 + k as f64)).sin())
                .collect();
            Series::new(format!("bench.host{k:02}.cpu"), START, STEP, values)
        })
        .collect()
}

fn options(list: &[(&str, &str)]) -> GraphOptions {
    let params: Vec<(String, String)> = list
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    GraphOptions::from_params(&params, &Tz::utc()).expect("bench options are valid")
}

fn bench(c: &mut Criterion) {
    let ten = series(10, 1000);
    let big = options(&[("width", "800"), ("height", "600")]);
    let until = START + STEP * 1000;
    c.bench_function("png 800x600, 10 series x 1000 points", |b| {
        b.iter(|| graph::png(&ten, &big, START, until))
    });
    let one = series(1, 1000);
    let small = options(&[]);
    c.bench_function("png 330x250, 1 series x 1000 points", |b| {
        b.iter(|| graph::png(&one, &small, START, until))
    });
    c.bench_function("svg 800x600, 10 series x 1000 points", |b| {
        b.iter(|| graph::svg(&ten, &big, START, until))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
