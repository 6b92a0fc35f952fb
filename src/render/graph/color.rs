//! Graphite's colours: the named colours of graphite-web's `glyph.py`, hex `RRGGBB[AA]` (with `#` or its
//! URL-encoded `%23` in front, or neither) and the graph templates of graphite-web's
//! `graphTemplates.conf.example`.
//!
//! Owns colour spelling only; must not know where a colour is used.

use crate::render::canvas::Rgba;

/// graphite-web's `colorAliases`, name for name.
const NAMES: &[(&str, Rgba)] = &[
    ("black", Rgba::rgb(0, 0, 0)),
    ("white", Rgba::rgb(255, 255, 255)),
    ("blue", Rgba::rgb(100, 100, 255)),
    ("green", Rgba::rgb(0, 200, 0)),
    ("red", Rgba::rgb(200, 0, 50)),
    ("yellow", Rgba::rgb(255, 255, 0)),
    ("orange", Rgba::rgb(255, 165, 0)),
    ("purple", Rgba::rgb(200, 100, 255)),
    ("brown", Rgba::rgb(150, 100, 50)),
    ("cyan", Rgba::rgb(0, 255, 255)),
    ("aqua", Rgba::rgb(0, 150, 150)),
    ("gray", Rgba::rgb(175, 175, 175)),
    ("grey", Rgba::rgb(175, 175, 175)),
    ("magenta", Rgba::rgb(255, 0, 255)),
    ("pink", Rgba::rgb(255, 100, 100)),
    ("gold", Rgba::rgb(200, 200, 0)),
    ("rose", Rgba::rgb(200, 150, 200)),
    ("darkblue", Rgba::rgb(0, 0, 255)),
    ("darkgreen", Rgba::rgb(0, 255, 0)),
    ("darkred", Rgba::rgb(255, 0, 0)),
    ("darkgray", Rgba::rgb(111, 111, 111)),
    ("darkgrey", Rgba::rgb(111, 111, 111)),
];

/// A colour as Graphite spells it: a name above, or six hex digits with an optional two more of alpha.
/// Names are matched exactly, as graphite-web does (`Blue` is not a colour there either).
pub fn parse(text: &str) -> Option<Rgba> {
    if let Some(&(_, c)) = NAMES.iter().find(|(n, _)| *n == text) {
        return Some(c);
    }
    let hex = text
        .strip_prefix('#')
        .or_else(|| text.strip_prefix("%23"))
        .unwrap_or(text);
    if !(hex.len() == 6 || hex.len() == 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    // All bytes are ASCII hex digits, so every two-byte slice parses.
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    let alpha = if hex.len() == 8 { byte(6) } else { 255 };
    Some(Rgba::new(byte(0), byte(2), byte(4), alpha))
}

/// A graph template: the defaults a `template=` name brings. Fields left `None` fall back to the
/// `default` template, as graphite-web's `loadTemplate` does.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub name: &'static str,
    pub background: Option<&'static str>,
    pub foreground: Option<&'static str>,
    pub major_line: Option<&'static str>,
    pub minor_line: Option<&'static str>,
    pub line_colors: Option<&'static str>,
}

const fn full(
    name: &'static str,
    bg: &'static str,
    fg: &'static str,
    major: &'static str,
    minor: &'static str,
    lines: &'static str,
) -> Template {
    Template {
        name,
        background: Some(bg),
        foreground: Some(fg),
        major_line: Some(major),
        minor_line: Some(minor),
        line_colors: Some(lines),
    }
}

const fn lines_only(name: &'static str, lines: &'static str) -> Template {
    Template {
        name,
        background: None,
        foreground: None,
        major_line: None,
        minor_line: None,
        line_colors: Some(lines),
    }
}

const DEFAULT_LINES: &str = "blue,green,red,purple,brown,yellow,aqua,grey,magenta,pink,gold,rose";
const SOLARIZED_LINES: &str =
    "268bd2aa,859900aa,dc322faa,d33682aa,db4b16aa,b58900aa,2aa198aa,6c71c4aa";

/// graphite-web's shipped templates (`graphTemplates.conf.example`), the first one being `default`.
pub const TEMPLATES: &[Template] = &[
    full("default", "white", "black", "rose", "grey", DEFAULT_LINES),
    full(
        "solarized-light",
        "#fdf6e3",
        "#657b83",
        "#073642",
        "#586e75",
        SOLARIZED_LINES,
    ),
    full(
        "solarized-dark",
        "#002b36",
        "#839496",
        "#fdf6e3",
        "#eee8d5",
        SOLARIZED_LINES,
    ),
    full("classic", "black", "white", "white", "grey", DEFAULT_LINES),
    full(
        "noc",
        "black",
        "white",
        "white",
        "grey",
        "blue,green,red,yellow,purple,brown,aqua,grey,magenta,pink,gold,rose",
    ),
    Template {
        name: "summary",
        background: Some("black"),
        foreground: None,
        major_line: None,
        minor_line: None,
        line_colors: Some("#6666ff, #66ff66, #ff6666"),
    },
    full(
        "alphas",
        "white",
        "black",
        "grey",
        "rose",
        "00ff00aa,ff000077,00337799",
    ),
    full(
        "grafana",
        "white",
        "black",
        "rose",
        "grey",
        "#7eb26d,#eab839,#6ed0e0,#ef843c,#e24d42,#1f78c1,#ba43a9,#705da0,#508642,#cca300,#447ebc",
    ),
    lines_only(
        "ocean1",
        "f7fcf0,e0f3db,ccebc5,a8ddb5,7bccc4,4eb3d3,2b8cbe,0868ac,084081",
    ),
    lines_only(
        "ocean2",
        "084081,0868ac,2b8cbe,4eb3d3,7bccc4,a8ddb5,ccebc5,e0f3db,f7fcf0",
    ),
    lines_only(
        "forest1",
        "f7fcf5,e5f5e0,c7e9c0,a1d99b,74c476,41ab5d,238b45,005a32",
    ),
    lines_only(
        "forest2",
        "005a32,238b45,41ab5d,74c476,a1d99b,c7e9c0,e5f5e0,f7fcf5",
    ),
    lines_only(
        "sunset1",
        "fff5eb,fee6ce,fdd0a2,fdae6b,fd8d3c,f16913,d94801,8c2d04",
    ),
    lines_only(
        "sunset2",
        "8c2d04,d94801,f16913,fd8d3c,fdae6b,fdd0a2,fee6ce,fff5eb",
    ),
    lines_only(
        "moonlight1",
        "fcfbfd,efedf5,dadaeb,bcbddc,9e9ac8,807dba,6a51a3,4a1486",
    ),
    lines_only(
        "moonlight2",
        "4a1486,6a51a3,807dba,9e9ac8,bcbddc,dadaeb,efedf5,fcfbfd",
    ),
    lines_only(
        "lava1",
        "fff5f0,fee0d2,fcbba1,fc9272,fb6a4a,ef3b2c,cb181d,99000d",
    ),
    lines_only(
        "lava2",
        "99000d,cb181d,ef3b2c,fb6a4a,fc9272,fcbba1,fee0d2,fff5f0",
    ),
];

/// The template of that name; unknown names get `default`, as in graphite-web.
pub fn template(name: &str) -> &'static Template {
    TEMPLATES
        .iter()
        .find(|t| t.name == name)
        .unwrap_or(&TEMPLATES[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! colour {
        ($($text:expr => $want:expr),* $(,)?) => {
            $(assert_eq!(parse($text), $want, "{}", $text);)*
        };
    }

    #[test]
    fn names_and_hex_forms() {
        colour! {
            "blue" => Some(Rgba::rgb(100, 100, 255)),
            "red" => Some(Rgba::rgb(200, 0, 50)),
            "darkgrey" => Some(Rgba::rgb(111, 111, 111)),
            "ff0000" => Some(Rgba::rgb(255, 0, 0)),
            "#00FF00" => Some(Rgba::rgb(0, 255, 0)),
            "%230000ff" => Some(Rgba::rgb(0, 0, 255)),
            "00ff0080" => Some(Rgba::new(0, 255, 0, 128)),
            "Blue" => None,
            "fff" => None,
            "gg0000" => None,
            "" => None,
        }
    }

    #[test]
    fn every_template_spells_valid_colours() {
        let t = template("no such template");
        assert_eq!(t.name, "default");
        for t in TEMPLATES {
            let fields = [t.background, t.foreground, t.major_line, t.minor_line];
            for c in fields.into_iter().flatten() {
                assert!(parse(c).is_some(), "{}: {c}", t.name);
            }
            for c in t.line_colors.unwrap_or("").split(',') {
                assert!(parse(c.trim()).is_some(), "{}: {c}", t.name);
            }
        }
    }
}
