//! A tiny SVG writer: elements, attributes and text, always escaped.
//!
//! Why hand-rolled: the charts need only a handful of elements, and keeping
//! every byte under our control is what makes the output deterministic and
//! lets us guarantee that no label can inject markup (all text and attribute
//! values go through [`escape`]).

use std::fmt::Write as _;

/// Escapes text for use in XML content or a double- or single-quoted
/// attribute: `& < > " '` become entities. Characters that XML 1.0 does not
/// allow at all (most C0 controls, U+FFFE, U+FFFF) are dropped, so hostile
/// input cannot make the document ill-formed.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Makes `prefix` safe to use inside `id` attributes, `aria-labelledby`
/// (a space-separated list) and `url(#...)` references: keeps ASCII letters,
/// digits, `-` and `_`, replaces anything else with `-`, and starts with a
/// letter. An empty prefix becomes `"chart"`.
pub fn sanitize_id(prefix: &str) -> String {
    let mut out: String =
        prefix.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if out.is_empty() {
        out.push_str("chart");
    } else if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'c');
    }
    out
}

/// Formats a coordinate with one decimal. Non-finite values become `0.0`
/// (callers never pass them; this is a last line of defence so the output
/// can never contain `NaN` or `inf`), and negative zero becomes `0.0`.
pub fn num(v: f64) -> String {
    fixed(v, 1)
}

/// Formats `v` with exactly `decimals` decimals using ASCII `-`, never
/// printing a negative zero or a non-finite value.
pub fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return fixed(0.0, decimals);
    }
    let s = format!("{v:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// Formats a value for people to read: like [`fixed`] but with the
/// typographic minus sign U+2212, which screen readers announce as "minus".
pub fn display_value(v: f64, decimals: usize) -> String {
    fixed(v, decimals).replace('-', "\u{2212}")
}

/// Formats a value for people to read with up to two decimals and no
/// trailing zeros (`31`, `3.5`, `2.25`), typographic minus. Used where the
/// caller did not choose a precision: scores are usually whole numbers, and
/// rounding a mean of 3.5 to "4" would mislead.
pub fn display_auto(v: f64) -> String {
    let s = fixed(v, 2);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    s.replace('-', "\u{2212}")
}

/// Rough width in viewBox units of `text` at `font_size`: layout needs an
/// estimate because the server cannot measure fonts. 0.6 em per character
/// is generous for the sans-serif faces we ask for.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.6
}

/// Shortens `text` to at most `max_chars` characters, ending with `…` when
/// it had to cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let keep = max_chars.saturating_sub(1);
    let mut out: String = text.chars().take(keep).collect();
    out.push('…');
    out
}

/// The font stack used for every `<text>`; system fonts, no web fonts.
pub const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

/// Accumulates SVG markup.
#[derive(Debug, Default)]
pub struct Svg {
    out: String,
}

impl Svg {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            let _ = write!(self.out, " {key}=\"{}\"", escape(value));
        }
    }

    /// Writes `<name attrs...>`; close it with [`Svg::close`].
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start(name, attrs);
        self.out.push('>');
    }

    /// Writes `</name>`.
    pub fn close(&mut self, name: &str) {
        let _ = write!(self.out, "</{name}>");
    }

    /// Writes a self-closing `<name attrs.../>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start(name, attrs);
        self.out.push_str("/>");
    }

    /// Writes `<name attrs...>text</name>` with `text` escaped.
    pub fn element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        self.text(text);
        self.close(name);
    }

    /// Writes escaped character data.
    pub fn text(&mut self, text: &str) {
        self.out.push_str(&escape(text));
    }

    /// Writes a `<title>` child, used for hover text and screen readers.
    pub fn title(&mut self, text: &str) {
        self.element("title", &[], text);
    }

    /// Writes a `<text>` element in the chart font.
    pub fn label(&mut self, x: f64, y: f64, size: f64, anchor: &str, fill: &str, text: &str) {
        self.text_element(x, y, size, anchor, fill, &[], text);
    }

    /// Like [`Svg::label`] but painted over a white outline so it stays
    /// legible on top of grid and data lines.
    pub fn label_halo(&mut self, x: f64, y: f64, size: f64, anchor: &str, fill: &str, text: &str) {
        let halo =
            [("stroke", "#ffffff"), ("stroke-width", "3"), ("stroke-linejoin", "round"), ("paint-order", "stroke")];
        self.text_element(x, y, size, anchor, fill, &halo, text);
    }

    #[allow(clippy::too_many_arguments)]
    fn text_element(
        &mut self,
        x: f64,
        y: f64,
        size: f64,
        anchor: &str,
        fill: &str,
        extra: &[(&str, &str)],
        text: &str,
    ) {
        let (x, y, size) = (num(x), num(y), num(size));
        let mut attrs: Vec<(&str, &str)> = vec![
            ("x", &x),
            ("y", &y),
            ("font-size", &size),
            ("font-family", FONT_FAMILY),
            ("text-anchor", anchor),
            ("fill", fill),
        ];
        attrs.extend_from_slice(extra);
        self.element("text", &attrs, text);
    }

    /// Writes a straight line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, extra: &[(&str, &str)]) {
        let (x1, y1, x2, y2) = (num(x1), num(y1), num(x2), num(y2));
        let mut attrs: Vec<(&str, &str)> = vec![("x1", &x1), ("y1", &y1), ("x2", &x2), ("y2", &y2)];
        attrs.extend_from_slice(extra);
        self.empty("line", &attrs);
    }

    /// Opens the root `<svg>` with the accessibility wiring and writes the
    /// `<title>` and `<desc>`. Close it with [`Svg::finish`].
    pub fn begin(&mut self, id: &str, width: f64, height: f64, title: &str, desc: &str) {
        let title_id = format!("{id}-title");
        let desc_id = format!("{id}-desc");
        let labelled = format!("{title_id} {desc_id}");
        let view_box = format!("0 0 {} {}", num(width), num(height));
        self.open(
            "svg",
            &[
                ("xmlns", "http://www.w3.org/2000/svg"),
                ("id", id),
                ("viewBox", &view_box),
                ("width", "100%"),
                ("preserveAspectRatio", "xMidYMid meet"),
                ("role", "img"),
                ("aria-labelledby", &labelled),
            ],
        );
        self.element("title", &[("id", &title_id)], title);
        self.element("desc", &[("id", &desc_id)], desc);
        // A white background so the chart reads the same in dark page themes.
        self.empty(
            "rect",
            &[("x", "0"), ("y", "0"), ("width", &num(width)), ("height", &num(height)), ("fill", "#ffffff")],
        );
    }

    /// Closes the root element and returns the document.
    pub fn finish(mut self) -> String {
        self.close("svg");
        self.out
    }
}

/// Formats a list of points for a `points` attribute.
pub fn points(pts: &[(f64, f64)]) -> String {
    let mut out = String::new();
    for (i, (x, y)) in pts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{},{}", num(*x), num(*y));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &apos;y&apos;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{0}b\u{7}c\nd"), "abc\nd");
    }

    #[test]
    fn numbers_are_fixed_and_never_negative_zero() {
        assert_eq!(num(1.0), "1.0");
        assert_eq!(num(-0.0), "0.0");
        assert_eq!(num(-0.04), "0.0");
        assert_eq!(num(-0.06), "-0.1");
        assert_eq!(num(f64::NAN), "0.0");
        assert_eq!(num(f64::INFINITY), "0.0");
        assert_eq!(fixed(-0.0, 0), "0");
        assert_eq!(fixed(2.25, 2), "2.25");
        assert_eq!(fixed(31.0, 0), "31");
        assert_eq!(display_value(-9.8, 1), "\u{2212}9.8");
        assert_eq!(display_auto(31.0), "31");
        assert_eq!(display_auto(3.5), "3.5");
        assert_eq!(display_auto(-2.254), "\u{2212}2.25");
        assert_eq!(display_auto(-0.001), "0");
    }

    #[test]
    fn ids_are_sanitized() {
        assert_eq!(sanitize_id("pcl5"), "pcl5");
        assert_eq!(sanitize_id("a b\"<x>"), "a-b--x-");
        assert_eq!(sanitize_id(""), "chart");
        assert_eq!(sanitize_id("1x"), "c1x");
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
