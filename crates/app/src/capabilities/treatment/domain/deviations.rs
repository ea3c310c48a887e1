//! Deviation decisions: which departures from the protocol a course shows that nobody has
//! recorded yet, and the records a detected, missed or reported deviation is written as.

use super::{Appointment, AppointmentStatus, Deviation, DeviationKind, DeviationSeverity, DeviationSource, VisitKind, jiff_ts};
use catalyst_core::time::Timestamp;
use catalyst_protocol::{AssessmentRecord, DeviationDraft, ScheduledVisit, StaffPresent, VisitRecord, detect_deviations};
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// An instrument given to the participant, on a site-local date (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentGiven {
    pub instrument: String,
    pub administered_on: String,
}

impl InstrumentGiven {
    /// An instrument given within a visit's window counts for that visit.
    pub fn counts_for(&self, visit: &ScheduledVisit) -> bool {
        self.administered_on.parse::<Date>().is_ok_and(|d| visit.in_window(d))
    }
}

/// The deviations a course shows on `today` that are not among those `known` (same kind at the
/// same visit): windows that passed without the visit, out-of-window visits, too few
/// therapists, instruments not recorded.
pub fn unrecorded_deviations(
    schedule: &[ScheduledVisit],
    appointments: &[Appointment],
    given: &[InstrumentGiven],
    known: &[Deviation],
    zone: &TimeZone,
    today: Date,
) -> Result<Vec<DeviationDraft>, jiff::Error> {
    let records: Vec<VisitRecord> = appointments
        .iter()
        .filter(|a| a.status == AppointmentStatus::Attended)
        .map(|a| {
            Ok(VisitRecord {
                visit_id: a.visit_id.clone(),
                date: jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date(),
                attended: true,
                staff: a
                    .staff
                    .assignments()
                    .iter()
                    .map(|s| StaffPresent { person: s.person.clone(), role: s.role, credential_current: true })
                    .collect(),
                doses: Vec::new(),
            })
        })
        .collect::<Result<_, jiff::Error>>()?;
    let assessments: Vec<AssessmentRecord> = schedule
        .iter()
        .flat_map(|v| {
            given
                .iter()
                .filter(|a| a.counts_for(v))
                .map(|a| AssessmentRecord { visit_id: v.id.clone(), instrument: a.instrument.clone() })
        })
        .collect();
    Ok(detect_deviations(schedule, &records, &assessments, today)
        .into_iter()
        .filter(|d| {
            let kind = DeviationKind::from(d.kind);
            !known.iter().any(|k| k.kind == kind && k.visit_id.as_deref() == Some(d.visit_id.as_str()))
        })
        .collect())
}

/// A detected deviation as recorded.
pub fn deviation_from_draft(
    draft: &DeviationDraft,
    id: String,
    participant_id: &str,
    site_id: &str,
    source: DeviationSource,
    by: &str,
    now: Timestamp,
) -> Deviation {
    Deviation {
        id,
        participant_id: participant_id.to_owned(),
        site_id: site_id.to_owned(),
        visit_id: Some(draft.visit_id.clone()),
        kind: draft.kind.into(),
        severity: draft.severity.into(),
        description: draft.description.clone(),
        source,
        recorded_at: now,
        recorded_by: by.to_owned(),
        resolution: None,
        resolved_at: None,
    }
}

/// The deviation a missed visit is: major for a dosing session, minor otherwise.
pub fn missed_visit(appointment: &Appointment, note: &str, id: String, by: &str, now: Timestamp) -> Deviation {
    Deviation {
        id,
        participant_id: appointment.participant_id.clone(),
        site_id: appointment.site_id.clone(),
        visit_id: Some(appointment.visit_id.clone()),
        kind: DeviationKind::MissedVisit,
        severity: if appointment.visit_kind == VisitKind::Experimental {
            DeviationSeverity::Major
        } else {
            DeviationSeverity::Minor
        },
        description: format!("{} was missed: {note}", appointment.visit_id),
        source: DeviationSource::Automatic,
        recorded_at: now,
        recorded_by: by.to_owned(),
        resolution: None,
        resolved_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::treatment::domain::{AppointmentStaff, DeviationSeverity};
    use catalyst_protocol::{Protocols, Severity, schedule};
    use jiff::civil::{Time, date as day};
    use std::collections::BTreeMap;

    fn course() -> Vec<ScheduledVisit> {
        let protocols = Protocols::builtin().unwrap();
        let protocol = protocols.latest("mapp1").unwrap();
        schedule(protocol, day(2026, 3, 2), &TimeZone::UTC, Time::constant(9, 0, 0, 0), &BTreeMap::new()).unwrap()
    }

    fn appointment(visit_id: &str, kind: VisitKind, status: AppointmentStatus) -> Appointment {
        Appointment {
            id: "a1".into(),
            participant_id: "p1".into(),
            site_id: "site-1".into(),
            visit_id: visit_id.into(),
            visit_type: visit_id.into(),
            visit_kind: kind,
            starts_at: Timestamp(1_772_442_000_000_000),
            ends_at: Timestamp(1_772_447_400_000_000),
            room_id: "room-a".into(),
            staff: AppointmentStaff::default(),
            status,
            out_of_window_reason: None,
            booked_by: "lead".into(),
        }
    }

    fn recorded(kind: DeviationKind, visit_id: &str) -> Deviation {
        Deviation {
            id: "d0".into(),
            participant_id: "p1".into(),
            site_id: "site-1".into(),
            visit_id: Some(visit_id.into()),
            kind,
            severity: DeviationSeverity::Major,
            description: "recorded before".into(),
            source: DeviationSource::Automatic,
            recorded_at: Timestamp(0),
            recorded_by: "deviation-scan".into(),
            resolution: None,
            resolved_at: None,
        }
    }

    #[test]
    fn a_window_that_passed_without_the_visit_is_found_once() {
        let schedule = course();
        let baseline = &schedule[0];
        let today = baseline.window_end.checked_add(jiff::Span::new().days(1)).unwrap();
        let found = unrecorded_deviations(&schedule, &[], &[], &[], &TimeZone::UTC, today).unwrap();
        assert!(found.iter().any(|d| d.visit_id == baseline.id && DeviationKind::from(d.kind) == DeviationKind::MissedVisit));
        let known: Vec<Deviation> =
            found.iter().map(|d| recorded(d.kind.into(), &d.visit_id)).collect();
        assert_eq!(unrecorded_deviations(&schedule, &[], &[], &known, &TimeZone::UTC, today).unwrap(), []);
    }

    #[test]
    fn a_deviation_of_another_kind_or_visit_does_not_hide_one() {
        let schedule = course();
        let baseline = &schedule[0];
        let today = baseline.window_end.checked_add(jiff::Span::new().days(1)).unwrap();
        let known = [recorded(DeviationKind::Manual, &baseline.id), recorded(DeviationKind::MissedVisit, "prep1")];
        let found = unrecorded_deviations(&schedule, &[], &[], &known, &TimeZone::UTC, today).unwrap();
        assert!(found.iter().any(|d| d.visit_id == baseline.id && DeviationKind::from(d.kind) == DeviationKind::MissedVisit));
    }

    #[test]
    fn an_instrument_counts_for_the_visits_whose_window_holds_its_date() {
        let schedule = course();
        let baseline = &schedule[0];
        let given = |on: Date| InstrumentGiven { instrument: "caps5".into(), administered_on: on.to_string() };
        assert!(given(baseline.window_start).counts_for(baseline));
        assert!(!given(baseline.window_end.checked_add(jiff::Span::new().days(1)).unwrap()).counts_for(baseline));
        assert!(!InstrumentGiven { instrument: "caps5".into(), administered_on: "not a date".into() }.counts_for(baseline));
    }

    #[test]
    fn a_missed_dosing_session_is_major_and_any_other_minor() {
        let dosing = appointment("exp1", VisitKind::Experimental, AppointmentStatus::Missed);
        let d = missed_visit(&dosing, "did not come", "d1".into(), "lead", Timestamp(7));
        assert_eq!((d.kind, d.severity, d.source), (DeviationKind::MissedVisit, DeviationSeverity::Major, DeviationSource::Automatic));
        assert_eq!(d.description, "exp1 was missed: did not come");
        assert_eq!((d.participant_id.as_str(), d.site_id.as_str(), d.visit_id.as_deref()), ("p1", "site-1", Some("exp1")));
        assert_eq!((d.id.as_str(), d.recorded_by.as_str(), d.recorded_at), ("d1", "lead", Timestamp(7)));
        let prep = appointment("prep1", VisitKind::Preparation, AppointmentStatus::Missed);
        assert_eq!(missed_visit(&prep, "ill", "d2".into(), "lead", Timestamp(7)).severity, DeviationSeverity::Minor);
    }

    #[test]
    fn a_draft_is_recorded_with_its_kind_severity_and_visit() {
        let draft = DeviationDraft {
            kind: catalyst_protocol::DeviationKind::InsufficientTherapists,
            severity: Severity::Critical,
            visit_id: "exp1".into(),
            description: "one therapist".into(),
        };
        let d = deviation_from_draft(&draft, "d1".into(), "p1", "site-1", DeviationSource::Automatic, "scan", Timestamp(9));
        assert_eq!((d.kind, d.severity), (DeviationKind::InsufficientTherapists, DeviationSeverity::Critical));
        assert_eq!((d.visit_id.as_deref(), d.description.as_str()), (Some("exp1"), "one therapist"));
        assert_eq!((d.resolution, d.resolved_at), (None, None));
    }
}
