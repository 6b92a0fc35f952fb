//! The embedded font: DejaVu Sans and DejaVu Sans Bold pre-rendered by `tools/gen_font.py` into
//! `font_data.bin` (layout documented in that script) at 6..=24 pixels, U+0020–U+007E and U+00A0–U+00FF.
//!
//! Owns reading that table; must not lay out or draw text (`text.rs` does). Reads go through `get`, so a
//! damaged table yields missing glyphs, never a panic; a test checks the committed table is whole.
//!
//! DejaVu fonts are © Bitstream, Inc. and the DejaVu authors, under the Bitstream Vera licence (free to
//! embed and redistribute): see `FONT-LICENSE` beside this file.

static BLOB: &[u8] = include_bytes!("font_data.bin");

const HEADER_LEN: usize = 8;
const FACE_LEN: usize = 8;
const GLYPH_LEN: usize = 10;
/// Glyphs stored: the printable ASCII block then the printable Latin-1 block.
const ASCII: std::ops::RangeInclusive<u32> = 0x20..=0x7E;
const LATIN1: std::ops::RangeInclusive<u32> = 0xA0..=0xFF;

/// One rendered size of one weight.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Face {
    pub(crate) size: u8,
    /// Pixels above and below the baseline that a line of this face needs.
    pub(crate) ascent: u8,
    pub(crate) descent: u8,
    records: usize,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Glyph {
    /// Pen advance in pixels (hinted, so whole in practice).
    pub(crate) advance: f32,
    /// Bitmap's left edge relative to the pen, and its top edge in pixels above the baseline.
    pub(crate) left: i32,
    pub(crate) top: i32,
    pub(crate) width: u32,
    pub(crate) height: u32,
    bitmap: &'static [u8],
}

impl Glyph {
    /// Coverage 0..=255 of bitmap pixel (x, y), y downwards from the bitmap's top.
    pub(crate) fn coverage(&self, x: u32, y: u32) -> u8 {
        let i = (y * self.width + x) as usize;
        let byte = self.bitmap.get(i / 2).copied().unwrap_or(0);
        let nibble = if i.is_multiple_of(2) {
            byte >> 4
        } else {
            byte & 0x0f
        };
        nibble * 17
    }
}

fn u8_at(offset: usize) -> Option<u8> {
    BLOB.get(offset).copied()
}

fn u16_at(offset: usize) -> Option<u16> {
    Some(u16::from_le_bytes([u8_at(offset)?, u8_at(offset + 1)?]))
}

fn u32_at(offset: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        u8_at(offset)?,
        u8_at(offset + 1)?,
        u8_at(offset + 2)?,
        u8_at(offset + 3)?,
    ]))
}

fn face_count() -> usize {
    if BLOB.get(..5) != Some(b"PFNT\x01".as_slice()) {
        return 0;
    }
    u8_at(5).map_or(0, usize::from)
}

fn face_at(index: usize) -> Option<(Face, bool)> {
    let at = HEADER_LEN + index * FACE_LEN;
    let face = Face {
        size: u8_at(at)?,
        ascent: u8_at(at + 2)?,
        descent: u8_at(at + 3)?,
        records: u32_at(at + 4)? as usize,
    };
    Some((face, u8_at(at + 1)? != 0))
}

/// The stored face of the requested weight whose pixel size is nearest to `size_px`.
pub(crate) fn face(size_px: f32, bold: bool) -> Option<Face> {
    (0..face_count())
        .filter_map(face_at)
        .filter(|(_, b)| *b == bold)
        .map(|(face, _)| face)
        .min_by(|x, y| {
            let dx = (x.size as f32 - size_px).abs();
            let dy = (y.size as f32 - size_px).abs();
            dx.total_cmp(&dy)
        })
}

fn glyph_index(ch: char) -> Option<usize> {
    let c = ch as u32;
    if ASCII.contains(&c) {
        Some((c - ASCII.start()) as usize)
    } else if LATIN1.contains(&c) {
        Some((c - LATIN1.start()) as usize + ASCII.clone().count())
    } else {
        None
    }
}

impl Face {
    /// The glyph for `ch`, or None outside the stored blocks (the caller draws a replacement box).
    pub(crate) fn glyph(&self, ch: char) -> Option<Glyph> {
        let at = self.records + glyph_index(ch)? * GLYPH_LEN;
        let width = u8_at(at + 4)? as u32;
        let height = u8_at(at + 5)? as u32;
        let start = u32_at(at + 6)? as usize;
        let len = (width * height).div_ceil(2) as usize;
        Some(Glyph {
            advance: u16_at(at)? as f32 / 64.0,
            left: u8_at(at + 2)? as i8 as i32,
            top: u8_at(at + 3)? as i8 as i32,
            width,
            height,
            bitmap: BLOB.get(start..start + len)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_whole() {
        assert_eq!(face_count(), 38, "19 sizes x 2 weights");
        for bold in [false, true] {
            for size in 6..=24u8 {
                let face = face(size as f32, bold).expect("face");
                assert_eq!(face.size, size);
                assert!(face.ascent >= size * 8 / 10 && face.descent >= 1);
                for c in ASCII.chain(LATIN1) {
                    let ch = char::from_u32(c).expect("Latin-1 is valid");
                    assert!(face.glyph(ch).is_some(), "{bold} {size} U+{c:04X}");
                }
            }
        }
    }

    #[test]
    fn nearest_size_and_weight() {
        assert_eq!(face(10.4, false).map(|f| f.size), Some(10));
        assert_eq!(face(2.0, true).map(|f| f.size), Some(6));
        assert_eq!(face(96.0, false).map(|f| f.size), Some(24));
        let regular = face(10.0, false).and_then(|f| f.glyph('W')).expect("W");
        let bold = face(10.0, true).and_then(|f| f.glyph('W')).expect("W");
        assert!(bold.advance >= regular.advance);
    }

    #[test]
    fn glyph_shapes_are_plausible() {
        let face = face(10.0, false).expect("face");
        let space = face.glyph(' ').expect("space");
        assert_eq!((space.width, space.height), (0, 0));
        assert!(space.advance > 2.0);
        let a = face.glyph('A').expect("A");
        // A capital sits on the baseline and reaches about 0.73 em up.
        assert_eq!(a.top - a.height as i32, 0);
        assert!((6..=8).contains(&a.top), "top {}", a.top);
        let g = face.glyph('g').expect("g");
        assert!(
            g.top - (g.height as i32) < 0,
            "descender below the baseline"
        );
        assert!(face.glyph('é').is_some() && face.glyph('€').is_none());
        let ink: u32 = (0..a.height)
            .flat_map(|y| (0..a.width).map(move |x| (x, y)))
            .map(|(x, y)| a.coverage(x, y) as u32)
            .sum();
        assert!(ink > 255 * 8, "A has ink");
    }
}
