//! Booking decisions. A booking is decided in two steps: the request is checked against what
//! no other booking can change (the visit, its window, the room, the people's roles) before the
//! write transaction, then against what another booking could change (the visit's own booking,
//! credentials, everyone's other bookings) as the write transaction read it under its locks.

use super::deviations::deviation_from_draft;
use super::{
    Appointment, AppointmentStaff, AppointmentStatus, Deviation, DeviationSource, Room, RoomStatus, TimelineVisit,
    date, jiff_ts, timestamp,
};
use crate::capabilities::eligibility::domain::check_after_washout;
use crate::capabilities::people::domain::Role;
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::reason::meaningful_reason;
use catalyst_core::time::Timestamp;
use catalyst_protocol::{
    Booking, BookingContext, BookingProblem, BookingRequest, StaffAssignment, StaffRole, VisitKind, check_booking,
    local_start,
};
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// A booking as requested by a person.
#[derive(Debug, Clone)]
pub struct BookingInput {
    pub visit_id: String,
    /// Site-local date and time, `YYYY-MM-DD` and `HH:MM`.
    pub date: String,
    pub time: String,
    pub room_id: String,
    pub staff: Vec<String>,
    pub out_of_window_reason: Option<String>,
    /// Required when an existing booking is moved.
    pub reschedule_reason: Option<String>,
}

/// The visit of the course a booking is for.
pub fn find_visit<'a>(course: &'a [TimelineVisit], visit_id: &str) -> Result<&'a TimelineVisit, DomainError> {
    course.iter().find(|v| v.visit.id == visit_id).ok_or_else(|| {
        let known: Vec<&str> = course.iter().map(|v| v.visit.id.as_str()).collect();
        DomainError::Invalid(vec![Violation::new(
            "visit_id",
            "one_of",
            format!("no visit {visit_id:?} in this protocol; visits: {}", known.join(", ")),
        )])
    })
}

/// The role a person takes in a visit: the clinical role they hold at the site, therapist first.
pub fn staff_role(roles: &[Role]) -> Option<StaffRole> {
    [
        (Role::Therapist, StaffRole::Therapist),
        (Role::Physician, StaffRole::Physician),
        (Role::SiteLead, StaffRole::SiteLead),
        (Role::Rater, StaffRole::Rater),
        (Role::Pharmacist, StaffRole::Pharmacist),
    ]
    .into_iter()
    .find(|(role, _)| roles.contains(role))
    .map(|(_, staff)| staff)
}

/// Visits a blinded (independent) rater may be booked for: in any other they would see the
/// treatment.
fn rater_may_attend(kind: VisitKind) -> bool {
    matches!(kind, VisitKind::Assessment | VisitKind::FollowUp | VisitKind::Screening)
}

/// What a booking request is checked against before the write transaction.
#[derive(Debug, Clone, Copy)]
pub struct BookingFacts<'a> {
    /// The visit being booked, with its live appointment as read with the course.
    pub entry: &'a TimelineVisit,
    pub input: &'a BookingInput,
    /// The day the participant's medication washout ends (`YYYY-MM-DD`), if any.
    pub washout_ends_on: Option<&'a str>,
    /// The requested room, if there is one by that id.
    pub room: Option<&'a Room>,
    pub site_id: &'a str,
    pub site_code: &'a str,
    pub zone: &'a TimeZone,
    /// Each requested person (in the order given) with the roles they hold at this site or at
    /// every site (independent raters).
    pub staff_roles: &'a [(String, Vec<Role>)],
}

/// A well-formed booking request, still to be checked against the schedules.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingPlan {
    pub request: BookingRequest,
    /// The room, active and at the site.
    pub room: Room,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// The visit's live appointment when the course was read; the booking is refused if the
    /// write transaction finds another.
    pub seen: Option<Appointment>,
    /// Trimmed; empty unless the booking moves one.
    pub reschedule_reason: String,
}

impl BookingPlan {
    /// The booking this one moves: the visit's booked appointment, if it has one.
    pub fn moves(&self) -> Option<&Appointment> {
        self.seen.as_ref().filter(|a| a.status == AppointmentStatus::Booked)
    }

    /// The schedules to lock while the booking is checked and written: its people and its room.
    pub fn schedule_resources(&self) -> Vec<String> {
        let mut resources: Vec<String> = self.request.staff.iter().map(|s| format!("person:{}", s.person)).collect();
        resources.push(format!("room:{}", self.request.room));
        resources
    }
}

/// Checks a booking request as entered, naming every problem, and computes when it is.
pub fn plan_booking(facts: &BookingFacts) -> Result<BookingPlan, DomainError> {
    let BookingFacts { entry, input, .. } = *facts;
    let mut violations = Vec::new();
    let day = date("date", &input.date);
    // Not even an out-of-window reason books a visit before the washout ends.
    if let Ok(day) = &day
        && let Err(v) = check_after_washout("date", &day.to_string(), facts.washout_ends_on)
    {
        violations.push(v);
    }
    let time: Result<Time, Violation> = input
        .time
        .trim()
        .parse()
        .map_err(|_| Violation::new("time", "time", format!("time must be HH:MM; got {:?}", input.time)));
    let room = facts.room.filter(|r| r.site_id == facts.site_id && r.status == RoomStatus::Active);
    if room.is_none() {
        violations.push(Violation::new("room_id", "one_of", "choose one of this site's active rooms"));
    }
    let kind = entry.visit.visit_type.kind;
    let mut staff = Vec::new();
    for (person, roles) in facts.staff_roles {
        match staff_role(roles) {
            Some(StaffRole::Rater) if !rater_may_attend(kind) => violations.push(Violation::new(
                "staff",
                "blinding",
                format!(
                    "{person} is an independent rater and can only be booked for assessments, not a {} visit",
                    kind.as_str()
                ),
            )),
            Some(role) => staff.push(StaffAssignment { person: person.clone(), role }),
            None => violations.push(Violation::new(
                "staff",
                "site_staff",
                format!("{person} holds no clinical role at {}", facts.site_code),
            )),
        }
    }
    let moves = entry.appointment.as_ref().filter(|a| a.status == AppointmentStatus::Booked);
    let reason = input.reschedule_reason.as_deref().unwrap_or_default().trim().to_owned();
    if moves.is_some() && reason.is_empty() {
        violations.push(Violation::new(
            "reschedule_reason",
            "required",
            "this visit is already booked: give a reason to move it",
        ));
    } else if moves.is_some() {
        violations.extend(meaningful_reason("reschedule_reason", &reason, 2000).err());
    }
    if let Some(why) = input.out_of_window_reason.as_deref().filter(|r| !r.trim().is_empty()) {
        violations.extend(meaningful_reason("out_of_window_reason", why, 2000).err());
    }
    if let Some(done) = entry.appointment.as_ref().filter(|a| a.status == AppointmentStatus::Attended) {
        violations.push(Violation::new(
            "visit_id",
            "not_done",
            format!("{} already took place ({})", input.visit_id, done.starts_at.to_rfc3339()),
        ));
    }
    let (Ok(day), Ok(time), Some(room), true) = (day.clone(), time.clone(), room, violations.is_empty()) else {
        violations.extend([day.err(), time.err()].into_iter().flatten());
        return Err(DomainError::Invalid(violations));
    };
    let start = local_start(day, time, facts.zone)
        .map_err(|e| DomainError::invalid("time", "time", e.to_string()))?
        .timestamp();
    let request = BookingRequest {
        visit_id: entry.visit.id.clone(),
        visit_type: entry.visit.visit_type.clone(),
        window_start: entry.visit.window_start,
        window_end: entry.visit.window_end,
        start,
        duration_minutes: entry.visit.duration_minutes,
        room: room.id.clone(),
        staff,
        out_of_window_reason: input
            .out_of_window_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
    };
    let end = request.end().map_err(|e| DomainError::invalid("time", "time", e.to_string()))?;
    Ok(BookingPlan {
        request,
        room: room.clone(),
        starts_at: timestamp(start),
        ends_at: timestamp(end),
        seen: entry.appointment.clone(),
        reschedule_reason: reason,
    })
}

/// The live appointments overlapping a booking as the rules see them, leaving out the one it
/// moves (a booking does not clash with itself).
pub fn other_bookings(overlapping: Vec<Appointment>, moving: Option<&str>) -> Result<Vec<Booking>, jiff::Error> {
    overlapping
        .into_iter()
        .filter(|a| Some(a.id.as_str()) != moving)
        .map(|a| {
            Ok(Booking {
                visit_id: format!("{} of another participant", a.visit_id),
                start: jiff_ts(a.starts_at)?,
                end: jiff_ts(a.ends_at)?,
                people: a.staff.people().map(str::to_owned).collect(),
                room: Some(a.room_id),
            })
        })
        .collect()
}

/// What the write transaction read, under the locks of the booking's schedules.
#[derive(Debug, Clone)]
pub struct BookingState {
    /// The visit's live appointment now.
    pub now_booked: Option<Appointment>,
    /// Credentials and every other booking of the people and the room.
    pub context: BookingContext,
    /// Display names by id (people and the room), for messages.
    pub names: Vec<(String, String)>,
}

/// Who books, and when.
#[derive(Debug, Clone, Copy)]
pub struct BookedBy<'a> {
    pub participant_id: &'a str,
    pub site_id: &'a str,
    pub user_id: &'a str,
    pub now: Timestamp,
}

/// The records a booking writes: the appointment, and the deviations it is accepted with.
#[derive(Debug, Clone, PartialEq)]
pub struct Booked {
    pub appointment: Appointment,
    pub deviations: Vec<Deviation>,
}

/// Decides a planned booking on what the write transaction read: refused when the visit was
/// booked or changed meanwhile, or (naming every problem) when the rules refuse it; otherwise
/// the records to write. `new_id` gives the id of each new record.
pub fn decide_booking(
    plan: &BookingPlan,
    state: &BookingState,
    by: BookedBy,
    mut new_id: impl FnMut() -> String,
) -> Result<Booked, DomainError> {
    if state.now_booked != plan.seen {
        return Err(DomainError::Conflict(format!(
            "{} was booked or changed by someone else meanwhile; reload the course and try again",
            plan.request.visit_id
        )));
    }
    let drafts = check_booking(&plan.request, &state.context).map_err(|problems| {
        DomainError::Invalid(problems.iter().map(|p| booking_violation(p, &state.names)).collect())
    })?;
    let request = &plan.request;
    let appointment = Appointment {
        id: plan.moves().map(|r| r.id.clone()).unwrap_or_else(&mut new_id),
        participant_id: by.participant_id.to_owned(),
        site_id: by.site_id.to_owned(),
        visit_id: request.visit_id.clone(),
        visit_type: request.visit_type.id.clone(),
        visit_kind: request.visit_type.kind.into(),
        starts_at: plan.starts_at,
        ends_at: plan.ends_at,
        room_id: request.room.clone(),
        staff: AppointmentStaff::new(request.staff.clone()),
        status: AppointmentStatus::Booked,
        out_of_window_reason: request.out_of_window_reason.clone(),
        booked_by: by.user_id.to_owned(),
    };
    let deviations = drafts
        .iter()
        .map(|d| {
            deviation_from_draft(d, new_id(), by.participant_id, by.site_id, DeviationSource::Automatic, by.user_id, by.now)
        })
        .collect();
    Ok(Booked { appointment, deviations })
}

/// A booking problem as a violation, with people and rooms named rather than numbered.
pub fn booking_violation(problem: &BookingProblem, names: &[(String, String)]) -> Violation {
    let field = match problem {
        BookingProblem::OutsideWindow { .. } => "date",
        BookingProblem::RoomBusy { .. } => "room_id",
        BookingProblem::ZeroDuration { .. } | BookingProblem::OutOfRange { .. } => "time",
        BookingProblem::DuplicatePerson { .. }
        | BookingProblem::NotEnoughTherapists { .. }
        | BookingProblem::MissingClinician { .. }
        | BookingProblem::PersonBusy { .. } => "staff",
    };
    let message = names.iter().fold(problem.to_string(), |text, (id, name)| text.replace(id.as_str(), name));
    Violation::new(field, "booking", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::treatment::domain::{DeviationKind, DeviationSeverity, VisitKind as RecordedKind};
    use catalyst_protocol::{Credential, Protocols, VisitStatus, schedule};
    use jiff::civil::date as day;
    use std::collections::BTreeMap;

    fn course() -> Vec<TimelineVisit> {
        let protocols = Protocols::builtin().unwrap();
        let protocol = protocols.latest("mapp1").unwrap();
        let visits =
            schedule(protocol, day(2026, 3, 2), &TimeZone::UTC, Time::constant(9, 0, 0, 0), &BTreeMap::new()).unwrap();
        visits.into_iter().map(|visit| TimelineVisit { visit, appointment: None, status: VisitStatus::Upcoming }).collect()
    }

    fn room(status: RoomStatus) -> Room {
        Room { id: "room-a".into(), site_id: "site-1".into(), name: "Session room A".into(), status }
    }

    fn input(entry: &TimelineVisit) -> BookingInput {
        BookingInput {
            visit_id: entry.visit.id.clone(),
            date: entry.visit.window_start.to_string(),
            time: "09:00".into(),
            room_id: "room-a".into(),
            staff: vec!["t1".into(), "t2".into()],
            out_of_window_reason: None,
            reschedule_reason: None,
        }
    }

    fn therapists() -> Vec<(String, Vec<Role>)> {
        vec![("t1".into(), vec![Role::Therapist]), ("t2".into(), vec![Role::Therapist, Role::SiteLead])]
    }

    fn plan(entry: &TimelineVisit, input: &BookingInput, room: &Room, staff: &[(String, Vec<Role>)]) -> Result<BookingPlan, DomainError> {
        plan_booking(&BookingFacts {
            entry,
            input,
            washout_ends_on: None,
            room: Some(room),
            site_id: "site-1",
            site_code: "BOS",
            zone: &TimeZone::UTC,
            staff_roles: staff,
        })
    }

    fn violations(result: Result<impl std::fmt::Debug, DomainError>) -> Vec<(String, String, String)> {
        match result.unwrap_err() {
            DomainError::Invalid(v) => v.into_iter().map(|v| (v.field, v.rule, v.message)).collect(),
            other => panic!("expected violations, got {other:?}"),
        }
    }

    fn booked(entry: &TimelineVisit, id: &str, status: AppointmentStatus) -> Appointment {
        Appointment {
            id: id.into(),
            participant_id: "p1".into(),
            site_id: "site-1".into(),
            visit_id: entry.visit.id.clone(),
            visit_type: entry.visit.visit_type.id.clone(),
            visit_kind: entry.visit.visit_type.kind.into(),
            starts_at: Timestamp(1_772_442_000_000_000),
            ends_at: Timestamp(1_772_447_400_000_000),
            room_id: "room-a".into(),
            staff: AppointmentStaff::default(),
            status,
            out_of_window_reason: None,
            booked_by: "lead".into(),
        }
    }

    fn current() -> Credential {
        Credential {
            training_completed_on: Some(day(2024, 1, 10)),
            supervised_sessions: 5,
            certified_until: Some(day(2030, 1, 1)),
            ethics_attested_on: Some(day(2026, 1, 5)),
        }
    }

    fn state(plan: &BookingPlan, bookings: Vec<Booking>) -> BookingState {
        let credentials = BTreeMap::from([("t1".to_owned(), current()), ("t2".to_owned(), current())]);
        BookingState {
            now_booked: plan.seen.clone(),
            context: BookingContext { zone: TimeZone::UTC, credentials, rules: Default::default(), bookings },
            names: vec![("room-a".into(), "Session room A".into()), ("t1".into(), "Dr One".into())],
        }
    }

    fn by() -> BookedBy<'static> {
        BookedBy { participant_id: "p1", site_id: "site-1", user_id: "lead", now: Timestamp(1_772_000_000_000_000) }
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id-{n}")
        }
    }

    fn visit<'a>(course: &'a [TimelineVisit], id: &str) -> &'a TimelineVisit {
        find_visit(course, id).unwrap()
    }

    #[test]
    fn an_unknown_visit_is_refused_naming_the_protocols_visits() {
        let course = course();
        let found = violations(find_visit(&course, "exp9"));
        assert_eq!(found[0].0, "visit_id");
        assert_eq!(found[0].1, "one_of");
        assert!(found[0].2.starts_with("no visit \"exp9\" in this protocol; visits: baseline_assessment, prep1"));
    }

    #[test]
    fn the_staff_role_is_the_clinical_role_held_therapist_first() {
        assert_eq!(staff_role(&[Role::SiteLead, Role::Therapist]), Some(StaffRole::Therapist));
        assert_eq!(staff_role(&[Role::Rater]), Some(StaffRole::Rater));
        assert_eq!(staff_role(&[Role::Pharmacist]), Some(StaffRole::Pharmacist));
        assert_eq!(staff_role(&[]), None);
    }

    #[test]
    fn a_well_formed_request_is_planned_with_its_times_and_locks() {
        let course = course();
        let entry = visit(&course, "prep1");
        let input = input(entry);
        let plan = plan(entry, &input, &room(RoomStatus::Active), &therapists()).unwrap();
        let start = entry.visit.window_start.at(9, 0, 0, 0).to_zoned(TimeZone::UTC).unwrap().timestamp();
        assert_eq!(plan.starts_at, timestamp(start));
        assert_eq!(plan.ends_at.micros() - plan.starts_at.micros(), i64::from(entry.visit.duration_minutes) * 60_000_000);
        assert_eq!(plan.request.staff[1], StaffAssignment { person: "t2".into(), role: StaffRole::Therapist });
        assert_eq!(plan.schedule_resources(), ["person:t1", "person:t2", "room:room-a"]);
        assert_eq!(plan.moves(), None);
    }

    #[test]
    fn every_problem_with_the_request_is_named_at_once() {
        let course = course();
        let entry = visit(&course, "prep1");
        let mut input = input(entry);
        input.date = "someday".into();
        input.time = "9 o'clock".into();
        input.staff.push("nobody".into());
        let mut staff = therapists();
        staff.push(("nobody".into(), vec![]));
        let found = violations(plan(entry, &input, &room(RoomStatus::Closed), &staff));
        let rules: Vec<(&str, &str)> = found.iter().map(|(f, r, _)| (f.as_str(), r.as_str())).collect();
        assert_eq!(rules, [("room_id", "one_of"), ("staff", "site_staff"), ("date", "date"), ("time", "time")]);
        assert_eq!(found[1].2, "nobody holds no clinical role at BOS");
    }

    #[test]
    fn a_room_of_another_site_is_not_bookable() {
        let course = course();
        let entry = visit(&course, "prep1");
        let elsewhere = Room { site_id: "site-2".into(), ..room(RoomStatus::Active) };
        let found = violations(plan(entry, &input(entry), &elsewhere, &therapists()));
        assert_eq!(found, [("room_id".into(), "one_of".into(), "choose one of this site's active rooms".into())]);
    }

    #[test]
    fn a_blinded_rater_is_booked_for_assessments_only() {
        let course = course();
        let raters = vec![("r1".to_owned(), vec![Role::Rater])];
        let assessment = visit(&course, "baseline_assessment");
        let mut input_a = input(assessment);
        input_a.staff = vec!["r1".into()];
        assert!(plan(assessment, &input_a, &room(RoomStatus::Active), &raters).is_ok());
        let prep = visit(&course, "prep1");
        let found = violations(plan(prep, &input(prep), &room(RoomStatus::Active), &raters));
        assert_eq!(found[0].1, "blinding");
        assert_eq!(found[0].2, "r1 is an independent rater and can only be booked for assessments, not a preparation visit");
    }

    #[test]
    fn no_booking_before_the_washout_ends_even_with_a_reason() {
        let course = course();
        let entry = visit(&course, "prep1");
        let mut input = input(entry);
        input.out_of_window_reason = Some("the participant asked to come early".into());
        let washout = entry.visit.window_end.to_string();
        let found = violations(plan_booking(&BookingFacts {
            entry,
            input: &input,
            washout_ends_on: Some(&washout),
            room: Some(&room(RoomStatus::Active)),
            site_id: "site-1",
            site_code: "BOS",
            zone: &TimeZone::UTC,
            staff_roles: &therapists(),
        }));
        assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("date", "washout"));
    }

    #[test]
    fn moving_a_booking_needs_a_reason_and_a_visit_that_took_place_cannot_be_booked() {
        let mut course = course();
        course[1].appointment = Some(booked(&course[1], "a1", AppointmentStatus::Booked));
        let entry = &course[1];
        let found = violations(plan(entry, &input(entry), &room(RoomStatus::Active), &therapists()));
        assert_eq!(found[0].2, "this visit is already booked: give a reason to move it");
        let mut moved = input(entry);
        moved.reschedule_reason = Some("  the therapist is ill  ".into());
        let plan_moved = plan(entry, &moved, &room(RoomStatus::Active), &therapists()).unwrap();
        assert_eq!(plan_moved.reschedule_reason, "the therapist is ill");
        assert_eq!(plan_moved.moves().map(|a| a.id.as_str()), Some("a1"));

        course[1].appointment = Some(booked(&course[1], "a1", AppointmentStatus::Attended));
        let entry = &course[1];
        let found = violations(plan(entry, &input(entry), &room(RoomStatus::Active), &therapists()));
        assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("visit_id", "not_done"));
    }

    #[test]
    fn a_booking_is_decided_into_the_records_to_write() {
        let course = course();
        let entry = visit(&course, "prep1");
        let plan = plan(entry, &input(entry), &room(RoomStatus::Active), &therapists()).unwrap();
        let booked = decide_booking(&plan, &state(&plan, vec![]), by(), ids()).unwrap();
        let a = &booked.appointment;
        assert_eq!((a.id.as_str(), a.participant_id.as_str(), a.site_id.as_str()), ("id-1", "p1", "site-1"));
        assert_eq!((a.visit_id.as_str(), a.visit_kind, a.status), ("prep1", RecordedKind::Preparation, AppointmentStatus::Booked));
        assert_eq!((a.starts_at, a.ends_at), (plan.starts_at, plan.ends_at));
        assert_eq!(a.staff.assignments(), plan.request.staff.as_slice());
        assert_eq!(a.booked_by, "lead");
        assert!(booked.deviations.is_empty());
    }

    #[test]
    fn an_out_of_window_booking_with_a_reason_is_accepted_with_its_deviation() {
        let course = course();
        let entry = visit(&course, "prep1");
        let mut input = input(entry);
        input.date = entry.visit.window_end.checked_add(jiff::Span::new().days(3)).unwrap().to_string();
        input.out_of_window_reason = Some(" the participant was travelling ".into());
        let plan = plan(entry, &input, &room(RoomStatus::Active), &therapists()).unwrap();
        let booked = decide_booking(&plan, &state(&plan, vec![]), by(), ids()).unwrap();
        assert_eq!(booked.appointment.out_of_window_reason.as_deref(), Some("the participant was travelling"));
        let d = &booked.deviations[0];
        assert_eq!((d.id.as_str(), d.kind, d.severity), ("id-2", DeviationKind::OutOfWindow, DeviationSeverity::Minor));
        assert_eq!((d.source, d.recorded_by.as_str(), d.recorded_at), (DeviationSource::Automatic, "lead", by().now));
        assert_eq!(d.visit_id.as_deref(), Some("prep1"));
    }

    #[test]
    fn a_clash_read_in_the_transaction_is_refused_with_people_named() {
        let course = course();
        let entry = visit(&course, "prep1");
        let plan = plan(entry, &input(entry), &room(RoomStatus::Active), &therapists()).unwrap();
        let mut other = booked(entry, "other", AppointmentStatus::Booked);
        other.visit_id = "exp1".into();
        other.room_id = "room-b".into();
        other.staff = AppointmentStaff::new(vec![StaffAssignment { person: "t1".into(), role: StaffRole::Therapist }]);
        (other.starts_at, other.ends_at) = (plan.starts_at, plan.ends_at);
        let bookings = other_bookings(vec![other], None).unwrap();
        let found = violations(decide_booking(&plan, &state(&plan, bookings), by(), ids()));
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("staff", "booking"));
        assert!(found[0].2.starts_with("Dr One is already booked for exp1 of another participant"), "{}", found[0].2);
    }

    #[test]
    fn a_booking_changed_meanwhile_is_a_conflict() {
        let course = course();
        let entry = visit(&course, "prep1");
        let plan = plan(entry, &input(entry), &room(RoomStatus::Active), &therapists()).unwrap();
        let mut state = state(&plan, vec![]);
        state.now_booked = Some(booked(entry, "theirs", AppointmentStatus::Booked));
        let err = decide_booking(&plan, &state, by(), ids()).unwrap_err();
        assert_eq!(
            err,
            DomainError::Conflict(
                "prep1 was booked or changed by someone else meanwhile; reload the course and try again".into()
            )
        );
    }

    #[test]
    fn a_moved_booking_keeps_its_id_and_does_not_clash_with_itself() {
        let mut course = course();
        course[1].appointment = Some(booked(&course[1], "a1", AppointmentStatus::Booked));
        let entry = &course[1];
        let mut input = input(entry);
        input.reschedule_reason = Some("the room is being repaired".into());
        let plan = plan(entry, &input, &room(RoomStatus::Active), &therapists()).unwrap();
        let mut itself = booked(entry, "a1", AppointmentStatus::Booked);
        itself.staff = AppointmentStaff::new(plan.request.staff.clone());
        (itself.starts_at, itself.ends_at) = (plan.starts_at, plan.ends_at);
        let bookings = other_bookings(vec![itself], plan.moves().map(|a| a.id.as_str())).unwrap();
        assert!(bookings.is_empty());
        let booked = decide_booking(&plan, &state(&plan, bookings), by(), ids()).unwrap();
        assert_eq!(booked.appointment.id, "a1");
    }

    #[test]
    fn a_booking_problem_names_people_and_rooms() {
        let problem = BookingProblem::RoomBusy {
            room: "room-a".into(),
            other_visit: "exp1".into(),
            start: "09:00".into(),
            end: "17:00".into(),
        };
        let v = booking_violation(&problem, &[("room-a".into(), "Session room A".into())]);
        assert_eq!((v.field.as_str(), v.rule.as_str()), ("room_id", "booking"));
        assert_eq!(v.message, "room Session room A is already booked for exp1 from 09:00 to 17:00");
    }
}
