use super::*;

fn parse(list: &[(&str, &str)]) -> Result<GraphOptions, GraphError> {
    let params: Vec<(String, String)> = list
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    GraphOptions::from_params(&params, &Tz::utc())
}

fn ok(list: &[(&str, &str)]) -> GraphOptions {
    parse(list).unwrap_or_else(|e| panic!("{list:?}: {e}"))
}

/// Each case: parameters, then a check on the parsed options.
macro_rules! parses {
    ($($params:expr => |$o:ident| $check:expr;)*) => {$(
        let $o = ok(&$params);
        assert!($check, "{:?}", $params);
    )*};
}

/// Each case: parameters, then the parameter the error must name.
macro_rules! refuses {
    ($($params:expr => $param:expr;)*) => {$(
        match parse(&$params) {
            Ok(_) => panic!("{:?} was accepted", $params),
            Err(e) => {
                assert_eq!(e.param, $param, "{:?}: {e}", $params);
                assert!(e.to_string().contains($param), "{e}");
            }
        }
    )*};
}

#[test]
fn defaults_are_graphite_webs() {
    let o = ok(&[]);
    assert_eq!((o.width, o.height, o.margin), (330, 250, 10.0));
    assert_eq!(o.background, Rgba::rgb(255, 255, 255));
    assert_eq!(o.foreground, Rgba::rgb(0, 0, 0));
    assert_eq!(o.major_grid, Rgba::rgb(200, 150, 200));
    assert_eq!(o.minor_grid, Rgba::rgb(175, 175, 175));
    assert_eq!(o.colors.len(), 12);
    assert_eq!(o.colors[0], Rgba::rgb(100, 100, 255));
    assert_eq!((o.font_size, o.font_bold, o.line_width), (10.0, false, 1.2));
    assert_eq!(
        (o.line_mode, o.area_mode),
        (LineMode::Slope, AreaMode::None)
    );
    assert_eq!(o.hide_legend, None);
    assert_eq!(o.y_divisors, vec![4.0, 5.0, 6.0]);
    assert_eq!(
        (o.unit_system, o.log_base, o.minor_y),
        (UnitSystem::Si, None, 1)
    );
    assert_eq!(o.graph_type, GraphType::Line);
    assert_eq!(o.y.max, AxisMax::Auto);
}

#[test]
fn values_are_coerced_like_graphite_web() {
    parses! {
        [("width", "800"), ("height", "600.7")] => |o| (o.width, o.height) == (800, 600);
        [("width", ""), ("height", "default")] => |o| (o.width, o.height) == (330, 250);
        [("width", "100"), ("width", "200")] => |o| o.width == 200;
        [("margin", "-5")] => |o| o.margin == 10.0;
        [("bgcolor", "000000"), ("fgcolor", "%23ffffff")] => |o| o.background == Rgba::rgb(0, 0, 0) && o.foreground == Rgba::rgb(255, 255, 255);
        [("majorGridLineColor", "red"), ("minorGridLineColor", "00ff0080")] => |o| o.major_grid == Rgba::rgb(200, 0, 50) && o.minor_grid == Rgba::new(0, 255, 0, 128);
        [("colorList", "red,blue")] => |o| o.colors == vec![Rgba::rgb(200, 0, 50), Rgba::rgb(100, 100, 255)];
        [("colorList", "red%2Cgreen")] => |o| o.colors.len() == 2;
        [("template", "noc")] => |o| o.background == Rgba::rgb(0, 0, 0) && o.colors[3] == Rgba::rgb(255, 255, 0);
        [("template", "summary")] => |o| o.background == Rgba::rgb(0, 0, 0) && o.foreground == Rgba::rgb(0, 0, 0) && o.colors.len() == 3;
        [("template", "nonesuch")] => |o| o.background == Rgba::rgb(255, 255, 255);
        [("template", "noc"), ("bgcolor", "blue")] => |o| o.background == Rgba::rgb(100, 100, 255);
        [("fontSize", "12.9"), ("fontBold", "true")] => |o| o.font_size == 12.0 && o.font_bold;
        [("hideLegend", "false")] => |o| o.hide_legend == Some(false);
        [("hideLegend", "1"), ("hideAxes", "0"), ("hideGrid", "yes")] => |o| o.hide_legend == Some(true) && !o.hide_axes && o.hide_grid;
        [("thickness", "3")] => |o| o.line_width == 3.0;
        [("lineWidth", "2"), ("thickness", "3")] => |o| o.line_width == 2.0;
        [("lineMode", "Staircase"), ("areaMode", "STACKED")] => |o| o.line_mode == LineMode::Staircase && o.area_mode == AreaMode::Stacked;
        [("yMin", "-5"), ("yMax", "max"), ("yLimit", "80"), ("yStep", "2.5")] => |o| o.y.min == Some(-5.0) && o.y.max == AxisMax::Extremum && o.y.limit == Some(80.0) && o.y.step == Some(2.5);
        [("min", "1"), ("max", "9")] => |o| o.y.min == Some(1.0) && o.y.max == AxisMax::Value(9.0);
        [("yMin", "2"), ("min", "1")] => |o| o.y.min == Some(2.0);
        [("yMinLeft", "1"), ("yMaxRight", "5"), ("yStepRight", "1")] => |o| o.y_left.min == Some(1.0) && o.y_right.max == AxisMax::Value(5.0) && o.y_right.step == Some(1.0);
        [("yUnitSystem", "Binary")] => |o| o.unit_system == UnitSystem::Binary;
        [("yUnitSystem", "furlongs")] => |o| o.unit_system == UnitSystem::Si;
        [("logBase", "e")] => |o| o.log_base == Some(std::f64::consts::E);
        [("logBase", "10")] => |o| o.log_base == Some(10.0);
        [("logBase", "0.5")] => |o| o.log_base.is_none();
        [("yDivisors", "3,7")] => |o| o.y_divisors == vec![3.0, 7.0];
        [("areaAlpha", "0.3")] => |o| o.area_alpha == Some(0.3);
        [("areaAlpha", "0")] => |o| o.area_alpha.is_none();
        [("connectedLimit", "3")] => |o| o.connected_limit == Some(3.0);
        [("title", "Disk+usage%21"), ("vtitle", "1.50")] => |o| o.title == "Disk usage!" && o.vtitle == "1.5";
        [("title", "007")] => |o| o.title == "7";
        [("xFormat", "%H:%M")] => |o| o.x_format.as_deref() == Some("%H:%M");
        [("leftColor", "red"), ("rightWidth", "3"), ("rightDashed", "4")] => |o| o.left.color == Some(Rgba::rgb(200, 0, 50)) && o.right.width == Some(3.0) && o.right.dashed == Some(4.0);
        [("graphType", "pie")] => |o| o.graph_type == GraphType::Pie && o.pie_mode == PieMode::Average;
        [("pieMode", "minimum"), ("valueLabels", "number"), ("valueLabelsMin", "1")] => |o| o.pie_mode == PieMode::Minimum && o.value_labels == ValueLabels::Number && o.value_labels_min == 1.0;
        [("yAxisSide", "right"), ("minorY", "3"), ("minXStep", "2")] => |o| o.y_axis_side == Side::Right && o.minor_y == 3 && o.min_x_step == 2.0;
        [("uniqueLegend", "true"), ("hideNullFromLegend", "true"), ("drawNullAsZero", "true")] => |o| o.unique_legend && o.hide_null_from_legend && o.draw_null_as_zero;
        [("graphOnly", "true"), ("hideXAxis", "true"), ("hideYAxis", "true")] => |o| o.graph_only && o.hide_x_axis && o.hide_y_axis;
        [("fontName", "Arial")] => |o| o.font_size == 10.0;
    }
}

#[test]
fn bad_values_name_the_parameter() {
    refuses! {
        [("width", "wide")] => "width";
        [("width", "0")] => "width";
        [("height", "100000")] => "height";
        [("bgcolor", "chartreuse")] => "bgcolor";
        [("fgcolor", "true")] => "fgcolor";
        [("colorList", "red,nope")] => "colorList";
        [("lineMode", "curvy")] => "lineMode";
        [("areaMode", "some")] => "areaMode";
        [("pieMode", "median")] => "pieMode";
        [("graphType", "bar")] => "graphType";
        [("valueLabels", "all")] => "valueLabels";
        [("yAxisSide", "top")] => "yAxisSide";
        [("lineWidth", "thick")] => "lineWidth";
        [("fontSize", "0")] => "fontSize";
        [("fontSize", "big")] => "fontSize";
        [("fontItalic", "true")] => "fontItalic";
        [("yMin", "low")] => "yMin";
        [("yMax", "high")] => "yMax";
        [("yStep", "0")] => "yStep";
        [("logBase", "1")] => "logBase";
        [("logBase", "ten")] => "logBase";
        [("yDivisors", "4,x")] => "yDivisors";
        [("yDivisors", "0")] => "yDivisors";
        [("minXStep", "0")] => "minXStep";
        [("connectedLimit", "soon")] => "connectedLimit";
        [("areaAlpha", "half")] => "areaAlpha";
        [("pieLabels", "rotated")] => "pieLabels";
    }
}
