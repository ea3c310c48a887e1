//! What other capabilities may ask the treatment capability: whether a participant is
//! enrolled, and the dates their course is measured from. They get answers, never its tables
//! (its queries are private to this folder).

use crate::App;
use crate::capabilities::treatment::domain::{AppointmentStatus, Enrolment, VisitKind};
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
pub(crate) struct DosingSessionHeld {
    pub participant_id: String,
    pub day: jiff::civil::Date,
}

impl App {
    /// The dosing (experimental) sessions attended at a site from `from` through `to`
    /// (site-local days): what reports of patients treated count, from the records themselves.
    pub(crate) async fn dosing_sessions_held(
        &self,
        site: &crate::capabilities::people::domain::Site,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> AppResult<Vec<DosingSessionHeld>> {
        let zone = super::usecases::zone_of(site);
        let instant = |day: jiff::civil::Date| -> AppResult<Timestamp> {
            let zoned = day.to_zoned(zone.clone()).map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))?;
            Ok(Timestamp(zoned.timestamp().as_microsecond()))
        };
        let next = to.tomorrow().map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))?;
        let appointments = self.store.appointments_at_site(&site.id, instant(from)?, instant(next)?).await?;
        let mut held = Vec::new();
        for a in appointments {
            if a.visit_kind != VisitKind::Experimental || a.status != AppointmentStatus::Attended {
                continue;
            }
            let day = super::usecases::jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date();
            if from <= day && day <= to {
                held.push(DosingSessionHeld { participant_id: a.participant_id, day });
            }
        }
        Ok(held)
    }

    /// The dosing sessions booked (not yet held) at a site from `from` through `to`
    /// (site-local days), for checking they are still covered.
    pub(crate) async fn dosing_sessions_booked(
        &self,
        site: &crate::capabilities::people::domain::Site,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> AppResult<Vec<DosingSessionHeld>> {
        let zone = super::usecases::zone_of(site);
        let instant = |day: jiff::civil::Date| -> AppResult<Timestamp> {
            let zoned = day.to_zoned(zone.clone()).map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))?;
            Ok(Timestamp(zoned.timestamp().as_microsecond()))
        };
        let appointments = self.store.appointments_at_site(&site.id, instant(from)?, instant(to)?).await?;
        let mut booked = Vec::new();
        for a in appointments {
            if a.visit_kind == VisitKind::Experimental && a.status == AppointmentStatus::Booked {
                let day = super::usecases::jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date();
                booked.push(DosingSessionHeld { participant_id: a.participant_id, day });
            }
        }
        Ok(booked)
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
