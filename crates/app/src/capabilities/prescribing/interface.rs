//! What other capabilities may ask the prescribing capability: when MDMA was prescribed at a
//! site (the clocks of notices owed after prescribing run from it).

use crate::App;
use crate::capabilities::authorisations::domain::civil_date;
use crate::platform::error::AppResult;

/// One prescription written: its id, its participant, and the site-local day it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prescribed {
    pub prescription_id: String,
    pub participant_id: String,
    pub on: jiff::civil::Date,
}

impl App {
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
