//! Line chart of one or more measures over time, with thresholds and events.
//!
//! Designed for symptom scores over a course of treatment (PCL-5, CAPS-5):
//! the y axis usually has the instrument's fixed range so charts of
//! different participants compare at a glance, thresholds mark clinical
//! cut-offs, and event markers show when dosing sessions happened.

use crate::dates::{day_ticks, format_day_long};
use crate::palette::{self, Marker};
use crate::scale::{LinearScale, nice_domain, nice_step, nice_ticks, step_decimals};
use crate::svg::{Svg, display_auto, display_value, num, points, sanitize_id, text_width, truncate};

/// What the integer x values mean.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum XKind {
    /// Days since 1970-01-01; axes show dates ("5 Jan 2026"), the text
    /// alternative says "on 5 January 2026".
    #[default]
    Days,
    /// Plain numbers with a unit word, e.g. `unit: "week"` reads "at week 4"
    /// and the axis shows "4".
    Number {
        /// Word placed before the number in text, e.g. "week" or "visit".
        unit: String,
    },
}

/// The y axis range.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum YRange {
    /// From the data and thresholds, widened to nice tick values.
    #[default]
    Auto,
    /// A fixed range such as an instrument's 0..=80. Values outside it are
    /// drawn at the edge with hollow markers and reported in the text
    /// alternative. An empty or non-finite range falls back to `Auto`.
    Fixed {
        /// Bottom of the axis.
        min: f64,
        /// Top of the axis.
        max: f64,
    },
}

/// One line. Points are `(x, value)`; a `None` (or non-finite) value is a
/// gap: the line breaks there and resumes at the next value, so a missed
/// visit is not drawn as if it had been measured. Points need not be sorted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Name shown in the legend and the text alternative, e.g. "PCL-5 total".
    pub name: String,
    /// `(x, value)` pairs.
    pub points: Vec<(i64, Option<f64>)>,
}

/// A horizontal reference line, e.g. a diagnostic cut-off.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Threshold {
    /// Where the line is drawn.
    pub value: f64,
    /// What it means, e.g. "provisional PTSD"; drawn as "33 provisional PTSD".
    pub label: String,
}

/// A vertical marker for an event, e.g. a dosing session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventMarker {
    /// When it happened (same units as the series x values).
    pub x: i64,
    /// Short label drawn above the chart, e.g. "Dose 1".
    pub label: String,
}

/// Everything [`time_series`] needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeSeriesChart {
    /// Prefix for element ids, unique on the page (sanitised to
    /// `[A-Za-z0-9_-]`).
    pub id_prefix: String,
    /// Accessible name of the chart, e.g. "PCL-5 total over time".
    pub title: String,
    /// Name of the measure on the y axis, drawn top left, e.g. "PCL-5 total".
    pub y_label: String,
    /// The lines; a legend appears when there is more than one.
    pub series: Vec<Series>,
    /// The y axis range.
    pub y_range: YRange,
    /// What x means.
    pub x_kind: XKind,
    /// Tick positions and labels for the x axis. Empty means automatic
    /// ([`day_ticks`] for days, nice integers otherwise). Ticks outside the
    /// data are skipped.
    pub x_ticks: Vec<(i64, String)>,
    /// Horizontal reference lines.
    pub thresholds: Vec<Threshold>,
    /// Vertical event markers.
    pub events: Vec<EventMarker>,
}

/// Width of the viewBox.
pub(crate) const WIDTH: f64 = 640.0;
/// Height of the plotting area.
pub(crate) const PLOT_HEIGHT: f64 = 220.0;
/// Height of the title row above the plot (the y-axis label).
pub(crate) const TOP_BASE: f64 = 26.0;
/// Height of one row of event labels.
const EVENT_ROW: f64 = 14.0;
/// Right margin.
const RIGHT: f64 = 16.0;
/// Horizontal inset so markers at the ends do not sit on the frame.
const X_INSET: f64 = 12.0;
const FONT: f64 = 12.0;
const SMALL: f64 = 11.0;

/// Computed geometry, shared by drawing and tests.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub top: f64,
    pub bottom: f64,
    pub y: LinearScale,
    pub x: LinearScale,
}

/// A cleaned point.
#[derive(Debug, Clone, Copy)]
struct Pt {
    x: i64,
    y: f64,
}

/// Renders the chart as an SVG string.
///
/// ```
/// use catalyst_charts::*;
/// let svg = time_series(&TimeSeriesChart {
///     id_prefix: "pcl5".into(),
///     title: "PCL-5 total over time".into(),
///     y_label: "PCL-5 total".into(),
///     series: vec![Series { name: "PCL-5 total".into(), points: vec![(20458, Some(52.0)), (20563, Some(31.0))] }],
///     y_range: YRange::Fixed { min: 0.0, max: 80.0 },
///     thresholds: vec![Threshold { value: 33.0, label: "provisional PTSD".into() }],
///     events: vec![EventMarker { x: 20465, label: "Dose 1".into() }],
///     ..Default::default()
/// });
/// assert!(svg.starts_with("<svg"));
/// ```
pub fn time_series(spec: &TimeSeriesChart) -> String {
    let id = sanitize_id(&spec.id_prefix);
    // Sorted, with gaps split out: each series becomes runs of valid points.
    let runs: Vec<Vec<Vec<Pt>>> = spec.series.iter().map(|s| runs_of(&s.points)).collect();
    let all: Vec<Pt> = runs.iter().flatten().flatten().copied().collect();
    if all.is_empty() {
        return empty_chart(spec, &id);
    }

    // Domains.
    let mut x_lo = all.iter().map(|p| p.x).min().unwrap_or(0);
    let mut x_hi = all.iter().map(|p| p.x).max().unwrap_or(0);
    for e in &spec.events {
        x_lo = x_lo.min(e.x);
        x_hi = x_hi.max(e.x);
    }
    if x_lo == x_hi {
        x_lo -= 1;
        x_hi += 1;
    }
    let (y_lo, y_hi, fixed) = y_domain(spec, &all);

    // Layout.
    let y_ticks = nice_ticks(y_lo, y_hi, 6);
    let y_step = match y_ticks.as_slice() {
        [a, b, ..] => b - a,
        _ => nice_step(y_hi - y_lo, 6),
    };
    let y_dec = step_decimals(y_step);
    let y_tick_labels: Vec<String> = y_ticks.iter().map(|v| display_value(*v, y_dec)).collect();
    let widest = y_tick_labels.iter().map(|l| text_width(l, SMALL)).fold(0.0, f64::max);
    let left = (widest + 14.0).max(36.0);
    let right = WIDTH - RIGHT;
    let (event_rows, event_layout) = layout_events(spec, x_lo, x_hi, left, right);
    let top = TOP_BASE + event_rows as f64 * EVENT_ROW;
    let frame = Frame {
        top,
        bottom: top + PLOT_HEIGHT,
        y: LinearScale::new(y_lo, y_hi, top + PLOT_HEIGHT, top),
        x: LinearScale::new(x_lo as f64, x_hi as f64, left + X_INSET, right - X_INSET),
    };
    let legend = legend_layout(spec, left, right);
    let legend_h = legend.last().map_or(0.0, |item| item.row as f64 * 18.0 + 22.0);
    let height = frame.bottom + 30.0 + legend_h;

    let clamped = if fixed { all.iter().filter(|p| p.y < y_lo || p.y > y_hi).count() } else { 0 };
    let mut svg = Svg::new();
    svg.begin(&id, WIDTH, height, &spec.title, &describe(spec, &runs, y_lo, y_hi, fixed, clamped));

    // Y axis: label, grid and ticks.
    svg.label(4.0, 16.0, FONT, "start", palette::TEXT, &spec.y_label);
    for (v, text) in y_ticks.iter().zip(&y_tick_labels) {
        let y = frame.y.map(*v);
        svg.line(left, y, right, y, &[("stroke", palette::GRID), ("stroke-width", "1")]);
        svg.label(left - 6.0, y + 4.0, SMALL, "end", palette::TEXT, text);
    }
    let axis = [("stroke", palette::MUTED), ("stroke-width", "1")];
    svg.line(left, frame.top, left, frame.bottom, &axis);
    svg.line(left, frame.bottom, right, frame.bottom, &axis);

    // X axis.
    for (x, text) in x_ticks(spec, x_lo, x_hi) {
        let px = frame.x.map(x as f64);
        svg.line(px, frame.bottom, px, frame.bottom + 5.0, &axis);
        let half = text_width(&text, SMALL) / 2.0;
        let cx = px.clamp(half + 2.0, WIDTH - half - 2.0);
        svg.label(cx, frame.bottom + 18.0, SMALL, "middle", palette::TEXT, &text);
    }

    // Thresholds: dashed grey lines with their value and meaning.
    for t in &spec.thresholds {
        if !t.value.is_finite() || t.value < y_lo || t.value > y_hi {
            continue;
        }
        let y = frame.y.map(t.value);
        svg.line(
            left,
            y,
            right,
            y,
            &[("stroke", palette::MUTED), ("stroke-width", "1.5"), ("stroke-dasharray", "6 4")],
        );
        let text = threshold_text(t);
        let ly = if y - 5.0 < frame.top + 10.0 { y + 14.0 } else { y - 5.0 };
        svg.label_halo(right - 4.0, ly, SMALL, "end", palette::TEXT, &text);
    }

    // Events: dotted vertical lines, labels above the plot.
    for (e, row, cx) in &event_layout {
        let px = frame.x.map(e.x as f64);
        svg.line(
            px,
            frame.top,
            px,
            frame.bottom,
            &[("stroke", palette::MUTED), ("stroke-width", "1.5"), ("stroke-dasharray", "2 3")],
        );
        let ly = TOP_BASE + (*row as f64 + 1.0) * EVENT_ROW - 3.0;
        svg.label(*cx, ly, SMALL, "middle", palette::TEXT, &e.label);
    }

    // Series: lines per run, then markers on top.
    for (i, (series, series_runs)) in spec.series.iter().zip(&runs).enumerate() {
        let (colour, dash, marker) = palette::series_style(i);
        svg.open("g", &[("aria-label", &series.name)]);
        for run in series_runs {
            let pts: Vec<(f64, f64)> =
                run.iter().map(|p| (frame.x.map(p.x as f64), frame.y.map_clamped(p.y).0)).collect();
            if pts.len() > 1 {
                let mut attrs = vec![
                    ("points", points(&pts)),
                    ("fill", "none".to_string()),
                    ("stroke", colour.to_string()),
                    ("stroke-width", "2".to_string()),
                    ("stroke-linejoin", "round".to_string()),
                ];
                if !dash.is_empty() {
                    attrs.push(("stroke-dasharray", dash.to_string()));
                }
                let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                svg.empty("polyline", &attrs);
            }
        }
        for p in series_runs.iter().flatten() {
            let (py, out) = frame.y.map_clamped(p.y);
            let mut title = format!("{}, {}: {}", series.name, x_text(&spec.x_kind, p.x), display_auto(p.y));
            if out {
                title.push_str(" (outside the chart range, drawn at its edge)");
            }
            draw_marker(&mut svg, marker, frame.x.map(p.x as f64), py, colour, out, &title);
        }
        svg.close("g");
    }

    // Legend.
    let ly0 = frame.bottom + 40.0;
    for item in &legend {
        let (colour, dash, marker) = palette::series_style(item.index);
        let y = ly0 + item.row as f64 * 18.0;
        let mut attrs = vec![("stroke", colour), ("stroke-width", "2")];
        if !dash.is_empty() {
            attrs.push(("stroke-dasharray", dash));
        }
        svg.line(item.x, y, item.x + 28.0, y, &attrs);
        draw_marker(&mut svg, marker, item.x + 14.0, y, colour, false, "");
        svg.label(item.x + 34.0, y + 4.0, FONT, "start", palette::TEXT, &item.text);
    }
    svg.finish()
}

/// Sorts points by x (stable) and splits them at missing values.
fn runs_of(points: &[(i64, Option<f64>)]) -> Vec<Vec<Pt>> {
    let mut sorted = points.to_vec();
    sorted.sort_by_key(|(x, _)| *x);
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (x, y) in sorted {
        match y {
            Some(y) if y.is_finite() => current.push(Pt { x, y }),
            _ => {
                if !current.is_empty() {
                    runs.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// `(min, max, is_fixed)` of the y axis.
fn y_domain(spec: &TimeSeriesChart, all: &[Pt]) -> (f64, f64, bool) {
    if let YRange::Fixed { min, max } = spec.y_range
        && min.is_finite()
        && max.is_finite()
        && min != max
    {
        return (min.min(max), min.max(max), true);
    }
    let mut lo = all.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
    let mut hi = all.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max);
    for t in spec.thresholds.iter().filter(|t| t.value.is_finite()) {
        lo = lo.min(t.value);
        hi = hi.max(t.value);
    }
    let (lo, hi) = nice_domain(lo, hi, 6);
    (lo, hi, false)
}

/// Ticks for the x axis inside `[lo, hi]`.
fn x_ticks(spec: &TimeSeriesChart, lo: i64, hi: i64) -> Vec<(i64, String)> {
    if !spec.x_ticks.is_empty() {
        return spec.x_ticks.iter().filter(|(x, _)| (lo..=hi).contains(x)).cloned().collect();
    }
    match &spec.x_kind {
        XKind::Days => day_ticks(lo, hi, 6),
        XKind::Number { .. } => nice_ticks(lo as f64, hi as f64, 8)
            .into_iter()
            .filter(|v| v.fract() == 0.0)
            .map(|v| (v as i64, display_value(v, 0)))
            .collect(),
    }
}

/// "on 5 January 2026" / "at week 4" style phrase for text alternatives.
fn x_phrase(kind: &XKind, x: i64) -> String {
    match kind {
        XKind::Days => format!("on {}", format_day_long(x)),
        XKind::Number { .. } => format!("at {}", x_text(kind, x)),
    }
}

/// "5 January 2026" / "week 4".
fn x_text(kind: &XKind, x: i64) -> String {
    match kind {
        XKind::Days => format_day_long(x),
        XKind::Number { unit } if unit.is_empty() => display_value(x as f64, 0),
        XKind::Number { unit } => format!("{unit} {}", display_value(x as f64, 0)),
    }
}

fn threshold_text(t: &Threshold) -> String {
    if t.label.is_empty() { display_auto(t.value) } else { format!("{} {}", display_auto(t.value), t.label) }
}

/// Places event labels in up to two rows so neighbours do not overlap.
/// Returns the number of rows and `(event, row, label centre x)`.
fn layout_events(
    spec: &TimeSeriesChart,
    x_lo: i64,
    x_hi: i64,
    left: f64,
    right: f64,
) -> (usize, Vec<(EventMarker, usize, f64)>) {
    let x = LinearScale::new(x_lo as f64, x_hi as f64, left + X_INSET, right - X_INSET);
    let mut events = spec.events.clone();
    events.sort_by_key(|e| e.x);
    let mut ends = [f64::NEG_INFINITY; 2];
    let mut rows = 0;
    let mut out = Vec::new();
    for e in events {
        let half = text_width(&e.label, SMALL) / 2.0;
        let cx = x.map(e.x as f64).clamp(half + 2.0, WIDTH - half - 2.0);
        let row = if cx - half > ends[0] + 4.0 {
            0
        } else if cx - half > ends[1] + 4.0 {
            1
        } else if ends[0] <= ends[1] {
            0
        } else {
            1
        };
        ends[row] = cx + half;
        rows = rows.max(row + 1);
        out.push((e, row, cx));
    }
    (rows, out)
}

struct LegendItem {
    index: usize,
    row: usize,
    x: f64,
    text: String,
}

/// Legend entries (only when there is more than one series), wrapped into
/// rows.
fn legend_layout(spec: &TimeSeriesChart, left: f64, right: f64) -> Vec<LegendItem> {
    if spec.series.len() < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let (mut x, mut row) = (left, 0);
    for (index, s) in spec.series.iter().enumerate() {
        let text = truncate(&s.name, 40);
        let w = 34.0 + text_width(&text, FONT) + 18.0;
        if x > left && x + w > right {
            x = left;
            row += 1;
        }
        out.push(LegendItem { index, row, x, text });
        x += w;
    }
    out
}

/// Draws one marker; hollow (white fill) when the value was clamped. An
/// empty `title` adds no `<title>` child (legend samples).
fn draw_marker(svg: &mut Svg, marker: Marker, x: f64, y: f64, colour: &str, hollow: bool, title: &str) {
    let fill = if hollow { "#ffffff" } else { colour };
    let r = 4.5;
    let common = [("fill", fill), ("stroke", colour), ("stroke-width", "1.5")];
    let (name, mut attrs): (&str, Vec<(&str, String)>) = match marker {
        Marker::Circle => ("circle", vec![("cx", num(x)), ("cy", num(y)), ("r", num(r))]),
        Marker::Square => (
            "rect",
            vec![("x", num(x - r * 0.85)), ("y", num(y - r * 0.85)), ("width", num(r * 1.7)), ("height", num(r * 1.7))],
        ),
        Marker::Triangle => {
            ("polygon", vec![("points", points(&[(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)]))])
        }
        Marker::TriangleDown => {
            ("polygon", vec![("points", points(&[(x - r, y - r * 0.8), (x + r, y - r * 0.8), (x, y + r)]))])
        }
        Marker::Diamond => ("polygon", vec![("points", points(&[(x, y - r), (x + r, y), (x, y + r), (x - r, y)]))]),
    };
    attrs.extend(common.iter().map(|(k, v)| (*k, v.to_string())));
    let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if title.is_empty() {
        svg.empty(name, &attrs);
    } else {
        svg.open(name, &attrs);
        svg.title(title);
        svg.close(name);
    }
}

/// The text alternative: every series' first and last value, count, range
/// and gaps; thresholds; events; the axis range; clamping.
fn describe(
    spec: &TimeSeriesChart,
    runs: &[Vec<Vec<Pt>>],
    y_lo: f64,
    y_hi: f64,
    fixed: bool,
    clamped: usize,
) -> String {
    let kind = &spec.x_kind;
    let mut parts = Vec::new();
    for (s, series_runs) in spec.series.iter().zip(runs) {
        let pts: Vec<Pt> = series_runs.iter().flatten().copied().collect();
        let missing = s.points.len() - pts.len();
        let mut text = match (pts.first(), pts.last()) {
            (Some(a), Some(_)) if pts.len() == 1 => {
                format!("{}: {} {}; 1 measurement", s.name, display_auto(a.y), x_phrase(kind, a.x))
            }
            (Some(a), Some(b)) => {
                let mut t = format!(
                    "{}: from {} {} to {} {}; {} measurements",
                    s.name,
                    display_auto(a.y),
                    x_phrase(kind, a.x),
                    display_auto(b.y),
                    x_phrase(kind, b.x),
                    pts.len()
                );
                if pts.len() > 2 {
                    let lo = pts.iter().fold(a, |m, p| if p.y < m.y { p } else { m });
                    let hi = pts.iter().fold(a, |m, p| if p.y > m.y { p } else { m });
                    t.push_str(&format!(
                        "; lowest {} {}, highest {} {}",
                        display_auto(lo.y),
                        x_phrase(kind, lo.x),
                        display_auto(hi.y),
                        x_phrase(kind, hi.x)
                    ));
                }
                t
            }
            _ => format!("{}: no measurements", s.name),
        };
        if missing > 0 {
            text.push_str(&format!("; {missing} missing"));
        }
        parts.push(text);
    }
    if !spec.thresholds.is_empty() {
        let list: Vec<String> = spec
            .thresholds
            .iter()
            .map(|t| {
                let mut s = display_auto(t.value);
                if !t.label.is_empty() {
                    s.push_str(&format!(" ({})", t.label));
                }
                if !t.value.is_finite() || t.value < y_lo || t.value > y_hi {
                    s.push_str(", outside the chart range and not drawn");
                }
                s
            })
            .collect();
        let word = if list.len() == 1 { "Threshold" } else { "Thresholds" };
        parts.push(format!("{word} {}", list.join("; ")));
    }
    if !spec.events.is_empty() {
        let mut events = spec.events.clone();
        events.sort_by_key(|e| e.x);
        let list: Vec<String> = events.iter().map(|e| format!("{} {}", e.label, x_phrase(kind, e.x))).collect();
        parts.push(format!("Events: {}", list.join(", ")));
    }
    let axis =
        if spec.y_label.is_empty() { "Vertical axis".to_string() } else { format!("Vertical axis {}", spec.y_label) };
    parts.push(format!("{axis} from {} to {}", display_auto(y_lo), display_auto(y_hi)));
    if fixed && clamped > 0 {
        let (noun, verb) = if clamped == 1 { ("value lies", "is") } else { ("values lie", "are") };
        parts.push(format!(
            "{clamped} {noun} outside the chart range {} to {} and {verb} drawn at its edge with hollow markers",
            display_auto(y_lo),
            display_auto(y_hi)
        ));
    }
    let mut out = parts.join(". ");
    out.push('.');
    out
}

/// The chart shown before any data: a framed message, not an empty axis.
fn empty_chart(spec: &TimeSeriesChart, id: &str) -> String {
    let height = 160.0;
    let mut desc = String::new();
    if !spec.y_label.is_empty() {
        desc.push_str(&format!("{}: ", spec.y_label));
    }
    desc.push_str("No measurements yet.");
    let mut svg = Svg::new();
    svg.begin(id, WIDTH, height, &spec.title, &desc);
    svg.empty(
        "rect",
        &[
            ("x", "8.0"),
            ("y", "8.0"),
            ("width", &num(WIDTH - 16.0)),
            ("height", &num(height - 16.0)),
            ("fill", "#ffffff"),
            ("stroke", palette::MUTED),
            ("stroke-width", "1"),
            ("stroke-dasharray", "4 4"),
        ],
    );
    if !spec.y_label.is_empty() {
        svg.label(WIDTH / 2.0, height / 2.0 - 10.0, FONT, "middle", palette::MUTED, &spec.y_label);
    }
    svg.label(WIDTH / 2.0, height / 2.0 + 10.0, 16.0, "middle", palette::TEXT, "No measurements yet");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{check_chart, desc};

    fn pcl5() -> TimeSeriesChart {
        let base = 20458; // 5 Jan 2026
        TimeSeriesChart {
            id_prefix: "pcl5".into(),
            title: "PCL-5 total over time".into(),
            y_label: "PCL-5 total".into(),
            series: vec![Series {
                name: "PCL-5 total".into(),
                points: [(0, 52.0), (14, 47.0), (35, 44.0), (56, 38.0), (77, 33.0), (105, 31.0)]
                    .iter()
                    .map(|(d, v)| (base + d, Some(*v)))
                    .collect(),
            }],
            y_range: YRange::Fixed { min: 0.0, max: 80.0 },
            thresholds: vec![Threshold { value: 33.0, label: "provisional PTSD".into() }],
            events: vec![
                EventMarker { x: base + 21, label: "Dose 1".into() },
                EventMarker { x: base + 49, label: "Dose 2".into() },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn renders_deterministically_and_well_formed() {
        let a = time_series(&pcl5());
        let b = time_series(&pcl5());
        assert_eq!(a, b);
        check_chart(&a);
        assert!(a.contains("33 provisional PTSD"));
        assert!(a.contains("Dose 1") && a.contains("Dose 2"));
        // One series: no legend line samples beyond the markers.
        assert_eq!(a.matches("<polyline").count(), 1);
    }

    #[test]
    fn desc_summarises_in_words() {
        let svg = time_series(&pcl5());
        assert_eq!(
            desc(&svg),
            "PCL-5 total: from 52 on 5 January 2026 to 31 on 20 April 2026; 6 measurements; \
             lowest 31 on 20 April 2026, highest 52 on 5 January 2026. \
             Threshold 33 (provisional PTSD). \
             Events: Dose 1 on 26 January 2026, Dose 2 on 23 February 2026. \
             Vertical axis PCL-5 total from 0 to 80."
        );
    }

    #[test]
    fn threshold_y_follows_the_mapping_formula() {
        let spec = TimeSeriesChart { events: vec![], ..pcl5() };
        let svg = time_series(&spec);
        // No events: plot from TOP_BASE to TOP_BASE + PLOT_HEIGHT, 0..80 upwards.
        let y = TOP_BASE + PLOT_HEIGHT - (33.0 - 0.0) / (80.0 - 0.0) * PLOT_HEIGHT;
        let line = format!(
            "y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"",
            num(y),
            num(WIDTH - RIGHT),
            num(y),
            palette::MUTED
        );
        assert!(svg.contains(&line), "{line}\n{svg}");
        assert_eq!(num(y), "155.2");
    }

    #[test]
    fn event_x_follows_the_mapping_formula() {
        let spec = pcl5();
        let svg = time_series(&spec);
        // Two labels far apart: one row. x domain is the data's 0..105 days.
        let left = (text_width("80", SMALL) + 14.0).max(36.0);
        let (x0, x1) = (left + X_INSET, WIDTH - RIGHT - X_INSET);
        let x = x0 + 21.0 / 105.0 * (x1 - x0);
        let top = TOP_BASE + EVENT_ROW;
        let line =
            format!("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"", num(x), num(top), num(x), num(top + PLOT_HEIGHT));
        assert!(svg.contains(&line), "{line}");
    }

    #[test]
    fn empty_and_all_missing_render_a_message() {
        for series in [vec![], vec![Series { name: "PCL-5".into(), points: vec![(1, None), (2, Some(f64::NAN))] }]] {
            let svg = time_series(&TimeSeriesChart { series, ..pcl5() });
            check_chart(&svg);
            assert!(svg.contains("No measurements yet"));
            assert!(desc(&svg).contains("No measurements yet."));
        }
    }

    #[test]
    fn single_point_works() {
        let spec = TimeSeriesChart {
            series: vec![Series { name: "PCL-5 total".into(), points: vec![(20458, Some(52.0))] }],
            events: vec![],
            thresholds: vec![],
            y_range: YRange::Auto,
            ..pcl5()
        };
        let svg = time_series(&spec);
        check_chart(&svg);
        assert!(desc(&svg).starts_with("PCL-5 total: 52 on 5 January 2026; 1 measurement."));
        assert_eq!(svg.matches("<circle").count(), 1);
        assert_eq!(svg.matches("<polyline").count(), 0);
        // Centred horizontally.
        let left = (text_width("60", SMALL) + 14.0).max(36.0);
        let cx = (left + WIDTH - RIGHT) / 2.0;
        assert!(svg.contains(&format!("cx=\"{}\"", num(cx))), "{svg}");
    }

    #[test]
    fn out_of_range_values_are_clamped_and_flagged() {
        let spec = TimeSeriesChart {
            series: vec![Series {
                name: "CAPS-5".into(),
                points: vec![(0, Some(90.0)), (7, Some(40.0)), (14, Some(-3.0))],
            }],
            events: vec![],
            ..pcl5()
        };
        let svg = time_series(&spec);
        check_chart(&svg);
        assert!(
            desc(&svg)
                .contains("2 values lie outside the chart range 0 to 80 and are drawn at its edge with hollow markers")
        );
        assert_eq!(svg.matches("fill=\"#ffffff\" stroke=\"#0072B2\"").count(), 2);
        let top = TOP_BASE;
        assert!(svg.contains(&format!("cy=\"{}\"", num(top))));
        assert!(svg.contains(&format!("cy=\"{}\"", num(top + PLOT_HEIGHT))));
        assert!(svg.contains("CAPS-5, 1 January 1970: 90 (outside the chart range, drawn at its edge)"));
    }

    #[test]
    fn gaps_split_lines_and_legend_appears_for_two_series() {
        let spec = TimeSeriesChart {
            series: vec![
                Series {
                    name: "Self-report".into(),
                    points: vec![(5, Some(1.0)), (1, Some(2.0)), (3, None), (7, Some(3.0)), (9, Some(2.5))],
                },
                Series { name: "Clinician".into(), points: vec![(1, Some(2.0)), (9, Some(1.0))] },
            ],
            y_range: YRange::Auto,
            x_kind: XKind::Number { unit: "week".into() },
            thresholds: vec![],
            events: vec![],
            ..pcl5()
        };
        let svg = time_series(&spec);
        check_chart(&svg);
        // Self-report: runs [1] and [5, 7, 9] -> one polyline; clinician one.
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(">Self-report</text>") && svg.contains(">Clinician</text>"));
        assert!(svg.contains("stroke-dasharray=\"7 4\""));
        let d = desc(&svg);
        assert!(d.contains("Self-report: from 2 at week 1 to 2.5 at week 9; 4 measurements"), "{d}");
        assert!(d.contains("; 1 missing"));
    }

    #[test]
    fn hostile_labels_are_escaped() {
        let evil = "<script>alert('x')</script> & \"q\"";
        let spec = TimeSeriesChart {
            id_prefix: "a\" onload=\"x".into(),
            title: evil.into(),
            y_label: evil.into(),
            series: vec![
                Series { name: evil.into(), points: vec![(1, Some(2.0))] },
                Series { name: evil.into(), points: vec![] },
            ],
            thresholds: vec![Threshold { value: 10.0, label: evil.into() }],
            events: vec![EventMarker { x: 1, label: evil.into() }],
            ..pcl5()
        };
        let svg = time_series(&spec);
        check_chart(&svg);
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("onload=\""));
        assert!(svg.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;"));
    }

    #[test]
    fn close_events_use_two_label_rows() {
        let spec = TimeSeriesChart {
            events: vec![
                EventMarker { x: 20460, label: "Dose 1".into() },
                EventMarker { x: 20461, label: "Integration".into() },
            ],
            ..pcl5()
        };
        let svg = time_series(&spec);
        check_chart(&svg);
        let (_, layout) = layout_events(&spec, 20458, 20563, 40.0, WIDTH - RIGHT);
        assert_eq!(layout.iter().map(|(_, r, _)| *r).collect::<Vec<_>>(), vec![0, 1]);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn any_finite_data_renders_inside_the_view_box(
                pts in proptest::collection::vec((-5000i64..5000, proptest::option::of(-1e6f64..1e6)), 0..30),
                pts2 in proptest::collection::vec((-5000i64..5000, proptest::option::of(-100f64..100.0)), 0..10),
                fixed in proptest::bool::ANY,
                t in -200f64..200.0,
                ev in proptest::collection::vec(-5000i64..5000, 0..4),
            ) {
                let spec = TimeSeriesChart {
                    id_prefix: "p".into(),
                    title: "t".into(),
                    y_label: "y".into(),
                    series: vec![Series { name: "a".into(), points: pts }, Series { name: "b".into(), points: pts2 }],
                    y_range: if fixed { YRange::Fixed { min: 0.0, max: 80.0 } } else { YRange::Auto },
                    thresholds: vec![Threshold { value: t, label: "cut".into() }],
                    events: ev.into_iter().map(|x| EventMarker { x, label: "Dose".into() }).collect(),
                    ..Default::default()
                };
                let svg = time_series(&spec);
                check_chart(&svg);
                prop_assert_eq!(svg, time_series(&spec));
            }
        }
    }
}
