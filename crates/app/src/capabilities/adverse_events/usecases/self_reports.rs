//! Participants' own reports between sessions, in the portal, and the clinician's review of
//! each: the pure crate decides (`self_report_from`, `review_from`); every report waits on the
//! site's worklist until it is reviewed, and one asking for a call is urgent.

use super::Shown;
use crate::App;
use crate::capabilities::adverse_events::domain::{SelfReportRecord, SelfReportReview};
use crate::capabilities::adverse_events::queries::At;
use crate::capabilities::people::domain::Site;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_safety::{ReviewOutcome, SelfReportInput, review_from, self_report_from};

/// A report with its review, once made.
#[derive(Debug, Clone)]
pub struct SelfReportView {
    pub report: SelfReportRecord,
    pub review: Option<SelfReportReview>,
}

fn joined(reports: Vec<SelfReportRecord>, reviews: &[SelfReportReview]) -> Vec<SelfReportView> {
    reports
        .into_iter()
        .map(|report| {
            let review = reviews.iter().find(|r| r.report_id == report.id).cloned();
            SelfReportView { report, review }
        })
        .collect()
}

impl App {
    /// The signed-in participant tells the site how they feel. Refused (422) naming the field:
    /// no words, a start date ahead or years back.
    pub async fn report_how_i_feel(
        &self,
        actor: &Actor,
        participant_id: &str,
        input: &SelfReportInput,
    ) -> AppResult<SelfReportRecord> {
        let participant = self.participant_for(actor, Action::ReportHowIFeel, participant_id).await?;
        let site = self.site(&participant.site_id).await?;
        let report =
            self_report_from(&participant.id, input, &site.time_zone, self.now()).map_err(DomainError::Invalid)?;
        let record = SelfReportRecord {
            id: self.new_id(),
            site_id: site.id.clone(),
            participant_id: participant.id.clone(),
            recorded_at: report.reported_at,
            report,
        };
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "ae_self_report.record", &record).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// A participant's reports with their reviews, newest last: their own (the participant) or
    /// one the clinical team looks after (`ViewAdverseEvents`).
    pub async fn self_reports(&self, actor: &Actor, participant_id: &str) -> AppResult<Shown<SelfReportView>> {
        let found = self.participant_or_missing(actor, Action::ViewAdverseEvents, participant_id).await?;
        let own = Resource::Participant { site_id: &found.site_id, participant_id };
        let action =
            if App::may(actor, Action::ReportHowIFeel, own) { Action::ReportHowIFeel } else { Action::ViewAdverseEvents };
        self.authorize(actor, action, own).await?;
        let chain = Self::site_chain_ref(&self.site(&found.site_id).await?).chain;
        let at = At { chain: &chain, site_id: &found.site_id };
        let (reports, reviews) = self.store.self_reports(at, Some(participant_id)).await?;
        let mut integrity = reports.problems();
        integrity.extend(reviews.problems());
        Ok(Shown { items: joined(reports.rows, &reviews.rows), integrity })
    }

    /// A clinician reviews a participant's report: recorded as one of their adverse events, or
    /// not an adverse event and why. Once per report (409 after); decided inside the
    /// transaction holding the site's chain.
    pub async fn review_self_report(
        &self,
        actor: &Actor,
        report_id: &str,
        outcome: &ReviewOutcome,
    ) -> AppResult<SelfReportReview> {
        let found = self.store.self_report(report_id).await?;
        let (site_id, participant_id) =
            found.as_ref().map_or(("", ""), |r| (r.site_id.as_str(), r.participant_id.as_str()));
        self.authorize(actor, Action::RecordAdverseEvent, Resource::Participant { site_id, participant_id }).await?;
        let found = found.ok_or_else(|| DomainError::not_found("self report", report_id))?;
        let site = self.site(&found.site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let (report, reviewed) =
            tx.self_report_in(report_id).await?.ok_or_else(|| DomainError::not_found("self report", report_id))?;
        if reviewed {
            return Err(DomainError::Conflict("this report was already reviewed".to_owned()).into());
        }
        let events = tx.ae_events_of(&report.participant_id).await?;
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let review =
            review_from(report_id, outcome, &ids, false, &actor.user_id, self.now()).map_err(DomainError::Invalid)?;
        let record = SelfReportReview {
            id: self.new_id(),
            site_id: site.id.clone(),
            participant_id: report.participant_id.clone(),
            report_id: report.id.clone(),
            recorded_at: review.reviewed_at,
            review,
        };
        tx.insert(&chain.chain, "ae_self_report.review", &record).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The site's reports not reviewed yet, oldest first, and any that cannot be read.
    pub(crate) async fn unreviewed_self_reports(&self, site: &Site) -> AppResult<Shown<SelfReportRecord>> {
        let chain = Self::site_chain_ref(site).chain;
        let (reports, reviews) = self.store.self_reports(At { chain: &chain, site_id: &site.id }, None).await?;
        let mut integrity = reports.problems();
        integrity.extend(reviews.problems());
        let items = joined(reports.rows, &reviews.rows).into_iter().filter(|v| v.review.is_none()).map(|v| v.report).collect();
        Ok(Shown { items, integrity })
    }
}
