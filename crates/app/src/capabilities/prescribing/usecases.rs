//! Prescribing: an authorised prescriber writes and signs a prescription for dosing sessions of
//! a participant's course. The dose plan is checked against the protocol, and the prescription
//! against the authorisations in force today and the site's readiness, inside the transaction
//! that writes it.

use crate::App;
use crate::capabilities::prescribing::domain::{
    DecisionFacts, DoseDecision, DoseDecisionInput, PlannedSession, PrescribingFacts, Prescription, PrescriptionInput,
    PrescriptionStatus, allowed_mg, confirmation_of, dose_decision_from, prescription_from,
};
use crate::capabilities::authorisations::interface::{PrescribedDose, prescribed_dose_gate_in};
use crate::capabilities::eligibility::interface::treatment_gate_in;
use crate::capabilities::people::domain::Site;
use crate::capabilities::people::interface::treatable_in;
use crate::capabilities::treatment::interface::planned_dosing_in;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::esign::Meaning;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::record::Record;

impl App {
    /// Writes a prescription as the signed-in prescriber, signed with their password (meaning:
    /// authorship). Refused, naming each problem, when the dose plan exceeds the protocol's,
    /// a session is already prescribed, or an authorisation or readiness item is missing.
    pub async fn prescribe(
        &self,
        actor: &Actor,
        participant_id: &str,
        input: &PrescriptionInput,
        password: &str,
    ) -> AppResult<Prescription> {
        let participant = self.participant_for(actor, Action::Prescribe, participant_id).await?;
        self.confirm_password(actor, password).await?;
        let site = self.site(&participant.site_id).await?;
        self.write_prescription(Self::audit_actor(actor), &site, &participant.id, input).await
    }

    /// Writes and signs a prescription by `by` (whose right to prescribe and credentials the
    /// caller checked), deciding it on what the transaction reads.
    pub(crate) async fn write_prescription(
        &self,
        by: AuditActor,
        site: &Site,
        participant_id: &str,
        input: &PrescriptionInput,
    ) -> AppResult<Prescription> {
        let today = self.local_today(site);
        let chain = Self::site_chain_ref(site);
        let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
        let Some(planned) = planned_dosing_in(&mut tx, participant_id).await? else {
            return Err(DomainError::Conflict("the participant is not enrolled on a protocol yet".into()).into());
        };
        let planned: Vec<PlannedSession> = planned
            .into_iter()
            .map(|p| PlannedSession { visit_id: p.visit_id, initial_mg: p.initial_mg, supplemental_mg: p.supplemental_mg })
            .collect();
        // The participant's own standing first: stage, eligibility, consent and washout today.
        let mut refused: Vec<_> = treatable_in(&mut tx, participant_id).await?.err().into_iter().collect();
        refused.extend(treatment_gate_in(&mut tx, participant_id, today).await?);
        if !refused.is_empty() {
            return Err(DomainError::Invalid(refused).into());
        }
        let existing = tx.prescriptions_of(participant_id).await?;
        tx.check_sealed(&existing).await?;
        let rx = prescription_from(
            input,
            PrescribingFacts {
                id: self.new_id(),
                site_id: &site.id,
                participant_id,
                prescriber_id: &by.id,
                today,
                now: self.now(),
                planned: &planned,
                existing: &existing,
            },
        )
        .map_err(DomainError::Invalid)?;
        let decisions = tx.dose_decisions_of(participant_id).await?;
        tx.check_sealed(&decisions).await?;
        let all: Vec<Prescription> = existing.into_iter().chain([rx.clone()]).collect();
        let dose = PrescribedDose {
            participant_id,
            prescriber_id: &rx.prescriber_id,
            product: &rx.product,
            indication: &rx.indication,
            prescribed_mg: allowed_mg(&all, &decisions, &rx.product),
        };
        let missing = prescribed_dose_gate_in(&mut tx, site, &dose, today).await?;
        if !missing.is_empty() {
            return Err(DomainError::Invalid(missing).into());
        }
        let row = rx.to_row().map_err(crate::platform::store::StoreError::from)?;
        let signature = self.signature_on(&by, Prescription::SPEC.kind, &rx.id, &row, Meaning::Authorship, &site.time_zone);
        tx.insert(&chain.chain, "prescription.write", &rx).await?;
        tx.insert(&chain.chain, "record.sign", &signature).await?;
        tx.commit().await?;
        Ok(rx)
    }

    /// Cancels a prescription, with the reason: by its prescriber, or by the site lead.
    pub async fn cancel_prescription(&self, actor: &Actor, id: &str, reason: &str) -> AppResult<Prescription> {
        // Looked up first so that an unknown id and one the actor may not see get one answer.
        let found = self.store.get::<Prescription>(id).await?;
        let (site_id, participant_id) =
            found.as_ref().map_or(("", ""), |rx| (rx.site_id.as_str(), rx.participant_id.as_str()));
        self.authorize(actor, Action::Prescribe, Resource::Participant { site_id, participant_id }).await?;
        let current = found.ok_or_else(|| DomainError::not_found("prescription", id))?;
        if current.prescriber_id != actor.user_id {
            self.authorize(actor, Action::ManageAuthorisations, Resource::Site { site_id: &current.site_id }).await?;
        }
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let site = self.site(&current.site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let current = tx.get::<Prescription>(id).await?.ok_or_else(|| DomainError::not_found("prescription", id))?;
        if current.status == PrescriptionStatus::Cancelled {
            return Err(DomainError::Conflict("the prescription is already cancelled".into()).into());
        }
        let cancelled = Prescription { status: PrescriptionStatus::Cancelled, ..current };
        tx.update(&chain.chain, "prescription.cancel", &cancelled, &reason).await?;
        tx.commit().await?;
        Ok(cancelled)
    }

    /// A participant's prescriptions, newest first.
    pub async fn prescriptions(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<Prescription>> {
        self.participant_for(actor, Action::ViewPrescriptions, participant_id).await?;
        Ok(self.store.prescriptions_of(participant_id).await?)
    }

    /// Records a physician's decision that a dosing session may have more than its
    /// prescription allows, signed with their password (meaning: approval). Refused, naming each
    /// problem, unless the prescription is active and in force, names the session, the new limit
    /// is above the current one in whole units, and the authorisations cover the participant's
    /// new total today.
    pub async fn decide_dose_above_prescription(
        &self,
        actor: &Actor,
        participant_id: &str,
        input: &DoseDecisionInput,
        password: &str,
    ) -> AppResult<DoseDecision> {
        let participant = self.participant_for(actor, Action::DecideDoseAbovePrescription, participant_id).await?;
        self.confirm_password(actor, password).await?;
        let site = self.site(&participant.site_id).await?;
        let by = Self::audit_actor(actor);
        let today = self.local_today(&site);
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
        let prescriptions = tx.prescriptions_of(&participant.id).await?;
        tx.check_sealed(&prescriptions).await?;
        let earlier = tx.dose_decisions_of(&participant.id).await?;
        tx.check_sealed(&earlier).await?;
        let planned: Vec<PlannedSession> = planned_dosing_in(&mut tx, &participant.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|p| PlannedSession { visit_id: p.visit_id, initial_mg: p.initial_mg, supplemental_mg: p.supplemental_mg })
            .collect();
        let decision = dose_decision_from(
            input,
            DecisionFacts {
                id: self.new_id(),
                participant_id: &participant.id,
                physician_id: &by.id,
                today,
                now: self.now(),
                prescriptions: &prescriptions,
                decisions: &earlier,
                planned: &planned,
            },
        )
        .map_err(DomainError::Invalid)?;
        let rx = prescriptions.iter().find(|rx| rx.id == decision.prescription_id).ok_or_else(|| {
            crate::platform::error::AppError::Internal("a decided prescription vanished".into())
        })?;
        let decisions: Vec<DoseDecision> = earlier.into_iter().chain([decision.clone()]).collect();
        let dose = PrescribedDose {
            participant_id: &participant.id,
            prescriber_id: &rx.prescriber_id,
            product: &rx.product,
            indication: &rx.indication,
            prescribed_mg: allowed_mg(&prescriptions, &decisions, &rx.product),
        };
        let missing = prescribed_dose_gate_in(&mut tx, &site, &dose, today).await?;
        if !missing.is_empty() {
            return Err(DomainError::Invalid(missing).into());
        }
        let row = decision.to_row().map_err(crate::platform::store::StoreError::from)?;
        let signature = self.signature_on(&by, DoseDecision::SPEC.kind, &decision.id, &row, Meaning::Approval, &site.time_zone);
        tx.insert(&chain.chain, "dose_decision.record", &decision).await?;
        tx.insert(&chain.chain, "record.sign", &signature).await?;
        tx.commit().await?;
        Ok(decision)
    }

    /// A second physician confirms a decision above the protocol's plan, signing it with their
    /// password (meaning: approval); only then does it set the session's limit. In the ledger
    /// with the reason.
    pub async fn confirm_dose_decision(&self, actor: &Actor, id: &str, password: &str) -> AppResult<DoseDecision> {
        // Looked up first so that an unknown id and one the actor may not see get one answer.
        let found = self.store.get::<DoseDecision>(id).await?;
        let (site_id, participant_id) =
            found.as_ref().map_or(("", ""), |d| (d.site_id.as_str(), d.participant_id.as_str()));
        self.authorize(actor, Action::DecideDoseAbovePrescription, Resource::Participant { site_id, participant_id }).await?;
        let found = found.ok_or_else(|| DomainError::not_found("dose decision", id))?;
        self.confirm_password(actor, password).await?;
        let site = self.site(&found.site_id).await?;
        let by = Self::audit_actor(actor);
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
        let current = tx.get::<DoseDecision>(id).await?.ok_or_else(|| DomainError::not_found("dose decision", id))?;
        tx.check_sealed(std::slice::from_ref(&current)).await?;
        let confirmed = confirmation_of(&current, &by.id, self.now()).map_err(|v| DomainError::Invalid(vec![v]))?;
        let row = confirmed.to_row().map_err(crate::platform::store::StoreError::from)?;
        let signature = self.signature_on(&by, DoseDecision::SPEC.kind, &confirmed.id, &row, Meaning::Approval, &site.time_zone);
        tx.update(&chain.chain, "dose_decision.confirm", &confirmed, "confirmed by a second physician").await?;
        tx.insert(&chain.chain, "record.sign", &signature).await?;
        tx.commit().await?;
        Ok(confirmed)
    }

    /// The physicians' decisions above a participant's prescriptions, oldest first.
    pub async fn dose_decisions(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<DoseDecision>> {
        self.participant_for(actor, Action::ViewPrescriptions, participant_id).await?;
        Ok(self.store.dose_decisions_of(participant_id).await?)
    }
}
