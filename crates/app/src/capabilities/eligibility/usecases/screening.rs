//! Screening and the investigator's signed eligibility decision.

use crate::App;
use crate::capabilities::eligibility::domain::{self, EligibilityDecision, Screening, ScreeningStatus};
use crate::capabilities::people::domain::{Participant, Site};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::esign::Meaning;
use catalyst_core::policy::{Action, Actor};
use catalyst_core::record::Record;
use catalyst_screening::{Decision, RuleSets, ScreenError};
use serde_json::Value;
use std::sync::LazyLock;

static RULES: LazyLock<Result<RuleSets, String>> = LazyLock::new(|| RuleSets::builtin().map_err(|e| e.to_string()));

fn rules() -> AppResult<&'static RuleSets> {
    RULES.as_ref().map_err(|e| AppError::Internal(format!("built-in screening rules are invalid: {e}")))
}

fn screen_error(error: ScreenError) -> AppError {
    match error {
        ScreenError::Parse { path, message } => {
            DomainError::invalid(&format!("record.{path}"), "format", message).into()
        }
        ScreenError::Invalid(errors) => DomainError::Invalid(
            errors
                .0
                .iter()
                .map(|e| {
                    Violation::new(
                        format!("record.{}", e.path),
                        format!("{:?}", e.rule).to_lowercase(),
                        e.message.clone(),
                    )
                })
                .collect(),
        )
        .into(),
        other => AppError::Internal(other.to_string()),
    }
}

impl App {
    /// Evaluates a screening record for a participant, as of today at their site. The record's
    /// jurisdiction is the site's; a record naming another is refused.
    async fn evaluate_for(&self, participant: &Participant, record: &Value) -> AppResult<(Value, Decision, String)> {
        let site = self.site(&participant.site_id).await?;
        let mut record = record.clone();
        let Value::Object(map) = &mut record else {
            return Err(DomainError::invalid("record", "object", "the screening record must be a JSON object").into());
        };
        match map.get("jurisdiction").and_then(Value::as_str) {
            None => {
                map.insert("jurisdiction".into(), Value::from(site.jurisdiction.clone()));
            }
            Some(j) if j != site.jurisdiction => {
                return Err(DomainError::invalid(
                    "record.jurisdiction",
                    "site",
                    format!("the site is in {}; the record says {j}", site.jurisdiction),
                )
                .into());
            }
            Some(_) => {}
        }
        map.insert("participant_code".into(), Value::from(participant.code.clone()));
        let as_of = self.local_today(&site);
        let parsed = catalyst_screening::parse_record(&record.to_string()).map_err(screen_error)?;
        let decision = catalyst_screening::evaluate(&parsed, rules()?, as_of)
            .map_err(|e| screen_error(ScreenError::Invalid(e)))?;
        Ok((record, decision, as_of.to_string()))
    }

    /// The rules' decision for a record without storing it (the live screening form; the
    /// same evaluation as `catalyst screen`).
    pub async fn evaluate_screening(&self, actor: &Actor, participant_id: &str, record: &Value) -> AppResult<Decision> {
        let participant = self.participant_for(actor, Action::Screen, participant_id).await?;
        Ok(self.evaluate_for(&participant, record).await?.1)
    }

    /// Stores a screening with the rules' decision, awaiting an investigator's signature.
    pub async fn record_screening(
        &self,
        actor: &Actor,
        participant_id: &str,
        record: &Value,
    ) -> AppResult<(Screening, Decision)> {
        let participant = self.participant_for(actor, Action::Screen, participant_id).await?;
        let (record, decision, as_of) = self.evaluate_for(&participant, record).await?;
        let screening = Screening {
            id: self.new_id(),
            participant_id: participant.id.clone(),
            site_id: participant.site_id.clone(),
            record: record.to_string(),
            rules_decision: EligibilityDecision::of(decision.decision),
            eligible_from: decision.eligible_from.map(|d| d.to_string()),
            evaluation: serde_json::to_string(&decision).map_err(|e| AppError::Internal(e.to_string()))?,
            as_of,
            evaluated_at: self.now(),
            entered_by: actor.user_id.clone(),
            status: ScreeningStatus::Draft,
            final_decision: None,
            override_reason: None,
            decided_by: None,
            decided_at: None,
        };
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "screening.record", &screening).await?;
        tx.commit().await?;
        Ok((screening, decision))
    }

    /// The investigator confirms the rules' decision, or overrides it with a reason; either way
    /// with an e-signature (password re-entered) bound to the signed screening.
    pub async fn decide_screening(
        &self,
        actor: &Actor,
        screening_id: &str,
        override_to: Option<&str>,
        reason: &str,
        password: &str,
    ) -> AppResult<Screening> {
        let current: Screening = self.load_for(actor, Action::ConfirmEligibility, screening_id).await?;
        let decision = domain::decide_screening(&current, override_to, reason)?;
        self.confirm_password(actor, password).await?;
        let site = self.site(&current.site_id).await?;
        let before = current.clone();
        let decided = current.signed(decision, &actor.user_id, self.now());
        self.write_screening_decision(actor, &site, &before, &decided).await?;
        Ok(decided)
    }

    /// Signs and stores a decided screening; whether a later screening was signed meanwhile is
    /// read inside the same transaction.
    async fn write_screening_decision(
        &self,
        actor: &Actor,
        site: &Site,
        before: &Screening,
        decided: &Screening,
    ) -> AppResult<()> {
        let status = decided.status;
        let row = decided.to_row().map_err(crate::platform::store::StoreError::from)?;
        let meaning = if status == ScreeningStatus::Overridden { Meaning::Responsibility } else { Meaning::Approval };
        let signature =
            self.signature_on(&Self::audit_actor(actor), "screening", &decided.id, &row, meaning, &site.time_zone);
        let chain = Self::site_chain_ref(site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let why =
            decided.override_reason.clone().unwrap_or_else(|| "investigator confirmed the rules' decision".to_owned());
        // An older draft is stale once a later screening has been signed.
        let all = tx.screenings_for(&before.participant_id).await?;
        domain::check_not_superseded(before, &all, &site.time_zone)?;
        tx.update_from(&chain.chain, &format!("screening.{status}"), before, decided, &why).await?;
        tx.insert(&chain.chain, "record.sign", &signature).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn screenings(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<Screening>> {
        self.participant_for(actor, Action::Screen, participant_id).await?;
        Ok(self.store.screenings_for(participant_id).await?)
    }

}
