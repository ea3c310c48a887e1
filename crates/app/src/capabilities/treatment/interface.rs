//! What other capabilities may ask the treatment capability: whether a participant is
//! enrolled, and the dates their course is measured from. They get answers, never its tables
//! (its queries are private to this folder).

use crate::App;
use crate::capabilities::treatment::domain::{AppointmentStatus, Enrolment, VisitKind};
use crate::capabilities::people::domain::Role;
use crate::platform::capability::SiteCheckFuture;
use crate::platform::error::AppResult;
use crate::platform::store::{StoreError, WriteTx};
use catalyst_core::time::Timestamp;

/// The dates a participant's course is measured from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CourseAnchors {
    /// The baseline date of their enrolment (`YYYY-MM-DD`), if enrolled.
    pub baseline_on: Option<String>,
    /// When each attended dosing (experimental) session began.
    pub attended_dosing_starts: Vec<Timestamp>,
}

/// One dosing session (held, or booked): the participant, and the site-local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DosingSession {
    pub participant_id: String,
    /// The protocol visit (`exp1`), which a prescription names.
    pub visit_id: String,
    pub day: jiff::civil::Date,
    /// The appointment (a dispensed dose names it) and when it begins and ends (exclusive).
    pub appointment_id: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

/// Whether the therapist whose credential is `user_id` works at `site_id` as a therapist: the
/// sites under which documents for their credential (training evidence) may be filed.
pub(crate) fn credential_belongs_at<'a>(app: &'a App, user_id: &'a str, site_id: &'a str) -> SiteCheckFuture<'a> {
    Box::pin(async move {
        let grants = app.grants_of(user_id).await?;
        Ok(grants.iter().any(|g| g.role == Role::Therapist && g.site_id.as_deref() == Some(site_id)))
    })
}

impl App {
    /// The dosing (experimental) sessions at a site in `status` on the site-local days `from`
    /// through `to`: attended ones are what reports of patients treated count; booked ones are
    /// checked for still being authorised.
    pub(crate) async fn dosing_sessions(
        &self,
        site: &crate::capabilities::people::domain::Site,
        status: AppointmentStatus,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> AppResult<Vec<DosingSession>> {
        let zone = super::usecases::zone_of(site);
        let internal = |e: jiff::Error| crate::platform::error::AppError::Internal(e.to_string());
        let start_of = |day: jiff::civil::Date| -> AppResult<Timestamp> {
            Ok(Timestamp(day.to_zoned(zone.clone()).map_err(internal)?.timestamp().as_microsecond()))
        };
        let (start, end) = (start_of(from)?, start_of(to.tomorrow().map_err(internal)?)?);
        let mut sessions = Vec::new();
        for a in self.store.appointments_at_site(&site.id, start, end).await? {
            if a.visit_kind != VisitKind::Experimental || a.status != status {
                continue;
            }
            let day = super::usecases::jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date();
            if from <= day && day <= to {
                sessions.push(DosingSession {
                    participant_id: a.participant_id,
                    visit_id: a.visit_id,
                    day,
                    appointment_id: a.id,
                    starts_at: a.starts_at,
                    ends_at: a.ends_at,
                });
            }
        }
        Ok(sessions)
    }

    /// Whether the participant is enrolled on a protocol.
    pub async fn is_enrolled(&self, participant_id: &str) -> AppResult<bool> {
        Ok(self.store.get::<Enrolment>(participant_id).await?.is_some())
    }

    pub(crate) async fn course_anchors(&self, participant_id: &str) -> AppResult<CourseAnchors> {
        let baseline_on = self.store.get::<Enrolment>(participant_id).await?.map(|e| e.baseline_on);
        let attended_dosing_starts = self
            .store
            .appointments_for(participant_id)
            .await?
            .into_iter()
            .filter(|a| a.visit_kind == VisitKind::Experimental && a.status == AppointmentStatus::Attended)
            .map(|a| a.starts_at)
            .collect();
        Ok(CourseAnchors { baseline_on, attended_dosing_starts })
    }
}

/// Whether the participant is enrolled, read inside the caller's write transaction (a stage
/// change past the enrolment gate is decided on what the transaction sees).
pub(crate) async fn is_enrolled_in(tx: &mut WriteTx, participant_id: &str) -> Result<bool, StoreError> {
    Ok(tx.get::<Enrolment>(participant_id).await?.is_some())
}

/// One dosing session of a participant's course, with the protocol's doses for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlannedDosing {
    pub visit_id: String,
    pub initial_mg: f64,
    pub supplemental_mg: Option<f64>,
}

/// The dosing sessions of the participant's course as its protocol version plans them, read
/// inside the caller's write transaction; `None` when the participant is not enrolled.
pub(crate) async fn planned_dosing_in(tx: &mut WriteTx, participant_id: &str) -> AppResult<Option<Vec<PlannedDosing>>> {
    tx.get::<Enrolment>(participant_id).await?.map(|e| planned_dosing(&e)).transpose()
}

fn planned_dosing(enrolment: &Enrolment) -> AppResult<Vec<PlannedDosing>> {
    let version = u32::try_from(enrolment.protocol_version).unwrap_or(0);
    let protocol = super::usecases::protocols()?.get(&enrolment.protocol_id, version).ok_or_else(|| {
        crate::platform::error::AppError::Internal(format!("protocol {} v{version} is not available", enrolment.protocol_id))
    })?;
    Ok(protocol
        .visits()
        .iter()
        .filter_map(|v| {
            let dose = v.dose?;
            Some(PlannedDosing {
                visit_id: v.id.clone(),
                initial_mg: dose.initial_mg,
                supplemental_mg: dose.supplemental.map(|s| s.mg),
            })
        })
        .collect())
}

impl App {
    /// The same, for showing a prescription form (the transaction that writes one reads it again).
    pub(crate) async fn planned_dosing(&self, participant_id: &str) -> AppResult<Option<Vec<PlannedDosing>>> {
        self.store.get::<Enrolment>(participant_id).await?.map(|e| planned_dosing(&e)).transpose()
    }
}

/// An experimental (dosing) appointment a dose may be dispensed for: whose it is, where, which
/// protocol visit, its site-local day, and whether attendance is already recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DosingAppointment {
    pub participant_id: String,
    pub site_id: String,
    pub visit_id: String,
    pub starts_at: Timestamp,
    pub day: jiff::civil::Date,
    pub attended: bool,
}

/// The booked (or attended) experimental appointment `appointment_id`, read inside the caller's
/// write transaction (which holds the site's chain, as every booking, move and attendance does,
/// so a cancellation committed meanwhile is seen). `Err` names what it is not: no such
/// appointment (`appointment_id`/`exists`), not a dosing session (`experimental`), cancelled or
/// missed (`booked`).
pub(crate) async fn dosing_appointment_in(
    tx: &mut WriteTx,
    site: &crate::capabilities::people::domain::Site,
    appointment_id: &str,
) -> AppResult<Result<DosingAppointment, catalyst_core::error::Violation>> {
    use catalyst_core::error::Violation;
    let Some(a) = tx.get::<crate::capabilities::treatment::domain::Appointment>(appointment_id).await? else {
        return Ok(Err(Violation::new("appointment_id", "exists", format!("no appointment {appointment_id}"))));
    };
    if a.visit_kind != VisitKind::Experimental {
        return Ok(Err(Violation::new(
            "appointment_id",
            "experimental",
            format!("{} is not a dosing (experimental) session", a.visit_id),
        )));
    }
    if !matches!(a.status, AppointmentStatus::Booked | AppointmentStatus::Attended) {
        return Ok(Err(Violation::new(
            "appointment_id",
            "booked",
            format!("the {} session is {}: a dose is dispensed only for a booked session", a.visit_id, a.status),
        )));
    }
    let day = super::usecases::jiff_ts(a.starts_at)?.to_zoned(super::usecases::zone_of(site)).date();
    Ok(Ok(DosingAppointment {
        attended: a.status == AppointmentStatus::Attended,
        participant_id: a.participant_id,
        site_id: a.site_id,
        visit_id: a.visit_id,
        starts_at: a.starts_at,
        day,
    }))
}
