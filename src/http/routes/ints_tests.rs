//! Python ints in render answers (graphite.md 3.3): which values graphite-web 1.1.8 prints as
//! `3` rather than `3.0`. Every expectation was read off the reference graphite-web fed the
//! same points (`ql.a 1, 2, -, 4`, `ql.b 3, -, 5`, `ql.c 1.5`, step 10).

use super::tests::{ask, get, FakeStore, NOW};
use crate::series::Series;

const N: f64 = f64::NAN;

fn ql() -> FakeStore {
    let at = |name: &str, values: &[f64]| Series::new(name, NOW - 60, 10, values.to_vec());
    FakeStore {
        series: vec![
            at("ql.a", &[1.0, 2.0, N, 4.0, N, N]),
            at("ql.b", &[3.0, N, 5.0, N, N, N]),
            at("ql.c", &[1.5, N, N, N, N, N]),
        ],
        ..FakeStore::default()
    }
}

/// The values part of the raw answer (after `|`) for `target`.
fn raw_values(target: &str) -> String {
    let (status, body) = ask(&ql(), &get(&format!("/render?target={target}&format=raw")));
    assert_eq!(status, 200, "{target}: {body}");
    match body.split_once('|') {
        Some((_, values)) => values.trim_end().to_string(),
        None => panic!("{target}: no values in {body:?}"),
    }
}

macro_rules! prints {
    ($($target:expr => $values:expr;)*) => {$(
        assert_eq!(raw_values($target), $values, "{}", $target);
    )*};
}

#[test]
fn producers_of_python_ints() {
    prints! {
        "countSeries(ql.*)" => "3,3,3,3,3,3";
        "aggregate(ql.*,'count')" => "3,1,1,1,None,None";
        "groupByNode(ql.*,0,'count')" => "3,1,1,1,None,None";
        "isNonNull(ql.a)" => "1,1,0,1,0,0";
        "changed(ql.a)" => "0,1,0,1,0,0";
        "summarize(ql.a,'1min','count')" => "2,1";
        "summarize(ql.a,'1min','sum')" => "3.0,4.0";
        "smartSummarize(ql.a,'1min','count')" => "3";
        "smartSummarize(ql.a,'1min','max')" => "4.0";
        // Only the unwritten default is the int 0; a written 0 is parsed as a float.
        "transformNull(ql.a)" => "1.0,2.0,0,4.0,0,0";
        "transformNull(ql.a,0)" => "1.0,2.0,0.0,4.0,0.0,0.0";
    }
}

#[test]
fn identity_values_are_int_timestamps() {
    let (_, raw) = ask(
        &ql(),
        &get("/render?target=identity('x')&format=raw&from=-3min"),
    );
    let t = NOW - 180;
    assert_eq!(
        raw,
        format!("x,{t},{},60|{t},{},{}\n", t + 180, t + 60, t + 120)
    );
}

#[test]
fn ints_survive_what_python_keeps_as_ints() {
    prints! {
        "alias(countSeries(ql.*),'n')" => "3,3,3,3,3,3";
        "sortByMaxima(countSeries(ql.*))" => "3,3,3,3,3,3";
        "stacked(countSeries(ql.*))" => "3,3,3,3,3,3";
        "delay(isNonNull(ql.a),1)" => "None,1,1,0,1,0";
        "keepLastValue(transformNull(ql.a))" => "1.0,2.0,0,4.0,0,0";
        "keepLastValue(aggregate(ql.*,'count'))" => "3,1,1,1,1,1";
        "keepLastValue(ql.a)" => "1.0,2.0,2.0,4.0,4.0,4.0";
        "timeShift(countSeries(ql.*),'10s')" => "3,3,3,3,3,3";
        "absolute(countSeries(ql.*))" => "3,3,3,3,3,3";
        "derivative(isNonNull(ql.a))" => "None,0,-1,1,-1,0";
        "removeBelowValue(isNonNull(ql.a),1)" => "1,1,None,1,None,None";
        "sumSeries(countSeries(ql.*))" => "3,3,3,3,3,3";
        "maxSeries(countSeries(ql.*))" => "3,3,3,3,3,3";
        "diffSeries(countSeries(ql.*),isNonNull(ql.a))" => "2,2,3,2,3,3";
        "minSeries(isNonNull(ql.a),countSeries(ql.*))" => "1,1,0,1,0,0";
        // Row by row: an int where ql.a is None, a float where it adds a float.
        "sumSeries(countSeries(ql.*),ql.a)" => "4.0,5.0,3,7.0,3,3";
    }
}

#[test]
fn float_arithmetic_gives_floats_again() {
    prints! {
        "scale(countSeries(ql.*),1.5)" => "4.5,4.5,4.5,4.5,4.5,4.5";
        "scale(countSeries(ql.*),2)" => "6.0,6.0,6.0,6.0,6.0,6.0";
        "offset(countSeries(ql.*),1)" => "4.0,4.0,4.0,4.0,4.0,4.0";
        "averageSeries(countSeries(ql.*))" => "3.0,3.0,3.0,3.0,3.0,3.0";
        "rangeOfSeries(countSeries(ql.*))" => "0.0,0.0,0.0,0.0,0.0,0.0";
        "multiplySeries(countSeries(ql.*),countSeries(ql.*))" => "9.0,9.0,9.0,9.0,9.0,9.0";
        "integral(isNonNull(ql.a))" => "1.0,2.0,2.0,3.0,3.0,3.0";
    }
}

#[test]
fn json_and_csv_print_ints_too() {
    let (_, json) = ask(&ql(), &get("/render?target=isNonNull(ql.c)&format=json"));
    assert!(
        json.contains(&format!(
            "\"datapoints\": [[1, {}], [0, {}]",
            NOW - 60,
            NOW - 50
        )),
        "{json}"
    );
    let (_, csv) = ask(&ql(), &get("/render?target=isNonNull(ql.c)&format=csv"));
    assert!(
        csv.starts_with("isNonNull(ql.c),2020-09-13 12:25:40,1\r\n"),
        "{csv}"
    );
    // maxDataPoints averages buckets into new values, floats as in Python's division.
    let (_, consolidated) = ask(
        &ql(),
        &get("/render?target=isNonNull(ql.c)&format=json&maxDataPoints=2"),
    );
    assert!(
        consolidated.contains("[[0.5, 1599999930], [0.0, "),
        "{consolidated}"
    );
}
