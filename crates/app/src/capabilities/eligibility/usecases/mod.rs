//! Screening, eligibility decisions and informed consent. Enrolment requires a signed
//! eligibility decision that permits it and current consent; both are checked by the server.

mod consent;
mod screening;

pub use consent::ConsentStatus;

use crate::App;
use crate::capabilities::eligibility::domain::{EligibilityDecision, ScreeningStatus};
use crate::capabilities::people::domain::Participant;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::error::Violation;

impl App {
    /// Enrolment is allowed only with a signed decision that permits it and current consent.
    pub(crate) async fn check_enrolment_allowed(&self, participant: &Participant) -> AppResult<()> {
        let mut problems = Vec::new();
        match self.store.screenings_for(&participant.id).await?.into_iter().find(|s| s.status != ScreeningStatus::Draft)
        {
            None => problems.push(Violation::new(
                "screening",
                "confirmed",
                "no eligibility decision has been signed by an investigator",
            )),
            Some(s) if !s.permits_enrolment() => problems.push(Violation::new(
                "screening",
                "eligible",
                format!(
                    "the signed eligibility decision is {}",
                    s.final_decision.map(EligibilityDecision::as_str).unwrap_or_default()
                ),
            )),
            Some(_) => {}
        }
        let consent = self.consent_state(&participant.id).await?;
        if let Some(reason) = consent.reason {
            problems.push(Violation::new("consent", "current", format!("consent is not current: {reason}")));
        }
        if problems.is_empty() { Ok(()) } else { Err(DomainError::Invalid(problems).into()) }
    }
}
