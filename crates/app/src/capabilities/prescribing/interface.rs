//! What other capabilities may ask the prescribing capability: when MDMA was prescribed at a
//! site (the clocks of notices owed after prescribing run from it), and what is prescribed for
//! a dosing session (a booked session is checked against its prescriber's approval).

use crate::App;
use catalyst_core::time::civil_date;
use crate::capabilities::prescribing::domain::{PrescriptionStatus, allowed_mg, session_limit};
use crate::platform::error::AppResult;

/// One prescription written: its id, its participant, and the site-local day it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prescribed {
    pub prescription_id: String,
    pub participant_id: String,
    pub on: jiff::civil::Date,
}

/// What an active prescription says of one dosing session, for asking the gate about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionPrescription {
    pub prescriber_id: String,
    pub product: String,
    pub indication: String,
    /// Everything the participant may be given of the product, in milligrams (prescribed, with
    /// physicians' decisions above it).
    pub prescribed_mg: f64,
    /// What is prescribed for this session: the initial dose and the optional supplemental one.
    pub session_initial_mg: f64,
    pub session_supplemental_mg: Option<f64>,
}

impl App {
    /// The active prescription of a participant's dosing session (`visit_id`), if any.
    pub(crate) async fn session_prescription(&self, participant_id: &str, visit_id: &str) -> AppResult<Option<SessionPrescription>> {
        let all = self.store.prescriptions_of(participant_id).await?;
        let decisions = self.store.dose_decisions_of(participant_id).await?;
        Ok(all
            .iter()
            .filter(|rx| rx.status == PrescriptionStatus::Active)
            .find_map(|rx| Some((rx, rx.dose_for(visit_id)?)))
            .map(|(rx, dose)| SessionPrescription {
                prescriber_id: rx.prescriber_id.clone(),
                product: rx.product.clone(),
                indication: rx.indication.clone(),
                prescribed_mg: allowed_mg(&all, &decisions, &rx.product),
                session_initial_mg: dose.initial_mg,
                session_supplemental_mg: dose.supplemental_mg,
            }))
    }

    /// Every prescription written at the site, cancelled ones included (a notice of prescribing
    /// is owed once it was written), in the order written.
    pub(crate) async fn prescriptions_written_at(&self, site_id: &str) -> AppResult<Vec<Prescribed>> {
        Ok(self
            .store
            .prescriptions_at_site(site_id)
            .await?
            .into_iter()
            .filter_map(|rx| {
                let on = civil_date(&rx.issued_on)?;
                Some(Prescribed { prescription_id: rx.id, participant_id: rx.participant_id, on })
            })
            .collect())
    }
}

/// What dispensing needs of the prescription of one dosing session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionDose {
    pub prescription_id: String,
    pub prescriber_id: String,
    pub product: String,
    pub indication: String,
    /// Milligrams in one unit, as prescribed.
    pub strength_mg: f64,
    /// The most that may be dispensed and given for the session: as prescribed (initial and
    /// supplemental), or as a physician's signed decision raised it.
    pub limit_mg: f64,
    /// The decision that raised it, if one did.
    pub decision_id: Option<String>,
    /// Everything the participant may be given of the product, in milligrams (prescribed, with
    /// decisions above it), for the authorised quantity.
    pub allowed_mg: f64,
}

/// The active prescription of a participant's dosing session (`visit_id`) in force on `day`,
/// read inside the caller's write transaction (which holds the site's chain, as writing and
/// cancelling a prescription and deciding above one do), its seals checked. `Err` names what is missing: no active
/// prescription of the session (`appointment_id`/`prescribed`), or one not in force that day
/// (`appointment_id`/`prescription_in_force`).
pub(crate) async fn session_dose_in(
    tx: &mut crate::platform::store::WriteTx,
    participant_id: &str,
    visit_id: &str,
    day: jiff::civil::Date,
) -> AppResult<Result<SessionDose, catalyst_core::error::Violation>> {
    use catalyst_core::error::Violation;
    let all = tx.prescriptions_of(participant_id).await?;
    tx.check_sealed(&all).await?;
    let Some(rx) = all.iter().find(|rx| rx.status == PrescriptionStatus::Active && rx.dose_for(visit_id).is_some()) else {
        return Ok(Err(Violation::new(
            "appointment_id",
            "prescribed",
            format!("no active prescription names the {visit_id} session"),
        )));
    };
    if !rx.in_force_on(day) {
        return Ok(Err(Violation::new(
            "appointment_id",
            "prescription_in_force",
            format!("the prescription of the {visit_id} session is not in force on {day}"),
        )));
    }
    let decisions = tx.dose_decisions_of(participant_id).await?;
    tx.check_sealed(&decisions).await?;
    let Some(limit) = session_limit(rx, visit_id, &decisions) else {
        return Ok(Err(Violation::new("appointment_id", "prescribed", format!("no dose is prescribed for {visit_id}"))));
    };
    Ok(Ok(SessionDose {
        prescription_id: rx.id.clone(),
        prescriber_id: rx.prescriber_id.clone(),
        product: rx.product.clone(),
        indication: rx.indication.clone(),
        strength_mg: rx.plan.strength_mg,
        limit_mg: limit.mg,
        decision_id: limit.decision_id,
        allowed_mg: allowed_mg(&all, &decisions, &rx.product),
    }))
}
