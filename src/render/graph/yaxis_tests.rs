//! Expected values printed by graphite-web 1.1.8's own `_LinearAxisTics` / `_LogAxisTics`.

use super::*;

fn settings(min: Option<f64>, max: AxisMax, limit: Option<f64>, step: Option<f64>) -> AxisSettings {
    AxisSettings {
        min,
        max,
        limit,
        step,
    }
}

const AUTO: AxisSettings = AxisSettings {
    min: None,
    max: AxisMax::Auto,
    limit: None,
    step: None,
};

fn axis(min: f64, max: f64, s: AxisSettings, divisors: &[f64], units: UnitSystem) -> Axis {
    build(min, max, &s, divisors, units, None).expect("axis")
}

/// Each case: data min and max, settings, divisors, units => step, bottom, top, labels.
macro_rules! axes {
    ($($min:expr, $max:expr, $s:expr, $div:expr, $u:expr => $step:expr, $bottom:expr, $top:expr, $labels:expr;)*) => {$(
        let a = axis($min, $max, $s, &$div, $u);
        assert_eq!(a.step, Some($step), "step of {}..{}", $min, $max);
        assert!((a.bottom - $bottom as f64).abs() < 1e-9, "bottom {} of {}..{}", a.bottom, $min, $max);
        assert!((a.top - $top as f64).abs() < 1e-9, "top {} of {}..{}", a.top, $min, $max);
        assert_eq!(a.labels, $labels, "labels of {}..{}", $min, $max);
    )*};
}

const D: [f64; 3] = [4.0, 5.0, 6.0];
use UnitSystem::{Binary, Sec, Si};

#[test]
fn nice_steps_and_labels_match_graphite_web() {
    axes! {
        0.0, 540.0, AUTO, D, Si => 100.0, 0, 600, ["0 ", "100.0 ", "200.0 ", "300.0 ", "400.0 ", "500.0 ", "600.0 "];
        10.0, 90.0, AUTO, D, Si => 20.0, 0, 100, ["0 ", "20.0 ", "40.0 ", "60.0 ", "80.0 ", "100.0 "];
        0.0, 1.0, AUTO, D, Si => 0.2, 0, 1, ["0 ", "0.20 ", "0.40 ", "0.60 ", "0.80 ", "1.00 "];
        0.001, 0.0042, AUTO, D, Si => 0.001, 0.001, 0.005, ["0.001 ", "0.002 ", "0.003 ", "0.004 ", "0.005 "];
        -3.0, 7.0, AUTO, D, Si => 2.0, -4, 8, ["-4 ", "-2 ", "0 ", "2.0 ", "4.0 ", "6.0 ", "8.0 "];
        5.0, 5.0, AUTO, D, Si => 0.2, 4.4, 5.6, ["4.40 ", "4.60 ", "4.80 ", "5.00 ", "5.20 ", "5.40 ", "5.60 "];
        0.0, 0.0, AUTO, D, Si => 0.5, -1, 1, ["-1 ", "-0.5 ", "0 ", "0.50 ", "1.00 "];
        2e9, 4e9, AUTO, D, Si => 5e8, 2e9, 4e9, ["2000.0 M ", "2500.0 M ", "3000.0 M ", "3500.0 M ", "4000.0 M "];
        1.0, 1023.0, AUTO, D, Si => 200.0, 0, 1200, ["0 ", "200.0 ", "400.0 ", "600.0 ", "800.0 ", "1000.0 ", "1200.0 "];
        0.0, 1e9, AUTO, D, Binary => 268435456.0, 0, 1073741824.0, ["0 ", "256.0 Mi ", "512.0 Mi ", "768.0 Mi ", "1024.0 Mi "];
        0.0, 5000.0, AUTO, D, Sec => 1000.0, 0, 5000, ["0 ", "16.7 m ", "33.3 m ", "50.0 m ", "66.7 m ", "83.3 m "];
        10.0, 90.0, settings(Some(0.0), AxisMax::Value(200.0), None, None), D, Si => 50.0, 0, 200, ["0 ", "50.0 ", "100.0 ", "150.0 ", "200.0 "];
        10.0, 90.0, settings(None, AxisMax::Auto, Some(50.0), None), D, Si => 10.0, 10, 50, ["10.0 ", "20.0 ", "30.0 ", "40.0 ", "50.0 "];
        10.0, 90.0, settings(None, AxisMax::Auto, None, Some(7.0)), D, Si => 7.0, 7, 91, ["7.0 ", "14.0 ", "21.0 ", "28.0 ", "35.0 ", "42.0 ", "49.0 ", "56.0 ", "63.0 ", "70.0 ", "77.0 ", "84.0 ", "91.0 "];
        10.0, 90.0, AUTO, [3.0], Si => 50.0, 0, 100, ["0 ", "50.0 ", "100.0 "];
    }
}

#[test]
fn log_axes_match_graphite_web() {
    let a = build(2e9, 4e9, &AUTO, &D, Binary, Some(2.0)).expect("axis");
    assert_eq!((a.bottom, a.top), (1073741824.0, 4294967296.0));
    assert_eq!(a.labels, ["1.0 Gi ", "2.0 Gi ", "4.0 Gi "]);
    let a = build(3.0, 4000.0, &AUTO, &D, Si, Some(10.0)).expect("axis");
    assert_eq!((a.bottom, a.top), (1.0, 10000.0));
    assert_eq!(a.labels, ["1.0 ", "10.0 ", "100.0 ", "1.0 k ", "10.0 k "]);
    let err = build(0.0, 10.0, &AUTO, &D, Si, Some(10.0)).expect_err("log of zero");
    assert!(err.contains("less than or equal to zero"), "{err}");
}

#[test]
fn impossible_limits_are_errors() {
    let s = settings(Some(10.0), AxisMax::Value(5.0), None, None);
    assert_eq!(
        build(0.0, 1.0, &s, &D, Si, None).expect_err("min above max"),
        "the min must be less than the max"
    );
}

#[test]
fn values_map_between_the_outer_labels() {
    let a = axis(0.0, 540.0, AUTO, &D, Si);
    assert_eq!(a.y(0.0, 10.0, 210.0), Some(210.0));
    assert_eq!(a.y(600.0, 10.0, 210.0), Some(10.0));
    assert_eq!(a.y(300.0, 10.0, 210.0), Some(110.0));
    let log = build(3.0, 4000.0, &AUTO, &D, Si, Some(10.0)).expect("axis");
    assert_eq!(log.y(0.0, 0.0, 100.0), None);
    assert_eq!(log.y(100.0, 0.0, 100.0), Some(50.0));
}
