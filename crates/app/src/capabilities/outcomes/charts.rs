//! Charts of a participant's measures, from the shared SVG chart crate. SVG is inlined in the
//! page (no scripts, no inline styles), each with a title and a text description.

use crate::capabilities::outcomes::usecases::ScoredAssessment;
use catalyst_charts::{
    Direction, EventMarker, HeatRow, HeatStrip, Series, Threshold, TimeSeriesChart, YRange, days_from_civil,
    format_day, heat_strip, time_series,
};
use catalyst_instruments::{InstrumentId, Score};
use maud::{Markup, PreEscaped, html};

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    Some(days_from_civil(y, m, d))
}

/// Range, thresholds and reading direction of each instrument's total (clinical.md section 4).
fn total_scale(id: InstrumentId) -> Option<(f64, Vec<Threshold>, &'static str)> {
    match id {
        InstrumentId::Caps5 => Some((
            80.0,
            vec![Threshold { value: 11.0, label: "remission (with loss of diagnosis)".into() }],
            "CAPS-5 total (0–80, lower is better)",
        )),
        InstrumentId::Pcl5 => Some((
            80.0,
            vec![Threshold { value: 33.0, label: "provisional PTSD".into() }],
            "PCL-5 total (0–80, lower is better)",
        )),
        InstrumentId::Phq9 => Some((
            27.0,
            vec![
                Threshold { value: 10.0, label: "moderate".into() },
                Threshold { value: 20.0, label: "severe".into() },
            ],
            "PHQ-9 total (0–27, lower is better)",
        )),
        InstrumentId::Sds => Some((30.0, Vec::new(), "SDS total (0–30, lower is better)")),
        InstrumentId::Cssrs | InstrumentId::DailyCheckin => None,
    }
}

fn total(score: &Score) -> Option<f64> {
    crate::capabilities::outcomes::domain::total_of(score).map(|t| t as f64)
}

/// The chart for one measure's history (empty markup where a chart would not help).
pub fn chart_for(id: InstrumentId, rows: &[&ScoredAssessment], code: &str, doses: &[(i64, String)]) -> Markup {
    match chart_svg(id, rows, code, doses) {
        Some(svg) => html! { figure.chart { (PreEscaped(svg)) } },
        None => html! {},
    }
}

/// The SVG of one measure's chart: totals over time, or the check-in heat strip.
/// `doses` marks the dosing sessions: (day number, label).
pub fn chart_svg(id: InstrumentId, rows: &[&ScoredAssessment], code: &str, doses: &[(i64, String)]) -> Option<String> {
    if id == InstrumentId::DailyCheckin {
        return checkin_strip(rows, code, 28);
    }
    let (max, thresholds, label) = total_scale(id)?;
    let points: Vec<(i64, Option<f64>)> = rows
        .iter()
        .filter_map(|a| Some((day_number(&a.assessment.administered_on)?, total(&a.scored.score))))
        .collect();
    let svg = time_series(&TimeSeriesChart {
        id_prefix: format!("chart-{}", id.as_str()),
        title: format!("{label} for {code}"),
        y_label: label.to_owned(),
        series: vec![Series { name: label.to_owned(), points }],
        y_range: YRange::Fixed { min: 0.0, max },
        thresholds,
        events: doses.iter().map(|(x, label)| EventMarker { x: *x, label: label.clone() }).collect(),
        ..Default::default()
    });
    Some(svg)
}

/// The daily check-in as a heat strip over the last `days` days with an entry.
fn checkin_strip(rows: &[&ScoredAssessment], code: &str, days: i64) -> Option<String> {
    let records: Vec<(i64, &catalyst_instruments::scoring::checkin::CheckinRecord)> = rows
        .iter()
        .filter_map(|a| match &a.scored.score {
            Score::DailyCheckin(c) => Some((day_number(&a.assessment.administered_on)?, c)),
            _ => None,
        })
        .collect();
    let last = records.iter().map(|(d, _)| *d).max()?;
    let first = last - days + 1;
    let value_on = |day: i64, f: &dyn Fn(&catalyst_instruments::scoring::checkin::CheckinRecord) -> Option<u32>| {
        records.iter().rev().find(|(d, _)| *d == day).and_then(|(_, c)| f(c)).map(f64::from)
    };
    let row =
        |label: &str,
         max: f64,
         direction: Direction,
         f: &dyn Fn(&catalyst_instruments::scoring::checkin::CheckinRecord) -> Option<u32>| HeatRow {
            label: label.to_owned(),
            values: (first..=last).map(|day| value_on(day, f)).collect(),
            min: 0.0,
            max,
            direction,
        };
    let svg = heat_strip(&HeatStrip {
        id_prefix: "checkins".into(),
        title: format!("Daily check-ins of {code}, last {days} days"),
        columns: (first..=last).map(format_day).collect(),
        label_every: 7,
        rows: vec![
            row("Sleep", 4.0, Direction::HigherIsBetter, &|c| Some(c.sleep)),
            row("Work / usual tasks", 4.0, Direction::HigherIsBetter, &|c| c.work),
            row("Connection", 4.0, Direction::HigherIsBetter, &|c| Some(c.relationships)),
            row("Avoidance (times)", 10.0, Direction::HigherIsWorse, &|c| Some(c.avoidance)),
            row("Irritability (times)", 10.0, Direction::HigherIsWorse, &|c| Some(c.irritability)),
            row("Substance uses", 10.0, Direction::HigherIsWorse, &|c| Some(c.substance_use)),
            row("Routines kept", 10.0, Direction::HigherIsBetter, &|c| Some(c.routines_kept)),
        ],
    });
    Some(svg)
}

/// Dosing-session dates as chart markers ("Dose 1" …).
pub fn dose_markers(dates: &[(jiff::civil::Date, String)]) -> Vec<(i64, String)> {
    dates
        .iter()
        .enumerate()
        .map(|(i, (d, _))| {
            (
                days_from_civil(
                    i64::from(d.year()),
                    u32::try_from(d.month()).unwrap_or(1),
                    u32::try_from(d.day()).unwrap_or(1),
                ),
                format!("Dose {}", i + 1),
            )
        })
        .collect()
}
