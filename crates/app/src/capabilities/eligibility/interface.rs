//! What other capabilities may ask the eligibility capability. Its gates (a signed eligibility
//! decision, current consent, washout) are answered by its use cases and pure rules
//! (`domain::check_after_washout`); here, the records as they stand.

use crate::App;
use crate::capabilities::eligibility::domain::Screening;
use crate::platform::error::AppResult;

impl App {
    /// The participant's screening records, newest first.
    pub async fn screenings_of(&self, participant_id: &str) -> AppResult<Vec<Screening>> {
        Ok(self.store.screenings_for(participant_id).await?)
    }
}
