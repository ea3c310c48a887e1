//! What other capabilities may ask the authorisations capability: may MDMA be given to this
//! participant at this site on this day? Booking a dosing session asks it now; prescribing asks
//! it with the prescription; dispensing and the dosing session will ask the same question with
//! the prescription they point back to, and get the same reasons.

use crate::App;
use crate::capabilities::authorisations::domain::readiness::Checklists;
use crate::capabilities::authorisations::domain::{DosingRequest, Requirements, gate_problems};
use crate::capabilities::people::domain::Site;
use crate::platform::error::{AppError, AppResult};
use crate::platform::store::WriteTx;
use catalyst_core::error::Violation;
use jiff::civil::Date;
use std::sync::LazyLock;

static REQUIREMENTS: LazyLock<Result<Requirements, String>> = LazyLock::new(Requirements::builtin);
static CHECKLISTS: LazyLock<Result<Checklists, String>> = LazyLock::new(Checklists::builtin);

fn requirements() -> AppResult<&'static Requirements> {
    REQUIREMENTS.as_ref().map_err(|e| AppError::Internal(e.clone()))
}

pub(in crate::capabilities::authorisations) fn checklists() -> AppResult<&'static Checklists> {
    CHECKLISTS.as_ref().map_err(|e| AppError::Internal(e.clone()))
}

/// What is missing, lapsed or not ready for dosing `participant_id` at `site` on `day`
/// (site-local), before anything is prescribed: each violation names the authorisation or the
/// readiness item; empty when all is in order. Read inside the caller's write transaction,
/// which holds the site's chain as every change to an authorisation or a sign-off does, so a
/// revocation or a finding committed meanwhile is seen.
pub(crate) async fn dosing_gate_in(
    tx: &mut WriteTx,
    site: &Site,
    participant_id: &str,
    day: Date,
) -> AppResult<Vec<Violation>> {
    gate_in(tx, site, DosingRequest::unprescribed(&site.id, &site.code, participant_id, day)).await
}

/// A prescribed dose, as the gate needs it.
pub(crate) struct PrescribedDose<'a> {
    pub participant_id: &'a str,
    pub prescriber_id: &'a str,
    pub product: &'a str,
    pub indication: &'a str,
    /// What the participant has prescribed of the product in all, this dose's prescription
    /// included, in milligrams.
    pub prescribed_mg: f64,
}

/// The same for a prescribed dose on `day`: the authorisations must also cover its prescriber,
/// product and indication, and a per-patient quantity must cover all that is prescribed.
pub(crate) async fn prescribed_dose_gate_in(
    tx: &mut WriteTx,
    site: &Site,
    dose: &PrescribedDose<'_>,
    day: Date,
) -> AppResult<Vec<Violation>> {
    let request = DosingRequest {
        prescriber_id: Some(dose.prescriber_id),
        product: Some(dose.product),
        indication: Some(dose.indication),
        quantity_mg: Some(dose.prescribed_mg),
        ..DosingRequest::unprescribed(&site.id, &site.code, dose.participant_id, day)
    };
    gate_in(tx, site, request).await
}

async fn gate_in(tx: &mut WriteTx, site: &Site, request: DosingRequest<'_>) -> AppResult<Vec<Violation>> {
    let required = requirements()?.for_jurisdiction(&site.jurisdiction);
    let binding = checklists()?.for_jurisdiction(&site.jurisdiction);
    // Only what the site's rules ask about is read (and must carry its seal).
    let authorisations = if required.is_empty() { Vec::new() } else { tx.authorisations_at_site(&site.id).await? };
    tx.check_sealed(&authorisations).await?;
    let signoffs = if binding.is_empty() { Vec::new() } else { tx.readiness_signoffs(&site.id).await? };
    tx.check_sealed(&signoffs).await?;
    Ok(gate_problems(&required, &authorisations, &binding, &signoffs, request))
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

    /// The programme's readiness checklists.
    pub fn readiness_checklists(&self) -> AppResult<&'static Checklists> {
        checklists()
    }
}

impl App {
    /// The products and indications a prescriber's approvals at a site name (any standing), to
    /// offer on their prescription form.
    pub(crate) async fn approved_products(&self, site_id: &str, prescriber_id: &str) -> AppResult<Vec<(String, String)>> {
        let mut named: Vec<(String, String)> = self
            .store
            .authorisations_at_site(site_id)
            .await?
            .into_iter()
            .filter(|a| a.holder_id.as_deref() == Some(prescriber_id))
            .filter_map(|a| Some((a.product?, a.indication?)))
            .collect();
        named.sort();
        named.dedup();
        Ok(named)
    }
}

impl App {
    /// The reference of the site's registration for controlled substances in force on `day`
    /// (its DEA registration, else its state or territory approval), printed as the registrant's
    /// number on the pharmacy's reports.
    pub(crate) async fn controlled_substance_registration(&self, site_id: &str, day: Date) -> AppResult<Option<String>> {
        use crate::capabilities::authorisations::domain::AuthorisationKind;
        let all = self.store.authorisations_at_site(site_id).await?;
        let pick = |kind: AuthorisationKind| all.iter().find(|a| a.kind == kind && a.in_force_on(day)).map(|a| a.reference.clone());
        Ok(pick(AuthorisationKind::DeaRegistration).or_else(|| pick(AuthorisationKind::StateApproval)))
    }
}

impl App {
    /// The kinds of the site's authorisations that were in force on `day` as things stood then
    /// (the adverse-event capability reads an event's pathway from them: an IND, an Authorised
    /// Prescriber approval, a Special Access authorisation): one revoked since counts for the
    /// days up to and including the day its ledger entry says it was revoked (an event the site
    /// knew of that day keeps the reports it owed under it).
    pub(crate) async fn authorisation_kinds_in_force_then(
        &self,
        site_id: &str,
        day: Date,
    ) -> AppResult<Vec<crate::capabilities::authorisations::domain::AuthorisationKind>> {
        use crate::capabilities::authorisations::domain::AuthorisationStatus;
        let site = self.site(site_id).await?;
        let all = self.store.authorisations_at_site(site_id).await?;
        let revoked_on = self.revocation_days(&site, &all).await?;
        Ok(all
            .iter()
            .filter(|a| {
                a.in_force_on(day)
                    || (a.status == AuthorisationStatus::Revoked
                        && a.valid_on(day)
                        && revoked_on.get(&a.id).is_some_and(|revoked| day <= *revoked))
            })
            .map(|a| a.kind)
            .collect())
    }
}
