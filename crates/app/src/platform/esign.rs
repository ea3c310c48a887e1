//! Signing records: a reusable mechanism that later capabilities (eligibility decisions,
//! consent, dose records, data lock) call with their own entity kinds.

use crate::App;
use crate::AppError;
use crate::platform::capability::{SignableKind, signable, signable_kinds};
use crate::platform::error::AppResult;
use crate::platform::store::ChainRef;
use catalyst_core::DomainError;
use catalyst_core::esign::{ESignature, Meaning, record_digest};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::record::Row;

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
    /// record the actor may not see, so ids cannot be probed). Which kinds can be signed, and
    /// where each names its site and participant, each capability declares.
    async fn signable(
        &self,
        entity_kind: &str,
        entity_id: &str,
    ) -> AppResult<Option<(&'static SignableKind, Signable)>> {
        let Some(kind) = signable(entity_kind) else {
            return Err(DomainError::invalid(
                "entity_kind",
                "one_of",
                format!(
                    "records of kind {entity_kind:?} cannot be signed here; allowed: {}",
                    signable_kinds().join(", ")
                ),
            )
            .into());
        };
        let Some(row) = self.store.get_row(kind.spec, entity_id).await? else { return Ok(None) };
        let text = |column: &str| row.get(column).and_then(serde_json::Value::as_str).map(str::to_owned);
        let Some(site_id) = text("site_id") else {
            return Err(AppError::Internal(format!("{entity_kind} {entity_id} names no site")));
        };
        // A record about one participant is signed and read as theirs; a site's record (an
        // authorisation that names no patient) as the site's.
        let participant_id = text(kind.participant_column);
        Ok(Some((kind, Signable { row, site_id, participant_id })))
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
        let Some((kind, target)) = self.signable(entity_kind, entity_id).await? else {
            return Err(self.missing(actor, Action::SignRecord, entity_kind, entity_id).await);
        };
        let resource = match &target.participant_id {
            Some(participant_id) => Resource::Participant { site_id: &target.site_id, participant_id },
            None => Resource::Site { site_id: &target.site_id },
        };
        self.authorize(actor, Action::SignRecord, resource).await?;
        if !kind.meanings.contains(&meaning) {
            let allowed: Vec<&str> = kind.meanings.iter().map(|m| m.as_str()).collect();
            return Err(DomainError::invalid(
                "meaning",
                "one_of",
                format!("a {entity_kind} is signed here only as {}; got {meaning}", allowed.join(" or ")),
            )
            .into());
        }
        // Some records (screenings, consents) are signed only by those entitled to their own step.
        if let Some(also) = kind.sign_also_requires {
            self.authorize(actor, also, resource).await?;
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
        let action = signable(entity_kind).map_or(Action::ViewTreatment, |kind| kind.view_requires);
        let Some((_, target)) = self.signable(entity_kind, entity_id).await? else {
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
