//! Therapists' credentials: setting them, and their status at a site.

use crate::App;
use crate::capabilities::people::domain::{Role, Site};
use crate::capabilities::treatment::domain::StaffCredential;
use crate::capabilities::treatment::domain::credentials::{CredentialInput, credential_of, credential_record};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_protocol::{Credential, CredentialRules, CredentialStatus, credential_status, expiring_within};
use jiff::civil::Date;

#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffCredentialView {
    pub user_id: String,
    pub name: String,
    pub record: Option<StaffCredential>,
    pub current: bool,
    pub status: CredentialStatus,
    /// Set when the certification ends within 30 days.
    pub expiring_on: Option<Date>,
}

impl App {
    /// Sets a therapist's credential (site leads for their site's staff; administrators).
    pub async fn set_credential(
        &self,
        actor: &Actor,
        site_id: &str,
        user_id: &str,
        input: &CredentialInput,
    ) -> AppResult<StaffCredential> {
        self.authorize(actor, Action::ManageCredentials, Resource::Site { site_id }).await?;
        // A credential is the therapist's everywhere, so whoever sets it must be allowed to at
        // every site where they work as a therapist, and this must be one of them.
        let therapist_sites: Vec<String> = self
            .grants_of(user_id)
            .await?
            .into_iter()
            .filter(|g| g.role == Role::Therapist)
            .filter_map(|g| g.site_id)
            .collect();
        if !therapist_sites.iter().any(|s| s == site_id) {
            return Err(
                DomainError::invalid("user_id", "therapist", "this person is not a therapist at the site").into()
            );
        }
        for other in therapist_sites.iter().filter(|s| *s != site_id) {
            self.authorize(actor, Action::ManageCredentials, Resource::Site { site_id: other }).await?;
        }
        let record = credential_record(user_id, input, self.now()).map_err(DomainError::Invalid)?;
        self.write_credential(Self::audit_actor(actor), &record, input.reason.as_deref().unwrap_or_default()).await?;
        Ok(record)
    }

    /// Credentials live in the system chain: a therapist may work at several sites.
    pub(crate) async fn write_credential(
        &self,
        by: AuditActor,
        record: &StaffCredential,
        reason: &str,
    ) -> AppResult<()> {
        let system = Self::system_chain_ref();
        let mut tx = self.begin(by, std::slice::from_ref(&system)).await?;
        if tx.get::<StaffCredential>(&record.id).await?.is_some() {
            let reason = crate::platform::error::reason_from("reason", reason)?;
            tx.update(&system.chain, "credential.update", record, &reason).await?;
        } else {
            tx.insert(&system.chain, "credential.create", record).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Therapists at a site with their credential and its status today.
    pub async fn site_credentials(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<StaffCredentialView>> {
        self.authorize(actor, Action::ViewCredentials, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let today = self.local_today(&site);
        let mut out = Vec::new();
        let users = self.users_at_site(site_id).await?;
        for grant in self.grants_at_site(site_id).await?.into_iter().filter(|g| g.role == Role::Therapist) {
            let Some(user) = users.iter().find(|u| u.id == grant.user_id) else { continue };
            let record = self.store.get::<StaffCredential>(&user.id).await?;
            let (status, expiring) = match &record {
                Some(r) => {
                    let c = credential_of(r).map_err(|v| AppError::Internal(v.message))?;
                    (credential_status(&c, today, &CredentialRules::default()), expiring_within(&c, today, 30))
                }
                None => (credential_status(&Credential::default(), today, &CredentialRules::default()), None),
            };
            out.push(StaffCredentialView {
                user_id: user.id.clone(),
                name: user.display_name.clone(),
                record,
                current: status.is_current(),
                status,
                expiring_on: expiring,
            });
        }
        Ok(out)
    }

    /// Therapists at the actor's sites whose credential is not current or ends within 30 days.
    pub async fn credential_warnings(&self, actor: &Actor) -> AppResult<Vec<(Site, StaffCredentialView)>> {
        let mut out = Vec::new();
        for site in self.all_sites().await? {
            if !Self::may(actor, Action::ViewCredentials, Resource::Site { site_id: &site.id }) {
                continue;
            }
            for view in self.site_credentials(actor, &site.id).await? {
                if !view.current || view.expiring_on.is_some() {
                    out.push((site.clone(), view));
                }
            }
        }
        Ok(out)
    }
}
