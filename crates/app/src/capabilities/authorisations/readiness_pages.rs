//! A site's readiness page: every item of the checklists that bind the site with where it
//! stands today, who signed it off and until when, open findings, the history; and, for the
//! site lead, signing an item off or recording a finding.

use crate::App;
use crate::capabilities::authorisations::domain::readiness::{ItemState, SignoffInput};
use crate::platform::web::pages::layout::page;
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use catalyst_core::policy::{Action, Actor, Resource};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

fn state_badge(state: &ItemState) -> Markup {
    match state {
        ItemState::Met { valid_until: Some(end) } => html! { span.badge.good { "met" } " " span.muted { "until " (end) } },
        ItemState::Met { valid_until: None } => html! { span.badge.good { "met" } },
        ItemState::NeverChecked => html! { span.badge.bad { "never signed off" } },
        ItemState::Finding { finding } => html! { span.badge.bad { "finding" } " " (finding) },
        ItemState::Lapsed { on } => html! { span.badge.bad { "lapsed on " (on) } },
    }
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render(&state, &auth.actor, &site_id, q.notice(), None).await
}

async fn render(
    state: &AppState,
    actor: &Actor,
    site_id: &str,
    notice: Option<Notice>,
    entered: Option<&SignoffForm>,
) -> PageResult {
    let app = &state.app;
    let readiness = app.site_readiness(actor, site_id).await?;
    let site = app.view_site(actor, site_id).await?;
    let may_sign = App::may(actor, Action::ManageReadiness, Resource::Site { site_id });
    let mut names: HashMap<String, String> = HashMap::new();
    for s in &readiness.history {
        if !names.contains_key(&s.recorded_by)
            && let Some(user) = app.user_by_id(&s.recorded_by).await?
        {
            names.insert(s.recorded_by.clone(), user.display_name);
        }
    }
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let not_met = readiness.items.iter().filter(|i| !matches!(i.state, ItemState::Met { .. })).count();
    let labels: HashMap<(&str, &str), &str> =
        readiness.items.iter().map(|i| ((i.checklist_id.as_str(), i.item.id.as_str()), i.item.label.as_str())).collect();
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "Readiness",
        actor,
        "/sites",
        html! {
            h1 { "Readiness of " (site.name) }
            @if let Some(n) = notice { (n.render()) }
            @if readiness.ready {
                p.notice role="status" { span.badge.good { "ready" } " Every item is met on " (readiness.day) "; dosing sessions may be booked and held." }
            } @else {
                p.notice.error role="alert" { strong { (not_met) " of " (readiness.items.len()) " items not met on " (readiness.day) } ": dosing sessions at " (site.code) " are refused until each is signed off." }
            }
            p.muted { "Checklists version " (readiness.checklist_version) ", defined by the programme; each item names its source." }
            table {
                thead { tr { th { "Pathway" } th { "Category" } th { "Item" } th { "Standing" } th { "Last checked" } @if may_sign { th { "Sign off" } } } }
                // Items not met first: they are what stops dosing.
                tbody { @for i in readiness.items.iter().filter(|i| !matches!(i.state, ItemState::Met { .. })).chain(readiness.items.iter().filter(|i| matches!(i.state, ItemState::Met { .. }))) {
                    @let this = entered.filter(|f| f.checklist_id == i.checklist_id && f.item_id == i.item.id);
                    tr id={"item-" (i.item.id)} {
                        td { (i.pathway) }
                        td { (i.item.category.label()) }
                        td { (i.item.label) br; span.muted { (i.item.source) }
                            @if let Some(days) = i.item.renew_every_days { br; span.muted { "Check every " (days) " days" } } }
                        td { (state_badge(&i.state)) }
                        td { @if let Some(s) = &i.latest { (s.checked_on) " by " (name(&s.recorded_by)) } @else { "never" } }
                        @if may_sign { td {
                            @if this.is_some() { p.notice.error { strong { "Not signed" } ": see the problems above." } }
                            // Folded: a lead signs one item at a time; an item refused a moment ago stays open.
                            details open[this.is_some() || !matches!(i.state, ItemState::Met { .. })] {
                            summary { "Sign off" span.visually-hidden { " " (i.item.label) } }
                            form method="post" action={"/sites/" (site.id) "/readiness#item-" (i.item.id)} {
                                input type="hidden" name="checklist_id" value=(i.checklist_id);
                                input type="hidden" name="item_id" value=(i.item.id);
                                @let outcome = this.map(|f| f.outcome.as_str()).unwrap_or("");
                                label { "Outcome " select name="outcome" required aria-label={"Outcome for " (i.item.label)} {
                                    option value="" selected[outcome.is_empty()] { "choose" }
                                    option value="met" selected[outcome == "met"] { "met" }
                                    option value="not_met" selected[outcome == "not_met"] { "not met (finding)" } } }
                                label { "Finding " input name="finding" aria-label={"Finding for " (i.item.label)} value=(this.map(|f| f.finding.as_str()).unwrap_or("")); }
                                label { "Your password " input type="password" name="password" required autocomplete="current-password"; }
                                button.secondary type="submit" aria-label={"Sign " (i.item.label)} { "Sign" }
                            }
                            }
                        } }
                    }
                } }
            }
            details {
                summary { "History (" (readiness.history.len()) " sign-offs)" }
                table {
                    thead { tr { th { "Checked" } th { "Item" } th { "Outcome" } th { "Finding" } th { "Valid until" } th { "By" } } }
                    tbody { @for s in readiness.history.iter().rev() {
                        tr {
                            td { (s.checked_on) }
                            td { (labels.get(&(s.checklist_id.as_str(), s.item_id.as_str())).copied().unwrap_or(s.item_id.as_str())) }
                            td { (s.outcome.as_str()) }
                            td { (s.finding.clone().unwrap_or_default()) }
                            td { (s.valid_until.clone().unwrap_or_default()) }
                            td { (name(&s.recorded_by)) }
                        }
                    } }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

#[derive(Deserialize)]
pub struct SignoffForm {
    checklist_id: String,
    item_id: String,
    outcome: String,
    #[serde(default)]
    finding: String,
    password: String,
}

pub async fn sign_off(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(f): PageForm<SignoffForm>,
) -> PageResult {
    let input = SignoffInput {
        checklist_id: f.checklist_id.clone(),
        item_id: f.item_id.clone(),
        outcome: f.outcome.clone(),
        finding: (!f.finding.trim().is_empty()).then(|| f.finding.clone()),
    };
    match state.app.sign_off_readiness(&auth.actor, &site_id, &input, &f.password).await {
        Ok(_) => Ok(see_other(&format!("/sites/{site_id}/readiness"), "Readiness item signed.")),
        Err(e) => render(&state, &auth.actor, &site_id, Some(Notice::from_error(e)?), Some(&f)).await,
    }
}
