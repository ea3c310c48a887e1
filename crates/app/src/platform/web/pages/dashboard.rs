//! The dashboard: what each person needs first. Each capability contributes its sections
//! (`Capability::dashboard`); urgent ones (safety alerts, lapsed credentials) come first, then
//! the person's own, then overviews.

use super::layout::page;
use super::{PageAuth, PageResult, SavedQuery};
use crate::App;
use crate::platform::capability::dashboard_sections;
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

    let mut sections = Vec::new();
    for section in dashboard_sections() {
        if let Some(markup) = (section.render)(app, actor).await? {
            sections.push(markup);
        }
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
            @for section in &sections { (section) }

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
