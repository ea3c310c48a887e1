//! The outcomes capability's part of the dashboard: open safety alerts first, and each
//! participant's own portal.

use crate::App;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use crate::platform::web::pages::layout::when;
use catalyst_core::policy::Actor;
use maud::html;

pub(crate) const SECTIONS: &[DashboardSection] = &[
    DashboardSection { rank: DashboardRank::Urgent, render: safety_alerts },
    DashboardSection { rank: DashboardRank::Personal, render: own_portal },
];

/// Unacknowledged safety alerts at the sites the actor may see, to acknowledge in place.
fn safety_alerts<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let alerts = app.open_alerts(actor).await?;
        if alerts.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section.alerts aria-labelledby="alerts-heading" {
                h2 id="alerts-heading" { "Safety alerts (" (alerts.len()) ")" }
                table {
                    thead { tr { th { "Participant" } th { "Alert" } th { "Raised" } th { "Acknowledge" } } }
                    tbody { @for (alert, p, site) in &alerts {
                        tr.alert {
                            td { a href={"/participants/" (p.id) "/outcomes"} { (p.code) } }
                            td { strong { (alert.kind.message()) } }
                            td { (when(alert.raised_at, &site.time_zone)) }
                            td { form.inline method="post" action={"/alerts/" (alert.id) "/acknowledge"} {
                                label { span.hint { "What was done" } input name="note" required aria-label={"What was done about the alert for " (p.code)}; }
                                " " button type="submit" { "Acknowledge" }
                            } }
                        }
                    } }
                }
            }
        }))
    })
}

/// A participant's own portal: questionnaires due, visits, progress.
fn own_portal<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        if actor.own_participants.is_empty() {
            return Ok(None);
        }
        let mut portals = Vec::new();
        for id in &actor.own_participants {
            let p = app.view_participant(actor, id).await?;
            let site = app.site_for_display(&p.site_id).await?;
            let due = app.questionnaires_due(actor, &p.id).await?;
            let doses = super::charts::dose_markers(&app.dosing_dates(actor, &p.id).await?);
            let today = app.local_today(&site);
            let outcomes = app.outcomes(actor, &p.id).await?;
            let visits = app.upcoming_visits(actor, &p.id).await?;
            portals.push(super::portal::portal(&p, &outcomes, &visits, &due, &doses, &site.time_zone, today));
        }
        Ok(Some(html! { @for portal in &portals { (portal) } }))
    })
}
