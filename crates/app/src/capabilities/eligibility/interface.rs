//! What other capabilities may ask the eligibility capability: the gates it answers for
//! treatment (may this participant be enrolled; may they be treated on this day), so every
//! capability that books, dispenses or doses gets the same answer with the same reasons, and
//! the screening records as they stand.

use crate::App;
use crate::capabilities::eligibility::domain::{EligibilityDecision, Screening, ScreeningStatus, check_after_washout};
use crate::capabilities::people::domain::Participant;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::error::Violation;

impl App {
    /// The participant's screening records, newest first.
    pub async fn screenings_of(&self, participant_id: &str) -> AppResult<Vec<Screening>> {
        Ok(self.store.screenings_for(participant_id).await?)
    }

    /// May the participant be enrolled? Only with a signed eligibility decision that permits it
    /// and current consent; each missing condition is a violation of its own.
    pub(crate) async fn enrolment_gate(&self, participant: &Participant) -> AppResult<()> {
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


    /// The day the washout of the participant's signed eligibility decision ends, if it has one.
    pub(crate) async fn washout_ends_on(&self, participant_id: &str) -> AppResult<Option<String>> {
        let signed =
            self.store.screenings_for(participant_id).await?.into_iter().find(|s| s.status != ScreeningStatus::Draft);
        Ok(signed.and_then(|s| s.washout_ends_on().map(str::to_owned)))
    }

    /// May the participant be treated on `day` (`YYYY-MM-DD`, the input named `field`)? Not
    /// before the medication washout of their signed eligibility decision ends. Booking asks
    /// this for every visit, enrolment for the baseline: not even an out-of-window reason
    /// books a visit before the washout ends.
    pub(crate) async fn washout_gate(&self, participant_id: &str, field: &str, day: &str) -> AppResult<Option<Violation>> {
        let washout = self.washout_ends_on(participant_id).await?;
        Ok(check_after_washout(field, day, washout.as_deref()).err())
    }
}
