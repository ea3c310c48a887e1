//! Booking rules, checked before a visit is put in the calendar.
//!
//! Pure: the caller gathers every existing booking of the proposed people and room, their
//! credentials and the site zone, and [`check_booking`] says yes (possibly with a deviation to
//! record) or lists every problem in words a coordinator can act on.
//!
//! Intervals are half-open, `[start, end)`: a session ending at 17:00 does not clash with one
//! starting at 17:00. Existing bookings of the same visit id are ignored, so moving a booking
//! does not clash with itself.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::credentials::{Credential, CredentialRules, credential_status};
use crate::deviations::{DeviationDraft, DeviationKind};
use crate::protocol::{MIN_THERAPISTS_EXPERIMENTAL, VisitKind, VisitType};
use crate::schedule::ScheduledVisit;
use crate::staff::{StaffRole, staffing};

/// A person assigned to a visit, in a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAssignment {
    pub person: String,
    pub role: StaffRole,
}

/// A proposed booking.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRequest {
    pub visit_id: String,
    pub visit_type: VisitType,
    /// First and last day (inclusive, site-local) of the visit's window.
    pub window_start: Date,
    pub window_end: Date,
    pub start: Timestamp,
    pub duration_minutes: u32,
    pub room: String,
    pub staff: Vec<StaffAssignment>,
    /// Set to book outside the window on purpose; the booking then passes with a deviation.
    pub out_of_window_reason: Option<String>,
}

impl BookingRequest {
    /// A request for a scheduled visit at its planned start and duration.
    pub fn for_visit(visit: &ScheduledVisit, room: &str, staff: Vec<StaffAssignment>) -> Self {
        BookingRequest {
            visit_id: visit.id.clone(),
            visit_type: visit.visit_type.clone(),
            window_start: visit.window_start,
            window_end: visit.window_end,
            start: visit.planned_start.timestamp(),
            duration_minutes: visit.duration_minutes,
            room: room.to_string(),
            staff,
            out_of_window_reason: None,
        }
    }

    /// End of the proposed interval (exclusive).
    pub fn end(&self) -> Result<Timestamp, jiff::Error> {
        self.start.checked_add(i64::from(self.duration_minutes).minutes())
    }
}

/// An existing booking: the interval, its visit, the room and the people in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub visit_id: String,
    pub start: Timestamp,
    /// Exclusive.
    pub end: Timestamp,
    pub room: Option<String>,
    pub people: Vec<String>,
}

/// Everything the check needs to know.
#[derive(Debug, Clone)]
pub struct BookingContext {
    pub zone: TimeZone,
    /// Credentials by person id; a therapist without an entry has no credential.
    pub credentials: BTreeMap<String, Credential>,
    pub rules: CredentialRules,
    /// Existing bookings of the proposed people and of the room (others are harmless).
    pub bookings: Vec<Booking>,
}

/// One reason a booking is refused. `Display` gives the message for the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingProblem {
    #[error("{visit_id}: a booking needs a duration of at least one minute")]
    ZeroDuration { visit_id: String },
    #[error(
        "{visit_id}: {start} is outside the visit's window {window_start} to {window_end}; \
         give an out-of-window reason to book it anyway as a deviation"
    )]
    OutsideWindow { visit_id: String, start: String, window_start: Date, window_end: Date },
    #[error("{visit_id}: {person} is listed more than once")]
    DuplicatePerson { visit_id: String, person: String },
    #[error(
        "{visit_id}: needs {required} distinct therapists with a current credential on {date}, has {found}{}",
        details_suffix(details)
    )]
    NotEnoughTherapists {
        visit_id: String,
        date: Date,
        required: u32,
        found: usize,
        /// Why listed therapists did not count, e.g. "t2: certification expired (last valid ...)".
        details: Vec<String>,
    },
    #[error(
        "{visit_id}: needs {required} clinician(s) (therapist, physician, site lead or rater) besides the required therapists, has {found}"
    )]
    MissingClinician { visit_id: String, required: u32, found: usize },
    #[error("{person} is already booked for {other_visit} from {start} to {end}")]
    PersonBusy { person: String, other_visit: String, start: String, end: String },
    #[error("room {room} is already booked for {other_visit} from {start} to {end}")]
    RoomBusy { room: String, other_visit: String, start: String, end: String },
    #[error("{visit_id}: the proposed time is out of range: {reason}")]
    OutOfRange { visit_id: String, reason: String },
}

fn details_suffix(details: &[String]) -> String {
    if details.is_empty() { String::new() } else { format!(" ({})", details.join("; ")) }
}

/// `2026-03-09 09:00 EDT`: site-local, with the zone abbreviation so nobody has to guess.
fn local(ts: Timestamp, zone: &TimeZone) -> String {
    ts.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// Checks a proposed booking against the rules in the module documentation.
///
/// `Ok(deviations)`: the booking may go ahead; `deviations` is empty, or holds the
/// out-of-window deviation to record when the request carried a reason.
/// `Err(problems)`: every problem found, in a stable order.
pub fn check_booking(
    request: &BookingRequest,
    context: &BookingContext,
) -> Result<Vec<DeviationDraft>, Vec<BookingProblem>> {
    let mut problems = Vec::new();
    let mut deviations = Vec::new();
    let vid = &request.visit_id;
    let zone = &context.zone;

    if request.duration_minutes == 0 {
        problems.push(BookingProblem::ZeroDuration { visit_id: vid.clone() });
    }
    let end = match request.end() {
        Ok(e) => e,
        Err(e) => {
            problems.push(BookingProblem::OutOfRange { visit_id: vid.clone(), reason: e.to_string() });
            return Err(problems);
        }
    };
    let date = request.start.to_zoned(zone.clone()).date();

    // Window.
    if date < request.window_start || date > request.window_end {
        let reason = request.out_of_window_reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        match reason {
            Some(reason) => deviations.push(DeviationDraft::new(
                DeviationKind::OutOfWindow,
                request.visit_type.kind,
                vid,
                format!(
                    "{} {vid} booked for {}, outside its window {} to {}: {reason}",
                    request.visit_type.label,
                    local(request.start, zone),
                    request.window_start,
                    request.window_end
                ),
            )),
            None => problems.push(BookingProblem::OutsideWindow {
                visit_id: vid.clone(),
                start: local(request.start, zone),
                window_start: request.window_start,
                window_end: request.window_end,
            }),
        }
    }

    // Duplicates.
    let mut seen = BTreeSet::new();
    let mut reported = BTreeSet::new();
    for a in &request.staff {
        if !seen.insert(a.person.as_str()) && reported.insert(a.person.as_str()) {
            problems.push(BookingProblem::DuplicatePerson { visit_id: vid.clone(), person: a.person.clone() });
        }
    }

    // Staffing.
    let mut details = Vec::new();
    let mut counted = Vec::new();
    for a in &request.staff {
        let current = a.role == StaffRole::Therapist
            && match context.credentials.get(&a.person) {
                None => {
                    details.push(format!("{}: no credential on file", a.person));
                    false
                }
                Some(c) => {
                    let status = credential_status(c, date, &context.rules);
                    if !status.is_current() {
                        details.push(format!("{}: {status}", a.person));
                    }
                    status.is_current()
                }
            };
        counted.push((a.person.as_str(), a.role, current));
    }
    details.dedup();
    let req = request.visit_type.staff;
    let required_therapists = if request.visit_type.kind == VisitKind::Experimental {
        req.therapists.max(MIN_THERAPISTS_EXPERIMENTAL)
    } else {
        req.therapists
    };
    let s = staffing(counted, req);
    if s.credentialed_therapists < required_therapists as usize {
        problems.push(BookingProblem::NotEnoughTherapists {
            visit_id: vid.clone(),
            date,
            required: required_therapists,
            found: s.credentialed_therapists,
            details,
        });
    }
    if s.extra_clinicians < req.clinicians as usize {
        problems.push(BookingProblem::MissingClinician {
            visit_id: vid.clone(),
            required: req.clinicians,
            found: s.extra_clinicians,
        });
    }

    // Clashes (half-open intervals).
    let people: BTreeSet<&str> = request.staff.iter().map(|a| a.person.as_str()).collect();
    for b in context.bookings.iter().filter(|b| &b.visit_id != vid) {
        if !(request.start < b.end && b.start < end) {
            continue;
        }
        let mut busy: Vec<&str> = b.people.iter().map(String::as_str).filter(|p| people.contains(p)).collect();
        busy.sort_unstable();
        busy.dedup();
        for p in busy {
            problems.push(BookingProblem::PersonBusy {
                person: p.to_string(),
                other_visit: b.visit_id.clone(),
                start: local(b.start, zone),
                end: local(b.end, zone),
            });
        }
        if b.room.as_deref() == Some(request.room.as_str()) {
            problems.push(BookingProblem::RoomBusy {
                room: request.room.clone(),
                other_visit: b.visit_id.clone(),
                start: local(b.start, zone),
                end: local(b.end, zone),
            });
        }
    }

    if problems.is_empty() { Ok(deviations) } else { Err(problems) }
}
