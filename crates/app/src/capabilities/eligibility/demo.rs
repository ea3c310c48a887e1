//! Screening and consent in the demo: the consent document, and for the two Sydney
//! participants who are enrolled, a confirmed eligibility decision and witnessed consent, made
//! through the same rules and signatures as in use.

use crate::App;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::demo::DEMO_PASSWORD;
use crate::platform::error::{AppError, AppResult};
use crate::capabilities::eligibility::domain::ConsentPart;
use catalyst_core::ledger::AuditActor;
use serde_json::{Value, json};

/// The documented example of an eligible candidate (docs/screening/eligible.json).
const ELIGIBLE_EXAMPLE: &str = include_str!("../../../../../docs/screening/eligible.json");

const CONSENT_BODY: &str = "You are invited to take part in MDMA-assisted therapy for PTSD. The course has three \
preparation sessions, three day-long sessions in which you take MDMA with two therapists present, followed by an \
overnight stay, and integration sessions after each. MDMA raises blood pressure, heart rate and body temperature; \
common effects include jaw clenching, nausea, anxiety and headache. You may stop at any time. Video recording of \
sessions and therapeutic touch are separate choices, and you may withdraw either at any time.";

pub(crate) fn seed<'a>(app: &'a App, by: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_eligibility(by))
}

impl App {
    async fn seed_demo_eligibility(&self, by: &AuditActor) -> AppResult<()> {
        self.insert_consent_document(
            by.clone(),
            "Consent to MDMA-assisted therapy",
            CONSENT_BODY,
            &[ConsentPart::Treatment, ConsentPart::DataUse],
            true,
        )
        .await?;
        let lead = self.user_by_username("lead.syd")
            .await?
            .ok_or_else(|| AppError::Internal("demo lead missing".into()))?;
        let lead = self.actor_for(&lead).await?;
        let mut record: Value =
            serde_json::from_str(ELIGIBLE_EXAMPLE).map_err(|e| AppError::Internal(e.to_string()))?;
        let syd =
            self.site_by_code("SYD").await?.ok_or_else(|| AppError::Internal("demo site SYD missing".into()))?;
        let today = self.local_today(&syd);
        let ago =
            |days: i64| today.checked_sub(jiff::Span::new().days(days)).map(|d| d.to_string()).unwrap_or_default();
        // Recent measurements: the rules want blood pressure from the last 90 days.
        record["blood_pressure"] = json!([
            {"systolic": 124, "diastolic": 78, "measured_on": ago(42)},
            {"systolic": 128, "diastolic": 80, "measured_on": ago(35)},
            {"systolic": 122, "diastolic": 76, "measured_on": ago(28)}
        ]);
        record["caps5"] = json!({"total": 41, "assessed_on": ago(30)});
        record["liver_function"] = json!({"alt_x_uln": 0.8, "ast_x_uln": 0.7, "measured_on": ago(28)});
        if let Value::Object(map) = &mut record {
            map.remove("jurisdiction");
            map.insert(
                "programme".into(),
                json!({"authorities": [{"pathway": "au_authorised_prescriber", "reference": "TGA AP demo", "ethics_approval": "yes", "prescriber_is_psychiatrist": "yes"}]}),
            );
        }
        for (code, username) in [("SYD-0005", "participant.syd"), ("SYD-0006", "participant2.syd")] {
            let participant = self.participant_by_code(code)
                .await?
                .ok_or_else(|| AppError::Internal(format!("{code} missing")))?;
            let (screening, _) = self.record_screening(&lead, &participant.id, &record).await?;
            self.decide_screening(&lead, &screening.id, None, "", DEMO_PASSWORD).await?;
            let participant = self.participant(&participant.id).await?;
            let user = match participant.user_id {
                Some(id) => self.user_by_id(&id)
                    .await?
                    .ok_or_else(|| AppError::Internal("account missing".into()))?,
                None => self.link_portal_account(by.clone(), &participant, username, DEMO_PASSWORD).await?,
            };
            let own = self.actor_for(&user).await?;
            let parts = json!({"treatment": "granted", "video_recording": "granted", "therapeutic_touch": "granted", "data_use": "granted"});
            let parts = parts.as_object().cloned().unwrap_or_default();
            self.give_consent(&own, &participant.id, &parts, DEMO_PASSWORD, Some(("lead.syd", DEMO_PASSWORD))).await?;
        }
        Ok(())
    }
}
