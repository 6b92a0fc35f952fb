//! Canvas tests: blending arithmetic, clipping, crisp shapes, and a sample picture decoded back from PNG
//! (also written to `target/raster-sample.png` for a human look).

use super::*;
use crate::render::text::{self, Direction, Font};

const WHITE: Rgba = Rgba::rgb(255, 255, 255);
const BLACK: Rgba = Rgba::rgb(0, 0, 0);
const RED: Rgba = Rgba::rgb(255, 0, 0);

fn pts(list: &[(f32, f32)]) -> Vec<Point> {
    list.iter().map(|&(x, y)| Point::new(x, y)).collect()
}

macro_rules! blend_cases {
    ($($name:ident: $dst:expr, $src:expr, $alpha:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let mut canvas = Canvas::new(1, 1, $dst);
            canvas.fill_rect(Rect::new(0, 0, 1, 1), Paint { colour: $src, alpha: $alpha });
            assert_eq!(canvas.pixel(0, 0), Some($want));
        }
    )*};
}

blend_cases! {
    opaque_replaces: WHITE, RED, 1.0 => RED;
    half_global_alpha: WHITE, RED, 0.5 => Rgba::rgb(255, 127, 127);
    colour_alpha_and_global_alpha_multiply: WHITE, Rgba::new(0, 0, 0, 128), 0.5 => Rgba::rgb(191, 191, 191);
    zero_alpha_keeps_destination: WHITE, RED, 0.0 => WHITE;
    onto_transparent_keeps_straight_colour: Rgba::new(0, 0, 0, 0), RED, 0.5 => Rgba::new(255, 0, 0, 128);
    onto_half_transparent: Rgba::new(0, 0, 255, 128), RED, 0.5 => Rgba::new(170, 0, 85, 192);
}

#[test]
fn filled_square_area_matches() {
    let mut canvas = Canvas::new(50, 50, WHITE);
    canvas.fill_polygon(
        &pts(&[(10.3, 10.6), (30.3, 10.6), (30.3, 30.6), (10.3, 30.6)]),
        Paint::solid(BLACK),
    );
    let ink: f32 = canvas
        .pixels()
        .chunks(4)
        .map(|p| (255 - p[0]) as f32 / 255.0)
        .sum();
    assert!((ink - 400.0).abs() < 4.0, "ink {ink}");
    assert_eq!(
        canvas.pixel(10, 20),
        Some(Rgba::rgb(77, 77, 77)),
        "70% covered column"
    );
}

#[test]
fn clip_is_never_overstepped() {
    let clip = Rect::new(7, 5, 31, 22);
    let mut canvas = Canvas::new(40, 30, WHITE);
    canvas.set_clip(clip);
    let paint = Paint::solid(BLACK);
    canvas.fill_polygon(&pts(&[(-5.0, -5.0), (45.0, 2.0), (20.0, 40.0)]), paint);
    let zigzag: Vec<Point> = (0..60)
        .map(|i| Point::new(i as f32 - 10.0, if i % 2 == 0 { -3.0 } else { 35.0 }))
        .collect();
    canvas.stroke_polyline(
        &zigzag,
        &Stroke {
            width: 3.0,
            dash: &[],
        },
        paint,
    );
    canvas.fill_rect(
        Rect::new(-10, -10, 100, 100),
        Paint {
            colour: RED,
            alpha: 0.3,
        },
    );
    canvas.hline(-100, 100, 4, paint);
    text::draw_text(
        &mut canvas,
        Point::new(0.0, 10.0),
        "Clipped",
        Font::new(14.0, true),
        BLACK,
    );
    for y in 0..30 {
        for x in 0..40 {
            let inside = (clip.x0..clip.x1).contains(&(x as i32))
                && (clip.y0..clip.y1).contains(&(y as i32));
            let p = canvas.pixel(x, y).expect("in canvas");
            assert_eq!(p != WHITE, inside, "pixel ({x}, {y}) = {p:?}");
        }
    }
    canvas.reset_clip();
    canvas.hline(0, 40, 0, paint);
    assert_eq!(canvas.pixel(0, 0), Some(BLACK));
}

#[test]
fn crisp_lines_touch_exactly_their_pixels() {
    let mut canvas = Canvas::new(10, 10, WHITE);
    canvas.hline(2, 8, 3, Paint::solid(BLACK));
    canvas.vline(5, 9, 6, Paint::solid(RED));
    let changed: Vec<(u32, u32)> = (0..10)
        .flat_map(|y| (0..10).map(move |x| (x, y)))
        .filter(|&(x, y)| canvas.pixel(x, y) != Some(WHITE))
        .collect();
    let mut want: Vec<(u32, u32)> = (2..8)
        .map(|x| (x, 3))
        .chain((6..9).map(|y| (5, y)))
        .collect();
    want.sort_by_key(|&(x, y)| (y, x));
    assert_eq!(changed, want);
}

#[test]
fn half_pixel_aligned_one_pixel_line_is_crisp() {
    let mut canvas = Canvas::new(10, 10, WHITE);
    canvas.stroke_polyline(
        &pts(&[(1.0, 4.5), (9.0, 4.5)]),
        &Stroke {
            width: 1.0,
            dash: &[],
        },
        Paint::solid(BLACK),
    );
    assert_eq!(canvas.pixel(5, 4), Some(BLACK));
    assert_eq!(canvas.pixel(5, 3), Some(WHITE));
    assert_eq!(canvas.pixel(5, 5), Some(WHITE));
}

#[test]
fn degenerate_sizes_are_clamped() {
    let canvas = Canvas::new(0, 100_000, WHITE);
    assert_eq!((canvas.width(), canvas.height()), (1, MAX_SIDE));
}

/// The benchmark scene of the brief: 800x600, ten 1,000-point polylines of width 1.2, then PNG.
fn benchmark_scene() -> Canvas {
    let mut canvas = Canvas::new(800, 600, WHITE);
    let mut line = Vec::with_capacity(1000);
    let mut rng = fastrand::Rng::with_seed(7);
    for s in 0..10 {
        line.clear();
        let mut y = 60.0 + s as f32 * 50.0;
        for i in 0..1000 {
            y += rng.f32() * 8.0 - 4.0;
            line.push(Point::new(10.0 + i as f32 * 0.78, y));
        }
        let colour = Rgba::rgb((s * 25) as u8, 0, 255 - (s * 25) as u8);
        canvas.stroke_polyline(
            &line,
            &Stroke {
                width: 1.2,
                dash: &[],
            },
            Paint::solid(colour),
        );
    }
    canvas
}

#[test]
fn benchmark_scene_draws_and_encodes() {
    let start = std::time::Instant::now();
    let canvas = benchmark_scene();
    let drawn = start.elapsed();
    let png = canvas.encode_png();
    // Printed for `cargo test --release -- --nocapture`; debug timings mean nothing.
    eprintln!(
        "800x600, 10 x 1000 points: draw {drawn:?}, draw+encode {:?}, {} bytes",
        start.elapsed(),
        png.len()
    );
    let (info, pixels) = decode(&png);
    assert_eq!((info.width, info.height), (800, 600));
    let inked = pixels
        .chunks(4)
        .filter(|p| p[..3] != [255, 255, 255])
        .count();
    // Ten lines about 800 px long and 1.2 px wide, plus their anti-aliased fringe and wiggle.
    assert!((10_000..60_000).contains(&inked), "inked pixels {inked}");
}

fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let mut reader = png::Decoder::new(png_bytes)
        .read_info()
        .expect("our own PNG decodes");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("one frame");
    (info, pixels)
}

/// A small graph-like picture: grid, a translucent filled area, lines, a dashed line, text at 10 and 14.
fn sample() -> Canvas {
    let (w, h) = (400, 250);
    let mut canvas = Canvas::new(w, h, BLACK);
    let grey = Paint::solid(Rgba::rgb(90, 90, 90));
    let plot = Rect::new(50, 30, 390, 220);
    for i in 0..=4 {
        canvas.hline(plot.x0, plot.x1, plot.y0 + i * 47, grey);
    }
    for i in 0..=6 {
        canvas.vline(plot.x0 + i * 56, plot.y0, plot.y1, grey);
    }
    canvas.set_clip(plot);
    let wave: Vec<Point> = (0..=340)
        .map(|i| Point::new(50.0 + i as f32, 125.0 - 60.0 * (i as f32 / 40.0).sin()))
        .collect();
    let mut area = wave.clone();
    area.extend_from_slice(&pts(&[(390.0, 220.0), (50.0, 220.0)]));
    canvas.fill_polygon(
        &area,
        Paint {
            colour: Rgba::rgb(0, 0, 255),
            alpha: 0.4,
        },
    );
    canvas.stroke_polyline(
        &wave,
        &Stroke {
            width: 1.2,
            dash: &[],
        },
        Paint::solid(Rgba::rgb(0, 0, 255)),
    );
    let zigzag: Vec<Point> = (0..=34)
        .map(|i| Point::new(50.0 + i as f32 * 10.0, if i % 2 == 0 { 60.0 } else { 90.0 }))
        .collect();
    canvas.stroke_polyline(
        &zigzag,
        &Stroke {
            width: 2.0,
            dash: &[],
        },
        Paint::solid(Rgba::rgb(0, 255, 0)),
    );
    let dashed = pts(&[(50.0, 180.0), (200.0, 150.0), (390.0, 200.0)]);
    canvas.stroke_polyline(
        &dashed,
        &Stroke {
            width: 1.2,
            dash: &[6.0, 4.0],
        },
        Paint::solid(Rgba::rgb(255, 255, 0)),
    );
    canvas.reset_clip();
    let white = WHITE;
    let title = "Sample: été 42% — ok";
    let width = text::measure(title, Font::new(14.0, true)).width;
    text::draw_text(
        &mut canvas,
        Point::new((w as f32 - width) / 2.0, 20.0),
        title,
        Font::new(14.0, true),
        white,
    );
    text::draw_text(
        &mut canvas,
        Point::new(50.0, 236.0),
        "10:00  fontSize 10 ygj  1.5K  -3.25e-4",
        Font::new(10.0, false),
        white,
    );
    text::draw_text_turned(
        &mut canvas,
        Point::new(20.0, 190.0),
        "requests/s",
        Font::new(10.0, false),
        white,
        Direction::BottomToTop,
    );
    text::draw_text(
        &mut canvas,
        Point::new(300.0, 246.0),
        "Legend 12",
        Font::new(12.0, false),
        white,
    );
    canvas
}

#[test]
fn sample_picture_round_trips_through_png() {
    let png_bytes = sample().encode_png();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("raster-sample.png");
    // Best effort: the picture is for people; the assertions below do not depend on it.
    let _ = std::fs::write(&out, &png_bytes);
    let (info, pixels) = decode(&png_bytes);
    assert_eq!(
        (info.width, info.height, info.color_type),
        (400, 250, png::ColorType::Rgba)
    );
    let at = |x: usize, y: usize| &pixels[(y * 400 + x) * 4..(y * 400 + x) * 4 + 4];
    assert_eq!(at(5, 5), [0, 0, 0, 255], "background");
    assert_eq!(at(60, 30), [90, 90, 90, 255], "grid line");
    // Under the wave, inside the area and off any line: 40% blue over black.
    assert_eq!(at(300, 215), [0, 0, 102, 255], "translucent area");
    // The zigzag, 2 px wide, is solid green along its middle.
    assert!(at(55, 75)[1] > 200, "green line {:?}", at(55, 75));
    let title_ink = (0..400)
        .flat_map(|x| (6..20).map(move |y| (x, y)))
        .filter(|&(x, y)| at(x, y)[0] > 128)
        .count();
    assert!(title_ink > 150, "title drawn: {title_ink}");
}
