//! The course of treatment as records: enrolment on a protocol version, rooms, appointments,
//! staff credentials and deviations. The protocol rules themselves (visits, windows, staffing,
//! dose plans) are data in `catalyst-protocol`; these are what happened at a site. The
//! decisions of the use cases, taking what they read as plain values, are in the submodules.

pub mod booking;
pub mod credentials;
pub mod deviations;

use catalyst_core::error::Violation;
use catalyst_core::string_enum;
use catalyst_core::record::{Column, Record, TableSpec};
use catalyst_core::time::Timestamp;
use catalyst_protocol::{ScheduledVisit, StaffAssignment, VisitStatus};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub static ENROLMENTS: TableSpec = TableSpec {
    kind: "enrolment",
    table: "enrolments",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::text("protocol_id"),
        Column::integer("protocol_version"),
        Column::text("baseline_on"),
        Column::integer("enrolled_at"),
        Column::text("enrolled_by"),
    ],
};

/// A participant's enrolment on one version of a protocol. Its id is the participant's id:
/// a participant follows one protocol at a time; moving to an amendment is an update with a
/// reason, so the ledger keeps which version governed which period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    pub protocol_id: String,
    pub protocol_version: i64,
    /// Site-local date, `YYYY-MM-DD`, from which the schedule is counted.
    pub baseline_on: String,
    pub enrolled_at: Timestamp,
    pub enrolled_by: String,
}

impl Record for Enrolment {
    const SPEC: &'static TableSpec = &ENROLMENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

string_enum!(
    /// Whether a room can be booked.
    RoomStatus {
        Active = "active",
        Closed = "closed",
    }
);

string_enum!(
    /// What kind of visit an appointment is, as the protocol names it.
    VisitKind {
        Screening = "screening",
        Preparation = "preparation",
        Experimental = "experimental",
        Integration = "integration",
        Assessment = "assessment",
        FollowUp = "follow_up",
    }
);

impl VisitKind {
    /// How the visit is named on pages and in calendars.
    pub fn label(self) -> &'static str {
        match self {
            Self::Preparation => "Preparation session",
            Self::Experimental => "Experimental (dosing) session",
            Self::Integration => "Integration session",
            Self::Assessment => "Assessment",
            Self::FollowUp => "Follow-up assessment",
            Self::Screening => "Screening visit",
        }
    }
}

impl From<catalyst_protocol::VisitKind> for VisitKind {
    fn from(kind: catalyst_protocol::VisitKind) -> Self {
        use catalyst_protocol::VisitKind as P;
        match kind {
            P::Screening => Self::Screening,
            P::Preparation => Self::Preparation,
            P::Experimental => Self::Experimental,
            P::Integration => Self::Integration,
            P::Assessment => Self::Assessment,
            P::FollowUp => Self::FollowUp,
        }
    }
}

string_enum!(
    /// How far a deviation departs from the protocol.
    DeviationSeverity {
        Minor = "minor",
        Major = "major",
        Critical = "critical",
    }
);

impl From<catalyst_protocol::deviations::Severity> for DeviationSeverity {
    fn from(severity: catalyst_protocol::deviations::Severity) -> Self {
        use catalyst_protocol::deviations::Severity as P;
        match severity {
            P::Minor => Self::Minor,
            P::Major => Self::Major,
            P::Critical => Self::Critical,
        }
    }
}

string_enum!(
    /// What a deviation is: one of the kinds the protocol rules detect, or one a person recorded.
    DeviationKind {
        OutOfWindow = "out_of_window",
        MissedVisit = "missed_visit",
        InsufficientTherapists = "insufficient_therapists",
        DoseWrongAmount = "dose_wrong_amount",
        SupplementalOutsideWindow = "supplemental_outside_window",
        ExtraDose = "extra_dose",
        MissedAssessment = "missed_assessment",
        Manual = "manual",
    }
);

impl From<catalyst_protocol::DeviationKind> for DeviationKind {
    fn from(kind: catalyst_protocol::DeviationKind) -> Self {
        use catalyst_protocol::DeviationKind as P;
        match kind {
            P::OutOfWindow => Self::OutOfWindow,
            P::MissedVisit => Self::MissedVisit,
            P::InsufficientTherapists => Self::InsufficientTherapists,
            P::DoseWrongAmount => Self::DoseWrongAmount,
            P::SupplementalOutsideWindow => Self::SupplementalOutsideWindow,
            P::ExtraDose => Self::ExtraDose,
            P::MissedAssessment => Self::MissedAssessment,
        }
    }
}

string_enum!(
    /// Whether Catalyst found a deviation itself or a person recorded it.
    DeviationSource {
        Automatic = "automatic",
        Manual = "manual",
    }
);

pub static ROOMS: TableSpec = TableSpec {
    kind: "room",
    table: "rooms",
    redaction: catalyst_core::record::Redaction::Open,
    columns: &[Column::text("id"), Column::text("site_id"), Column::text("name"), Column::text("status")],
};

/// A room at a site where sessions take place (an overnight session needs its room for the night).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub status: RoomStatus,
}

impl Record for Room {
    const SPEC: &'static TableSpec = &ROOMS;
    fn id(&self) -> &str {
        &self.id
    }
}

string_enum!(
    AppointmentStatus {
        Booked = "booked",
        Attended = "attended",
        Missed = "missed",
        Cancelled = "cancelled",
    }
);

pub static APPOINTMENTS: TableSpec = TableSpec {
    kind: "appointment",
    table: "appointments",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::text("visit_id"),
        Column::text("visit_type"),
        Column::text("visit_kind"),
        Column::integer("starts_at"),
        Column::integer("ends_at"),
        Column::text("room_id"),
        Column::text("staff"),
        Column::text("status"),
        Column::optional_text("out_of_window_reason"),
        Column::text("booked_by"),
    ],
};

/// The people assigned to an appointment. Its column holds serde_json's compact text of the
/// list (`[{"person":…,"role":…}]`), and the ledger hashes that text, so it serialises as that
/// very string: a typed list in code, the same bytes in the row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppointmentStaff(Vec<StaffAssignment>);

impl AppointmentStaff {
    pub fn new(assignments: Vec<StaffAssignment>) -> Self {
        Self(assignments)
    }

    pub fn assignments(&self) -> &[StaffAssignment] {
        &self.0
    }

    /// The user ids of the people assigned, in booking order.
    pub fn people(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|s| s.person.as_str())
    }

    /// Whether this user is one of the people assigned.
    pub fn includes(&self, person: &str) -> bool {
        self.people().any(|p| p == person)
    }
}

impl Serialize for AppointmentStaff {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for AppointmentStaff {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text)
            .map(Self)
            .map_err(|e| serde::de::Error::custom(format!("staff {text:?} unreadable: {e}")))
    }
}

/// A booked visit. Rescheduling updates it with a reason, so its history is in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    /// The protocol visit, e.g. `experimental_1`.
    pub visit_id: String,
    pub visit_type: String,
    pub visit_kind: VisitKind,
    pub starts_at: Timestamp,
    /// Exclusive.
    pub ends_at: Timestamp,
    pub room_id: String,
    pub staff: AppointmentStaff,
    pub status: AppointmentStatus,
    pub out_of_window_reason: Option<String>,
    pub booked_by: String,
}

impl Record for Appointment {
    const SPEC: &'static TableSpec = &APPOINTMENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Appointment {
    /// Whether the visit has begun by `now`: only then can it be recorded attended or missed.
    pub fn has_started(&self, now: Timestamp) -> bool {
        self.starts_at <= now
    }
}

/// The outcomes a booked appointment may be given at `now`: a visit that has not begun can only
/// be cancelled; it cannot yet have been attended or missed.
pub fn attendance_outcomes(appointment: &Appointment, now: Timestamp) -> &'static [AppointmentStatus] {
    if appointment.has_started(now) {
        &[AppointmentStatus::Attended, AppointmentStatus::Missed, AppointmentStatus::Cancelled]
    } else {
        &[AppointmentStatus::Cancelled]
    }
}

/// Refuses an outcome that cannot be recorded yet (or at all) for this appointment.
pub fn check_attendance(
    appointment: &Appointment,
    status: AppointmentStatus,
    now: Timestamp,
) -> Result<(), catalyst_core::DomainError> {
    let allowed = attendance_outcomes(appointment, now);
    if allowed.contains(&status) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    let message = if matches!(status, AppointmentStatus::Attended | AppointmentStatus::Missed) {
        format!(
            "the visit starts at {}: it cannot be recorded {status} before it begins; allowed now: {}",
            appointment.starts_at.to_rfc3339(),
            names.join(", ")
        )
    } else {
        format!("status must be one of: {}; got {status}", names.join(", "))
    };
    Err(catalyst_core::DomainError::invalid("status", "not_yet", message))
}

/// A scheduled visit with what has happened to it.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineVisit {
    pub visit: ScheduledVisit,
    pub appointment: Option<Appointment>,
    pub status: VisitStatus,
}

/// A date as entered, `YYYY-MM-DD`.
pub fn date(field: &str, value: &str) -> Result<Date, Violation> {
    if value.trim().is_empty() {
        return Err(Violation::new(field, "required", format!("{field} is required: a date as YYYY-MM-DD")));
    }
    value
        .trim()
        .parse()
        .map_err(|_| Violation::new(field, "date", format!("{field} must be a date as YYYY-MM-DD; got {value:?}")))
}

/// An optional date as entered: absent or blank is none.
pub fn opt_date(field: &str, value: &Option<String>) -> Result<Option<Date>, Violation> {
    value.as_deref().filter(|v| !v.trim().is_empty()).map(|v| date(field, v)).transpose()
}

/// An instant as the protocol rules count it.
pub fn jiff_ts(t: Timestamp) -> Result<jiff::Timestamp, jiff::Error> {
    jiff::Timestamp::from_microsecond(t.micros())
}

/// An instant of the protocol rules as recorded.
pub fn timestamp(t: jiff::Timestamp) -> Timestamp {
    Timestamp(t.as_microsecond())
}

pub static STAFF_CREDENTIALS: TableSpec = TableSpec {
    kind: "staff_credential",
    table: "staff_credentials",
    redaction: catalyst_core::record::Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::optional_text("training_completed_on"),
        Column::integer("supervised_sessions"),
        Column::optional_text("certified_until"),
        Column::optional_text("ethics_attested_on"),
        Column::integer("updated_at"),
    ],
};

/// A therapist's MDMA-AT credential; the id is the user's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCredential {
    pub id: String,
    pub training_completed_on: Option<String>,
    pub supervised_sessions: i64,
    pub certified_until: Option<String>,
    pub ethics_attested_on: Option<String>,
    pub updated_at: Timestamp,
}

impl Record for StaffCredential {
    const SPEC: &'static TableSpec = &STAFF_CREDENTIALS;
    fn id(&self) -> &str {
        &self.id
    }
}

pub static DEVIATIONS: TableSpec = TableSpec {
    kind: "deviation",
    table: "deviations",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::optional_text("visit_id"),
        Column::text("kind"),
        Column::text("severity"),
        Column::text("description"),
        Column::text("source"),
        Column::integer("recorded_at"),
        Column::text("recorded_by"),
        Column::optional_text("resolution"),
        Column::optional_integer("resolved_at"),
    ],
};

/// A departure from the protocol, recorded automatically or by staff. Never deleted:
/// resolving it records what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deviation {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    pub visit_id: Option<String>,
    pub kind: DeviationKind,
    pub severity: DeviationSeverity,
    pub description: String,
    pub source: DeviationSource,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<Timestamp>,
}

impl Record for Deviation {
    const SPEC: &'static TableSpec = &DEVIATIONS;
    fn id(&self) -> &str {
        &self.id
    }
}

catalyst_core::participant_record!(Appointment, Deviation);


#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_protocol::StaffRole;

    /// The staff column exactly as bookings have always stored it.
    const STORED_STAFF: &str = r#"[{"person":"u1","role":"therapist"},{"person":"u10","role":"site_lead"}]"#;

    fn staff() -> AppointmentStaff {
        AppointmentStaff::new(vec![
            StaffAssignment { person: "u1".into(), role: StaffRole::Therapist },
            StaffAssignment { person: "u10".into(), role: StaffRole::SiteLead },
        ])
    }

    fn appointment() -> Appointment {
        Appointment {
            id: "a1".into(),
            participant_id: "p1".into(),
            site_id: "s1".into(),
            visit_id: "exp1".into(),
            visit_type: "experimental".into(),
            visit_kind: VisitKind::Experimental,
            starts_at: Timestamp(1_772_442_000_000_000),
            ends_at: Timestamp(1_772_470_800_000_000),
            room_id: "r1".into(),
            staff: staff(),
            status: AppointmentStatus::Booked,
            out_of_window_reason: None,
            booked_by: "lead".into(),
        }
    }

    #[test]
    fn an_appointment_row_is_the_same_text_as_before_the_staff_was_typed() {
        // Before, the record held the staff as a string made with serde_json::to_string.
        let mut before = serde_json::to_value(appointment()).unwrap();
        before["staff"] = serde_json::Value::String(serde_json::to_string(staff().assignments()).unwrap());
        let row = appointment().to_row().unwrap();
        assert_eq!(row["staff"], serde_json::Value::String(STORED_STAFF.into()));
        assert_eq!(serde_json::to_string(&row).unwrap(), serde_json::to_string(&before).unwrap());
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            concat!(
                r#"{"booked_by":"lead","ends_at":1772470800000000,"id":"a1","out_of_window_reason":null,"#,
                r#""participant_id":"p1","room_id":"r1","site_id":"s1","#,
                r#""staff":"[{\"person\":\"u1\",\"role\":\"therapist\"},{\"person\":\"u10\",\"role\":\"site_lead\"}]","#,
                r#""starts_at":1772442000000000,"status":"booked","visit_id":"exp1","visit_kind":"experimental","#,
                r#""visit_type":"experimental"}"#
            )
        );
    }

    #[test]
    fn a_stored_staff_column_decodes_and_a_broken_one_is_a_fault() {
        let row = appointment().to_row().unwrap();
        let read = Appointment::from_row(row.clone()).unwrap();
        assert_eq!(read.staff, staff());
        assert_eq!(read, appointment());
        let mut broken = row;
        broken.insert("staff".into(), serde_json::Value::String("[{\"person\":".into()));
        assert!(Appointment::from_row(broken).is_err());
    }

    #[test]
    fn staff_membership_compares_person_ids_not_text() {
        let staff = staff();
        assert!(staff.includes("u1") && staff.includes("u10"));
        assert_eq!(staff.people().collect::<Vec<_>>(), ["u1", "u10"]);
        // Each of these occurs in the stored text, and none is a person on the visit.
        for not_staff in ["u", "therapist", "site_lead", "person"] {
            assert!(STORED_STAFF.contains(not_staff));
            assert!(!staff.includes(not_staff), "{not_staff}");
        }
        let only_u10 = AppointmentStaff::new(vec![StaffAssignment { person: "u10".into(), role: StaffRole::Therapist }]);
        assert!(serde_json::to_string(&only_u10).unwrap().contains("u1"));
        assert!(!only_u10.includes("u1"));
    }

    #[test]
    fn every_deviation_kind_the_protocol_detects_keeps_its_wire_name() {
        use catalyst_protocol::DeviationKind as P;
        for kind in [
            P::OutOfWindow,
            P::MissedVisit,
            P::InsufficientTherapists,
            P::DoseWrongAmount,
            P::SupplementalOutsideWindow,
            P::ExtraDose,
            P::MissedAssessment,
        ] {
            let recorded = DeviationKind::from(kind);
            assert_eq!(recorded.as_str(), kind.as_str());
            assert_eq!(serde_json::to_value(recorded).unwrap(), serde_json::to_value(kind).unwrap());
        }
        assert_eq!(DeviationKind::parse("kind", "manual").unwrap(), DeviationKind::Manual);
    }

    #[test]
    fn protocol_visit_kinds_and_severities_keep_their_wire_names() {
        for name in VisitKind::NAMES {
            let kind = catalyst_protocol::VisitKind::parse(name).unwrap();
            assert_eq!(VisitKind::from(kind).as_str(), *name);
        }
        use catalyst_protocol::Severity as P;
        for severity in [P::Minor, P::Major, P::Critical] {
            let recorded = DeviationSeverity::from(severity);
            assert_eq!(serde_json::to_value(recorded).unwrap(), serde_json::to_value(severity).unwrap());
        }
    }
}
