//! Portal accounts: a participant's own login, linked to their record, so they can answer
//! questionnaires and sign their consent.

use crate::App;
use crate::capabilities::people::domain::{Participant, Role, RoleGrant, User, UserInput};
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor};

impl App {
    /// Creates a participant's portal account (so they can answer questionnaires and sign
    /// their consent), linked to their record.
    pub async fn create_portal_account(
        &self,
        actor: &Actor,
        participant_id: &str,
        username: &str,
        password: &str,
    ) -> AppResult<User> {
        let participant = self.participant_for(actor, Action::CreatePortalAccount, participant_id).await?;
        if participant.user_id.is_some() {
            return Err(DomainError::Conflict(format!("{} already has a portal account", participant.code)).into());
        }
        self.link_portal_account(Self::audit_actor(actor), &participant, username, password).await
    }

    pub(crate) async fn link_portal_account(
        &self,
        by: AuditActor,
        participant: &Participant,
        username: &str,
        password: &str,
    ) -> AppResult<User> {
        let input = UserInput {
            username: username.to_owned(),
            display_name: format!("Participant {}", participant.code),
            password: password.to_owned(),
        };
        let (user, hash) = self.new_user(&input)?;
        // Account, role and link in one transaction: no orphan account if anything fails.
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(by.clone(), &[Self::system_chain_ref(), chain.clone()]).await?;
        let current = tx
            .get::<Participant>(&participant.id)
            .await?
            .ok_or_else(|| DomainError::not_found("participant", &participant.id))?;
        if current.user_id.is_some() {
            return Err(DomainError::Conflict(format!("{} already has a portal account", current.code)).into());
        }
        self.write_user(&mut tx, &user, &hash).await?;
        let grant = RoleGrant {
            id: self.new_id(),
            user_id: user.id.clone(),
            role: Role::Participant,
            site_id: Some(participant.site_id.clone()),
            granted_at: self.now(),
            granted_by: by.id.clone(),
        };
        tx.insert(&chain.chain, "role.grant", &grant).await?;
        tx.update(
            &chain.chain,
            "participant.link_account",
            &Participant { user_id: Some(user.id.clone()), ..current },
            "portal account created for the participant",
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }
}
