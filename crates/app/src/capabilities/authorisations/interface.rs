//! What other capabilities may ask the authorisations capability: may MDMA be given to this
//! participant at this site on this day? Booking a dosing session asks it now; prescribing,
//! dispensing and the dosing session will ask the same question and get the same reasons.

use crate::App;
use crate::capabilities::authorisations::domain::{DosingRequest, Requirements, dosing_problems};
use crate::capabilities::people::domain::Site;
use crate::platform::error::{AppError, AppResult};
use crate::platform::store::WriteTx;
use catalyst_core::error::Violation;
use jiff::civil::Date;
use std::sync::LazyLock;

static REQUIREMENTS: LazyLock<Result<Requirements, String>> = LazyLock::new(Requirements::builtin);

fn requirements() -> AppResult<&'static Requirements> {
    REQUIREMENTS.as_ref().map_err(|e| AppError::Internal(e.clone()))
}

/// What is missing or lapsed for dosing `participant_id` at `site` on `day` (site-local), each
/// naming the authorisation; empty when every authorisation the site's jurisdiction requires is
/// in force. Read inside the caller's write transaction, which holds the site's chain as every
/// change to an authorisation does, so a revocation committed meanwhile is seen.
pub(crate) async fn dosing_gate_in(
    tx: &mut WriteTx,
    site: &Site,
    participant_id: &str,
    prescriber_id: Option<&str>,
    day: Date,
) -> AppResult<Vec<Violation>> {
    let required = requirements()?.for_jurisdiction(&site.jurisdiction);
    if required.is_empty() {
        return Ok(Vec::new());
    }
    let authorisations = tx.authorisations_at_site(&site.id).await?;
    let request = DosingRequest { site_id: &site.id, site_code: &site.code, participant_id, prescriber_id, day };
    Ok(dosing_problems(&required, &authorisations, request))
}

impl App {
    /// The id of the site's authorisation with this reference, if there is one (the demo
    /// attaches the approval letter to it).
    pub(crate) async fn authorisation_by_reference(&self, site_id: &str, reference: &str) -> AppResult<Option<String>> {
        let all = self.store.authorisations_at_site(site_id).await?;
        Ok(all.into_iter().find(|a| a.reference == reference).map(|a| a.id))
    }

    /// The rule in force: which authorisations each jurisdiction requires.
    pub fn authorisation_requirements(&self) -> AppResult<&'static Requirements> {
        requirements()
    }
}
