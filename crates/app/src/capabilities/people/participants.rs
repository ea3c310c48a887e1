//! Participants: pseudonymous records at a site.

use crate::App;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use crate::capabilities::people::domain::{Participant, Stage, check_registration_stage, check_stage_change, participant_code};
use catalyst_core::policy::{Action, Actor, Resource};

/// Largest page a list request may ask for.
pub const MAX_PAGE: i64 = 500;

impl App {
    pub async fn create_participant(&self, actor: &Actor, site_id: &str, stage: Stage) -> AppResult<Participant> {
        self.authorize(actor, Action::CreateParticipant, Resource::Site { site_id }).await?;
        check_registration_stage(stage)?;
        let (site, chain) = self.chain_for_site(site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let serial = tx.next_participant_serial(site_id).await?;
        let participant = Participant {
            id: self.new_id(),
            site_id: site.id.clone(),
            serial,
            code: participant_code(&site.code, serial),
            stage,
            user_id: None,
            created_at: self.now(),
        };
        tx.insert(&chain.chain, "participant.create", &participant).await?;
        tx.commit().await?;
        Ok(participant)
    }

    pub async fn view_participant(&self, actor: &Actor, participant_id: &str) -> AppResult<Participant> {
        self.participant_for(actor, Action::ViewParticipant, participant_id).await
    }

    /// Loads a participant, or answers 404.
    pub(crate) async fn participant(&self, participant_id: &str) -> AppResult<Participant> {
        self.participant_by_id(participant_id).await?.ok_or_else(|| DomainError::not_found("participant", participant_id).into())
    }

    /// What a request for a record that does not exist is answered with: exactly what a record
    /// the actor may not see is answered with (the same denial, recorded the same way), so that
    /// ids cannot be probed; "not found" only for those whose grants reach every site.
    pub(crate) async fn missing(&self, actor: &Actor, action: Action, kind: &str, id: &str) -> AppError {
        match self.authorize(actor, action, Resource::Participant { site_id: "", participant_id: id }).await {
            Err(denied) => denied,
            Ok(()) => DomainError::not_found(kind, id).into(),
        }
    }

    /// Loads a participant for `action`, answering a missing one like a forbidden one.
    pub(crate) async fn participant_or_missing(
        &self,
        actor: &Actor,
        action: Action,
        participant_id: &str,
    ) -> AppResult<Participant> {
        match self.store.get::<Participant>(participant_id).await? {
            Some(p) => Ok(p),
            None => Err(self.missing(actor, action, "participant", participant_id).await),
        }
    }

    /// Loads a record of a participant and checks that the actor may `action` on it.
    pub(crate) async fn load_for<R: catalyst_core::record::ParticipantRecord>(
        &self,
        actor: &Actor,
        action: Action,
        id: &str,
    ) -> AppResult<R> {
        let Some(record) = self.store.get::<R>(id).await? else {
            return Err(self.missing(actor, action, R::SPEC.kind, id).await);
        };
        self.authorize(
            actor,
            action,
            Resource::Participant { site_id: record.site_id(), participant_id: record.participant_id() },
        )
        .await?;
        Ok(record)
    }

    /// Loads a participant and checks that the actor may act on it.
    pub(crate) async fn participant_for(
        &self,
        actor: &Actor,
        action: Action,
        participant_id: &str,
    ) -> AppResult<Participant> {
        let participant = self.participant_or_missing(actor, action, participant_id).await?;
        self.authorize(actor, action, Resource::Participant { site_id: &participant.site_id, participant_id }).await?;
        Ok(participant)
    }

    pub async fn set_participant_stage(
        &self,
        actor: &Actor,
        participant_id: &str,
        stage: Stage,
        reason: &str,
    ) -> AppResult<Participant> {
        let current = self.participant_for(actor, Action::UpdateParticipant, participant_id).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let (_, chain) = self.chain_for_site(&current.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let current = tx
            .get::<Participant>(participant_id)
            .await?
            .ok_or_else(|| DomainError::not_found("participant", participant_id))?;
        let enrolled = crate::capabilities::treatment::interface::is_enrolled_in(&mut tx, participant_id).await?;
        check_stage_change(current.stage, stage, enrolled)?;
        let updated = Participant { stage, ..current };
        tx.update(&chain.chain, "participant.stage", &updated, &reason).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// A page of a site's participants, in code order.
    pub async fn list_participants(
        &self,
        actor: &Actor,
        site_id: &str,
        after_serial: i64,
        limit: i64,
    ) -> AppResult<Vec<Participant>> {
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(
                DomainError::invalid("limit", "range", format!("limit must be between 1 and {MAX_PAGE}")).into()
            );
        }
        self.site(site_id).await?;
        self.authorize(actor, Action::ViewParticipants, Resource::Site { site_id }).await?;
        Ok(self.store.list_participants(site_id, after_serial, limit).await?)
    }

    pub async fn stage_counts(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<(String, i64)>> {
        self.authorize(actor, Action::ViewTreatment, Resource::Site { site_id }).await?;
        Ok(self.store.stage_counts(site_id).await?)
    }
}
