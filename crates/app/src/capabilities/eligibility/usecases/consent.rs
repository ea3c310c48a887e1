//! Informed consent: the programme's consent document, and each participant's consent, part by
//! part, signed by them (and a witness where required) and withdrawable at any time.

use crate::App;
use crate::capabilities::eligibility::domain::consent_standing;
use crate::capabilities::eligibility::domain::{self, Consent, ConsentDocument, ConsentPart, PartState};
use crate::capabilities::people::domain::{Participant, Role, User, UserStatus};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::{Violation, required_text};
use catalyst_core::esign::Meaning;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::record::Record;
use serde_json::{Map, Value};


/// A participant's consent as it stands: the current document, their latest consent, and
/// whether it allows enrolment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentStatus {
    pub document: Option<ConsentDocument>,
    pub consent: Option<Consent>,
    /// Signed for the current document version with every required part granted and none withdrawn.
    pub current: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    /// Each part's state: granted, declined, withdrawn or not asked.
    pub parts: Vec<(ConsentPart, PartState)>,
}

impl App {
    /// Publishes a new version of the consent document; everyone is asked to consent again.
    pub async fn publish_consent_document(
        &self,
        actor: &Actor,
        title: &str,
        body: &str,
        required: &[ConsentPart],
        witness_required: bool,
    ) -> AppResult<ConsentDocument> {
        self.authorize(actor, Action::ManageConsentDocuments, Resource::System).await?;
        self.insert_consent_document(Self::audit_actor(actor), title, body, required, witness_required).await
    }

    pub(crate) async fn insert_consent_document(
        &self,
        by: AuditActor,
        title: &str,
        body: &str,
        required: &[ConsentPart],
        witness_required: bool,
    ) -> AppResult<ConsentDocument> {
        let mut violations = Vec::new();
        let title = required_text("title", title, 200).map_err(|v| violations.push(v)).ok();
        let body = required_text("body", body, 100_000).map_err(|v| violations.push(v)).ok();
        if !required.contains(&ConsentPart::Treatment) {
            violations.push(Violation::new("required_parts", "treatment", "consent to treatment must be required"));
        }
        let (Some(title), Some(body), true) = (title, body, violations.is_empty()) else {
            return Err(DomainError::Invalid(violations).into());
        };
        let version = self.store.current_consent_document().await?.map(|d| d.version + 1).unwrap_or(1);
        let doc = ConsentDocument {
            id: format!("consent-v{version}"),
            version,
            title,
            body,
            required_parts: required.to_vec(),
            witness_required,
            published_at: self.now(),
        };
        let system = Self::system_chain_ref();
        let mut tx = self.begin(by, std::slice::from_ref(&system)).await?;
        tx.insert(&system.chain, "consent_document.publish", &doc).await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// The participant consents to the current document, part by part, signing with their own
    /// password; a witness co-signs with their own username and password where required.
    pub async fn give_consent(
        &self,
        actor: &Actor,
        participant_id: &str,
        parts: &Map<String, Value>,
        password: &str,
        witness: Option<(&str, &str)>,
    ) -> AppResult<Consent> {
        let participant = self.participant_for(actor, Action::Consent, participant_id).await?;
        if !actor.own_participants.iter().any(|p| p == participant_id) {
            return Err(
                DomainError::Forbidden("only the participant can give their consent; staff witness it".into()).into()
            );
        }
        let document = self
            .store
            .current_consent_document()
            .await?
            .ok_or_else(|| DomainError::Conflict("no consent document has been published".into()))?;
        let witness_user = match witness {
            Some((username, witness_password)) => {
                Some(self.check_witness(&participant, username, witness_password).await?)
            }
            None => None,
        };
        let states = domain::decide_consent(parts, document.witness_required, witness_user.is_some())
            .map_err(DomainError::Invalid)?;
        self.confirm_password(actor, password).await?;
        let site = self.site(&participant.site_id).await?;
        let consent = Consent {
            id: self.new_id(),
            participant_id: participant.id.clone(),
            site_id: participant.site_id.clone(),
            document_id: document.id.clone(),
            document_version: document.version,
            parts: states,
            signed_at: self.now(),
            witness_id: witness_user.as_ref().map(|u| u.id.clone()),
        };
        self.insert_consent(Self::audit_actor(actor), &consent, witness_user.as_ref(), &site.time_zone).await?;
        Ok(consent)
    }

    pub(crate) async fn insert_consent(
        &self,
        by: AuditActor,
        consent: &Consent,
        witness: Option<&User>,
        zone: &catalyst_core::time::TimeZoneName,
    ) -> AppResult<()> {
        let row = consent.to_row().map_err(crate::platform::store::StoreError::from)?;
        let own = self.signature_on(&by, "consent", &consent.id, &row, Meaning::Consent, zone);
        let witnessed = witness.map(|w| {
            let signer = AuditActor { id: w.id.clone(), name: w.display_name.clone() };
            self.signature_on(&signer, "consent", &consent.id, &row, Meaning::Witness, zone)
        });
        let (_, chain) = self.chain_for_site(&consent.site_id).await?;
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "consent.give", consent).await?;
        tx.insert(&chain.chain, "record.sign", &own).await?;
        if let Some(w) = &witnessed {
            tx.insert(&chain.chain, "record.sign", w).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A witness is a clinician at the participant's site who proves who they are with their
    /// own password (21 CFR 11.200).
    async fn check_witness(&self, participant: &Participant, username: &str, password: &str) -> AppResult<User> {
        let refused = || {
            AppError::from(DomainError::invalid(
                "witness",
                "credentials",
                "the witness's username or password is wrong, or they are not a clinician at this site",
            ))
        };
        let user = self.user_by_username(&username.trim().to_ascii_lowercase())
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or_else(refused)?;
        let clinician = self.grants_of(&user.id).await?.iter().any(|g| {
            g.site_id.as_deref() == Some(participant.site_id.as_str())
                && matches!(g.role, Role::SiteLead | Role::Therapist | Role::Physician)
        });
        if !clinician {
            return Err(refused());
        }
        let by = AuditActor { id: user.id.clone(), name: user.display_name.clone() };
        if !self.password_checks_out(&user, password, "consent witness", by).await? {
            return Err(refused());
        }
        Ok(user)
    }

    /// Withdraws one part of consent (therapeutic touch, video recording …) at any time, with
    /// the reason; the participant or their clinician on their instruction.
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        participant_id: &str,
        part: ConsentPart,
        reason: &str,
    ) -> AppResult<Consent> {
        let participant = self.participant_for(actor, Action::Consent, participant_id).await?;
        let latest = self
            .store
            .consents_for(participant_id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| DomainError::Conflict("there is no consent to withdraw from".into()))?;
        if latest.part(part) != PartState::Granted {
            return Err(DomainError::Conflict(format!("{part} is not currently granted")).into());
        }
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let mut parts = latest.parts;
        parts.set(part, PartState::Withdrawn);
        let updated = Consent { parts, ..latest };
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update(&chain.chain, &format!("consent.withdraw:{part}"), &updated, &reason).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Consent reveals whether treatment goes on (a withdrawal, the touch and video parts,
    /// signing times), so it needs the right to see treatment: blinded raters may not.
    pub async fn consent_status(&self, actor: &Actor, participant_id: &str) -> AppResult<ConsentStatus> {
        self.participant_for(actor, Action::ViewTreatment, participant_id).await?;
        self.consent_state(participant_id).await
    }

    pub(in crate::capabilities::eligibility) async fn consent_state(&self, participant_id: &str) -> AppResult<ConsentStatus> {
        let document = self.store.current_consent_document().await?;
        let consent = self.store.consents_for(participant_id).await?.into_iter().next();
        let parts = ConsentPart::ALL
            .iter()
            .map(|p| (*p, consent.as_ref().map_or(PartState::NotAsked, |c| c.part(*p))))
            .collect::<Vec<_>>();
        let reason = consent_standing(document.as_ref(), consent.as_ref());
        Ok(ConsentStatus { current: reason.is_none(), reason, document, consent, parts })
    }

}
