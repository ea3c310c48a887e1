//! The authorisations capability's part of the dashboard: booked dosing sessions no longer
//! covered, approvals and registrations that lapse within 60 days (a lapsed one blocks new
//! doses at once), reports due, and readiness items not met or due for renewal.

use crate::App;
use crate::capabilities::authorisations::domain::readiness::ItemState;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use catalyst_core::policy::Actor;
use maud::html;

pub(crate) const SECTIONS: &[DashboardSection] =
    &[
        DashboardSection { rank: DashboardRank::Urgent, render: uncovered_sessions },
        DashboardSection { rank: DashboardRank::Urgent, render: expiry_warnings },
        DashboardSection { rank: DashboardRank::Urgent, render: reports_due },
        DashboardSection { rank: DashboardRank::Urgent, render: readiness_tasks },
    ];

/// Booked dosing sessions the authorisations no longer cover: rebook, or renew the approval,
/// before the day (the booking gate would refuse them now).
fn uncovered_sessions<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let uncovered = app.uncovered_dosing_sessions(actor).await?;
        if uncovered.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section.alerts aria-labelledby="uncovered-heading" {
                h2 id="uncovered-heading" { "Booked dosing sessions no longer authorised or ready (" (uncovered.len()) ")" }
                ul { @for u in &uncovered {
                    li {
                        strong { (u.participant_code) " on " (u.day) } " (" (u.site.code) "): "
                        @for (i, v) in u.missing.iter().enumerate() { @if i > 0 { "; " } (v.message.split(". Source: ").next().unwrap_or_default()) }
                        @if u.missing.iter().any(|v| v.field == "authorisation") {
                            " · " a href={"/sites/" (u.site.id) "/authorisations"} { "authorisations" }
                        }
                        @if u.missing.iter().any(|v| v.field == "readiness") {
                            " · " a href={"/sites/" (u.site.id) "/readiness"} { "readiness" }
                        }
                    }
                } }
            }
        }))
    })
}

/// Reports and notices overdue or due within 30 days, at the sites the actor reports for.
fn reports_due<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let mut due = Vec::new();
        for site in app.managed_sites(actor).await? {
            let today = app.local_today(&site);
            let authorisations = app.site_authorisations(actor, &site.id).await?;
            for owed in app.site_reports(actor, &site.id).await? {
                let days = today.until(owed.report.due).map(|s| i64::from(s.get_days())).unwrap_or(0);
                if owed.sent.is_none() && days <= 30 {
                    // Named by the authorisation it is about: two prescribers' six-monthly
                    // reports are two lines that must be told apart.
                    let about = authorisations.iter().find(|a| a.id == owed.report.subject).map(|a| a.reference.clone());
                    due.push((site.clone(), owed, days, about));
                }
            }
        }
        if due.is_empty() {
            return Ok(None);
        }
        due.sort_by_key(|(_, _, days, _)| *days);
        Ok(Some(html! {
            section aria-labelledby="reports-heading" {
                h2 id="reports-heading" { "Reports due" }
                ul { @for (site, owed, days, about) in &due {
                    li {
                        a href={"/sites/" (site.id) "/reports"} { (owed.report.name) }
                        @if let Some(about) = about { " for " (about) }
                        " (" (site.code) "): "
                        @if owed.overdue { strong { "overdue since " (owed.report.due) } } @else { "due " (owed.report.due) " (in " (days) " days)" }
                    }
                } }
            }
        }))
    })
}

fn expiry_warnings<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let warnings = app.expiry_warnings(actor).await?;
        if warnings.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="authorisations-heading" {
                h2 id="authorisations-heading" { "Authorisations lapsing soon" }
                ul { @for w in &warnings {
                    li {
                        a href={"/sites/" (w.site.id) "/authorisations"} { (w.authorisation.kind.label()) " " (w.authorisation.reference) }
                        " (" (w.site.code) "): "
                        @if w.days_left <= 30 { strong { "lapses in " (w.days_left) " days" } } @else { "lapses in " (w.days_left) " days" }
                        ", on " (w.authorisation.expires_on.clone().unwrap_or_default())
                    }
                } }
            }
        }))
    })
}

/// Readiness items not met (dosing is refused at the site until they are) and sign-offs lapsing
/// within 30 days, at the sites the actor manages.
fn readiness_tasks<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let tasks = app.readiness_tasks(actor).await?;
        if tasks.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="readiness-heading" {
                h2 id="readiness-heading" { "Site readiness" }
                ul { @for t in &tasks {
                    li {
                        a href={"/sites/" (t.site.id) "/readiness"} { (t.label) }
                        " (" (t.site.code) "): "
                        @match &t.state {
                            ItemState::NeverChecked => strong { "never signed off: dosing is refused" },
                            ItemState::Finding { finding } => { strong { "open finding: dosing is refused" } " (" (finding) ")" },
                            ItemState::Lapsed { on } => strong { "lapsed on " (on) ": dosing is refused" },
                            ItemState::Met { .. } => { "check again by " (t.lapses_on.map(|d| d.to_string()).unwrap_or_default()) },
                        }
                    }
                } }
            }
        }))
    })
}
