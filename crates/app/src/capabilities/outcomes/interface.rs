//! What other capabilities may ask the outcomes capability: which assessments a participant
//! has given (the course counts an instrument given in a visit's window for that visit).

use crate::App;
use crate::capabilities::outcomes::domain::Assessment;
use crate::platform::error::AppResult;

impl App {
    /// The participant's assessments that stand (not voided), oldest first.
    pub async fn assessments_given(&self, participant_id: &str) -> AppResult<Vec<Assessment>> {
        Ok(self.store.assessments_for(participant_id).await?)
    }
}
