//! Turning a protocol and a baseline date into a participant's dated course.
//!
//! Dates are civil dates in the site's time zone: a window is "9 to 16 March at the site",
//! whatever the UTC offset. Each visit's target is its anchor's date plus `offset_days`, where
//! the anchor is the baseline or an earlier visit, taken at its ACTUAL date when the caller
//! knows it (so a session that slipped two days moves everything anchored on it) and at its
//! target date otherwise.
//!
//! The planned start is the site's local start time on the target date, resolved in the site
//! zone by jiff. Local time stays fixed across daylight-saving changes (09:00 stays 09:00; the
//! UTC offset changes). If the local start time does not exist that day (spring-forward gap)
//! it is moved forward by the length of the gap (02:30 becomes 03:30); if it occurs twice
//! (autumn fold) the earlier of the two instants is used. This is jiff's `compatible`
//! disambiguation, the same rule RFC 5545 uses for local times.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{ToSpan, Zoned};
use serde::Serialize;

use crate::protocol::{Anchor, DosePlan, Protocol, VisitType};

/// One visit of a participant's course, with dates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledVisit {
    pub id: String,
    /// 1-based position in the course.
    pub order: usize,
    pub visit_type: VisitType,
    pub phase: String,
    pub anchor: Anchor,
    /// The date the target was counted from (baseline, or the anchor's actual or target date).
    pub anchor_date: Date,
    pub offset_days: i32,
    pub target: Date,
    /// First day of the window (inclusive), site-local.
    pub window_start: Date,
    /// Last day of the window (inclusive), site-local.
    pub window_end: Date,
    /// Local start time on the target date in the site zone.
    pub planned_start: Zoned,
    pub planned_end: Zoned,
    pub duration_minutes: u32,
    pub dose: Option<DosePlan>,
    /// The actual date, if the caller supplied one.
    pub actual: Option<Date>,
}

/// Where a visit stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Happened inside its window.
    Done,
    /// Happened, but outside its window (a deviation).
    OutOfWindow,
    /// Not done; today is inside the window.
    Due,
    /// Not done; the window has not opened.
    Upcoming,
    /// Not done; the window has closed (a missed visit).
    Overdue,
}

impl ScheduledVisit {
    /// Is `date` inside this visit's window (inclusive at both ends)?
    pub fn in_window(&self, date: Date) -> bool {
        self.window_start <= date && date <= self.window_end
    }

    /// Status on `today`, given the date the visit happened (if it did).
    pub fn status(&self, today: Date, happened_on: Option<Date>) -> VisitStatus {
        visit_status(self.window_start, self.window_end, today, happened_on)
    }
}

/// Status of a visit with window `start..=end` on `today`; see [`VisitStatus`].
pub fn visit_status(start: Date, end: Date, today: Date, happened_on: Option<Date>) -> VisitStatus {
    match happened_on {
        Some(d) if start <= d && d <= end => VisitStatus::Done,
        Some(_) => VisitStatus::OutOfWindow,
        None if today < start => VisitStatus::Upcoming,
        None if today > end => VisitStatus::Overdue,
        None => VisitStatus::Due,
    }
}

/// Why a schedule could not be computed (dates beyond jiff's range, year 9999).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("visit {visit_id}: date out of range: {reason}")]
    OutOfRange { visit_id: String, reason: String },
    #[error("visit {visit_id}: anchor {anchor} has not been scheduled")]
    UnknownAnchor { visit_id: String, anchor: String },
    #[error("visit {visit_id}: unknown visit type {visit_type}")]
    UnknownVisitType { visit_id: String, visit_type: String },
}

/// The local start on `date` at `time` in `zone`, with jiff's compatible disambiguation
/// (gap: moved forward; fold: earlier instant). Exposed for rebooking at another date.
pub fn local_start(date: Date, time: Time, zone: &TimeZone) -> Result<Zoned, jiff::Error> {
    date.to_datetime(time).to_zoned(zone.clone())
}

fn add_days(visit_id: &str, date: Date, days: i32) -> Result<Date, ScheduleError> {
    date.checked_add(days.days())
        .map_err(|e| ScheduleError::OutOfRange { visit_id: visit_id.to_string(), reason: e.to_string() })
}

/// The dated course of `protocol` for a participant with `baseline`, at a site in `zone`,
/// with visits starting at `default_start` local time. `actual` maps visit ids to the dates
/// they happened; visits anchored on them are counted from those dates.
pub fn schedule(
    protocol: &Protocol,
    baseline: Date,
    zone: &TimeZone,
    default_start: Time,
    actual: &BTreeMap<String, Date>,
) -> Result<Vec<ScheduledVisit>, ScheduleError> {
    let mut out: Vec<ScheduledVisit> = Vec::with_capacity(protocol.visits().len());
    let mut effective: BTreeMap<&str, Date> = BTreeMap::new();
    for (i, v) in protocol.visits().iter().enumerate() {
        let anchor_date = match &v.anchor {
            Anchor::Baseline => baseline,
            Anchor::Visit(a) => *effective
                .get(a.as_str())
                .ok_or_else(|| ScheduleError::UnknownAnchor { visit_id: v.id.clone(), anchor: a.clone() })?,
        };
        let vt = protocol.visit_type(&v.visit_type).ok_or_else(|| ScheduleError::UnknownVisitType {
            visit_id: v.id.clone(),
            visit_type: v.visit_type.clone(),
        })?;
        let target = add_days(&v.id, anchor_date, v.offset_days)?;
        let window_start = add_days(&v.id, target, -v.window.early_days)?;
        let window_end = add_days(&v.id, target, v.window.late_days)?;
        let range = |e: jiff::Error| ScheduleError::OutOfRange { visit_id: v.id.clone(), reason: e.to_string() };
        let planned_start = local_start(target, default_start, zone).map_err(range)?;
        let planned_end = planned_start.checked_add(i64::from(vt.duration_minutes).minutes()).map_err(range)?;
        let actual_date = actual.get(&v.id).copied();
        effective.insert(v.id.as_str(), actual_date.unwrap_or(target));
        out.push(ScheduledVisit {
            id: v.id.clone(),
            order: i + 1,
            visit_type: vt.clone(),
            phase: v.phase.clone(),
            anchor: v.anchor.clone(),
            anchor_date,
            offset_days: v.offset_days,
            target,
            window_start,
            window_end,
            planned_start,
            planned_end,
            duration_minutes: vt.duration_minutes,
            dose: v.dose,
            actual: actual_date,
        });
    }
    Ok(out)
}
