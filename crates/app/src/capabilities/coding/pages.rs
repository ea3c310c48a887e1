//! The coder's page: the events to code at their sites (term, the reporter's words, the code
//! it had if its term changed since), each with the dictionary's suggestions and a code to
//! enter; and the dictionaries loaded. Plus the coder's dashboard line.

use crate::App;
use crate::capabilities::coding::usecases::ToCode;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::policy::{Action, Actor};
use maud::{Markup, html};
use std::collections::HashMap;

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router.route("/coding", get(show)).route("/adverse-events/{event_id}/coding", post(code))
}

pub(crate) const DASHBOARD: &[DashboardSection] = &[DashboardSection { rank: DashboardRank::Personal, render: to_code }];

fn to_code<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        if !App::may_somewhere(actor, Action::CodeAdverseEvents) {
            return Ok(None);
        }
        let list = app.coding_worklist(actor, false).await?;
        if list.items.is_empty() && list.integrity.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="coding-heading" {
                h2 id="coding-heading" { "Coding" }
                p { a href="/coding" { (list.items.len()) " adverse event(s) to code" }
                    @if !list.integrity.is_empty() { " " strong.badge.bad { (list.integrity.len()) " record(s) fail their integrity check" } } }
            }
        }))
    })
}

pub async fn show(State(state): State<AppState>, auth: PageAuth, Query(q): Query<SavedQuery>) -> PageResult {
    render(&state, &auth.actor, q.notice(), None).await
}

async fn render(state: &AppState, actor: &Actor, notice: Option<Notice>, entered: Option<(&str, &HashMap<String, String>)>) -> PageResult {
    let list = state.app.coding_worklist(actor, true).await?;
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "Coding",
        actor,
        "/coding",
        html! {
            h1 { "Coding adverse events" }
            @if let Some(n) = notice { (n.render()) }
            @if !list.integrity.is_empty() {
                div.notice.error role="alert" { strong { "Some records fail their integrity check and are not shown:" }
                    ul { @for p in &list.integrity { li { (p) } } } }
            }
            @match list.dictionaries.first() {
                None => p.notice.warn { "No coding dictionary is loaded. The administrator loads the programme's licensed dictionary ("
                    code { "catalyst coding load" } ")." },
                Some(d) => p { "Coding to " strong { (d.name) " " (d.version) } " (" (d.entries) " entries, loaded " (when(d.loaded_at, &catalyst_core::time::TimeZoneName::utc())) ")." },
            }
            @if list.items.is_empty() { p { "Nothing to code: every event's current term is coded." } }
            @for item in &list.items { (item_form(item, &list.dictionaries, entered)) }
        },
    );
    Ok((status, body).into_response())
}

fn item_form(item: &ToCode, dictionaries: &[crate::capabilities::coding::domain::DictionaryRecord], entered: Option<(&str, &HashMap<String, String>)>) -> Markup {
    let e = &item.event.event;
    let typed = entered.filter(|(id, _)| *id == e.id).and_then(|(_, f)| f.get("code").cloned()).unwrap_or_default();
    let list_id = format!("suggest-{}", e.id);
    html! {
        section.card aria-labelledby={"code-" (e.id)} {
            h2 id={"code-" (e.id)} { (e.term_label) " " span.muted { "(" (item.site.code) ", revision " (e.revision) ")" } }
            p { "In the reporter's words: “" (e.details.verbatim) "”" }
            @if let Some(old) = &item.stale {
                p.notice.warn { "Was coded " (old.coding.code) " " (old.coding.coded_term) " for the term “" (old.coding.event_term) "”; the term has changed since." }
            }
            @if let Some(newest) = dictionaries.first() {
                form.stack method="post" action={"/adverse-events/" (e.id) "/coding"} {
                    input type="hidden" name="revision" value=(e.revision);
                    label { "Dictionary " select name="dictionary_id" required {
                        @for d in dictionaries { option value=(d.id) selected[d.id == newest.id] { (d.name) " " (d.version) } }
                    } }
                    label { "Code " input name="code" required list=(list_id) value=(typed) autocomplete="off"; }
                    datalist id=(list_id) { @for s in &item.suggested { option value=(s.code) { (s.term) " — " (s.body_system) } } }
                    @if !item.suggested.is_empty() {
                        p.muted { "Suggested (same term): " (item.suggested.iter().map(|s| format!("{} {} ({})", s.code, s.term, s.body_system)).collect::<Vec<_>>().join("; ")) }
                    }
                    button type="submit" { "Code it" }
                }
            }
        }
    }
}

pub async fn code(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(event_id): Path<String>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let text = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let result = match text("revision").parse::<u32>() {
        Ok(revision) => state.app.code_adverse_event(&auth.actor, &event_id, &text("dictionary_id"), &text("code"), revision).await.map(|_| ()),
        Err(_) => Err(DomainError::Invalid(vec![Violation::new("revision", "number", "the revision coded is a number")]).into()),
    };
    match result {
        Ok(()) => Ok(see_other("/coding", "Coded.")),
        Err(e) => render(&state, &auth.actor, Some(Notice::from_error(e)?), Some((&event_id, &form))).await,
    }
}
