//! The adverse events' part of the dashboard (the pure `signals`): safety records that fail
//! their integrity check, serious events still open, reporting clocks overdue or due within
//! 24 hours (and any that cannot be computed), on the
//! worklists of whoever may see the site's events; then missing solicited checks and events
//! without an outcome 30 days after onset.

use crate::App;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use crate::platform::web::pages::layout::when;
use catalyst_core::policy::Actor;
use maud::html;

pub(crate) const SECTIONS: &[DashboardSection] = &[
    DashboardSection { rank: DashboardRank::Urgent, render: serious_and_clocks },
    DashboardSection { rank: DashboardRank::Personal, render: how_i_feel },
    DashboardSection { rank: DashboardRank::Overview, render: gaps_and_outcomes },
];

fn serious_and_clocks<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let sites: Vec<_> = app
            .safety_signals(actor)
            .await?
            .into_iter()
            .filter(|s| {
                !(s.signals.open_serious.is_empty()
                    && s.signals.clocks_due_soon.is_empty()
                    && s.signals.clocks_overdue.is_empty()
                    && s.clock_problems.is_empty()
                    && s.integrity.is_empty()
                    && !s.unreviewed.iter().any(|r| r.report.wants_call))
            })
            .collect();
        if sites.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section.alerts aria-labelledby="safety-clocks-heading" {
                h2 id="safety-clocks-heading" { "Safety: serious adverse events and reporting clocks" }
                @for s in &sites {
                    @let label = |event_id: &str| -> String {
                        s.events.get(event_id).map(|(p, term)| format!("{} {term}", s.codes.get(p).cloned().unwrap_or_default())).unwrap_or_default()
                    };
                    h3 { a href={"/sites/" (s.site.id) "/safety"} { (s.site.code) } }
                    ul {
                        @for problem in &s.integrity {
                            li { strong.badge.bad { "integrity" } " " (problem) ": what is shown here is incomplete; run " code { "catalyst audit verify" } }
                        }
                        @for c in &s.signals.clocks_overdue {
                            li { strong.badge.bad { "overdue" } " " (c.name) " to " (c.recipient) " for " (label(&c.event_id))
                                @if let Some(d) = c.deadline { ": was due " (when(d, &s.site.time_zone)) } }
                        }
                        @for c in &s.signals.clocks_due_soon {
                            li { strong.badge { "due within 24 h" } " " (c.name) " to " (c.recipient) " for " (label(&c.event_id))
                                @if let Some(d) = c.deadline { ": due " (when(d, &s.site.time_zone)) } }
                        }
                        @for (event_id, problem) in &s.clock_problems {
                            li { strong.badge.bad { "no clocks" } " " (label(event_id)) ": " (problem) }
                        }
                        @for r in s.unreviewed.iter().filter(|r| r.report.wants_call) {
                            li { strong.badge.bad { "call back" } " "
                                a href={"/participants/" (r.participant_id) "/adverse-events#self-reports"} { (s.codes.get(&r.participant_id).cloned().unwrap_or_default()) }
                                " asked to be called (" (r.report.how_bad.words()) "), " (when(r.recorded_at, &s.site.time_zone)) }
                        }
                        @if !s.signals.open_serious.is_empty() {
                            li { (s.signals.open_serious.len()) " serious event(s) still open: "
                                (s.signals.open_serious.iter().map(|id| label(id)).collect::<Vec<_>>().join("; ")) }
                        }
                    }
                }
            }
        }))
    })
}

/// The participant's own way to tell the clinic how they feel, on their portal's home.
fn how_i_feel<'a>(_: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        // Only a participant's own records are theirs to report on (the page asks the policy).
        if actor.own_participants.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="how-i-feel-heading" {
                h2 id="how-i-feel-heading" { "How are you feeling?" }
                p { "Anything new since your last visit, good or bad: " 
                    @for p in &actor.own_participants { a href={"/participants/" (p) "/how-i-feel"} { "tell the clinic" } } "." }
            }
        }))
    })
}

fn gaps_and_outcomes<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let sites: Vec<_> = app
            .safety_signals(actor)
            .await?
            .into_iter()
            .filter(|s| !(s.signals.missing_checks.is_empty() && s.signals.without_outcome.is_empty() && s.unreviewed.is_empty()))
            .collect();
        if sites.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="safety-gaps-heading" {
                h2 id="safety-gaps-heading" { "Safety: missing solicited checks and events without an outcome" }
                ul { @for s in &sites {
                    li { a href={"/sites/" (s.site.id) "/safety"} { (s.site.code) } ": "
                        (s.signals.missing_checks.len()) " solicited check(s) missing; "
                        (s.signals.without_outcome.len()) " event(s) with no outcome 30 days after onset; "
                        (s.unreviewed.len()) " participant report(s) waiting to be reviewed" }
                } }
            }
        }))
    })
}
