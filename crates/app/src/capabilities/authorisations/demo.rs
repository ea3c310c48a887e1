//! Demo authorisations: Sydney under an ethics approval and two Authorised Prescribers (one
//! lapsing soon), Vancouver with a Special Access authorisation per patient, Boston under an
//! IND and a DEA registration; every site's readiness checklist signed off by its lead.

use crate::App;
use crate::capabilities::authorisations::domain::{AuthorisationInput, Recording, authorisation_from};
use crate::capabilities::authorisations::domain::readiness::SignoffInput;
use crate::capabilities::authorisations::reports::SentInput;
use crate::capabilities::people::domain::participant_code;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;

pub(crate) fn seed<'a>(app: &'a App, by: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_authorisations(by))
}

fn approval(kind: &str, reference: &str, issued_by: &str, expires_on: &str) -> AuthorisationInput {
    AuthorisationInput {
        kind: kind.into(),
        reference: reference.into(),
        issued_by: issued_by.into(),
        valid_from: "2025-07-01".into(),
        expires_on: Some(expires_on.into()),
        ..AuthorisationInput::default()
    }
}

impl App {
    async fn seed_demo_authorisations(&self, by: &AuditActor) -> AppResult<()> {
        let site = |code: &'static str| async move {
            self.site_by_code(code).await?.ok_or_else(|| AppError::Internal(format!("demo site {code} missing")))
        };
        let user = |name: String| async move {
            self.user_by_username(&name).await?.map(|u| u.id).ok_or_else(|| AppError::Internal(format!("demo user {name} missing")))
        };

        let syd = site("SYD").await?;
        let lapsing = (self.local_today(&syd) + jiff::Span::new().days(45)).to_string();
        let prescriber = |holder: String, reference: &str, expires_on: &str| AuthorisationInput {
            holder_id: Some(holder),
            product: Some("MDMA hydrochloride capsules".into()),
            indication: Some("treatment-resistant PTSD".into()),
            ..approval("authorised_prescriber", reference, "Therapeutic Goods Administration", expires_on)
        };
        let mut inputs = vec![
            (&syd, approval("hrec_approval", "HREC/2025/ETH0417", "Bellberry Human Research Ethics Committee", "2028-06-30")),
            (&syd, prescriber(user("lead.syd".into()).await?, "AP-2025-0193", "2028-06-30")),
            (&syd, prescriber(user("physician.syd".into()).await?, "AP-2025-0188", &lapsing)),
        ];
        let bos = site("BOS").await?;
        inputs.push((&bos, approval("ind", "IND 063384", "US Food and Drug Administration", "2030-12-31")));
        inputs.push((&bos, approval("dea_registration", "RB0312745", "Drug Enforcement Administration", "2027-10-31")));
        let van = site("VAN").await?;
        let mut serial = 1;
        while let Some(p) = self.participant_by_code(&participant_code(&van.code, serial)).await? {
            inputs.push((&van, AuthorisationInput {
                participant_id: Some(p.id),
                product: Some("MDMA hydrochloride capsules".into()),
                quantity_mg: Some(540),
                ..approval("special_access", &format!("SAP-2025-{:05}", 4100 + serial), "Health Canada Special Access Program", "2027-06-30")
            }));
            serial += 1;
        }
        for (site, input) in inputs {
            let record = authorisation_from(
                &input,
                Recording { id: self.new_id(), site_id: &site.id, now: self.now(), recorded_by: &by.id },
            )
            .map_err(DomainError::Invalid)?;
            self.insert_authorisation(by.clone(), &record).await?;
            // Each is confirmed by its site's lead against the document (meaning: approval).
            let lead_name = format!("lead.{}", site.code.to_ascii_lowercase());
            let lead = self.user_by_username(&lead_name).await?.ok_or_else(|| AppError::Internal(format!("demo user {lead_name} missing")))?;
            let signer = AuditActor { id: lead.id, name: lead.display_name };
            self.confirm_authorisation_as(signer, site, &record).await?;
        }
        // Each site lead has checked and signed off every readiness item today.
        for site in [&syd, &bos, &van] {
            let lead_name = format!("lead.{}", site.code.to_ascii_lowercase());
            let lead = self.user_by_username(&lead_name).await?.ok_or_else(|| AppError::Internal(format!("demo user {lead_name} missing")))?;
            let signer = AuditActor { id: lead.id, name: lead.display_name };
            for list in self.readiness_checklists()?.for_jurisdiction(&site.jurisdiction) {
                for item in &list.items {
                    let input = SignoffInput {
                        checklist_id: list.id.clone(),
                        item_id: item.id.clone(),
                        outcome: "met".into(),
                        finding: None,
                    };
                    self.write_signoff(signer.clone(), site, &input).await?;
                }
            }
        }
        // Everything already due was sent on its due date; what falls due from today is left
        // for the site leads' worklists.
        for site in [&syd, &bos, &van] {
            let today = self.local_today(site);
            for owed in self.owed_reports(&site.id).await?.into_iter().filter(|o| o.report.due < today) {
                let input = SentInput {
                    rule_id: owed.report.rule.id.clone(),
                    subject: owed.report.subject.clone(),
                    trigger_date: owed.report.trigger_date.to_string(),
                    reference: format!("{}-{}", site.code, owed.report.due),
                    sent_on: owed.report.due.to_string(),
                };
                self.record_report_sent(by.clone(), &site.id, &input).await?;
            }
        }
        Ok(())
    }
}
