//! The course of treatment: enrolment on a protocol version, the dated schedule, booking with
//! the staffing and window rules enforced, attendance, credentials, and deviations.

use crate::App;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::{Violation, required_text};
use catalyst_core::ledger::AuditActor;
use crate::capabilities::people::domain::{Participant, Role, Site};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::reason::meaningful_reason;
use catalyst_core::time::Timestamp;
use crate::capabilities::treatment::domain::{
    Appointment, AppointmentStatus, Deviation, DeviationSeverity, DeviationSource, Enrolment, Room, RoomStatus,
    StaffCredential, VisitKind,
};
use catalyst_protocol::{
    AssessmentRecord, Booking, BookingContext, BookingProblem, BookingRequest, Credential, CredentialRules,
    CredentialStatus, DeviationDraft, Protocol, Protocols, ScheduledVisit, StaffAssignment, StaffRole, VisitRecord,
    VisitStatus, credential_status, detect_deviations, expiring_within, local_start, schedule,
};
use jiff::civil::{Date, Time};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

static PROTOCOLS: LazyLock<Result<Protocols, String>> =
    LazyLock::new(|| Protocols::builtin().map_err(|e| e.to_string()));

/// The built-in protocols (validated once, on first use).
pub fn protocols() -> AppResult<&'static Protocols> {
    PROTOCOLS.as_ref().map_err(|e| AppError::Internal(format!("built-in protocols are invalid: {e}")))
}

/// Visits start at 09:00 site time unless booked otherwise.
pub const DEFAULT_START: Time = Time::constant(9, 0, 0, 0);

/// A scheduled visit with what has happened to it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineVisit {
    pub visit: ScheduledVisit,
    pub appointment: Option<Appointment>,
    pub status: VisitStatus,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Timeline {
    pub participant_id: String,
    pub participant_code: String,
    pub enrolment: Enrolment,
    pub protocol_title: String,
    pub visits: Vec<TimelineVisit>,
}

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

fn date(field: &str, value: &str) -> Result<Date, Violation> {
    if value.trim().is_empty() {
        return Err(Violation::new(field, "required", format!("{field} is required: a date as YYYY-MM-DD")));
    }
    value
        .trim()
        .parse()
        .map_err(|_| Violation::new(field, "date", format!("{field} must be a date as YYYY-MM-DD; got {value:?}")))
}

fn opt_date(field: &str, value: &Option<String>) -> Result<Option<Date>, Violation> {
    value.as_deref().filter(|v| !v.trim().is_empty()).map(|v| date(field, v)).transpose()
}

fn zone_of(site: &Site) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(site.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC)
}

fn timestamp(t: jiff::Timestamp) -> Timestamp {
    Timestamp(t.as_microsecond())
}

fn jiff_ts(t: Timestamp) -> AppResult<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond(t.micros()).map_err(|e| AppError::Internal(e.to_string()))
}

/// The credential record as the protocol rules read it.
pub fn credential_of(record: &StaffCredential) -> AppResult<Credential> {
    let internal = |v: Violation| AppError::Internal(v.message);
    Ok(Credential {
        training_completed_on: opt_date("training_completed_on", &record.training_completed_on).map_err(internal)?,
        supervised_sessions: u32::try_from(record.supervised_sessions).unwrap_or(0),
        certified_until: opt_date("certified_until", &record.certified_until).map_err(internal)?,
        ethics_attested_on: opt_date("ethics_attested_on", &record.ethics_attested_on).map_err(internal)?,
    })
}

/// The role a person takes in a visit: the clinical role they hold at the site, therapist first.
fn staff_role(roles: &[Role]) -> Option<StaffRole> {
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

/// The staff of an appointment. Stored JSON that no longer reads is a fault to report, never an
/// empty room.
fn staff_of(a: &Appointment) -> AppResult<Vec<StaffAssignment>> {
    serde_json::from_str(&a.staff)
        .map_err(|e| AppError::Internal(format!("staff of appointment {} unreadable: {e}", a.id)))
}

/// The serialised name of an enum value, e.g. `missed_visit`.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A booking problem as a violation, with people and rooms named rather than numbered.
fn booking_violation(problem: &BookingProblem, names: &[(String, String)]) -> Violation {
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

impl App {
    fn protocol_of(&self, enrolment: &Enrolment) -> AppResult<&'static Protocol> {
        let version = u32::try_from(enrolment.protocol_version).unwrap_or(0);
        protocols()?.get(&enrolment.protocol_id, version).ok_or_else(|| {
            AppError::Internal(format!("protocol {} v{} is not available", enrolment.protocol_id, version))
        })
    }

    /// Enrols a participant on a protocol (the newest version unless one is named), counting
    /// the schedule from `baseline_on`.
    pub async fn enrol(
        &self,
        actor: &Actor,
        participant_id: &str,
        protocol_id: &str,
        version: Option<i64>,
        baseline_on: &str,
    ) -> AppResult<Enrolment> {
        let participant = self.participant_for(actor, Action::ManageSchedule, participant_id).await?;
        let registry = protocols()?;
        let protocol = match version {
            Some(v) => registry.get(protocol_id, u32::try_from(v).unwrap_or(0)),
            None => registry.latest(protocol_id),
        }
        .ok_or_else(|| {
            let known: Vec<String> = registry.list().iter().map(|p| format!("{} v{}", p.id(), p.version())).collect();
            DomainError::invalid(
                "protocol_id",
                "one_of",
                format!(
                    "no protocol {protocol_id:?}{}; available: {}",
                    version.map(|v| format!(" version {v}")).unwrap_or_default(),
                    known.join(", ")
                ),
            )
        })?;
        let baseline = date("baseline_on", baseline_on).map_err(|v| DomainError::Invalid(vec![v]))?;
        if self.store.get::<Enrolment>(participant_id).await?.is_some() {
            return Err(DomainError::Conflict(format!(
                "{} is already enrolled; move them to another protocol version with a reason instead",
                participant.code
            ))
            .into());
        }
        self.enrolment_gate(&participant).await?;
        if let Some(v) = self.washout_gate(&participant.id, "baseline_on", &baseline.to_string()).await? {
            return Err(DomainError::Invalid(vec![v]).into());
        }
        let enrolment = Enrolment {
            id: participant.id.clone(),
            participant_id: participant.id.clone(),
            site_id: participant.site_id.clone(),
            protocol_id: protocol.id().to_owned(),
            protocol_version: i64::from(protocol.version()),
            baseline_on: baseline.to_string(),
            enrolled_at: self.now(),
            enrolled_by: actor.user_id.clone(),
        };
        self.insert_enrolment(Self::audit_actor(actor), &participant, &enrolment).await?;
        Ok(enrolment)
    }

    pub(crate) async fn insert_enrolment(
        &self,
        by: AuditActor,
        participant: &Participant,
        enrolment: &Enrolment,
    ) -> AppResult<()> {
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "enrolment.create", enrolment).await?;
        let reason = format!("enrolled on {} v{}", enrolment.protocol_id, enrolment.protocol_version);
        crate::capabilities::people::interface::mark_enrolled_in(&mut tx, &chain.chain, &participant.id, &reason).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The participant's course: every visit with its window, booking and status today.
    pub async fn timeline(&self, actor: &Actor, participant_id: &str) -> AppResult<Option<Timeline>> {
        let participant = self.participant_for(actor, Action::ViewSchedule, participant_id).await?;
        let Some(enrolment) = self.store.get::<Enrolment>(participant_id).await? else {
            return Ok(None);
        };
        let site = self.site(&participant.site_id).await?;
        let (visits, _) = self.course(&site, &enrolment).await?;
        let protocol = self.protocol_of(&enrolment)?;
        Ok(Some(Timeline {
            participant_id: participant.id,
            participant_code: participant.code,
            protocol_title: format!("{} (v{})", protocol.title(), protocol.version()),
            enrolment,
            visits,
        }))
    }

    /// Schedule and appointments of an enrolment, anchored on what actually happened.
    async fn course(&self, site: &Site, enrolment: &Enrolment) -> AppResult<(Vec<TimelineVisit>, Vec<Appointment>)> {
        let protocol = self.protocol_of(enrolment)?;
        let zone = zone_of(site);
        let appointments = self.store.appointments_for(&enrolment.participant_id).await?;
        let mut actual = BTreeMap::new();
        for a in appointments.iter().filter(|a| a.status == AppointmentStatus::Attended) {
            actual.insert(a.visit_id.clone(), jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date());
        }
        let baseline = date("baseline_on", &enrolment.baseline_on).map_err(|v| AppError::Internal(v.message))?;
        let scheduled = schedule(protocol, baseline, &zone, DEFAULT_START, &actual)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let today = self.local_today(site);
        let visits = scheduled
            .into_iter()
            .map(|visit| {
                let appointment = appointments
                    .iter()
                    .filter(|a| a.visit_id == visit.id && a.status != AppointmentStatus::Cancelled)
                    .max_by_key(|a| a.starts_at)
                    .cloned();
                let status = visit.status(today, actual.get(&visit.id).copied());
                TimelineVisit { visit, appointment, status }
            })
            .collect();
        Ok((visits, appointments))
    }

    /// Books (or moves) a visit. The server refuses it, naming every problem, when it is outside
    /// its window without a reason, lacks the required credentialed staff, or clashes with a
    /// person's or the room's other bookings. An out-of-window booking with a reason is
    /// accepted and its deviation recorded in the same transaction.
    pub async fn book(
        &self,
        actor: &Actor,
        participant_id: &str,
        input: &BookingInput,
    ) -> AppResult<(Appointment, Vec<Deviation>)> {
        let participant = self.participant_for(actor, Action::ManageSchedule, participant_id).await?;
        let enrolment =
            self.store.get::<Enrolment>(participant_id).await?.ok_or_else(|| {
                DomainError::Conflict(format!("{} is not enrolled on a protocol yet", participant.code))
            })?;
        let site = self.site(&participant.site_id).await?;
        let zone = zone_of(&site);
        let (course, _) = self.course(&site, &enrolment).await?;
        let Some(entry) = course.iter().find(|v| v.visit.id == input.visit_id) else {
            let known: Vec<&str> = course.iter().map(|v| v.visit.id.as_str()).collect();
            return Err(DomainError::Invalid(vec![Violation::new(
                "visit_id",
                "one_of",
                format!("no visit {:?} in this protocol; visits: {}", input.visit_id, known.join(", ")),
            )])
            .into());
        };

        let mut violations = Vec::new();
        let day = date("date", &input.date);
        // Not even an out-of-window reason books a visit before the washout ends.
        if let Ok(day) = &day
            && let Some(v) = self.washout_gate(&participant.id, "date", &day.to_string()).await?
        {
            violations.push(v);
        }
        let time: Result<Time, Violation> = input
            .time
            .trim()
            .parse()
            .map_err(|_| Violation::new("time", "time", format!("time must be HH:MM; got {:?}", input.time)));
        let room = self
            .store
            .get::<Room>(&input.room_id)
            .await?
            .filter(|r| r.site_id == site.id && r.status == RoomStatus::Active);
        if room.is_none() {
            violations.push(Violation::new("room_id", "one_of", "choose one of this site's active rooms"));
        }
        let mut staff = Vec::new();
        for person in &input.staff {
            // Roles held at this site, or at every site (independent raters).
            let roles: Vec<Role> = self.grants_of(person)
                .await?
                .into_iter()
                .filter(|g| g.site_id.as_deref().is_none_or(|s| s == site.id))
                .map(|g| g.role)
                .collect();
            match staff_role(&roles) {
                // A blinded rater in a treatment session would see the treatment.
                Some(StaffRole::Rater)
                    if !matches!(entry.visit.visit_type.kind.as_str(), "assessment" | "follow_up" | "screening") =>
                {
                    violations.push(Violation::new(
                        "staff",
                        "blinding",
                        format!(
                            "{person} is an independent rater and can only be booked for assessments, not a {} visit",
                            entry.visit.visit_type.kind.as_str()
                        ),
                    ))
                }
                Some(role) => staff.push(StaffAssignment { person: person.clone(), role }),
                None => violations.push(Violation::new(
                    "staff",
                    "site_staff",
                    format!("{person} holds no clinical role at {}", site.code),
                )),
            }
        }
        let reschedule = entry.appointment.as_ref().filter(|a| a.status == AppointmentStatus::Booked);
        let reason = input.reschedule_reason.as_deref().unwrap_or_default().trim().to_owned();
        if reschedule.is_some() && reason.is_empty() {
            violations.push(Violation::new(
                "reschedule_reason",
                "required",
                "this visit is already booked: give a reason to move it",
            ));
        } else if reschedule.is_some() {
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
            return Err(DomainError::Invalid(violations).into());
        };
        let start =
            local_start(day, time, &zone).map_err(|e| DomainError::invalid("time", "time", e.to_string()))?.timestamp();
        let out_of_window_reason =
            input.out_of_window_reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        let request = BookingRequest {
            visit_id: entry.visit.id.clone(),
            visit_type: entry.visit.visit_type.clone(),
            window_start: entry.visit.window_start,
            window_end: entry.visit.window_end,
            start,
            duration_minutes: entry.visit.duration_minutes,
            room: room.id.clone(),
            staff: staff.clone(),
            out_of_window_reason: out_of_window_reason.clone(),
        };
        let end = request.end().map_err(|e| DomainError::invalid("time", "time", e.to_string()))?;

        // Everything another booking or attendance could change meanwhile is read again inside
        // the write transaction, after locking the schedules of these people and this room
        // (across sites), so two bookings of the same therapist or room cannot both succeed.
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let mut resources: Vec<String> = staff.iter().map(|s| format!("person:{}", s.person)).collect();
        resources.push(format!("room:{}", room.id));
        tx.lock_schedules(&resources).await?;
        let now_booked = tx
            .appointments_for(&participant.id)
            .await?
            .into_iter()
            .filter(|a| a.visit_id == entry.visit.id && a.status != AppointmentStatus::Cancelled)
            .max_by_key(|a| a.starts_at);
        if now_booked != entry.appointment {
            return Err(DomainError::Conflict(format!(
                "{} was booked or changed by someone else meanwhile; reload the course and try again",
                entry.visit.id
            ))
            .into());
        }
        let mut credentials = BTreeMap::new();
        for s in &staff {
            if let Some(record) = tx.get::<StaffCredential>(&s.person).await? {
                credentials.insert(s.person.clone(), credential_of(&record)?);
            }
        }
        let bookings: Vec<Booking> = tx
            .appointments_overlapping(timestamp(start), timestamp(end))
            .await?
            .into_iter()
            .filter(|a| Some(&a.id) != reschedule.map(|r| &r.id))
            .map(|a| {
                let people = staff_of(&a)?.into_iter().map(|s| s.person).collect();
                Ok(Booking {
                    visit_id: format!("{} of another participant", a.visit_id),
                    start: jiff_ts(a.starts_at)?,
                    end: jiff_ts(a.ends_at)?,
                    room: Some(a.room_id),
                    people,
                })
            })
            .collect::<AppResult<_>>()?;
        let context = BookingContext { zone: zone.clone(), credentials, rules: CredentialRules::default(), bookings };
        let names = self.names_for(&staff, &room).await?;
        let drafts = catalyst_protocol::check_booking(&request, &context).map_err(|problems| {
            DomainError::Invalid(problems.iter().map(|p| booking_violation(p, &names)).collect())
        })?;

        let appointment = Appointment {
            id: reschedule.map(|r| r.id.clone()).unwrap_or_else(|| self.new_id()),
            participant_id: participant.id.clone(),
            site_id: site.id.clone(),
            visit_id: entry.visit.id.clone(),
            visit_type: entry.visit.visit_type.id.clone(),
            visit_kind: visit_kind_of(entry.visit.visit_type.kind),
            starts_at: timestamp(start),
            ends_at: timestamp(end),
            room_id: room.id.clone(),
            staff: serde_json::to_string(&staff).map_err(|e| AppError::Internal(e.to_string()))?,
            status: AppointmentStatus::Booked,
            out_of_window_reason,
            booked_by: actor.user_id.clone(),
        };
        let deviations: Vec<Deviation> = drafts
            .iter()
            .map(|d| self.deviation_from(&participant, d, DeviationSource::Automatic, &actor.user_id))
            .collect();
        match reschedule {
            // Only the booking as it was read may be moved: an attendance recorded meanwhile is
            // never reverted to "booked".
            Some(before) => {
                tx.update_from(&chain.chain, "appointment.reschedule", before, &appointment, &reason).await?
            }
            None => tx.insert(&chain.chain, "appointment.book", &appointment).await?,
        }
        for d in &deviations {
            tx.insert(&chain.chain, "deviation.record", d).await?;
        }
        tx.commit().await?;
        Ok((appointment, deviations))
    }

    /// Display names of the staff and the room, for messages.
    async fn names_for(&self, staff: &[StaffAssignment], room: &Room) -> AppResult<Vec<(String, String)>> {
        let mut names = vec![(room.id.clone(), room.name.clone())];
        for s in staff {
            if let Some(user) = self.user_by_id(&s.person).await? {
                names.push((user.id, user.display_name));
            }
        }
        Ok(names)
    }

    fn deviation_from(
        &self,
        participant: &Participant,
        draft: &DeviationDraft,
        source: DeviationSource,
        by: &str,
    ) -> Deviation {
        Deviation {
            id: self.new_id(),
            participant_id: participant.id.clone(),
            site_id: participant.site_id.clone(),
            visit_id: Some(draft.visit_id.clone()),
            kind: wire_name(&draft.kind),
            severity: severity_of(draft.severity),
            description: draft.description.clone(),
            source,
            recorded_at: self.now(),
            recorded_by: by.to_owned(),
            resolution: None,
            resolved_at: None,
        }
    }

    /// Records whether a booked visit took place. A missed visit is a deviation.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        appointment_id: &str,
        status: AppointmentStatus,
        note: &str,
    ) -> AppResult<Appointment> {
        let current: Appointment = self.load_for(actor, Action::ManageSchedule, appointment_id).await?;
        if !matches!(status, AppointmentStatus::Attended | AppointmentStatus::Missed | AppointmentStatus::Cancelled) {
            return Err(DomainError::invalid("status", "one_of", "status must be attended, missed or cancelled").into());
        }
        if current.status != AppointmentStatus::Booked {
            return Err(DomainError::Conflict(format!("this appointment is already {}", current.status)).into());
        }
        // A visit is attended or missed only once it has begun.
        crate::capabilities::treatment::domain::check_attendance(&current, status, self.now())?;
        let note = crate::platform::error::reason_from("note", note)?;
        let participant = self.participant(&current.participant_id).await?;
        let site = self.site(&current.site_id).await?;
        let before = current.clone();
        let updated = Appointment { status, ..current };
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update_from(&chain.chain, &format!("appointment.{status}"), &before, &updated, &note).await?;
        if status == AppointmentStatus::Missed {
            let d = Deviation {
                id: self.new_id(),
                participant_id: participant.id.clone(),
                site_id: site.id.clone(),
                visit_id: Some(updated.visit_id.clone()),
                kind: "missed_visit".into(),
                severity: if updated.visit_kind == VisitKind::Experimental {
                    DeviationSeverity::Major
                } else {
                    DeviationSeverity::Minor
                },
                description: format!("{} was missed: {note}", updated.visit_id),
                source: DeviationSource::Automatic,
                recorded_at: self.now(),
                recorded_by: actor.user_id.clone(),
                resolution: None,
                resolved_at: None,
            };
            tx.insert(&chain.chain, "deviation.record", &d).await?;
        }
        tx.commit().await?;
        Ok(updated)
    }

    /// Finds departures from the protocol that nobody has recorded yet (windows that passed
    /// without the visit, out-of-window visits, too few therapists, instruments not recorded)
    /// and records them. Scans up to `limit` enrolments after `after` (in id order), so each
    /// call costs the same however many participants there are; returns how many deviations it
    /// recorded and where the next call should continue (`None` after the last enrolment).
    pub async fn scan_deviations(&self, after: &str, limit: i64) -> AppResult<(usize, Option<String>)> {
        let by = AuditActor::system("deviation-scan");
        let mut recorded = 0;
        let page = self.store.enrolments_after(after, limit).await?;
        let next = (page.len() as i64 == limit).then(|| page.last().map(|e| e.id.clone())).flatten();
        let mut sites: HashMap<String, Site> = HashMap::new();
        {
            for enrolment in page {
                if !sites.contains_key(&enrolment.site_id) {
                    sites.insert(enrolment.site_id.clone(), self.site(&enrolment.site_id).await?);
                }
                let Some(site) = sites.get(&enrolment.site_id).cloned() else { continue };
                let today = self.local_today(&site);
                let participant = self.participant(&enrolment.participant_id).await?;
                let (course, appointments) = self.course(&site, &enrolment).await?;
                let records: Vec<VisitRecord> = appointments
                    .iter()
                    .filter(|a| a.status == AppointmentStatus::Attended)
                    .map(|a| {
                        let staff = staff_of(a)?;
                        Ok(VisitRecord {
                            visit_id: a.visit_id.clone(),
                            date: jiff_ts(a.starts_at)?.to_zoned(zone_of(&site)).date(),
                            attended: true,
                            staff: staff
                                .into_iter()
                                .map(|s| catalyst_protocol::StaffPresent {
                                    person: s.person,
                                    role: s.role,
                                    credential_current: true,
                                })
                                .collect(),
                            doses: Vec::new(),
                        })
                    })
                    .collect::<AppResult<_>>()?;
                let schedule: Vec<ScheduledVisit> = course.into_iter().map(|v| v.visit).collect();
                // An instrument given within a visit's window counts for that visit.
                let given = self.assessments_given(&participant.id).await?;
                let assessments: Vec<AssessmentRecord> = schedule
                    .iter()
                    .flat_map(|v| {
                        given.iter().filter(|a| a.administered_on.parse::<Date>().is_ok_and(|d| v.in_window(d))).map(
                            |a| AssessmentRecord {
                                visit_id: v.id.clone(),
                                instrument: a.instrument.as_str().to_owned(),
                            },
                        )
                    })
                    .collect();
                let known = self.store.deviations_for(&participant.id).await?;
                let drafts: Vec<DeviationDraft> = detect_deviations(&schedule, &records, &assessments, today)
                    .into_iter()
                    .filter(|d| {
                        let kind = wire_name(&d.kind);
                        !known.iter().any(|k| k.kind == kind && k.visit_id.as_deref() == Some(d.visit_id.as_str()))
                    })
                    .collect();
                if drafts.is_empty() {
                    continue;
                }
                let chain = Self::site_chain_ref(&site);
                let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
                for draft in &drafts {
                    let d = self.deviation_from(&participant, draft, DeviationSource::Automatic, &by.id);
                    tx.insert(&chain.chain, "deviation.record", &d).await?;
                    recorded += 1;
                }
                tx.commit().await?;
            }
        }
        Ok((recorded, next))
    }

    /// A deviation reported by staff.
    pub async fn record_deviation(
        &self,
        actor: &Actor,
        participant_id: &str,
        visit_id: Option<&str>,
        severity: &str,
        description: &str,
    ) -> AppResult<Deviation> {
        let participant = self.participant_for(actor, Action::RecordDeviation, participant_id).await?;
        let mut violations = Vec::new();
        let severity = DeviationSeverity::parse("severity", severity).map_err(|v| violations.push(v)).ok();
        let description = required_text("description", description, 4000).map_err(|v| violations.push(v)).ok();
        let (Some(description), Some(severity)) = (description.filter(|_| violations.is_empty()), severity) else {
            return Err(DomainError::Invalid(violations).into());
        };
        let d = Deviation {
            id: self.new_id(),
            participant_id: participant.id.clone(),
            site_id: participant.site_id.clone(),
            visit_id: visit_id.filter(|v| !v.is_empty()).map(str::to_owned),
            kind: "manual".into(),
            severity,
            description,
            source: DeviationSource::Manual,
            recorded_at: self.now(),
            recorded_by: actor.user_id.clone(),
            resolution: None,
            resolved_at: None,
        };
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "deviation.record", &d).await?;
        tx.commit().await?;
        Ok(d)
    }

    pub async fn resolve_deviation(&self, actor: &Actor, deviation_id: &str, resolution: &str) -> AppResult<Deviation> {
        let current: Deviation = self.load_for(actor, Action::RecordDeviation, deviation_id).await?;
        if current.resolved_at.is_some() {
            return Err(DomainError::Conflict("this deviation is already resolved".into()).into());
        }
        let resolution = crate::platform::error::reason_from("resolution", resolution)?;
        let (_, chain) = self.chain_for_site(&current.site_id).await?;
        let before = current.clone();
        let resolved = Deviation { resolution: Some(resolution.clone()), resolved_at: Some(self.now()), ..current };
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update_from(&chain.chain, "deviation.resolve", &before, &resolved, &resolution).await?;
        tx.commit().await?;
        Ok(resolved)
    }

    /// A site's deviation log, newest first, with participant codes.
    pub async fn deviation_log(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<(Deviation, String)>> {
        self.authorize(actor, Action::ViewDeviations, Resource::Site { site_id }).await?;
        let codes: HashMap<String, String> = self.store.participant_codes_at_site(site_id).await?;
        Ok(self
            .store
            .deviations_at_site(site_id)
            .await?
            .into_iter()
            .map(|d| {
                let code = codes.get(&d.participant_id).cloned().unwrap_or_default();
                (d, code)
            })
            .collect())
    }

    /// The rooms of a site.
    pub async fn rooms(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<Room>> {
        self.authorize(actor, Action::ViewSchedule, Resource::Site { site_id }).await?;
        Ok(self.store.rooms_at_site(site_id).await?)
    }

    /// Appointments at a site between two instants, with the participant's code.
    pub async fn site_calendar(
        &self,
        actor: &Actor,
        site_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> AppResult<Vec<(Appointment, String)>> {
        self.authorize(actor, Action::ViewSchedule, Resource::Site { site_id }).await?;
        let codes = self.store.participant_codes_at_site(site_id).await?;
        Ok(self
            .store
            .appointments_at_site(site_id, from, to)
            .await?
            .into_iter()
            .map(|a| {
                let code = codes.get(&a.participant_id).cloned().unwrap_or_default();
                (a, code)
            })
            .collect())
    }

    /// Sets a therapist's credential (site leads for their site's staff; administrators).
    pub async fn set_credential(
        &self,
        actor: &Actor,
        site_id: &str,
        user_id: &str,
        input: &CredentialInput,
    ) -> AppResult<StaffCredential> {
        self.authorize(actor, Action::ManageCredentials, Resource::Site { site_id }).await?;
        // A credential is the therapist's everywhere, so whoever sets it must be allowed to at
        // every site where they work as a therapist, and this must be one of them.
        let therapist_sites: Vec<String> = self.grants_of(user_id)
            .await?
            .into_iter()
            .filter(|g| g.role == Role::Therapist)
            .filter_map(|g| g.site_id)
            .collect();
        if !therapist_sites.iter().any(|s| s == site_id) {
            return Err(
                DomainError::invalid("user_id", "therapist", "this person is not a therapist at the site").into()
            );
        }
        for other in therapist_sites.iter().filter(|s| *s != site_id) {
            self.authorize(actor, Action::ManageCredentials, Resource::Site { site_id: other }).await?;
        }
        let mut violations = Vec::new();
        let mut check = |field: &str, v: &Option<String>| match opt_date(field, v) {
            Ok(d) => d.map(|d| d.to_string()),
            Err(e) => {
                violations.push(e);
                None
            }
        };
        let training = check("training_completed_on", &input.training_completed_on);
        let certified = check("certified_until", &input.certified_until);
        let ethics = check("ethics_attested_on", &input.ethics_attested_on);
        if !(0..=10_000).contains(&input.supervised_sessions) {
            violations.push(Violation::new(
                "supervised_sessions",
                "range",
                format!("supervised_sessions must be a count from 0 to 10000; got {}", input.supervised_sessions),
            ));
        }
        if !violations.is_empty() {
            return Err(DomainError::Invalid(violations).into());
        }
        let record = StaffCredential {
            id: user_id.to_owned(),
            training_completed_on: training,
            supervised_sessions: input.supervised_sessions,
            certified_until: certified,
            ethics_attested_on: ethics,
            updated_at: self.now(),
        };
        self.write_credential(Self::audit_actor(actor), &record, input.reason.as_deref().unwrap_or_default()).await?;
        Ok(record)
    }

    /// Credentials live in the system chain: a therapist may work at several sites.
    pub(crate) async fn write_credential(
        &self,
        by: AuditActor,
        record: &StaffCredential,
        reason: &str,
    ) -> AppResult<()> {
        let system = Self::system_chain_ref();
        let mut tx = self.begin(by, std::slice::from_ref(&system)).await?;
        if tx.get::<StaffCredential>(&record.id).await?.is_some() {
            let reason = crate::platform::error::reason_from("reason", reason)?;
            tx.update(&system.chain, "credential.update", record, &reason).await?;
        } else {
            tx.insert(&system.chain, "credential.create", record).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Therapists at a site with their credential and its status today.
    pub async fn site_credentials(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<StaffCredentialView>> {
        self.authorize(actor, Action::ViewCredentials, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let today = self.local_today(&site);
        let mut out = Vec::new();
        let users = self.users_at_site(site_id).await?;
        for grant in self.grants_at_site(site_id).await?.into_iter().filter(|g| g.role == Role::Therapist) {
            let Some(user) = users.iter().find(|u| u.id == grant.user_id) else { continue };
            let record = self.store.get::<StaffCredential>(&user.id).await?;
            let (status, expiring) = match &record {
                Some(r) => {
                    let c = credential_of(r)?;
                    (credential_status(&c, today, &CredentialRules::default()), expiring_within(&c, today, 30))
                }
                None => (
                    credential_status(
                        &Credential {
                            training_completed_on: None,
                            supervised_sessions: 0,
                            certified_until: None,
                            ethics_attested_on: None,
                        },
                        today,
                        &CredentialRules::default(),
                    ),
                    None,
                ),
            };
            out.push(StaffCredentialView {
                user_id: user.id.clone(),
                name: user.display_name.clone(),
                record,
                current: status.is_current(),
                status,
                expiring_on: expiring,
            });
        }
        Ok(out)
    }
}

/// A credential as entered.
#[derive(Debug, Clone, Default)]
pub struct CredentialInput {
    pub training_completed_on: Option<String>,
    pub supervised_sessions: i64,
    pub certified_until: Option<String>,
    pub ethics_attested_on: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffCredentialView {
    pub user_id: String,
    pub name: String,
    pub record: Option<StaffCredential>,
    pub current: bool,
    pub status: CredentialStatus,
    /// Set when the certification ends within 30 days.
    pub expiring_on: Option<Date>,
}

/// How a visit is named to people outside the protocol (feeds, calendars).
/// A protocol's visit kind as recorded on an appointment.
fn visit_kind_of(kind: catalyst_protocol::VisitKind) -> VisitKind {
    use catalyst_protocol::VisitKind as P;
    match kind {
        P::Screening => VisitKind::Screening,
        P::Preparation => VisitKind::Preparation,
        P::Experimental => VisitKind::Experimental,
        P::Integration => VisitKind::Integration,
        P::Assessment => VisitKind::Assessment,
        P::FollowUp => VisitKind::FollowUp,
    }
}

/// A protocol rule's severity as recorded on a deviation.
fn severity_of(severity: catalyst_protocol::deviations::Severity) -> DeviationSeverity {
    use catalyst_protocol::deviations::Severity as P;
    match severity {
        P::Minor => DeviationSeverity::Minor,
        P::Major => DeviationSeverity::Major,
        P::Critical => DeviationSeverity::Critical,
    }
}

impl App {
    /// The actor's visits from 30 days ago to 120 days ahead as an iCalendar feed: the sessions
    /// a staff member is booked for, or a participant's own visits. Summaries carry the visit
    /// kind and the pseudonymous code only.
    pub async fn my_calendar(&self, actor: &Actor) -> AppResult<String> {
        let now = self.now();
        let from = now.plus_seconds(-30 * 86_400);
        let to = now.plus_seconds(120 * 86_400);
        let mut events = Vec::new();
        let rooms: HashMap<String, String> = {
            let mut map = HashMap::new();
            for site in self.all_sites().await? {
                for room in self.store.rooms_at_site(&site.id).await? {
                    map.insert(room.id, format!("{}, {}", room.name, site.name));
                }
            }
            map
        };
        for a in self.store.appointments_overlapping(from, to).await? {
            let staff = staff_of(&a)?;
            // Staff see their own sessions; a blinded rater only their assessments.
            let resource = Resource::Participant { site_id: &a.site_id, participant_id: &a.participant_id };
            let visible = Self::may(actor, Action::ViewSchedule, resource)
                || matches!(a.visit_kind, VisitKind::Assessment | VisitKind::FollowUp);
            let mine = (visible && staff.iter().any(|s| s.person == actor.user_id))
                || actor.own_participants.contains(&a.participant_id);
            if !mine {
                continue;
            }
            let code = self.participant(&a.participant_id).await?.code;
            let summary = if actor.own_participants.contains(&a.participant_id) {
                a.visit_kind.label().to_owned()
            } else {
                format!("{} · {code}", a.visit_kind.label())
            };
            events.push(catalyst_protocol::IcsEvent {
                uid: format!("appointment-{}@catalyst", a.id),
                dtstamp: jiff_ts(now)?,
                start: jiff_ts(a.starts_at)?,
                end: jiff_ts(a.ends_at)?,
                summary,
                location: rooms.get(&a.room_id).cloned(),
                description: None,
            });
        }
        Ok(catalyst_protocol::ics_calendar("Catalyst visits", &events))
    }

    /// Therapists at the actor's sites whose credential is not current or ends within 30 days.
    pub async fn credential_warnings(&self, actor: &Actor) -> AppResult<Vec<(Site, StaffCredentialView)>> {
        let mut out = Vec::new();
        for site in self.all_sites().await? {
            if !Self::may(actor, Action::ViewCredentials, Resource::Site { site_id: &site.id }) {
                continue;
            }
            for view in self.site_credentials(actor, &site.id).await? {
                if !view.current || view.expiring_on.is_some() {
                    out.push((site.clone(), view));
                }
            }
        }
        Ok(out)
    }

    /// A participant's booked visits still to come (for their portal).
    pub async fn upcoming_visits(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<Appointment>> {
        self.participant_for(actor, Action::ViewSchedule, participant_id).await?;
        let now = self.now();
        Ok(self
            .store
            .appointments_for(participant_id)
            .await?
            .into_iter()
            .filter(|a| a.status == AppointmentStatus::Booked && a.ends_at > now)
            .collect())
    }
}

impl App {
    /// Moves an enrolled participant to another version of their protocol (an amendment) or to
    /// another protocol, with the reason; the ledger keeps which version governed when.
    pub async fn move_enrolment(
        &self,
        actor: &Actor,
        participant_id: &str,
        protocol_id: &str,
        version: i64,
        reason: &str,
    ) -> AppResult<Enrolment> {
        let participant = self.participant_for(actor, Action::ManageSchedule, participant_id).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let current = self
            .store
            .get::<Enrolment>(participant_id)
            .await?
            .ok_or_else(|| DomainError::Conflict(format!("{} is not enrolled yet", participant.code)))?;
        let protocol = protocols()?.get(protocol_id, u32::try_from(version).unwrap_or(0)).ok_or_else(|| {
            DomainError::invalid("version", "known_version", format!("no protocol {protocol_id:?} version {version}"))
        })?;
        if current.protocol_id == protocol.id() && current.protocol_version == i64::from(protocol.version()) {
            return Err(DomainError::Conflict(format!(
                "{} already follows {} v{}",
                participant.code,
                protocol.id(),
                protocol.version()
            ))
            .into());
        }
        let moved = Enrolment {
            protocol_id: protocol.id().to_owned(),
            protocol_version: i64::from(protocol.version()),
            ..current
        };
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update(&chain.chain, "enrolment.move", &moved, &reason).await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// Dates of a participant's experimental (dosing) sessions, for marking charts; empty for
    /// anyone who may not see the schedule (a blinded rater).
    pub async fn dosing_dates(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<(Date, String)>> {
        let participant = self.participant(participant_id).await?;
        if !Self::may(
            actor,
            Action::ViewSchedule,
            Resource::Participant { site_id: &participant.site_id, participant_id },
        ) {
            return Ok(Vec::new());
        }
        let zone = zone_of(&self.site(&participant.site_id).await?);
        let mut out = Vec::new();
        for a in self.store.appointments_for(participant_id).await? {
            if a.visit_kind == VisitKind::Experimental && a.status == AppointmentStatus::Attended {
                out.push((jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date(), a.visit_id.clone()));
            }
        }
        Ok(out)
    }

    /// Self-report questionnaires the participant's visits due today ask for and that have not
    /// been filled in within the visit's window.
    pub async fn questionnaires_due(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<(String, Date)>> {
        let Some(timeline) = self.timeline(actor, participant_id).await? else { return Ok(Vec::new()) };
        let given = self.assessments_given(participant_id).await?;
        let mut due = Vec::new();
        for v in timeline.visits.iter().filter(|v| v.status == VisitStatus::Due) {
            for instrument in &v.visit.visit_type.instruments {
                let self_report = matches!(instrument.as_str(), "pcl5" | "sds" | "phq9");
                let done = given.iter().any(|a| {
                    a.instrument.as_str() == instrument
                        && a.administered_on.parse::<Date>().is_ok_and(|d| v.visit.in_window(d))
                });
                if self_report && !done && !due.iter().any(|(i, _)| i == instrument) {
                    due.push((instrument.clone(), v.visit.window_end));
                }
            }
        }
        Ok(due)
    }
}
