//! Signing records: a reusable mechanism that later capabilities (eligibility decisions,
//! consent, dose records, data lock) call with their own entity kinds.

use crate::App;
use crate::error::AppResult;
use crate::store::ChainRef;
use catalyst_core::DomainError;
use catalyst_core::esign::{ESignature, Meaning, record_digest};
use catalyst_core::people::Participant;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::record::{Record, Row};

/// A signature as shown: the manifestation and whether the record still holds what was signed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShownSignature {
    pub signature: ESignature,
    pub manifestation: String,
    /// Whether the record still holds what was signed; `None` for someone who may not see
    /// treatment (a change of a participant's stage would otherwise show through to a rater).
    pub record_unchanged: Option<bool>,
}

/// Entity kinds that can be signed, with how to find their row, site and chain.
struct Signable {
    row: Row,
    site_id: String,
    participant_id: Option<String>,
}

impl App {
    /// The record to sign, or `None` when there is no such record (answered by the caller as a
    /// record the actor may not see, so ids cannot be probed).
    async fn signable(&self, entity_kind: &str, entity_id: &str) -> AppResult<Option<Signable>> {
        match entity_kind {
            "participant" => {
                let Some(p) = self.store.get::<Participant>(entity_id).await? else { return Ok(None) };
                Ok(Some(Signable {
                    row: p.to_row().map_err(crate::store::StoreError::from)?,
                    site_id: p.site_id.clone(),
                    participant_id: Some(p.id),
                }))
            }
            "screening" | "consent" => {
                let found = match entity_kind {
                    "screening" => self
                        .store
                        .get::<catalyst_core::eligibility::Screening>(entity_id)
                        .await?
                        .map(|r| (r.to_row(), r.site_id, r.participant_id)),
                    _ => self
                        .store
                        .get::<catalyst_core::eligibility::Consent>(entity_id)
                        .await?
                        .map(|r| (r.to_row(), r.site_id, r.participant_id)),
                };
                let Some((row, site_id, participant_id)) = found else { return Ok(None) };
                Ok(Some(Signable {
                    row: row.map_err(crate::store::StoreError::from)?,
                    site_id,
                    participant_id: Some(participant_id),
                }))
            }
            other => Err(DomainError::invalid(
                "entity_kind",
                "one_of",
                format!("records of kind {other:?} cannot be signed here; allowed: participant, screening, consent"),
            )
            .into()),
        }
    }

    /// Signs a record after re-checking the signer's password (two components: the session's
    /// user id and the password). The signature and its ledger entry are one transaction.
    pub async fn sign_record(
        &self,
        actor: &Actor,
        entity_kind: &str,
        entity_id: &str,
        meaning: Meaning,
        password: &str,
    ) -> AppResult<ShownSignature> {
        let Some(target) = self.signable(entity_kind, entity_id).await? else {
            return Err(self.missing(actor, Action::SignRecord, entity_kind, entity_id).await);
        };
        let resource = match &target.participant_id {
            Some(participant_id) => Resource::Participant { site_id: &target.site_id, participant_id },
            None => Resource::Site { site_id: &target.site_id },
        };
        self.authorize(actor, Action::SignRecord, resource).await?;
        // Screenings and consents are signed through their own steps, by those entitled to them.
        match entity_kind {
            "screening" => self.authorize(actor, Action::ConfirmEligibility, resource).await?,
            "consent" => self.authorize(actor, Action::Consent, resource).await?,
            _ => {}
        }
        self.confirm_password(actor, password).await?;
        let (site, chain): (_, ChainRef) = self.chain_for_site(&target.site_id).await?;
        let signature = ESignature {
            id: self.new_id(),
            signer_id: actor.user_id.clone(),
            signer_name: actor.display_name.clone(),
            meaning,
            entity_kind: entity_kind.to_owned(),
            entity_id: entity_id.to_owned(),
            record_digest: record_digest(entity_kind, &target.row),
            signed_at: self.now(),
            time_zone: site.time_zone.clone(),
        };
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "record.sign", &signature).await?;
        tx.commit().await?;
        Ok(ShownSignature { manifestation: signature.manifestation(), record_unchanged: Some(true), signature })
    }

    /// A signature of `signer` on a record's current content, to be inserted by the caller in
    /// the same transaction as the record (the signer's credentials already checked).
    pub(crate) fn signature_on(
        &self,
        signer: &catalyst_core::ledger::AuditActor,
        entity_kind: &str,
        entity_id: &str,
        row: &Row,
        meaning: Meaning,
        zone: &catalyst_core::time::TimeZoneName,
    ) -> ESignature {
        ESignature {
            id: self.new_id(),
            signer_id: signer.id.clone(),
            signer_name: signer.name.clone(),
            meaning,
            entity_kind: entity_kind.to_owned(),
            entity_id: entity_id.to_owned(),
            record_digest: record_digest(entity_kind, row),
            signed_at: self.now(),
            time_zone: zone.clone(),
        }
    }

    /// Every signature on a record, each with its manifestation.
    pub async fn signatures_for(
        &self,
        actor: &Actor,
        entity_kind: &str,
        entity_id: &str,
    ) -> AppResult<Vec<ShownSignature>> {
        let action = if entity_kind == "participant" { Action::ViewParticipant } else { Action::ViewTreatment };
        let Some(target) = self.signable(entity_kind, entity_id).await? else {
            return Err(self.missing(actor, action, entity_kind, entity_id).await);
        };
        let resource = match &target.participant_id {
            Some(participant_id) => Resource::Participant { site_id: &target.site_id, participant_id },
            None => Resource::Site { site_id: &target.site_id },
        };
        // Signatures on a screening or a consent tell when the course moved on: only those
        // who may see treatment read them (a blinded rater sees those on participant records).
        self.authorize(actor, action, resource).await?;
        let may_see_changes = match &target.participant_id {
            Some(participant_id) => Self::may(
                actor,
                Action::ViewTreatment,
                Resource::Participant { site_id: &target.site_id, participant_id },
            ),
            None => true,
        };
        let signatures = self.store.signatures_for(entity_kind, entity_id).await?;
        Ok(signatures
            .into_iter()
            .map(|signature| ShownSignature {
                manifestation: signature.manifestation(),
                record_unchanged: may_see_changes.then(|| signature.still_matches(&target.row)),
                signature,
            })
            .collect())
    }
}
