//! What other capabilities may ask the prescribing capability: when MDMA was prescribed at a
//! site (the clocks of notices owed after prescribing run from it), and what is prescribed for
//! a dosing session (a booked session is checked against its prescriber's approval).

use crate::App;
use crate::capabilities::authorisations::domain::civil_date;
use crate::capabilities::prescribing::domain::{PrescriptionStatus, prescribed_mg};
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
    /// Everything the participant has prescribed of the product, in milligrams.
    pub prescribed_mg: f64,
}

impl App {
    /// The active prescription of a participant's dosing session (`visit_id`), if any.
    pub(crate) async fn session_prescription(&self, participant_id: &str, visit_id: &str) -> AppResult<Option<SessionPrescription>> {
        let all = self.store.prescriptions_of(participant_id).await?;
        Ok(all
            .iter()
            .find(|rx| rx.status == PrescriptionStatus::Active && rx.dose_for(visit_id).is_some())
            .map(|rx| SessionPrescription {
                prescriber_id: rx.prescriber_id.clone(),
                product: rx.product.clone(),
                indication: rx.indication.clone(),
                prescribed_mg: prescribed_mg(&all, &rx.product),
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
