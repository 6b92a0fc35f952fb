//! Renders a graph with pencil's renderer from graphite-web's JSON render answer, so `make gallery`
//! can put pencil's picture beside graphite-web's for the same data.
//!
//! usage: render_graph JSON_FILE OUT_FILE [--svg] [--style INDEX:KEY[=VALUE]]... [PARAM=VALUE]...
//! Styles stand in for the Graph functions (which the JSON answer does not carry): color, lineWidth,
//! dashed, stacked, secondYAxis, drawAsInfinite, alpha, areaBetween.

use pencil::render::graph::{self, GraphOptions};
use pencil::series::Series;
use pencil::time::Tz;
use std::process::ExitCode;

fn series_from_json(text: &str) -> Result<Vec<Series>, String> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("JSON: {e}"))?;
    let list = doc.as_array().ok_or("JSON answer is not a list")?;
    let mut out = Vec::new();
    for item in list {
        let name = item["target"].as_str().ok_or("series without target")?;
        let points = item["datapoints"]
            .as_array()
            .ok_or("series without datapoints")?;
        let ts: Vec<i64> = points.iter().filter_map(|p| p[1].as_i64()).collect();
        let values: Vec<f64> = points
            .iter()
            .map(|p| p[0].as_f64().unwrap_or(f64::NAN))
            .collect();
        let step = if ts.len() > 1 { ts[1] - ts[0] } else { 60 };
        out.push(Series::new(
            name,
            ts.first().copied().unwrap_or(0),
            step,
            values,
        ));
    }
    Ok(out)
}

fn apply_style(series: &mut [Series], spec: &str) -> Result<(), String> {
    let (index, rest) = spec
        .split_once(':')
        .ok_or(format!("style {spec:?}: expected INDEX:KEY[=VALUE]"))?;
    let index: usize = index
        .parse()
        .map_err(|_| format!("style {spec:?}: bad index"))?;
    let s = series
        .get_mut(index)
        .ok_or(format!("style {spec:?}: no series {index}"))?;
    let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
    let number = || {
        value
            .parse::<f64>()
            .map_err(|_| format!("style {spec:?}: expected a number"))
    };
    match key {
        "color" => s.style.color = Some(value.to_string()),
        "lineWidth" => s.style.line_width = Some(number()?),
        "dashed" => s.style.dashed = Some(if value.is_empty() { 5.0 } else { number()? }),
        "stacked" => s.style.stacked = Some("__DEFAULT__".into()),
        "secondYAxis" => s.style.second_y_axis = true,
        "drawAsInfinite" => s.style.draw_as_infinite = true,
        "alpha" => s.style.alpha = Some(number()?),
        "areaBetween" => {
            s.style.stacked = Some("__DEFAULT__".into());
            s.style.area_between = true;
        }
        other => return Err(format!("style {spec:?}: unknown key {other}")),
    }
    Ok(())
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let json = args
        .next()
        .ok_or("usage: render_graph JSON_FILE OUT_FILE [options]")?;
    let out = args.next().ok_or("missing OUT_FILE")?;
    let text = std::fs::read_to_string(&json).map_err(|e| format!("{json}: {e}"))?;
    let mut series = series_from_json(&text)?;
    let (mut params, mut svg, mut styles) = (Vec::new(), false, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--svg" => svg = true,
            "--style" => styles.push(args.next().ok_or("--style needs a value")?),
            kv => {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or(format!("{kv:?}: expected PARAM=VALUE"))?;
                params.push((k.to_string(), v.to_string()));
            }
        }
    }
    for spec in &styles {
        apply_style(&mut series, spec)?;
    }
    let opts = GraphOptions::from_params(&params, &Tz::utc()).map_err(|e| e.to_string())?;
    let from = series.iter().map(|s| s.start).min().unwrap_or(0);
    let until = series.iter().map(|s| s.end()).max().unwrap_or(0);
    let bytes = if svg {
        graph::svg(&series, &opts, from, until)
    } else {
        graph::png(&series, &opts, from, until)
    };
    std::fs::write(&out, bytes).map_err(|e| format!("{out}: {e}"))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("render_graph: {e}");
            ExitCode::FAILURE
        }
    }
}
