//! The reports a site's authorisations owe, with their due dates from the reporting rules
//! (`catalyst-regulatory`), marking them sent, and the TGA six-monthly report's contents,
//! counted from the dosing records.

use crate::App;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::capabilities::authorisations::domain::reports::{
    PatientsTreated, ReportSubmission, clock_facts, patients_treated, submission_id, treatment_starts,
};
use crate::capabilities::authorisations::domain::{Authorisation, AuthorisationKind, AuthorisationStatus};
use catalyst_core::time::civil_date;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::{Violation, required_text};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_regulatory::{Calendars, ClockError, DueReport, Event, EventKind, Period, ReportingRules, due_dates};
use crate::capabilities::people::domain::Site;
use jiff::ToSpan;
use jiff::civil::Date;
use crate::platform::store::ledger::EntryFilter;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The TGA six-monthly Authorised Prescriber report's rule.
pub const TGA_SIX_MONTHLY: &str = "au_tga_ap_six_monthly";

static RULES: LazyLock<Result<(ReportingRules, Calendars), String>> = LazyLock::new(|| {
    let rules = ReportingRules::builtin().map_err(|e| e.to_string())?;
    let calendars = Calendars::builtin().map_err(|e| e.to_string())?;
    Ok((rules, calendars))
});

fn rules() -> AppResult<&'static (ReportingRules, Calendars)> {
    RULES.as_ref().map_err(|e| AppError::Internal(format!("reporting rules unreadable: {e}")))
}

/// A report owed, and whether it has been sent.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OwedReport {
    pub report: DueReport,
    pub sent: Option<ReportSubmission>,
    /// Not sent and past its due date (site-local).
    pub overdue: bool,
}

/// Marking a report sent, as entered.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SentInput {
    pub rule_id: String,
    pub subject: String,
    pub trigger_date: String,
    pub reference: String,
    pub sent_on: String,
}

/// The TGA six-monthly report: the period and, per product, the patients treated in it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SixMonthlyReport {
    pub site_code: String,
    pub period: Period,
    pub due: Date,
    /// Approval references with the counts for their product.
    pub rows: Vec<(String, PatientsTreated)>,
}

impl App {
    /// Every report the site's authorisations owe from a year back to seven months ahead (so the
    /// next of each six-monthly report is always listed), soonest due first, each with whether
    /// it was sent. A jurisdiction the rules do not know owes none.
    pub async fn site_reports(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<OwedReport>> {
        self.authorize(actor, Action::ViewAuthorisations, Resource::Site { site_id }).await?;
        self.owed_reports(site_id).await
    }

    pub(crate) async fn owed_reports(&self, site_id: &str) -> AppResult<Vec<OwedReport>> {
        let site = self.site(site_id).await?;
        let today = self.local_today(&site);
        let (rules, calendars) = rules()?;
        let from = today.checked_sub(366.days()).map_err(|e| AppError::Internal(e.to_string()))?;
        let to = today.checked_add(7.months()).map_err(|e| AppError::Internal(e.to_string()))?;
        let authorisations = self.store.authorisations_at_site(site_id).await?;
        let revoked_on = self.revocation_days(&site, &authorisations).await?;
        let facts = clock_facts(&authorisations, &revoked_on, self.clock_events(&site, from, to).await?);
        let due = match due_dates(rules, calendars, &site.jurisdiction, &facts, from, to) {
            Ok(due) => due,
            Err(ClockError::UnknownJurisdiction { .. }) => Vec::new(),
            Err(e) => return Err(AppError::Internal(format!("reporting clocks for {}: {e}", site.code))),
        };
        let sent = self.store.submissions_at_site(site_id).await?;
        Ok(due
            .into_iter()
            .map(|report| {
                let trigger = report.trigger_date.to_string();
                let sent = sent.iter().find(|s| s.is_for(&report.rule.id, &report.subject, &trigger)).cloned();
                OwedReport { overdue: sent.is_none() && report.due < today, sent, report }
            })
            .collect())
    }

    /// The site-local day each revoked authorisation was revoked, from its ledger entry.
    pub(super) async fn revocation_days(&self, site: &Site, all: &[Authorisation]) -> AppResult<BTreeMap<String, Date>> {
        let zone = jiff::tz::TimeZone::get(site.time_zone.as_str()).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut days = BTreeMap::new();
        for a in all.iter().filter(|a| a.status == AuthorisationStatus::Revoked) {
            let filter = EntryFilter {
                chains: vec![site.chain()],
                entity: Some(("authorisation".to_owned(), a.id.clone())),
                before: None,
                limit: 50,
            };
            let revoked = self.store.recent_entries(&filter).await?.into_iter().find(|e| e.action == "authorisation.revoke");
            if let Some(entry) = revoked {
                let at = jiff::Timestamp::from_microsecond(entry.at.micros()).map_err(|e| AppError::Internal(e.to_string()))?;
                days.insert(a.id.clone(), at.to_zoned(zone.clone()).date());
            }
        }
        Ok(days)
    }

    /// What starts notices' clocks at a site: each prescription written, each participant's
    /// first dosing session (held or booked) from `from` through `to` and the year before (a
    /// course started earlier starts no new treatment), and each loss or theft on the register.
    async fn clock_events(&self, site: &Site, from: Date, to: Date) -> AppResult<Vec<Event>> {
        let mut events: Vec<Event> = self
            .prescriptions_written_at(&site.id)
            .await?
            .into_iter()
            .map(|rx| Event { id: rx.prescription_id, kind: EventKind::Prescribing, date: rx.on })
            .collect();
        let since = from.checked_sub(1.year()).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut sessions = Vec::new();
        for status in [AppointmentStatus::Attended, AppointmentStatus::Booked] {
            sessions.extend(self.dosing_sessions(site, status, since, to).await?.into_iter().map(|s| (s.participant_id, s.day)));
        }
        events.extend(treatment_starts(&sessions));
        // A theft or significant loss starts the notices owed to the controlled-substance
        // authority (DEA: written notice within a business day, Form 106 within 45 days).
        events.extend(
            self.losses_discovered_at(site)
                .await?
                .into_iter()
                .map(|l| Event { id: l.movement_id, kind: EventKind::TheftOrLossDiscovered, date: l.on }),
        );
        Ok(events)
    }

    /// Marks a report the site owes as sent, with the recipient's reference (its lead).
    pub async fn mark_report_sent(&self, actor: &Actor, site_id: &str, input: &SentInput) -> AppResult<ReportSubmission> {
        self.authorize(actor, Action::ManageAuthorisations, Resource::Site { site_id }).await?;
        self.record_report_sent(Self::audit_actor(actor), site_id, input).await
    }

    pub(crate) async fn record_report_sent(
        &self,
        by: catalyst_core::ledger::AuditActor,
        site_id: &str,
        input: &SentInput,
    ) -> AppResult<ReportSubmission> {
        let owed = self.owed_reports(site_id).await?;
        let Some(owed) = owed.iter().find(|o| {
            o.report.rule.id == input.rule_id
                && o.report.subject == input.subject
                && o.report.trigger_date.to_string() == input.trigger_date.trim()
        }) else {
            return Err(DomainError::invalid("rule_id", "owed", "the site owes no such report").into());
        };
        if owed.sent.is_some() {
            return Err(DomainError::Conflict(format!("{} was already marked sent", owed.report.name)).into());
        }
        let site = self.site(site_id).await?;
        let mut problems = Vec::new();
        let reference = required_text("reference", &input.reference, 200).map_err(|v| problems.push(v)).ok();
        match civil_date(&input.sent_on) {
            Some(day) if day > self.local_today(&site) => {
                problems.push(Violation::new("sent_on", "not_future", "sent_on cannot be after today"))
            }
            // A notice due before its event (Victoria: before treatment) may be sent any time.
            Some(day) if day < owed.report.trigger_date && owed.report.due >= owed.report.trigger_date => problems.push(Violation::new(
                "sent_on",
                "after_trigger",
                format!("sent_on cannot be before {}, when the report fell owed", owed.report.trigger_date),
            )),
            Some(_) => {}
            None => problems.push(Violation::new("sent_on", "date", "sent_on must be a date as YYYY-MM-DD")),
        }
        let (Some(reference), true) = (reference, problems.is_empty()) else {
            return Err(DomainError::Invalid(problems).into());
        };
        let trigger_date = owed.report.trigger_date.to_string();
        let submission = ReportSubmission {
            id: submission_id(site_id, &owed.report.rule.id, &owed.report.subject, &trigger_date),
            site_id: site_id.to_owned(),
            rule_id: owed.report.rule.id.clone(),
            subject: owed.report.subject.clone(),
            trigger_date,
            due_on: owed.report.due.to_string(),
            sent_on: input.sent_on.trim().to_owned(),
            reference,
            recorded_at: self.now(),
            recorded_by: by.id.clone(),
        };
        let (_, chain) = self.chain_for_site(site_id).await?;
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "report.sent", &submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// The TGA six-monthly report for the period ending `period_end`: per product of the site's
    /// Authorised Prescriber approvals, the patients dosed in the period, counted from the
    /// dosing sessions held (not entered by hand).
    pub async fn six_monthly_report(&self, actor: &Actor, site_id: &str, period_end: &str) -> AppResult<SixMonthlyReport> {
        let owed = self.site_reports(actor, site_id).await?;
        let Some(report) = owed
            .iter()
            .map(|o| &o.report)
            .find(|r| r.rule.id == TGA_SIX_MONTHLY && r.period.is_some_and(|p| p.end.to_string() == period_end.trim()))
        else {
            return Err(DomainError::invalid("period_end", "owed", "no six-monthly report period ends on that day").into());
        };
        let Some(period) = report.period else {
            return Err(AppError::Internal("a six-monthly report without a period".into()));
        };
        let site = self.site(site_id).await?;
        let held: Vec<(String, Date)> = self
            .dosing_sessions(&site, AppointmentStatus::Attended, period.start, period.end)
            .await?
            .into_iter()
            .map(|s| (s.participant_id, s.day))
            .collect();
        let approvals = self.store.authorisations_at_site(site_id).await?;
        let covering: Vec<&Authorisation> = approvals
            .iter()
            .filter(|a| {
                a.kind == AuthorisationKind::AuthorisedPrescriber
                    && a.status == AuthorisationStatus::Active
                    && (a.in_force_on(period.start) || a.in_force_on(period.end))
            })
            .collect();
        // Sessions are not yet tied to a prescription, so to one approval or product: the
        // site's patients are counted once, under all its approvals and their products.
        let rows = match covering.first() {
            None => Vec::new(),
            Some(first) => {
                let mut counted = patients_treated(first, period, &held);
                let distinct = |field: fn(&Authorisation) -> Option<&String>| {
                    let mut values: Vec<&str> = covering.iter().filter_map(|a| field(a)).map(String::as_str).collect();
                    values.sort_unstable();
                    values.dedup();
                    values.join("; ")
                };
                counted.product = distinct(|a| a.product.as_ref());
                counted.indication = distinct(|a| a.indication.as_ref());
                let references: Vec<&str> = covering.iter().map(|a| a.reference.as_str()).collect();
                vec![(references.join(", "), counted)]
            }
        };
        Ok(SixMonthlyReport { site_code: site.code, period, due: report.due, rows })
    }
}
