//! Golden images: a dozen option sets rendered from fixed series, decoded and compared pixel for pixel
//! with `tests/golden/png/<case>.png`. `UPDATE_GOLDEN=1 cargo test --lib golden` rewrites them; a
//! mismatching image is written beside the target directory for a look.

use super::*;
use crate::time::Tz;

/// 2023-11-14 21:00:00 UTC, one hour of 10-second points before it.
const END: i64 = 1_700_000_000 - 1_700_000_000 % 3600;
const START: i64 = END - 3600;

fn wave(name: &str, f: impl Fn(f64) -> f64) -> Series {
    let values = (0..360).map(|i| f(i as f64)).collect();
    Series::new(name, START, 10, values)
}

fn three() -> Vec<Series> {
    vec![
        wave("gr.a", |i| 50.0 + 40.0 * (i / 20.0).sin()),
        wave("gr.b", |i| 30.0 + 20.0 * (i / 13.0).cos()),
        wave(
            "gr.c",
            |i| if i as i64 % 7 == 0 { f64::NAN } else { i * 1.5 },
        ),
    ]
}

fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn render(series: &[Series], list: &[(&str, &str)]) -> Vec<u8> {
    let opts = GraphOptions::from_params(&params(list), &Tz::utc()).expect("valid options");
    png(series, &opts, START, END)
}

/// The golden cases: name, series, parameters.
type Case = (&'static str, Vec<Series>, Vec<(&'static str, &'static str)>);

pub(crate) fn cases() -> Vec<Case> {
    let mut styled = three();
    styled[0].style.color = Some("orange".into());
    styled[1].style.dashed = Some(5.0);
    styled[2].style.line_width = Some(3.0);
    let mut second = three();
    second[2].style.second_y_axis = true;
    let mut between = vec![
        wave("lo", |i| 20.0 + 10.0 * (i / 30.0).sin()),
        wave("hi", |i| 60.0 + 15.0 * (i / 25.0).cos()),
    ];
    for s in &mut between {
        s.style.stacked = Some("__DEFAULT__".into());
        s.style.area_between = true;
    }
    let mut infinite = vec![
        wave("gr.a", |i| 50.0 + 40.0 * (i / 20.0).sin()),
        wave("deploys", |i| if i as i64 % 90 == 45 { 1.0 } else { 0.0 }),
    ];
    infinite[1].style.draw_as_infinite = true;
    let many: Vec<Series> = (0..12)
        .map(|k| {
            wave(&format!("host{k:02}.cpu"), move |i| {
                (k as f64 + 1.0) * 5.0 + (i / (10.0 + k as f64)).sin() * 4.0
            })
        })
        .collect();
    let big = vec![wave("bytes", |i| 3.0e9 + 1.0e9 * (i / 40.0).sin())];
    vec![
        ("default", three(), vec![]),
        (
            "wide_titled",
            three(),
            vec![
                ("width", "800"),
                ("height", "400"),
                ("title", "Hello <world>"),
                ("vtitle", "units"),
            ],
        ),
        (
            "stacked_alpha",
            three(),
            vec![("areaMode", "stacked"), ("areaAlpha", "0.5")],
        ),
        (
            "area_first",
            three(),
            vec![("areaMode", "first"), ("lineMode", "staircase")],
        ),
        (
            "styled_series",
            styled,
            vec![
                ("bgcolor", "black"),
                ("fgcolor", "white"),
                ("lineWidth", "2"),
            ],
        ),
        (
            "second_y_axis",
            second,
            vec![
                ("width", "500"),
                ("vtitleRight", "right"),
                ("yUnitSystem", "none"),
            ],
        ),
        (
            "area_between",
            between,
            vec![("colorList", "green,ff000080")],
        ),
        ("draw_as_infinite", infinite, vec![("hideLegend", "true")]),
        ("many_series_legend_hidden", many.clone(), vec![]),
        (
            "many_series_legend_shown",
            many,
            vec![
                ("hideLegend", "false"),
                ("height", "400"),
                ("uniqueLegend", "true"),
            ],
        ),
        (
            "binary_log",
            big.clone(),
            vec![("yUnitSystem", "binary"), ("logBase", "2")],
        ),
        (
            "si_ymin_ystep",
            big,
            vec![("yMin", "0"), ("yStep", "1000000000"), ("hideGrid", "true")],
        ),
        (
            "graph_only",
            three(),
            vec![("graphOnly", "true"), ("width", "200"), ("height", "80")],
        ),
        (
            "pie",
            three(),
            vec![("graphType", "pie"), ("valueLabels", "number")],
        ),
        ("no_data", vec![], vec![]),
    ]
}

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn golden_pngs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/png");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failed = Vec::new();
    for (name, series, list) in cases() {
        let got = render(&series, &list);
        let path = dir.join(format!("{name}.png"));
        if update {
            std::fs::create_dir_all(&dir).expect("golden dir");
            std::fs::write(&path, &got).expect("write golden");
            continue;
        }
        let want = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
        if decode(&got) != decode(&want) {
            let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/golden-actual");
            let _ = std::fs::create_dir_all(&out);
            let _ = std::fs::write(out.join(format!("{name}.png")), &got);
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "images differ (see target/golden-actual/): {failed:?}"
    );
}

#[test]
fn svg_is_well_formed_xml_with_escaped_labels() {
    for (name, series, list) in cases() {
        let opts = GraphOptions::from_params(&params(&list), &Tz::utc()).expect("valid options");
        let doc = svg(&series, &opts, START, END);
        let text = String::from_utf8(doc).expect("UTF-8");
        if let Err(e) = check_xml(&text) {
            panic!("{name}: {e}\n{}", &text[..text.len().min(2000)]);
        }
    }
    let opts =
        GraphOptions::from_params(&params(&[("title", "a<b & \"c\"")]), &Tz::utc()).expect("valid");
    let text = String::from_utf8(svg(&three(), &opts, START, END)).expect("UTF-8");
    assert!(text.contains("a&lt;b &amp; &quot;c&quot;"));
    check_xml(&text).expect("escaped title");
}

#[test]
fn png_and_svg_share_the_layout() {
    let opts = GraphOptions::from_params(&params(&[]), &Tz::utc()).expect("valid");
    let text = String::from_utf8(svg(&three(), &opts, START, END)).expect("UTF-8");
    // The y labels of the default graph, as graphite-web prints them.
    for label in [">0 <", ">200.0 <", ">600.0 <"] {
        assert!(text.contains(label), "{label} missing");
    }
    assert!(text.contains("metadata = {\"x\": {\"start\": "));
}

#[test]
fn side_styles_apply_only_with_a_second_axis() {
    let opts =
        GraphOptions::from_params(&params(&[("leftColor", "ff0000")]), &Tz::utc()).expect("valid");
    let one = String::from_utf8(svg(&three(), &opts, START, END)).expect("UTF-8");
    assert!(!one.contains("\"color\": \"#ff0000\""));
    let mut two = three();
    two[2].style.second_y_axis = true;
    let two = String::from_utf8(svg(&two, &opts, START, END)).expect("UTF-8");
    assert_eq!(
        two.matches("\"color\": \"#ff0000\"").count(),
        2,
        "gr.a and gr.b"
    );
}

#[test]
fn limits_and_layout_errors_name_what_to_change() {
    let opts = GraphOptions::from_params(&params(&[]), &Tz::utc()).expect("valid");
    let many: Vec<Series> = (0..=MAX_SERIES)
        .map(|i| wave(&format!("s{i}"), |_| 1.0))
        .collect();
    let fails = |r: Result<Vec<u8>, GraphError>| match r {
        Ok(_) => panic!("an image, expected an error"),
        Err(e) => e,
    };
    let e = fails(try_png(&many, &opts, START, END));
    assert_eq!(e.param, "target");
    let log = GraphOptions::from_params(&params(&[("logBase", "10")]), &Tz::utc()).expect("valid");
    let zero = vec![wave("z", |i| if i < 10.0 { 0.0 } else { i })];
    let e = fails(try_svg(&zero, &log, START, END));
    assert_eq!((e.param.as_str(), e.value.as_str()), ("logBase", "10"));
    let e = try_png(
        &zero,
        &GraphOptions::from_params(&params(&[("yMin", "5"), ("yMax", "1")]), &Tz::utc())
            .expect("valid"),
        START,
        END,
    )
    .expect_err("min above max");
    assert!(e.expected.contains("min must be less than the max"), "{e}");
    // The infallible entry points draw the message instead.
    let image = png(&zero, &log, START, END);
    assert_eq!(&image[1..4], b"PNG");
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -1.0e6..1.0e6f64,
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(-f64::INFINITY),
            1 => Just(1.0e300),
            1 => Just(0.0),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the data and options, both writers answer an image or an error, never a panic.
        #[test]
        fn any_data_and_options_render(
            values in proptest::collection::vec(proptest::collection::vec(value(), 0..40), 0..4),
            width in 1u32..120,
            height in 1u32..120,
            area in prop_oneof![Just("none"), Just("first"), Just("all"), Just("stacked")],
            mode in prop_oneof![Just("slope"), Just("staircase"), Just("connected")],
            flags in proptest::collection::vec(any::<bool>(), 6),
            pie in any::<bool>(),
        ) {
            let mut series: Vec<Series> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| Series::new(format!("s{i}"), START + i as i64 * 7, 10 + i as i64, v))
                .collect();
            if let Some(s) = series.first_mut() {
                s.style.second_y_axis = flags[3];
                s.style.draw_as_infinite = flags[4];
                s.style.stacked = flags[5].then(|| "x".to_string());
            }
            let (w, h) = (width.to_string(), height.to_string());
            let mut list = vec![("width", w.as_str()), ("height", h.as_str()), ("areaMode", area), ("lineMode", mode)];
            if flags[0] { list.push(("logBase", "10")); }
            if flags[1] { list.push(("title", "t\nu")); list.push(("vtitle", "v")); list.push(("vtitleRight", "r")); }
            if flags[2] { list.push(("areaAlpha", "0.5")); list.push(("drawNullAsZero", "true")); }
            if pie { list.push(("graphType", "pie")); }
            let opts = GraphOptions::from_params(&params(&list), &Tz::utc()).expect("valid");
            let image = png(&series, &opts, START, END);
            prop_assert_eq!(&image[1..4], b"PNG");
            let doc = String::from_utf8(svg(&series, &opts, START, END)).expect("UTF-8");
            prop_assert!(check_xml(&doc).is_ok());
        }
    }
}

/// A small well-formedness checker: balanced tags, quoted attributes, known entities, one root.
fn check_xml(doc: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = doc.strip_prefix("<?xml").ok_or("no XML declaration")?;
    rest = &rest[rest.find("?>").ok_or("unterminated declaration")? + 2..];
    let mut roots = 0;
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open])?;
        rest = &rest[open..];
        if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body.find("]]>").ok_or("unterminated CDATA")?;
            rest = &body[end + 3..];
            continue;
        }
        let close = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().ok_or("empty tag")?;
        check_attributes(&tag[name.len()..])?;
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name);
        }
    }
    check_text(rest)?;
    if !stack.is_empty() || roots != 1 {
        return Err(format!("unclosed {stack:?}, {roots} roots"));
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), String> {
    if text.contains('>') && !text.trim().is_empty() {
        return Err(format!("bare > in {text:?}"));
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let end = rest[amp..].find(';').ok_or("unterminated entity")?;
        let entity = &rest[amp + 1..amp + end];
        if !["amp", "lt", "gt", "quot", "apos"].contains(&entity) {
            return Err(format!("unknown entity &{entity};"));
        }
        rest = &rest[amp + end..];
    }
    Ok(())
}

fn check_attributes(mut attrs: &str) -> Result<(), String> {
    loop {
        attrs = attrs.trim_start();
        if attrs.is_empty() {
            return Ok(());
        }
        let eq = attrs
            .find('=')
            .ok_or(format!("attribute without value: {attrs:?}"))?;
        let value = attrs[eq + 1..]
            .strip_prefix('"')
            .ok_or("unquoted attribute")?;
        let end = value.find('"').ok_or("unterminated attribute")?;
        let v = &value[..end];
        if v.contains('<') {
            return Err(format!("< in attribute {v:?}"));
        }
        check_text(v)?;
        attrs = &value[end + 1..];
    }
}
