//! Colours, dash patterns and marker shapes shared by the charts.
//!
//! Series colours come from the Okabe–Ito palette, which stays
//! distinguishable under the common forms of colour-vision deficiency; we
//! use only its members that reach at least 3:1 contrast against white (the
//! WCAG 2.2 minimum for graphical objects, success criterion 1.4.11). Colour
//! is never the only cue: each series also has its own dash pattern and
//! marker shape. The heat-strip scale is viridis (perceptually uniform,
//! readable in greyscale and for colour-blind viewers); missing cells are
//! hatched grey, which no scale colour resembles.

/// Text colour: near-black, 16:1 on white.
pub const TEXT: &str = "#1a1a1a";
/// Secondary text, axes and reference lines: 7:1 on white.
pub const MUTED: &str = "#595959";
/// Grid lines: deliberately faint, they carry no data.
pub const GRID: &str = "#e0e0e0";

/// Series colours, in order: blue, vermillion, black, bluish green,
/// reddish purple (Okabe–Ito). Contrast on white: 5.0, 3.9, 21, 3.4, 3.1.
pub const SERIES_COLOURS: [&str; 5] = ["#0072B2", "#D55E00", "#000000", "#009E73", "#CC79A7"];

/// Dash patterns paired with [`SERIES_COLOURS`]: solid, dashed, dotted,
/// dash-dot, long dash.
pub const SERIES_DASHES: [&str; 5] = ["", "7 4", "2 3", "8 3 2 3", "12 4"];

/// Marker shapes paired with [`SERIES_COLOURS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    Circle,
    /// A filled square.
    Square,
    /// A filled upward triangle.
    Triangle,
    /// A filled diamond.
    Diamond,
    /// A filled downward triangle.
    TriangleDown,
}

/// Marker shapes, in series order.
pub const SERIES_MARKERS: [Marker; 5] =
    [Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond, Marker::TriangleDown];

/// Colour, dash pattern and marker for series number `i` (cycling).
pub fn series_style(i: usize) -> (&'static str, &'static str, Marker) {
    let k = i % SERIES_COLOURS.len();
    (SERIES_COLOURS[k], SERIES_DASHES[k], SERIES_MARKERS[k])
}

/// Viridis stops from "worse" (dark purple) to "better" (yellow).
pub const SCALE_STOPS: [(u8, u8, u8); 5] =
    [(0x44, 0x01, 0x54), (0x3b, 0x52, 0x8b), (0x21, 0x91, 0x8c), (0x5e, 0xc9, 0x62), (0xfd, 0xe7, 0x25)];

/// Colour for `t` in `[0, 1]` on the sequential scale, where 0 is worse and
/// 1 is better. Out-of-range and non-finite `t` are clamped (NaN -> 0).
pub fn scale_colour(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let segments = (SCALE_STOPS.len() - 1) as f64;
    let pos = t * segments;
    let i = (pos.floor() as usize).min(SCALE_STOPS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (SCALE_STOPS[i], SCALE_STOPS[i + 1]);
    let mix = |x: u8, y: u8| -> u8 { (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8 };
    format!("#{:02x}{:02x}{:02x}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Fill behind the hatching of a missing cell.
pub const MISSING_FILL: &str = "#f2f2f2";
/// Hatch line colour of a missing cell.
pub const MISSING_HATCH: &str = "#8c8c8c";

/// WCAG relative luminance of `#rrggbb`; `None` if it is not that format.
pub fn relative_luminance(hex: &str) -> Option<f64> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let v = f64::from(u8::from_str_radix(h.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// WCAG contrast ratio between two `#rrggbb` colours.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (relative_luminance(a)?, relative_luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_colours_meet_graphics_contrast_on_white() {
        for c in SERIES_COLOURS {
            assert!(contrast(c, "#ffffff").unwrap() >= 3.0, "{c}");
        }
        assert!(contrast(TEXT, "#ffffff").unwrap() >= 7.0);
        assert!(contrast(MUTED, "#ffffff").unwrap() >= 4.5);
    }

    #[test]
    fn styles_are_distinct() {
        for i in 0..5 {
            for j in (i + 1)..5 {
                let (a, b) = (series_style(i), series_style(j));
                assert_ne!(a.0, b.0);
                assert_ne!(a.1, b.1);
                assert_ne!(a.2, b.2);
            }
        }
    }

    #[test]
    fn scale_endpoints_and_clamping() {
        assert_eq!(scale_colour(0.0), "#440154");
        assert_eq!(scale_colour(1.0), "#fde725");
        assert_eq!(scale_colour(0.5), "#21918c");
        assert_eq!(scale_colour(-3.0), "#440154");
        assert_eq!(scale_colour(f64::NAN), "#440154");
        // Darker means worse: luminance increases along the scale.
        let l: Vec<f64> = (0..=10).map(|i| relative_luminance(&scale_colour(f64::from(i) / 10.0)).unwrap()).collect();
        assert!(l.windows(2).all(|w| w[0] < w[1]));
    }
}
