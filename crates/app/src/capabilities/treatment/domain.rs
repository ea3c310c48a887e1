//! The course of treatment as records: enrolment on a protocol version, rooms, appointments,
//! staff credentials and deviations. The protocol rules themselves (visits, windows, staffing,
//! dose plans) are data in `catalyst-protocol`; these are what happened at a site.

use catalyst_core::string_enum;
use catalyst_core::record::{Column, Record, TableSpec};
use catalyst_core::time::Timestamp;
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

string_enum!(
    /// How far a deviation departs from the protocol.
    DeviationSeverity {
        Minor = "minor",
        Major = "major",
        Critical = "critical",
    }
);

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
    /// JSON array of `{"person": user id, "role": role}`.
    pub staff: String,
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
    pub kind: String,
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

