//! Sites: created and edited by administrators, visible to the people who work there.

use crate::App;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use crate::capabilities::people::domain::{Site, SiteInput, SiteStatus};
use catalyst_core::policy::{Action, Actor, Resource, authorize};

impl App {
    pub async fn create_site(&self, actor: &Actor, input: &SiteInput) -> AppResult<Site> {
        self.authorize(actor, Action::ManageSites, Resource::System).await?;
        self.insert_site(Self::audit_actor(actor), input).await
    }

    pub(crate) async fn insert_site(&self, by: AuditActor, input: &SiteInput) -> AppResult<Site> {
        let valid = input.validate()?;
        let site = Site {
            id: self.new_id(),
            code: valid.code,
            name: valid.name,
            time_zone: valid.time_zone,
            jurisdiction: valid.jurisdiction,
            status: SiteStatus::Active,
            created_at: self.now(),
        };
        let system = Self::system_chain_ref();
        let mut tx = self.begin(by, std::slice::from_ref(&system)).await?;
        tx.insert(&system.chain, "site.create", &site).await?;
        tx.commit().await?;
        Ok(site)
    }

    pub async fn update_site(
        &self,
        actor: &Actor,
        site_id: &str,
        input: &SiteInput,
        status: SiteStatus,
        reason: &str,
    ) -> AppResult<Site> {
        self.authorize(actor, Action::ManageSites, Resource::System).await?;
        let valid = input.validate()?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let system = Self::system_chain_ref();
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&system)).await?;
        let current = tx.get::<Site>(site_id).await?.ok_or_else(|| DomainError::not_found("site", site_id))?;
        let site = Site {
            code: valid.code,
            name: valid.name,
            time_zone: valid.time_zone,
            jurisdiction: valid.jurisdiction,
            status,
            ..current
        };
        tx.update(&system.chain, "site.update", &site, &reason).await?;
        tx.commit().await?;
        Ok(site)
    }

    /// The sites the actor may see.
    pub async fn visible_sites(&self, actor: &Actor) -> AppResult<Vec<Site>> {
        let sites = self.store.list_sites().await?;
        Ok(sites
            .into_iter()
            .filter(|s| authorize(actor, Action::ViewSite, Resource::Site { site_id: &s.id }).is_ok())
            .collect())
    }

    pub async fn view_site(&self, actor: &Actor, site_id: &str) -> AppResult<Site> {
        // Authorised first: a site id that does not exist is answered like one the actor may
        // not see.
        self.authorize(actor, Action::ViewSite, Resource::Site { site_id }).await?;
        self.site(site_id).await
    }
}

impl App {
    /// A site for labelling a record the caller has already been authorised to see.
    pub async fn site_for_display(&self, site_id: &str) -> AppResult<Site> {
        self.site(site_id).await
    }
}

impl App {
    /// Every site's code by id, for labelling (codes are not confidential).
    pub async fn site_codes(&self) -> AppResult<std::collections::HashMap<String, String>> {
        Ok(self.store.list_sites().await?.into_iter().map(|s| (s.id, s.code)).collect())
    }
}
