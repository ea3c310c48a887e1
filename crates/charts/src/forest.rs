//! Forest plot: one estimate with its interval per row, against a null line.
//!
//! Used for per-visit treatment differences (MDMA minus placebo). Each row
//! prints its numbers at the right so nobody has to read values off the
//! axis, and the text alternative says for every row whether the interval
//! excludes the null value and which side it favours.

use crate::palette;
use crate::scale::{LinearScale, nice_domain, nice_step, nice_ticks, step_decimals};
use crate::svg::{Svg, display_auto, display_value, num, sanitize_id, text_width, truncate};

/// One estimate. `lower` and `upper` may come in either order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForestRow {
    /// Row label, e.g. "Week 18".
    pub label: String,
    /// Point estimate.
    pub estimate: f64,
    /// Interval lower bound.
    pub lower: f64,
    /// Interval upper bound.
    pub upper: f64,
}

/// Everything [`forest_plot`] needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForestPlot {
    /// Prefix for element ids, unique on the page.
    pub id_prefix: String,
    /// Accessible name, e.g. "CAPS-5 change: MDMA minus placebo by visit".
    pub title: String,
    /// The rows, drawn top to bottom.
    pub rows: Vec<ForestRow>,
    /// Where the null line goes: 0 for differences, 1 for ratios.
    pub null_value: f64,
    /// Axis title, e.g. "Difference in CAPS-5 total (points)".
    pub x_label: String,
    /// What values left of the null line favour, e.g. "MDMA".
    pub favours_left: String,
    /// What values right of the null line favour, e.g. "placebo".
    pub favours_right: String,
    /// Decimals for the printed numbers (e.g. 1 -> "−9.8 (−14.1 to −5.5)").
    pub decimals: usize,
    /// Name of the interval, e.g. "95% CI"; empty means "CI".
    pub interval_label: String,
}

const WIDTH: f64 = 640.0;
pub(crate) const ROW_H: f64 = 26.0;
pub(crate) const TOP: f64 = 28.0;
const FONT: f64 = 12.0;
const SMALL: f64 = 11.0;

/// A row with its bounds sorted, or `None` if any number is not finite.
fn clean(row: &ForestRow) -> Option<(f64, f64, f64)> {
    let (e, a, b) = (row.estimate, row.lower, row.upper);
    (e.is_finite() && a.is_finite() && b.is_finite()).then(|| (e, a.min(b), a.max(b)))
}

/// Renders the plot as an SVG string.
///
/// ```
/// use catalyst_charts::*;
/// let svg = forest_plot(&ForestPlot {
///     id_prefix: "caps-diff".into(),
///     title: "CAPS-5 difference by visit".into(),
///     rows: vec![ForestRow { label: "Week 18".into(), estimate: -9.8, lower: -14.1, upper: -5.5 }],
///     x_label: "Difference in CAPS-5 total".into(),
///     favours_left: "MDMA".into(),
///     favours_right: "placebo".into(),
///     decimals: 1,
///     interval_label: "95% CI".into(),
///     ..Default::default()
/// });
/// assert!(svg.contains("\u{2212}9.8 (\u{2212}14.1 to \u{2212}5.5)"));
/// ```
pub fn forest_plot(spec: &ForestPlot) -> String {
    let id = sanitize_id(&spec.id_prefix);
    let null = if spec.null_value.is_finite() { spec.null_value } else { 0.0 };
    let interval = if spec.interval_label.is_empty() { "CI" } else { spec.interval_label.as_str() };
    let rows: Vec<Option<(f64, f64, f64)>> = spec.rows.iter().map(clean).collect();
    let numbers: Vec<String> = rows
        .iter()
        .map(|r| match r {
            Some((e, lo, hi)) => format!(
                "{} ({} to {})",
                display_value(*e, spec.decimals),
                display_value(*lo, spec.decimals),
                display_value(*hi, spec.decimals)
            ),
            None => "not estimable".to_string(),
        })
        .collect();
    let header = format!("Estimate ({interval})");

    // Domain from every finite bound and the null value.
    let (mut lo, mut hi) = (null, null);
    for (e, a, b) in rows.iter().flatten() {
        lo = lo.min(*a).min(*e);
        hi = hi.max(*b).max(*e);
    }
    let (d0, d1) = nice_domain(lo, hi, 6);

    // Columns: labels | plot | numbers.
    let labels: Vec<String> = spec.rows.iter().map(|r| truncate(&r.label, 28)).collect();
    let label_w = (labels.iter().map(|l| text_width(l, FONT)).fold(0.0, f64::max) + 12.0).clamp(60.0, 190.0);
    let numbers_w = numbers.iter().chain([&header]).map(|t| text_width(t, FONT)).fold(0.0, f64::max).max(110.0);
    let (x0, x1) = (label_w + 8.0, WIDTH - numbers_w - 20.0);
    let x = LinearScale::new(d0, d1, x0, x1);
    let n = spec.rows.len().max(1);
    let bottom = TOP + n as f64 * ROW_H + 6.0;
    let height = bottom + 62.0;

    let mut svg = Svg::new();
    svg.begin(&id, WIDTH, height, &spec.title, &describe(spec, &rows, null, interval));
    svg.label(WIDTH - 8.0, TOP - 10.0, SMALL, "end", palette::TEXT, &header);

    // Axis, ticks and the null line.
    let ticks = nice_ticks(d0, d1, 6);
    let step = match ticks.as_slice() {
        [a, b, ..] => b - a,
        _ => nice_step(d1 - d0, 6),
    };
    let dec = step_decimals(step);
    for t in &ticks {
        let px = x.map(*t);
        svg.line(px, TOP, px, bottom, &[("stroke", palette::GRID), ("stroke-width", "1")]);
        svg.line(px, bottom, px, bottom + 5.0, &[("stroke", palette::MUTED), ("stroke-width", "1")]);
        svg.label(px, bottom + 17.0, SMALL, "middle", palette::TEXT, &display_value(*t, dec));
    }
    svg.line(x0, bottom, x1, bottom, &[("stroke", palette::MUTED), ("stroke-width", "1")]);
    let px_null = x.map(null);
    svg.line(px_null, TOP - 4.0, px_null, bottom, &[("stroke", palette::TEXT), ("stroke-width", "1.5")]);
    svg.label((x0 + x1) / 2.0, bottom + 33.0, FONT, "middle", palette::TEXT, &spec.x_label);
    if !spec.favours_left.is_empty() {
        svg.label(x0, bottom + 50.0, SMALL, "start", palette::TEXT, &format!("\u{2190} favours {}", spec.favours_left));
    }
    if !spec.favours_right.is_empty() {
        svg.label(x1, bottom + 50.0, SMALL, "end", palette::TEXT, &format!("favours {} \u{2192}", spec.favours_right));
    }

    if spec.rows.is_empty() {
        svg.label((x0 + x1) / 2.0, TOP + ROW_H / 2.0 + 4.0, FONT, "middle", palette::MUTED, "No estimates yet");
    }

    // Rows.
    for (i, ((row, label), (r, text))) in spec.rows.iter().zip(&labels).zip(rows.iter().zip(&numbers)).enumerate() {
        let cy = TOP + (i as f64 + 0.5) * ROW_H;
        svg.open("g", &[]);
        svg.label(label_w, cy + 4.0, FONT, "end", palette::TEXT, label);
        match r {
            Some((e, a, b)) => {
                let (pa, pb, pe) = (x.map(*a), x.map(*b), x.map(*e));
                let ink = [("stroke", palette::TEXT), ("stroke-width", "2")];
                svg.line(pa, cy, pb, cy, &ink);
                svg.line(pa, cy - 5.0, pa, cy + 5.0, &ink);
                svg.line(pb, cy - 5.0, pb, cy + 5.0, &ink);
                svg.open(
                    "rect",
                    &[
                        ("x", &num(pe - 5.0)),
                        ("y", &num(cy - 5.0)),
                        ("width", "10"),
                        ("height", "10"),
                        ("fill", palette::SERIES_COLOURS[0]),
                        ("stroke", palette::TEXT),
                        ("stroke-width", "1"),
                    ],
                );
                svg.title(&format!("{}: {}", row.label, row_sentence(*e, *a, *b, spec, null, interval)));
                svg.close("rect");
            }
            None => svg.label((x0 + x1) / 2.0, cy + 4.0, SMALL, "middle", palette::MUTED, "not estimable"),
        }
        svg.label(WIDTH - 8.0, cy + 4.0, FONT, "end", palette::TEXT, text);
        svg.close("g");
    }
    svg.finish()
}

/// "−9.8 (95% CI −14.1 to −5.5), interval excludes 0, favours MDMA".
fn row_sentence(e: f64, a: f64, b: f64, spec: &ForestPlot, null: f64, interval: &str) -> String {
    let d = spec.decimals;
    let mut s = format!("{} ({interval} {} to {})", display_value(e, d), display_value(a, d), display_value(b, d));
    let null_text = display_auto(null);
    if b < null || a > null {
        s.push_str(&format!(", interval excludes {null_text}"));
        let side = if b < null { &spec.favours_left } else { &spec.favours_right };
        if !side.is_empty() {
            s.push_str(&format!(", favours {side}"));
        }
    } else {
        s.push_str(&format!(", interval includes {null_text}"));
    }
    s
}

/// The text alternative: what the axis means and one sentence per row.
fn describe(spec: &ForestPlot, rows: &[Option<(f64, f64, f64)>], null: f64, interval: &str) -> String {
    let mut parts = Vec::new();
    let mut intro = if spec.x_label.is_empty() { String::from("Estimates") } else { spec.x_label.clone() };
    intro.push_str(&format!(" with {interval}; null value {}", display_auto(null)));
    if !spec.favours_left.is_empty() && !spec.favours_right.is_empty() {
        intro.push_str(&format!(
            "; values below {} favour {}, above favour {}",
            display_auto(null),
            spec.favours_left,
            spec.favours_right
        ));
    }
    parts.push(intro);
    if spec.rows.is_empty() {
        parts.push("No estimates yet".to_string());
    }
    for (row, r) in spec.rows.iter().zip(rows) {
        parts.push(match r {
            Some((e, a, b)) => format!("{}: {}", row.label, row_sentence(*e, *a, *b, spec, null, interval)),
            None => format!("{}: not estimable", row.label),
        });
    }
    let mut out = parts.join(". ");
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{check_chart, desc};

    fn plot() -> ForestPlot {
        ForestPlot {
            id_prefix: "diff".into(),
            title: "CAPS-5 difference by visit".into(),
            rows: vec![
                ForestRow { label: "Week 6".into(), estimate: -2.0, lower: -5.0, upper: 1.0 },
                ForestRow { label: "Week 12".into(), estimate: -6.5, lower: -10.9, upper: -2.1 },
                ForestRow { label: "Week 18".into(), estimate: -9.8, lower: -5.5, upper: -14.1 },
            ],
            null_value: 0.0,
            x_label: "Difference in CAPS-5 total (points)".into(),
            favours_left: "MDMA".into(),
            favours_right: "placebo".into(),
            decimals: 1,
            interval_label: "95% CI".into(),
        }
    }

    #[test]
    fn renders_deterministically_and_well_formed() {
        let a = forest_plot(&plot());
        assert_eq!(a, forest_plot(&plot()));
        check_chart(&a);
        assert!(a.contains(">\u{2212}9.8 (\u{2212}14.1 to \u{2212}5.5)</text>"));
        assert!(a.contains("\u{2190} favours MDMA") && a.contains("favours placebo \u{2192}"));
    }

    #[test]
    fn crossing_zero_is_stated() {
        let svg = forest_plot(&plot());
        let d = desc(&svg);
        assert!(d.contains("Week 6: \u{2212}2.0 (95% CI \u{2212}5.0 to 1.0), interval includes 0."), "{d}");
        assert!(
            d.contains("Week 18: \u{2212}9.8 (95% CI \u{2212}14.1 to \u{2212}5.5), interval excludes 0, favours MDMA.")
        );
        assert!(d.starts_with("Difference in CAPS-5 total (points) with 95% CI; null value 0; values below 0 favour MDMA, above favour placebo."));
    }

    #[test]
    fn null_line_position() {
        let p = plot();
        let svg = forest_plot(&p);
        // Bounds -14.1..1.0 widen to -15..5, so the null line sits 3/4 of the way across.
        assert_eq!(nice_domain(-14.1, 1.0, 6), (-15.0, 5.0));
        let x0 = (text_width("Week 12", FONT) + 12.0).max(60.0) + 8.0;
        let numbers_w = text_width("\u{2212}6.5 (\u{2212}10.9 to \u{2212}2.1)", FONT).max(110.0);
        let x1 = WIDTH - numbers_w - 20.0;
        let null_x = x0 + (0.0 - -15.0) / (5.0 - -15.0) * (x1 - x0);
        let line = format!("<line x1=\"{}\" y1=\"{}\" x2=\"{}\"", num(null_x), num(TOP - 4.0), num(null_x));
        assert!(svg.contains(&line), "{line}");
        assert_eq!(num(null_x), "374.6");
    }

    #[test]
    fn empty_non_finite_and_hostile() {
        let svg = forest_plot(&ForestPlot::default());
        check_chart(&svg);
        assert!(svg.contains("No estimates yet"));
        let evil = "<script>&\"'";
        let svg = forest_plot(&ForestPlot {
            id_prefix: evil.into(),
            title: evil.into(),
            rows: vec![
                ForestRow { label: evil.into(), estimate: f64::NAN, lower: 0.0, upper: 1.0 },
                ForestRow { label: evil.into(), estimate: 0.5, lower: 0.1, upper: f64::INFINITY },
                ForestRow { label: "ok".into(), estimate: 1.2, lower: 0.9, upper: 1.6 },
            ],
            null_value: 1.0,
            favours_left: evil.into(),
            favours_right: evil.into(),
            ..Default::default()
        });
        check_chart(&svg);
        assert!(!svg.contains("<script"));
        assert_eq!(desc(&svg).matches("not estimable").count(), 2);
        assert!(desc(&svg).contains("ok: 1 (CI 1 to 2), interval includes 1"));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn any_finite_rows_render_inside_the_view_box(
                rows in proptest::collection::vec((-1e4f64..1e4, -1e4f64..1e4, -1e4f64..1e4), 0..12),
                null in -100f64..100.0,
            ) {
                let spec = ForestPlot {
                    id_prefix: "f".into(),
                    rows: rows.into_iter().map(|(e, a, b)| ForestRow { label: "r".into(), estimate: e, lower: a, upper: b }).collect(),
                    null_value: null,
                    decimals: 2,
                    ..Default::default()
                };
                let svg = forest_plot(&spec);
                check_chart(&svg);
                prop_assert_eq!(svg, forest_plot(&spec));
            }
        }
    }
}
