//! Demo prescriptions at Sydney: the Authorised Prescribers prescribe for the two enrolled
//! participants' dosing sessions, as the protocol plans them.

use crate::App;
use crate::capabilities::prescribing::domain::{PrescribedDose, PrescriptionInput};
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::ledger::AuditActor;

pub(crate) fn seed<'a>(app: &'a App, _: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_prescriptions())
}

impl App {
    async fn seed_demo_prescriptions(&self) -> AppResult<()> {
        let missing = |what: &str| AppError::Internal(format!("demo {what} missing"));
        let syd = self.site_by_code("SYD").await?.ok_or_else(|| missing("site SYD"))?;
        for (code, prescriber, sessions) in [("SYD-0006", "lead.syd", 3), ("SYD-0005", "physician.syd", 1)] {
            let participant = self.participant_by_code(code).await?.ok_or_else(|| missing(code))?;
            let user = self.user_by_username(prescriber).await?.ok_or_else(|| missing(prescriber))?;
            let planned = self.planned_dosing(&participant.id).await?.ok_or_else(|| missing("enrolment"))?;
            let input = PrescriptionInput {
                product: "MDMA hydrochloride capsules".into(),
                indication: "treatment-resistant PTSD".into(),
                strength_mg: 20.0,
                doses: planned
                    .into_iter()
                    .take(sessions)
                    .map(|p| PrescribedDose { visit_id: p.visit_id, initial_mg: p.initial_mg, supplemental_mg: p.supplemental_mg })
                    .collect(),
                expires_on: None,
            };
            let by = AuditActor { id: user.id, name: user.display_name };
            self.write_prescription(by, &syd, &participant.id, &input).await?;
        }
        Ok(())
    }
}
