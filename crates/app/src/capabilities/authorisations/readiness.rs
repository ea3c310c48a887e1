//! Site readiness: the programme's checklists for a site, signing items off (or recording a
//! finding) with the signer's password, and what the site lead must renew.

use crate::App;
use crate::capabilities::authorisations::domain::readiness::{
    Checking, ChecklistItem, ItemState, ReadinessSignoff, SignoffInput, item_states, renewals_due, signoff_from,
};
use crate::capabilities::authorisations::interface::checklists;
use crate::capabilities::people::domain::Site;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::esign::Meaning;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::record::Record;

/// Readiness items are flagged this many days before their sign-off lapses.
pub const RENEW_WARN_DAYS: i64 = 30;

/// One item of a site's checklists as it stands today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadinessItem {
    pub checklist_id: String,
    pub pathway: String,
    pub item: ChecklistItem,
    pub state: ItemState,
    pub latest: Option<ReadinessSignoff>,
}

/// A site's readiness today: every item, and every sign-off ever recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteReadiness {
    pub site_id: String,
    pub day: jiff::civil::Date,
    pub checklist_version: u32,
    pub ready: bool,
    pub items: Vec<ReadinessItem>,
    pub history: Vec<ReadinessSignoff>,
}

/// What a site lead must do about readiness at one of their sites.
#[derive(Debug, Clone)]
pub struct ReadinessTask {
    pub site: Site,
    pub label: String,
    /// `None`: not met now (never signed off, a finding, lapsed); otherwise the day it lapses.
    pub lapses_on: Option<jiff::civil::Date>,
    pub state: ItemState,
}

impl App {
    pub async fn site_readiness(&self, actor: &Actor, site_id: &str) -> AppResult<SiteReadiness> {
        self.authorize(actor, Action::ViewAuthorisations, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let lists = checklists()?;
        let binding = lists.for_jurisdiction(&site.jurisdiction);
        let history = self.store.readiness_signoffs(site_id).await?;
        let day = self.local_today(&site);
        let items: Vec<ReadinessItem> = item_states(&binding, &history, day)
            .into_iter()
            .map(|(list, item, latest, state)| ReadinessItem {
                checklist_id: list.id.clone(),
                pathway: list.pathway.clone(),
                item: item.clone(),
                state,
                latest: latest.cloned(),
            })
            .collect();
        let ready = items.iter().all(|i| matches!(i.state, ItemState::Met { .. }));
        Ok(SiteReadiness { site_id: site.id, day, checklist_version: lists.version, ready, items, history })
    }

    /// Signs an item off as met, or records a finding against it, as the signed-in site lead
    /// (meaning: responsibility). A finding makes the site not ready at once.
    pub async fn sign_off_readiness(
        &self,
        actor: &Actor,
        site_id: &str,
        input: &SignoffInput,
        password: &str,
    ) -> AppResult<ReadinessSignoff> {
        self.authorize(actor, Action::ManageReadiness, Resource::Site { site_id }).await?;
        self.confirm_password(actor, password).await?;
        let site = self.site(site_id).await?;
        self.write_signoff(Self::audit_actor(actor), &site, input).await
    }

    pub(crate) async fn write_signoff(&self, by: AuditActor, site: &Site, input: &SignoffInput) -> AppResult<ReadinessSignoff> {
        let lists = checklists()?;
        let binding = lists.for_jurisdiction(&site.jurisdiction);
        let signoff = signoff_from(
            lists,
            &binding,
            input,
            Checking { id: self.new_id(), site_id: &site.id, today: self.local_today(site), now: self.now(), recorded_by: &by.id },
        )
        .map_err(DomainError::Invalid)?;
        let row = signoff.to_row().map_err(crate::platform::store::StoreError::from)?;
        let signature =
            self.signature_on(&by, ReadinessSignoff::SPEC.kind, &signoff.id, &row, Meaning::Responsibility, &site.time_zone);
        let chain = Self::site_chain_ref(site);
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "readiness.sign_off", &signoff).await?;
        tx.insert(&chain.chain, "record.sign", &signature).await?;
        tx.commit().await?;
        Ok(signoff)
    }

    /// Items not met, or lapsing within [`RENEW_WARN_DAYS`], at the sites the actor manages:
    /// not met first, then soonest lapsing.
    pub async fn readiness_tasks(&self, actor: &Actor) -> AppResult<Vec<ReadinessTask>> {
        let lists = checklists()?;
        let mut tasks = Vec::new();
        for site in self.managed_sites(actor).await? {
            if !Self::may(actor, Action::ManageReadiness, Resource::Site { site_id: &site.id }) {
                continue;
            }
            let binding = lists.for_jurisdiction(&site.jurisdiction);
            let signoffs = self.store.readiness_signoffs(&site.id).await?;
            let today = self.local_today(&site);
            for (_, item, _, state) in item_states(&binding, &signoffs, today) {
                if !matches!(state, ItemState::Met { .. }) {
                    tasks.push(ReadinessTask { site: site.clone(), label: item.label.clone(), lapses_on: None, state });
                }
            }
            for (item, end) in renewals_due(&binding, &signoffs, today, RENEW_WARN_DAYS) {
                let state = ItemState::Met { valid_until: Some(end.to_string()) };
                tasks.push(ReadinessTask { site: site.clone(), label: item.label.clone(), lapses_on: Some(end), state });
            }
        }
        tasks.sort_by_key(|t| t.lapses_on);
        Ok(tasks)
    }
}
