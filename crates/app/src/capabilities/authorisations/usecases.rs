//! Recording, revoking and listing a site's authorisations, and the warnings before they lapse.

use crate::App;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::capabilities::authorisations::domain::{
    Authorisation, AuthorisationInput, AuthorisationStatus, DosingRequest, Recording, authorisation_from,
    expiring, gate_problems,
};
use crate::capabilities::people::domain::{Role, Site};
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};

/// An authorisation about to lapse, for the site lead's worklist.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExpiryWarning {
    pub site: Site,
    pub authorisation: Authorisation,
    pub days_left: i64,
}

impl App {
    /// Records an authorisation at a site (its lead). A prescriber approval must name someone
    /// who prescribes at the site; a per-patient one, a participant of the site.
    pub async fn record_authorisation(
        &self,
        actor: &Actor,
        site_id: &str,
        input: &AuthorisationInput,
    ) -> AppResult<Authorisation> {
        self.authorize(actor, Action::ManageAuthorisations, Resource::Site { site_id }).await?;
        let record = authorisation_from(
            input,
            Recording { id: self.new_id(), site_id, now: self.now(), recorded_by: &actor.user_id },
        )
        .map_err(DomainError::Invalid)?;
        self.check_named_people(&record).await?;
        self.insert_authorisation(Self::audit_actor(actor), &record).await?;
        Ok(record)
    }

    pub(crate) async fn insert_authorisation(&self, by: AuditActor, record: &Authorisation) -> AppResult<()> {
        let (_, chain) = self.chain_for_site(&record.site_id).await?;
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "authorisation.record", record).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs an authorisation as confirmed by `signer` (the demo's site leads; people confirm
    /// through the signing endpoint with their password).
    pub(crate) async fn confirm_authorisation_as(&self, signer: AuditActor, site: &Site, record: &Authorisation) -> AppResult<()> {
        let row = catalyst_core::record::Record::to_row(record).map_err(crate::platform::store::StoreError::from)?;
        let signature = self.signature_on(&signer, "authorisation", &record.id, &row, catalyst_core::esign::Meaning::Approval, &site.time_zone);
        let chain = Self::site_chain_ref(site);
        let mut tx = self.begin(signer, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "record.sign", &signature).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The people an authorisation names must belong to its site.
    async fn check_named_people(&self, record: &Authorisation) -> AppResult<()> {
        let mut problems = Vec::new();
        if let Some(holder) = &record.holder_id {
            let prescribes_here = self.grants_of(holder).await?.iter().any(|g| {
                g.site_id.as_deref() == Some(record.site_id.as_str()) && matches!(g.role, Role::Physician | Role::SiteLead)
            });
            if !prescribes_here {
                problems.push(Violation::new(
                    "holder_id",
                    "prescriber",
                    "the holder must be a physician or the site lead at this site",
                ));
            }
        }
        if let Some(participant_id) = &record.participant_id
            && self.participant_by_id(participant_id).await?.is_none_or(|p| p.site_id != record.site_id)
        {
            problems.push(Violation::new("participant_id", "at_site", "no such participant at this site"));
        }
        if problems.is_empty() { Ok(()) } else { Err(DomainError::Invalid(problems).into()) }
    }

    /// Revokes an authorisation, with the reason; it stops covering anything at once.
    pub async fn revoke_authorisation(&self, actor: &Actor, id: &str, reason: &str) -> AppResult<Authorisation> {
        // Looked up first so that an unknown id and one at a site the actor may not manage get
        // the same answer.
        let found = self.store.get::<Authorisation>(id).await?;
        let site_id = found.as_ref().map_or("", |a| a.site_id.as_str());
        self.authorize(actor, Action::ManageAuthorisations, Resource::Site { site_id }).await?;
        let current = found.ok_or_else(|| DomainError::not_found("authorisation", id))?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let (_, chain) = self.chain_for_site(&current.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let current = tx.get::<Authorisation>(id).await?.ok_or_else(|| DomainError::not_found("authorisation", id))?;
        if current.status == AuthorisationStatus::Revoked {
            return Err(DomainError::Conflict(format!("{} is already revoked", current.reference)).into());
        }
        let revoked = Authorisation { status: AuthorisationStatus::Revoked, ..current };
        tx.update(&chain.chain, "authorisation.revoke", &revoked, &reason).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// The sites whose authorisations the actor manages (their worklist's sites).
    pub(crate) async fn managed_sites(&self, actor: &Actor) -> AppResult<Vec<Site>> {
        let sites = self.visible_sites(actor).await?;
        Ok(sites
            .into_iter()
            .filter(|site| Self::may(actor, Action::ManageAuthorisations, Resource::Site { site_id: &site.id }))
            .collect())
    }

    /// A site's authorisations, newest first.
    pub async fn site_authorisations(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<Authorisation>> {
        self.authorize(actor, Action::ViewAuthorisations, Resource::Site { site_id }).await?;
        Ok(self.store.authorisations_at_site(site_id).await?)
    }

    /// Authorisations in force that lapse within 60 days: every one at the sites the actor
    /// manages, and their own prescriber approvals elsewhere (a physician renews their own).
    pub async fn expiry_warnings(&self, actor: &Actor) -> AppResult<Vec<ExpiryWarning>> {
        let mut out = Vec::new();
        for site in self.visible_sites(actor).await? {
            let manages = Self::may(actor, Action::ManageAuthorisations, Resource::Site { site_id: &site.id });
            if !manages && !Self::may(actor, Action::Prescribe, Resource::Site { site_id: &site.id }) {
                continue;
            }
            let today = self.local_today(&site);
            let all = self.store.authorisations_at_site(&site.id).await?;
            for (authorisation, days_left) in expiring(&all, today) {
                if manages || authorisation.holder_id.as_deref() == Some(actor.user_id.as_str()) {
                    out.push(ExpiryWarning { site: site.clone(), authorisation: authorisation.clone(), days_left });
                }
            }
        }
        out.sort_by_key(|w| w.days_left);
        Ok(out)
    }

    /// The site an authorisation belongs to (after the caller's own use case checked access).
    pub(crate) async fn site_authorisation_site(&self, id: &str) -> AppResult<String> {
        Ok(self.store.get::<Authorisation>(id).await?.map(|a| a.site_id).ok_or_else(|| DomainError::not_found("authorisation", id))?)
    }

    /// Dosing sessions booked from today that the site could not hold on their day any more
    /// (an approval revoked or lapsing before the session, a readiness item with a finding or
    /// lapsing), at the sites the actor manages: each with its participant's code and what is
    /// missing.
    pub async fn uncovered_dosing_sessions(&self, actor: &Actor) -> AppResult<Vec<UncoveredSession>> {
        let rules = self.authorisation_requirements()?;
        let lists = self.readiness_checklists()?;
        let mut out = Vec::new();
        for site in self.managed_sites(actor).await? {
            let required = rules.for_jurisdiction(&site.jurisdiction);
            let binding = lists.for_jurisdiction(&site.jurisdiction);
            if required.is_empty() && binding.is_empty() {
                continue;
            }
            let today = self.local_today(&site);
            let until = today.checked_add(jiff::Span::new().days(400)).map_err(|e| crate::platform::error::AppError::Internal(e.to_string()))?;
            let booked = self.dosing_sessions(&site, AppointmentStatus::Booked, today, until).await?;
            if booked.is_empty() {
                continue;
            }
            let authorisations = self.store.authorisations_at_site(&site.id).await?;
            let signoffs = self.store.readiness_signoffs(&site.id).await?;
            let codes = self.participant_codes_at(&site.id).await?;
            for session in booked {
                // A prescribed session is checked against its own prescriber's approval, product
                // and indication; one not yet prescribed against any prescriber at the site.
                let prescribed = self.session_prescription(&session.participant_id, &session.visit_id).await?;
                let mut request = DosingRequest::unprescribed(&site.id, &site.code, &session.participant_id, session.day);
                if let Some(rx) = &prescribed {
                    request.prescriber_id = Some(&rx.prescriber_id);
                    request.product = Some(&rx.product);
                    request.indication = Some(&rx.indication);
                    request.quantity_mg = Some(rx.prescribed_mg);
                }
                let missing = gate_problems(&required, &authorisations, &binding, &signoffs, request);
                if !missing.is_empty() {
                    let code = codes.get(&session.participant_id).cloned().unwrap_or_default();
                    out.push(UncoveredSession { site: site.clone(), participant_code: code, day: session.day, missing });
                }
            }
        }
        out.sort_by_key(|u| u.day);
        Ok(out)
    }
}

/// A booked dosing session its site's authorisations no longer cover.
#[derive(Debug, Clone)]
pub struct UncoveredSession {
    pub site: Site,
    pub participant_code: String,
    pub day: jiff::civil::Date,
    pub missing: Vec<Violation>,
}
