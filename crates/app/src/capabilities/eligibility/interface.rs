//! What other capabilities may ask the eligibility capability: the gates it answers for
//! treatment (may this participant be enrolled; may they be treated on this day), so every
//! capability that books, dispenses or doses gets the same answer with the same reasons, and
//! the screening records as they stand.

use crate::App;
use crate::capabilities::eligibility::domain::{
    Screening, check_after_washout, consent_standing, enrolment_problems, signed_decision,
};
use crate::platform::store::WriteTx;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;

impl App {
    /// The participant's screening records, newest first.
    pub async fn screenings_of(&self, participant_id: &str) -> AppResult<Vec<Screening>> {
        Ok(self.store.screenings_for(participant_id).await?)
    }

    /// The day the washout of the participant's signed eligibility decision ends, if it has one.
    pub(crate) async fn washout_ends_on(&self, participant_id: &str) -> AppResult<Option<String>> {
        let screenings = self.store.screenings_for(participant_id).await?;
        Ok(signed_decision(&screenings).and_then(Screening::washout_ends_on).map(str::to_owned))
    }
}

/// May the participant be enrolled with treatment starting on `baseline_on`? Only with a signed
/// eligibility decision that permits it, current consent, and a baseline not before the
/// medication washout ends. Asked inside the enrolling transaction, which holds the
/// participant's site chain as consent and its withdrawal do, so a withdrawal committed
/// meanwhile is seen.
pub(crate) async fn enrolment_gate_in(tx: &mut WriteTx, participant_id: &str, baseline_on: &str) -> AppResult<()> {
    let screenings = tx.screenings_for(participant_id).await?;
    let signed = signed_decision(&screenings);
    let document = tx.current_consent_document().await?;
    let consent = tx.consents_for(participant_id).await?.into_iter().next();
    let problems = enrolment_problems(signed, consent_standing(document.as_ref(), consent.as_ref()));
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems).into());
    }
    let washout = signed.and_then(Screening::washout_ends_on);
    check_after_washout("baseline_on", baseline_on, washout).map_err(|v| DomainError::Invalid(vec![v]).into())
}

/// May the participant be treated (prescribed, booked for or given a dose) on `day`? Only with
/// a signed eligibility decision that permits it, current consent (no required part
/// withdrawn), and `day` not before the medication washout ends. Each problem is a violation of
/// its own. Asked inside the caller's write transaction, which holds the participant's site
/// chain as consent and its withdrawal do, so a withdrawal committed meanwhile is seen.
pub(crate) async fn treatment_gate_in(
    tx: &mut WriteTx,
    participant_id: &str,
    day: jiff::civil::Date,
) -> AppResult<Vec<catalyst_core::error::Violation>> {
    let screenings = tx.screenings_for(participant_id).await?;
    let signed = signed_decision(&screenings);
    let document = tx.current_consent_document().await?;
    let consent = tx.consents_for(participant_id).await?.into_iter().next();
    let mut problems = enrolment_problems(signed, consent_standing(document.as_ref(), consent.as_ref()));
    let washout = signed.and_then(Screening::washout_ends_on);
    if let Err(v) = check_after_washout("day", &day.to_string(), washout) {
        problems.push(v);
    }
    Ok(problems)
}
