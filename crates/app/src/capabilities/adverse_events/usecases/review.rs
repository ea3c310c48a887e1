//! The safety review: the DSMB's listing and incidence table of a site's events, blinded (no
//! arm: the randomisation capability is not built, so no one is unblinded yet), with CSV; and
//! the dashboard's signals (`signals`) over the sites the actor may see.

use super::{Shown, safety_data};
use crate::App;
use crate::capabilities::adverse_events::domain::{AdverseEventRecord, SelfReportRecord};
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_safety::{
    AdverseEvent, IncidenceTable, ListingRow, Signals, incidence_csv, incidence_table, listing, listing_csv, signals,
};
use std::collections::{BTreeSet, HashMap};

/// A site's listing: rows with participants named by code, and its CSV; and the events that
/// could not be read (the listing is then incomplete and says so; its export is refused).
#[derive(Debug, Clone)]
pub struct SiteListing {
    pub site_code: String,
    pub rows: Vec<ListingRow>,
    pub csv: String,
    pub integrity: Vec<String>,
}

/// A site's incidence table and its CSV, with the events that could not be read.
#[derive(Debug, Clone)]
pub struct SiteIncidence {
    pub table: IncidenceTable,
    pub csv: String,
    pub integrity: Vec<String>,
}

/// The signals at one site.
#[derive(Debug, Clone)]
pub struct SiteSignals {
    pub site: Site,
    pub signals: Signals,
    /// Participant codes by id, and each event's participant and term, for the worklist.
    pub codes: HashMap<String, String>,
    pub events: HashMap<String, (String, String)>,
    /// Serious events whose clocks cannot be computed, with why (never taken for "none due").
    pub clock_problems: Vec<(String, String)>,
    /// Records that could not be read (written or deleted outside Catalyst).
    pub integrity: Vec<String>,
    /// Participants' own reports not reviewed yet, oldest first.
    pub unreviewed: Vec<SelfReportRecord>,
}

fn current(events: &[AdverseEventRecord]) -> Vec<AdverseEvent> {
    events.iter().map(|r| r.event.clone()).collect()
}

impl App {
    /// The site's events as read, and what could not be read.
    async fn events_at(&self, site: &Site) -> AppResult<Shown<AdverseEventRecord>> {
        Ok(self.store.ae_events_at_site(&Self::site_chain_ref(site).chain, &site.id).await?.into())
    }
}

impl App {
    /// The DSMB listing of a site's events (current revisions), blinded, participants by code.
    pub async fn safety_listing(&self, actor: &Actor, site_id: &str) -> AppResult<SiteListing> {
        self.authorize(actor, Action::ViewAdverseEvents, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let data = safety_data()?;
        let codes = self.participant_codes_at(site_id).await?;
        let read = self.events_at(&site).await?;
        let (codings, coding_problems) = self.event_codings_at(&site).await?;
        let events = current(&read.items);
        let mut rows = listing(&events, &data.terms, &site.time_zone, None).map_err(DomainError::Invalid)?;
        for row in &mut rows {
            row.participant_id = codes.get(&row.participant_id).cloned().unwrap_or_else(|| row.participant_id.clone());
            let event = events.iter().find(|e| e.id == row.event_id);
            if let Some(c) = codings.get(&row.event_id).filter(|c| event.is_some_and(|e| !c.stale_for(e))) {
                row.coded_code = c.code.clone();
                row.coded_term = c.coded_term.clone();
                row.body_system = c.body_system.clone();
                row.dictionary = format!("{} {}", c.dictionary, c.dictionary_version);
            }
        }
        let csv = listing_csv(&rows);
        let mut integrity = read.integrity;
        integrity.extend(coding_problems);
        Ok(SiteListing { site_code: site.code, rows, csv, integrity })
    }

    /// The incidence table of a site's events, blinded: participants counted are those dosed
    /// (a held dosing session in the last three years) and those with an event. With its CSV.
    pub async fn safety_incidence(&self, actor: &Actor, site_id: &str) -> AppResult<SiteIncidence> {
        self.authorize(actor, Action::ViewAdverseEvents, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let data = safety_data()?;
        let read = self.events_at(&site).await?;
        let events = current(&read.items);
        let today = self.local_today(&site);
        let from = today.checked_sub(jiff::Span::new().days(3 * 366)).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut participants: BTreeSet<String> = self
            .dosing_sessions(&site, AppointmentStatus::Attended, from, today)
            .await?
            .into_iter()
            .map(|s| s.participant_id)
            .collect();
        participants.extend(events.iter().map(|e| e.details.participant_id.clone()));
        let table = incidence_table(&events, &data.terms, &participants, None).map_err(DomainError::Invalid)?;
        let csv = incidence_csv(&table);
        Ok(SiteIncidence { table, csv, integrity: read.integrity })
    }

    /// The signals at each site where the actor may see adverse events: open serious events,
    /// clocks due within 24 hours or overdue (and clocks that cannot be computed), missing solicited checks, events without an
    /// outcome after 30 days. Sites with nothing to show are left out.
    pub async fn safety_signals(&self, actor: &Actor) -> AppResult<Vec<SiteSignals>> {
        let mut out = Vec::new();
        for site in self.all_sites().await? {
            if !App::may(actor, Action::ViewAdverseEvents, Resource::Site { site_id: &site.id }) {
                continue;
            }
            let computed = self.clocks_at(&site).await?;
            let clock_problems: Vec<(String, String)> =
                computed.events.iter().filter_map(|c| Some((c.event.id.clone(), c.problem.clone()?))).collect();
            let mut integrity = computed.integrity;
            let records = computed.all;
            let clocks: Vec<_> = computed.events.into_iter().flat_map(|c| c.clocks).collect();
            let gaps = self.gaps_at(&site).await?;
            integrity.extend(gaps.integrity);
            let unreviewed = self.unreviewed_self_reports(&site).await?;
            integrity.extend(unreviewed.integrity);
            let unreviewed = unreviewed.items;
            let found = signals(&current(&records), &clocks, &gaps.items, &site.time_zone, self.now());
            let empty = found.open_serious.is_empty()
                && found.clocks_due_soon.is_empty()
                && found.clocks_overdue.is_empty()
                && found.missing_checks.is_empty()
                && found.without_outcome.is_empty()
                && clock_problems.is_empty()
                && integrity.is_empty()
                && unreviewed.is_empty();
            if empty {
                continue;
            }
            let codes = self.participant_codes_at(&site.id).await?;
            let events = records.into_iter().map(|r| (r.id, (r.participant_id, r.event.term_label))).collect();
            out.push(SiteSignals { site, signals: found, codes, events, clock_problems, integrity, unreviewed });
        }
        Ok(out)
    }
}
