//! The coding demo: a small dictionary made from Catalyst's own term list (clearly not MedDRA,
//! which is licensed and never bundled), loaded as the operator would, and one Sydney event
//! coded by the demo coder; the rest wait on the coder's worklist.

use crate::App;
use crate::capabilities::adverse_events::usecases::safety_data;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::ledger::AuditActor;

pub(crate) fn seed<'a>(app: &'a App, by: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_coding(by))
}

/// The body system each category of Catalyst's term list falls under, for the demo.
fn body_system(category: &str) -> (&'static str, &'static str) {
    match category {
        "cardiovascular" => ("DS02", "Cardiac and vascular disorders"),
        "thermoregulatory" => ("DS03", "General disorders"),
        "suicidality" | "abuse_related" => ("DS01", "Psychiatric disorders"),
        _ => ("DS04", "Nervous system and other disorders"),
    }
}

impl App {
    async fn seed_demo_coding(&self, by: &AuditActor) -> AppResult<()> {
        let terms = &safety_data()?.terms;
        let mut csv = String::from("code,term,body_system_code,body_system\n");
        for (i, t) in terms.terms.iter().enumerate() {
            let (soc_code, soc) = body_system(t.category.as_str());
            csv.push_str(&format!("DEMO{:04},\"{}\",{soc_code},{soc}\n", i + 1, t.label.replace('"', "\"\"")));
        }
        let dictionary = self.write_coding_dictionary(by.clone(), "Catalyst demo dictionary (not MedDRA)", "1.0", &csv).await?;
        let coder = self.user_by_username("coder").await?.ok_or_else(|| AppError::Internal("demo coder missing".into()))?;
        let coder = self.actor_for(&coder).await?;
        let list = self.coding_worklist(&coder, true).await?;
        let first = list.items.iter().find(|i| !i.suggested.is_empty()).ok_or_else(|| AppError::Internal("nothing to code in the demo".into()))?;
        let code = first.suggested[0].code.clone();
        self.code_adverse_event(&coder, &first.event.event.id, &dictionary.id, &code, first.event.event.revision).await?;
        Ok(())
    }
}
