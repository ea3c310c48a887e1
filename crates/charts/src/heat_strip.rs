//! A compact grid of daily (or weekly) self-ratings: rows are measures,
//! columns are days, colour is how good or bad the value is.
//!
//! Rows can run in opposite directions (more sleep is better, more
//! irritability is worse), so each row states its [`Direction`] and the
//! colour encodes *better/worse*, not the raw number: dark is always worse
//! and light always better, whatever the row. Missing cells are hatched
//! grey so "no entry" never looks like a value.

use crate::palette::{self, scale_colour};
use crate::svg::{Svg, display_auto, num, sanitize_id, text_width, truncate};

/// Which end of a row's scale is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Higher values are better (e.g. sleep quality).
    HigherIsBetter,
    /// Higher values are worse (e.g. avoidance, irritability): the usual
    /// case for symptom ratings.
    #[default]
    HigherIsWorse,
}

impl Direction {
    fn words(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher is better",
            Direction::HigherIsWorse => "higher is worse",
        }
    }
}

/// One measure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeatRow {
    /// Row label, e.g. "Sleep".
    pub label: String,
    /// One value per column; `None` (or non-finite) is a missing entry.
    /// Values past the last column are ignored, missing trailing values
    /// count as missing.
    pub values: Vec<Option<f64>>,
    /// Scale minimum (e.g. 0 for a 0..=4 rating).
    pub min: f64,
    /// Scale maximum. Values outside `min..=max` get the end colour and
    /// their exact value in the cell's title.
    pub max: f64,
    /// Which end is good.
    pub direction: Direction,
}

/// Everything [`heat_strip`] needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeatStrip {
    /// Prefix for element ids, unique on the page.
    pub id_prefix: String,
    /// Accessible name, e.g. "Daily check-ins, last 4 weeks".
    pub title: String,
    /// Column labels, e.g. `format_day(day)` for each day or "Week 3";
    /// used under the grid and in each cell's title.
    pub columns: Vec<String>,
    /// Label every Nth column (starting with the first); 0 chooses N so
    /// labels do not overlap.
    pub label_every: usize,
    /// The measures.
    pub rows: Vec<HeatRow>,
}

const WIDTH: f64 = 640.0;
pub(crate) const CELL_H: f64 = 22.0;
pub(crate) const ROW_GAP: f64 = 2.0;
pub(crate) const TOP: f64 = 8.0;
const MAX_CELL_W: f64 = 40.0;
const FONT: f64 = 12.0;
const SMALL: f64 = 11.0;

/// Renders the strip as an SVG string.
///
/// ```
/// use catalyst_charts::*;
/// let svg = heat_strip(&HeatStrip {
///     id_prefix: "checkins".into(),
///     title: "Daily check-ins".into(),
///     columns: (20458..20465).map(format_day).collect(),
///     rows: vec![HeatRow {
///         label: "Sleep".into(),
///         values: vec![Some(1.0), Some(2.0), None, Some(3.0)],
///         min: 0.0,
///         max: 4.0,
///         direction: Direction::HigherIsBetter,
///     }],
///     ..Default::default()
/// });
/// assert_eq!(svg.matches("<rect").count() > 7, true);
/// ```
pub fn heat_strip(spec: &HeatStrip) -> String {
    let id = sanitize_id(&spec.id_prefix);
    let n = spec.columns.len();
    if n == 0 || spec.rows.is_empty() {
        return empty_strip(spec, &id);
    }
    let labels: Vec<String> = spec.rows.iter().map(|r| truncate(&r.label, 24)).collect();
    let label_w = (labels.iter().map(|l| text_width(l, FONT)).fold(0.0, f64::max) + 12.0).clamp(60.0, 200.0);
    let grid_x = label_w;
    let cell_w = ((WIDTH - grid_x - 12.0) / n as f64).min(MAX_CELL_W);
    let gap = if cell_w >= 4.0 { 1.0 } else { 0.0 };
    let grid_bottom = TOP + spec.rows.len() as f64 * (CELL_H + ROW_GAP);
    let every = if spec.label_every > 0 {
        spec.label_every
    } else {
        let widest = spec.columns.iter().map(|c| text_width(c, SMALL)).fold(0.0, f64::max);
        (((widest + 10.0) / cell_w).ceil() as usize).max(1)
    };
    let legend_y = grid_bottom + 34.0;
    let height = legend_y + 22.0;
    let hatch = format!("{id}-hatch");

    let mut svg = Svg::new();
    svg.begin(&id, WIDTH, height, &spec.title, &describe(spec));
    svg.open("defs", &[]);
    svg.open(
        "pattern",
        &[
            ("id", &hatch),
            ("width", "6"),
            ("height", "6"),
            ("patternUnits", "userSpaceOnUse"),
            ("patternTransform", "rotate(45)"),
        ],
    );
    svg.empty("rect", &[("width", "6"), ("height", "6"), ("fill", palette::MISSING_FILL)]);
    svg.empty(
        "line",
        &[
            ("x1", "0"),
            ("y1", "0"),
            ("x2", "0"),
            ("y2", "6"),
            ("stroke", palette::MISSING_HATCH),
            ("stroke-width", "2"),
        ],
    );
    svg.close("pattern");
    svg.close("defs");
    let missing_fill = format!("url(#{hatch})");

    for (r, (row, label)) in spec.rows.iter().zip(&labels).enumerate() {
        let y = TOP + r as f64 * (CELL_H + ROW_GAP);
        svg.open(
            "text",
            &text_attrs(grid_x - 8.0, y + CELL_H / 2.0 + 4.0, FONT, "end")
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        );
        svg.title(&format!("{} ({})", row.label, row.direction.words()));
        svg.text(label);
        svg.close("text");
        for (c, column) in spec.columns.iter().enumerate() {
            let x = grid_x + c as f64 * cell_w;
            let value = row.values.get(c).copied().flatten().filter(|v| v.is_finite());
            let (fill, title) = match value {
                Some(v) => {
                    let mut title =
                        format!("{}, {}: {} ({})", row.label, column, display_auto(v), row.direction.words());
                    if v < row.min.min(row.max) || v > row.max.max(row.min) {
                        title.push_str(&format!(
                            ", outside the scale {} to {}",
                            display_auto(row.min),
                            display_auto(row.max)
                        ));
                    }
                    (scale_colour(goodness(row, v)), title)
                }
                None => (missing_fill.clone(), format!("{}, {}: no entry", row.label, column)),
            };
            svg.open(
                "rect",
                &[
                    ("x", &num(x)),
                    ("y", &num(y)),
                    ("width", &num((cell_w - gap).max(0.5))),
                    ("height", &num(CELL_H)),
                    ("fill", &fill),
                ],
            );
            svg.title(&title);
            svg.close("rect");
        }
    }

    // Column labels every Nth column, with a tick.
    let axis = [("stroke", palette::MUTED), ("stroke-width", "1")];
    for (c, column) in spec.columns.iter().enumerate().step_by(every) {
        let cx = grid_x + (c as f64 + 0.5) * cell_w - gap / 2.0;
        svg.line(cx, grid_bottom, cx, grid_bottom + 4.0, &axis);
        let half = text_width(column, SMALL) / 2.0;
        svg.label(cx.clamp(half + 2.0, WIDTH - half - 2.0), grid_bottom + 16.0, SMALL, "middle", palette::TEXT, column);
    }

    // Legend: worse -> better swatches and the missing pattern.
    let mut x = grid_x;
    svg.label(x, legend_y + 10.0, SMALL, "start", palette::TEXT, "Worse");
    x += text_width("Worse", SMALL) + 6.0;
    for i in 0..5 {
        let t = f64::from(i) / 4.0;
        svg.empty(
            "rect",
            &[("x", &num(x)), ("y", &num(legend_y)), ("width", "18"), ("height", "12"), ("fill", &scale_colour(t))],
        );
        x += 19.0;
    }
    x += 5.0;
    svg.label(x, legend_y + 10.0, SMALL, "start", palette::TEXT, "Better");
    x += text_width("Better", SMALL) + 20.0;
    svg.empty(
        "rect",
        &[
            ("x", &num(x)),
            ("y", &num(legend_y)),
            ("width", "18"),
            ("height", "12"),
            ("fill", &missing_fill),
            ("stroke", palette::MISSING_HATCH),
            ("stroke-width", "0.5"),
        ],
    );
    svg.label(x + 24.0, legend_y + 10.0, SMALL, "start", palette::TEXT, "No entry");
    svg.finish()
}

/// 0 = worst end of the row's scale, 1 = best end.
fn goodness(row: &HeatRow, v: f64) -> f64 {
    let span = row.max - row.min;
    let t = if span == 0.0 || !span.is_finite() { 0.5 } else { ((v - row.min) / span).clamp(0.0, 1.0) };
    match row.direction {
        Direction::HigherIsBetter => t,
        Direction::HigherIsWorse => 1.0 - t,
    }
}

fn text_attrs(x: f64, y: f64, size: f64, anchor: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("x", num(x)),
        ("y", num(y)),
        ("font-size", num(size)),
        ("font-family", crate::svg::FONT_FAMILY.to_string()),
        ("text-anchor", anchor.to_string()),
        ("fill", palette::TEXT.to_string()),
    ]
}

/// The text alternative: the period, what colours mean, and per row how
/// many entries there are, the first and last value and the mean.
fn describe(spec: &HeatStrip) -> String {
    let n = spec.columns.len();
    let mut parts = Vec::new();
    let (first, last) =
        (spec.columns.first().cloned().unwrap_or_default(), spec.columns.last().cloned().unwrap_or_default());
    let measures = if spec.rows.len() == 1 { "measure" } else { "measures" };
    let columns = if n == 1 { "column" } else { "columns" };
    parts.push(format!("{} {measures} over {n} {columns} from {first} to {last}", spec.rows.len()));
    parts.push("Darker cells are worse, lighter cells are better; hatched grey cells have no entry".to_string());
    for row in &spec.rows {
        let vals: Vec<f64> =
            (0..n).filter_map(|c| row.values.get(c).copied().flatten()).filter(|v| v.is_finite()).collect();
        let mut text = format!(
            "{} ({}, scale {} to {}): {} of {n} recorded",
            row.label,
            row.direction.words(),
            display_auto(row.min),
            display_auto(row.max),
            vals.len()
        );
        if let (Some(a), Some(b)) = (vals.first(), vals.last()) {
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            text.push_str(&format!(
                "; first {}, last {}, mean {}",
                display_auto(*a),
                display_auto(*b),
                display_auto(mean)
            ));
        }
        parts.push(text);
    }
    let mut out = parts.join(". ");
    out.push('.');
    out
}

fn empty_strip(spec: &HeatStrip, id: &str) -> String {
    let height = 60.0;
    let mut svg = Svg::new();
    svg.begin(id, WIDTH, height, &spec.title, "No entries yet.");
    svg.label(WIDTH / 2.0, height / 2.0 + 5.0, 14.0, "middle", palette::TEXT, "No entries yet");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::format_day;
    use crate::test_support::{check_chart, desc};

    fn strip() -> HeatStrip {
        HeatStrip {
            id_prefix: "checkins".into(),
            title: "Daily check-ins".into(),
            columns: (20458..20486).map(format_day).collect(),
            label_every: 7,
            rows: vec![
                HeatRow {
                    label: "Sleep".into(),
                    values: (0..28).map(|i| if i % 10 == 3 { None } else { Some(f64::from(i % 5)) }).collect(),
                    min: 0.0,
                    max: 4.0,
                    direction: Direction::HigherIsBetter,
                },
                HeatRow {
                    label: "Avoidance".into(),
                    values: (0..20).map(|i| Some(f64::from(4 - i % 5))).collect(),
                    min: 0.0,
                    max: 4.0,
                    direction: Direction::HigherIsWorse,
                },
                HeatRow {
                    label: "Irritability".into(),
                    values: vec![Some(2.0), Some(9.0)],
                    min: 0.0,
                    max: 4.0,
                    direction: Direction::HigherIsWorse,
                },
            ],
        }
    }

    #[test]
    fn renders_deterministically_and_well_formed() {
        let a = heat_strip(&strip());
        assert_eq!(a, heat_strip(&strip()));
        check_chart(&a);
    }

    #[test]
    fn cell_count_and_missing_cells() {
        let svg = heat_strip(&strip());
        // 3 rows x 28 columns, each with a title.
        let cells = svg.matches("<rect x=").count() - 6 - 1; // minus legend swatches and background
        assert_eq!(cells, 84);
        // Sleep: days 3, 13, 23 missing; Avoidance: 8 trailing; Irritability: 26.
        assert_eq!(svg.matches(": no entry</title>").count(), 3 + 8 + 26);
        assert_eq!(svg.matches("fill=\"url(#checkins-hatch)\"").count(), 37 + 1);
        assert!(svg.contains("<title>Sleep, 5 Jan 2026: 0 (higher is better)</title>"));
        assert!(svg.contains("<title>Irritability, 6 Jan 2026: 9 (higher is worse), outside the scale 0 to 4</title>"));
        // Column labels every 7th column: 4 of them.
        assert_eq!(svg.matches(">5 Jan 2026</text>").count(), 1);
        assert_eq!(svg.matches(">12 Jan 2026</text>").count(), 1);
        assert_eq!(svg.matches(">6 Jan 2026</text>").count(), 0);
    }

    #[test]
    fn colour_means_the_same_whatever_the_direction() {
        let s = strip();
        // Best sleep (4, higher better) and least avoidance (0, higher worse) share a colour.
        assert_eq!(goodness(&s.rows[0], 4.0), 1.0);
        assert_eq!(goodness(&s.rows[1], 0.0), 1.0);
        assert_eq!(goodness(&s.rows[1], 4.0), 0.0);
        assert_eq!(goodness(&s.rows[2], 9.0), 0.0);
        let svg = heat_strip(&s);
        let best = scale_colour(1.0);
        assert!(svg.contains(&format!("fill=\"{best}\"><title>Sleep, 9 Jan 2026: 4 (higher is better)</title>")));
        assert!(svg.contains(&format!("fill=\"{best}\"><title>Avoidance, 9 Jan 2026: 0 (higher is worse)</title>")));
    }

    #[test]
    fn desc_counts_entries() {
        let svg = heat_strip(&strip());
        let d = desc(&svg);
        assert!(d.starts_with("3 measures over 28 columns from 5 Jan 2026 to 1 Feb 2026."), "{d}");
        assert!(d.contains("Sleep (higher is better, scale 0 to 4): 25 of 28 recorded; first 0, last 2"), "{d}");
        assert!(
            d.contains("Irritability (higher is worse, scale 0 to 4): 2 of 28 recorded; first 2, last 9, mean 5.5")
        );
    }

    #[test]
    fn empty_and_hostile() {
        let svg = heat_strip(&HeatStrip::default());
        check_chart(&svg);
        assert!(svg.contains("No entries yet"));
        let evil = "<script>x</script>&\"'";
        let svg = heat_strip(&HeatStrip {
            id_prefix: evil.into(),
            title: evil.into(),
            columns: vec![evil.into(); 3],
            label_every: 0,
            rows: vec![HeatRow {
                label: evil.into(),
                values: vec![Some(f64::NAN), Some(1.0)],
                min: 1.0,
                max: 1.0,
                direction: Direction::default(),
            }],
        });
        check_chart(&svg);
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn many_columns_stay_inside() {
        let s = HeatStrip {
            columns: (0..400).map(format_day).collect(),
            label_every: 0,
            rows: vec![HeatRow {
                label: "A very long measure name that goes on".into(),
                values: vec![Some(1.0); 400],
                min: 0.0,
                max: 2.0,
                direction: Direction::HigherIsBetter,
            }],
            ..strip()
        };
        let svg = heat_strip(&s);
        check_chart(&svg);
        assert!(svg.contains("A very long measure nam…"));
    }
}
