//! The dashboard: what each person needs first, by role.

use super::layout::{page, when};
use super::{PageAuth, PageResult, SavedQuery};
use crate::App;
use crate::capabilities::people::domain::{Participant, Role, Stage};
use crate::capabilities::people::pages::stage_label;
use crate::platform::web::state::AppState;
use axum::extract::Query;
use axum::extract::State;
use catalyst_core::policy::{Action, Resource};
use maud::{Markup, html};

pub async fn dashboard(
    State(state): State<AppState>,
    auth: PageAuth,
    Query(q): Query<SavedQuery>,
) -> PageResult<Markup> {
    let notice = q.notice();
    let app = &state.app;
    let actor = &auth.actor;
    app.authorize(actor, Action::ViewDashboard, Resource::System).await?;
    let now = app.now();

    let own: Vec<Participant> = {
        let mut own = Vec::new();
        for id in &actor.own_participants {
            own.push(app.view_participant(actor, id).await?);
        }
        own
    };

    let sites = if actor.grants.iter().any(|g| g.role != Role::Participant) {
        app.visible_sites(actor).await?
    } else {
        Vec::new()
    };
    let mut site_cards = Vec::new();
    for site in &sites {
        let counts = if App::may(actor, Action::ViewTreatment, Resource::Site { site_id: &site.id }) {
            Some(app.stage_counts(actor, &site.id).await?)
        } else {
            None
        };
        site_cards.push((site, counts));
    }

    let alerts = app.open_alerts(actor).await?;
    let credential_warnings = app.credential_warnings(actor).await?;
    let mut portal = Vec::new();
    for p in &own {
        let site = app.site_for_display(&p.site_id).await?;
        let due = app.questionnaires_due(actor, &p.id).await?;
        let doses = crate::capabilities::outcomes::charts::dose_markers(&app.dosing_dates(actor, &p.id).await?);
        let today = app.local_today(&site);
        portal.push((
            p,
            app.outcomes(actor, &p.id).await?,
            app.upcoming_visits(actor, &p.id).await?,
            due,
            doses,
            site,
            today,
        ));
    }

    let site_codes = app.site_codes().await?;
    let roles: Vec<String> = actor
        .grants
        .iter()
        .map(|g| {
            let site = match &g.site_id {
                Some(id) => site_codes.get(id).map(String::as_str).unwrap_or("an unknown site"),
                None => "all sites",
            };
            format!("{} at {site}", g.role.label())
        })
        .collect();

    Ok(page(
        "Dashboard",
        actor,
        "/",
        html! {
            h1 { "Welcome, " (actor.display_name) }
            p.muted { "Signed in as " (roles.join(", ")) "." }

            @if let Some(n) = notice { (n.render()) }
            @if !alerts.is_empty() {
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
            }
            @if !credential_warnings.is_empty() {
                section aria-labelledby="credentials-heading" {
                    h2 id="credentials-heading" { "Therapist credentials needing attention" }
                    ul { @for (site, v) in &credential_warnings {
                        li { a href={"/sites/" (site.id) "/credentials"} { (v.name) } " (" (site.code) "): "
                            @if !v.current { strong { "not current — cannot be booked into dosing sessions" } }
                            @else if let Some(e) = v.expiring_on { "certification ends " (e) } }
                    } }
                }
            }
            @for (p, outcomes, visits, due, doses, site, today) in &portal {
                (crate::capabilities::outcomes::portal::portal(p, outcomes, visits, due, doses, &site.time_zone, *today))
            }

            @if !site_cards.is_empty() {
                h2 { "Sites" }
                div.cards {
                    @for (site, counts) in &site_cards {
                        section.card aria-labelledby={"site-" (site.id)} {
                            h2 id={"site-" (site.id)} { a href={"/sites/" (site.id)} { (site.name) } }
                            p.muted { (site.code) " · " (site.jurisdiction) " · local time " (when(now, &site.time_zone)) }
                            @if let Some(counts) = counts { (stage_bars(counts)) }
                            @if App::may(actor, Action::ViewParticipants, Resource::Site { site_id: &site.id }) {
                                p { a href={"/sites/" (site.id) "/participants"} { "Participants at " (site.code) } }
                            }
                        }
                    }
                }
            }

            @if App::may(actor, Action::VerifyAudit, Resource::System) {
                h2 { "Records integrity" }
                form method="post" action="/audit/verify" {
                    p { "Recompute every ledger chain, check every commit's signature and compare the rebuilt state with the live records. " }
                    button type="submit" { "Verify the audit trail now" }
                }
            }
        },
    ))
}

/// Participants per stage as horizontal bars, in course order, with the numbers written out.
fn stage_bars(counts: &[(String, i64)]) -> Markup {
    let count_of = |stage: Stage| counts.iter().find(|(s, _)| s == stage.as_str()).map(|(_, n)| *n).unwrap_or(0);
    let max = Stage::ALL.iter().map(|s| count_of(*s)).max().unwrap_or(0).max(1);
    let total: i64 = Stage::ALL.iter().map(|s| count_of(*s)).sum();
    html! {
        figure {
            figcaption.muted { (total) " participants by stage" }
            @for stage in Stage::ALL {
                @let n = count_of(*stage);
                div.bar {
                    span { (stage_label(*stage)) }
                    // SVG attributes, not inline styles: the content security policy forbids those.
                    svg aria-hidden="true" width="100%" height="14" { rect width={(n * 100 / max) "%"} height="14" rx="3" fill="#0b5cad" {} }
                    span.num { (n) }
                }
            }
        }
    }
}
