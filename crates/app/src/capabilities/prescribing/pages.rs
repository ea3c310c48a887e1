//! A participant's prescriptions page: what is prescribed for which session, by whom, signed;
//! and, for an authorised prescriber, the form that writes one, one row per dosing session of
//! the course with the protocol's doses as the most that may be entered.

use crate::App;
use crate::capabilities::prescribing::domain::{
    DoseDecision, DoseDecisionInput, PrescribedDose, Prescription, PrescriptionInput, PrescriptionStatus, session_limit,
};
use crate::platform::web::pages::layout::page;
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::policy::{Action, Actor, Resource};
use maud::{Markup, html};
use std::collections::HashMap;

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/participants/{participant_id}/prescriptions", get(show).post(prescribe))
        .route("/prescriptions/{prescription_id}/cancel", post(cancel))
        .route("/participants/{participant_id}/dose-decisions", post(decide))
        .route("/dose-decisions/{decision_id}/confirm", post(confirm))
}

fn mg(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") }
}

fn plan_text(rx: &Prescription) -> Markup {
    html! { @for d in &rx.plan.doses {
        div { strong { (d.visit_id) } ": " (mg(d.initial_mg)) " mg"
            @if let Some(s) = d.supplemental_mg { " + " (mg(s)) " mg supplemental" } }
    } }
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render(&state, &auth.actor, &participant_id, q.notice(), &HashMap::new()).await
}

async fn render(
    state: &AppState,
    actor: &Actor,
    participant_id: &str,
    notice: Option<Notice>,
    entered: &HashMap<String, String>,
) -> PageResult {
    let app = &state.app;
    let all = app.prescriptions(actor, participant_id).await?;
    let p = app.view_participant(actor, participant_id).await?;
    let resource = Resource::Participant { site_id: &p.site_id, participant_id };
    let may_prescribe = App::may(actor, Action::Prescribe, resource);
    let may_manage = App::may(actor, Action::ManageAuthorisations, Resource::Site { site_id: &p.site_id });
    let mut shown = Vec::new();
    for rx in &all {
        let prescriber = app.user_by_id(&rx.prescriber_id).await?.map_or_else(|| rx.prescriber_id.clone(), |u| u.display_name);
        let signed = app.signatures_for(actor, "prescription", &rx.id).await?;
        shown.push((rx, prescriber, signed));
    }
    let may_decide = App::may(actor, Action::DecideDoseAbovePrescription, resource);
    let decisions = app.dose_decisions(actor, participant_id).await?;
    let mut decided = Vec::new();
    for d in &decisions {
        let physician = app.user_by_id(&d.decided_by).await?.map_or_else(|| d.decided_by.clone(), |u| u.display_name);
        let signed = app.signatures_for(actor, "dose_decision", &d.id).await?;
        decided.push((d, physician, signed));
    }
    let planned = if may_prescribe { app.planned_dosing(participant_id).await? } else { None };
    let products = if may_prescribe { app.approved_products(&p.site_id, &actor.user_id).await? } else { Vec::new() };
    let value = |name: &str, default: String| entered.get(name).cloned().unwrap_or(default);
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        &format!("Prescriptions for {}", p.code),
        actor,
        "/sites",
        html! {
            h1 { "Prescriptions for " a href={"/participants/" (p.id)} { (p.code) } }
            @if let Some(n) = notice { (n.render()) }
            @if all.is_empty() { p { "Nothing is prescribed yet." } } @else {
                table {
                    thead { tr { th { "Issued" } th { "Prescriber" } th { "Product" } th { "Doses" } th { "Total" } th { "Status" } th { "Signature" }
                        @if may_prescribe { th { "Cancel" } } } }
                    tbody { @for (rx, prescriber, signed) in &shown {
                        tr {
                            td { (rx.issued_on) @if let Some(end) = &rx.expires_on { br; span.muted { "until " (end) } } }
                            td { (prescriber) }
                            td { (rx.product) br; span.muted { (rx.indication) ", " (mg(rx.plan.strength_mg)) " mg units" } }
                            td { (plan_text(rx)) }
                            td { (mg(rx.total_mg())) " mg" }
                            td { @if rx.status == PrescriptionStatus::Active { span.badge.good { "active" } } @else { span.badge { "cancelled" } } }
                            td {
                                @if signed.is_empty() { span.badge.bad { "unsigned" } }
                                @for s in signed.iter() {
                                    div { span.muted { (s.manifestation) } }
                                    // A cancellation changes the record after signing; anything
                                    // else that does is a change outside Catalyst's write path.
                                    @if s.record_unchanged == Some(false) {
                                        @if rx.status == PrescriptionStatus::Cancelled { div.muted { "(cancelled after it was signed)" } }
                                        @else { div { strong.badge.bad role="alert" { "changed since it was signed: do not dispense or give from it" } } }
                                    }
                                }
                            }
                            @if may_prescribe { td { @if rx.status == PrescriptionStatus::Active && (rx.prescriber_id == actor.user_id || may_manage) {
                                form.inline method="post" action={"/prescriptions/" (rx.id) "/cancel"} {
                                    input name="reason" required aria-label={"Reason for cancelling the prescription of " (rx.issued_on)} placeholder="reason";
                                    " " button.secondary type="submit" { "Cancel" }
                                }
                            } } }
                        }
                    } }
                }
            }
            (decisions_section(&p.id, &all, &decisions, &decided, may_decide, &actor.user_id, entered))
            @if may_prescribe {
                h2 { "Prescribe" }
                @match &planned {
                    None => p { (p.code) " is not enrolled on a protocol yet: there are no dosing sessions to prescribe for." },
                    Some(planned) => form method="post" action={"/participants/" (p.id) "/prescriptions"} {
                        p.muted { "You sign the prescription as you write it. Doses may not exceed the protocol's and are given in whole units; the server checks your approval, the participant's authorisations and the site's readiness." }
                        datalist id="approved-products" { @for (product, _) in &products { option value=(product) {} } }
                        datalist id="approved-indications" { @for (_, indication) in &products { option value=(indication) {} } }
                        label { "Product " input name="product" required list="approved-products"
                            value=(value("product", products.first().map(|p| p.0.clone()).unwrap_or_default())); }
                        label { "Indication " input name="indication" required list="approved-indications"
                            value=(value("indication", products.first().map(|p| p.1.clone()).unwrap_or_default())); }
                        label { "Strength of one unit (mg) " input name="strength_mg" required inputmode="decimal" value=(value("strength_mg", "20".into())); }
                        table {
                            caption { "Dosing sessions (the protocol's doses are the most that may be prescribed)" }
                            thead { tr { th { "Prescribe" } th { "Session" } th { "Initial (mg)" } th { "Supplemental (mg)" } } }
                            tbody { @for s in planned {
                                @let taken = all.iter().any(|rx| rx.status == PrescriptionStatus::Active && rx.dose_for(&s.visit_id).is_some());
                                tr {
                                    td { @if taken { span.badge { "prescribed" } } @else {
                                        input type="checkbox" name={"dose_" (s.visit_id)} value="on" id={"dose_" (s.visit_id)}
                                            checked[entered.get(&format!("dose_{}", s.visit_id)).is_some()]; } }
                                    td { label for={"dose_" (s.visit_id)} { (s.visit_id) } }
                                    td { input name={"initial_" (s.visit_id)} inputmode="decimal" aria-label={"Initial dose for " (s.visit_id)}
                                        value=(value(&format!("initial_{}", s.visit_id), mg(s.initial_mg))); }
                                    td { @if let Some(sup) = s.supplemental_mg {
                                        input name={"supplemental_" (s.visit_id)} inputmode="decimal" aria-label={"Supplemental dose for " (s.visit_id)}
                                            value=(value(&format!("supplemental_{}", s.visit_id), mg(sup)));
                                    } @else { span.muted { "none planned" } } }
                                }
                            } }
                        }
                        label { "Expires on (optional) " input type="date" name="expires_on" value=(value("expires_on", String::new())); }
                        label { "Your password, to sign " input type="password" name="password" required autocomplete="current-password"; }
                        button type="submit" { "Prescribe and sign" }
                    },
                }
            }
        },
    );
    Ok((status, body).into_response())
}

/// The physicians' decisions above the prescriptions, and for a physician the form that
/// records one (choosing an active prescription's session, which shows its current limit).
fn decisions_section(
    participant_id: &str,
    all: &[Prescription],
    decisions: &[DoseDecision],
    decided: &[(&DoseDecision, String, Vec<crate::platform::esign::ShownSignature>)],
    may_decide: bool,
    actor_id: &str,
    entered: &HashMap<String, String>,
) -> Markup {
    let sessions: Vec<(String, String)> = all
        .iter()
        .filter(|rx| rx.status == PrescriptionStatus::Active)
        .flat_map(|rx| {
            rx.plan.doses.iter().filter_map(move |d| {
                let limit = session_limit(rx, &d.visit_id, decisions)?;
                Some((format!("{}/{}", rx.id, d.visit_id), format!("{}: now at most {} mg", d.visit_id, mg(limit.mg))))
            })
        })
        .collect();
    let chosen = entered.get("session").cloned().unwrap_or_default();
    html! {
        @if !decided.is_empty() || may_decide { h2 { "Decisions above the prescription" } }
        @if !decided.is_empty() {
            table {
                thead { tr { th { "Decided" } th { "Physician" } th { "Session" } th { "Most for the session" } th { "Reason" } th { "Signatures" } } }
                tbody { @for (d, physician, signed) in decided {
                    tr {
                        td { (d.decided_on) }
                        td { (physician) }
                        td { (d.visit_id) }
                        td { (mg(d.session_mg)) " mg"
                            @if d.above_protocol { br; span.muted { "above the protocol's plan" } }
                            br;
                            @if d.in_effect() { span.badge.good { "in effect" } }
                            @else { span.badge.warn { "awaiting a second physician" } } }
                        td { (d.reason) }
                        td { @if signed.is_empty() { span.badge.bad { "unsigned" } }
                            @for s in signed { div { span.muted { (s.manifestation) } } }
                            // A confirmation changes the record after its first signature; the
                            // record as it stands must match at least one signature.
                            @if !signed.is_empty() && signed.iter().all(|s| s.record_unchanged == Some(false)) {
                                div { strong.badge.bad role="alert" { "changed since it was signed: do not dispense or give from it" } }
                            }
                            @if may_decide && !d.in_effect() && d.decided_by != actor_id {
                                form.inline method="post" action={"/dose-decisions/" (d.id) "/confirm"} {
                                    label { "Your password, to confirm as the second physician "
                                        input type="password" name="password" required autocomplete="current-password"; }
                                    " " button type="submit" { "Confirm" }
                                }
                            } }
                    }
                } }
            }
        }
        @if may_decide && !sessions.is_empty() {
            form method="post" action={"/participants/" (participant_id) "/dose-decisions"} {
                p.muted { "A signed decision lets the pharmacy dispense, and the session team give, more than the prescription allows for one session: the new most for the whole session, initial and supplemental doses together, in whole units." }
                label { "Session " select name="session" required {
                    @for (value, label) in &sessions { option value=(value) selected[*value == chosen] { (label) } }
                } }
                label { "New most for the session (mg) " input name="session_mg" required inputmode="decimal"
                    value=(entered.get("session_mg").cloned().unwrap_or_default()); }
                label { "Clinical reason " input name="reason" required value=(entered.get("reason").cloned().unwrap_or_default()); }
                label { "Your password, to sign " input type="password" name="password" required autocomplete="current-password"; }
                button type="submit" { "Record and sign the decision" }
            }
        }
    }
}

/// Reads the form: one dose per ticked session, in course order; an unreadable number is named
/// by its field.
fn input_from(form: &HashMap<String, String>, planned: &[String]) -> Result<PrescriptionInput, Vec<Violation>> {
    let mut problems = Vec::new();
    let mut number = |field: &str, shown: &str| -> Option<f64> {
        let text = form.get(field).map(|v| v.trim()).unwrap_or("");
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                problems.push(Violation::new(shown, "number", format!("{shown} must be a number of milligrams; got {text:?}")));
                None
            }
        }
    };
    let strength = number("strength_mg", "strength_mg");
    let mut doses = Vec::new();
    for (i, visit) in planned.iter().filter(|v| form.contains_key(&format!("dose_{v}"))).enumerate() {
        let initial = number(&format!("initial_{visit}"), &format!("doses[{i}].initial_mg"));
        let supplemental = match form.get(&format!("supplemental_{visit}")).map(|v| v.trim()) {
            None | Some("") => None,
            Some(_) => number(&format!("supplemental_{visit}"), &format!("doses[{i}].supplemental_mg")),
        };
        if let Some(initial_mg) = initial {
            doses.push(PrescribedDose { visit_id: visit.clone(), initial_mg, supplemental_mg: supplemental });
        }
    }
    let text = |name: &str| form.get(name).cloned().unwrap_or_default();
    let expires = text("expires_on");
    match (strength, problems.is_empty()) {
        (Some(strength_mg), true) => Ok(PrescriptionInput {
            product: text("product"),
            indication: text("indication"),
            strength_mg,
            doses,
            expires_on: (!expires.trim().is_empty()).then_some(expires),
        }),
        _ => Err(problems),
    }
}

pub async fn prescribe(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    PageForm(mut form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let app = &state.app;
    let password = form.remove("password").unwrap_or_default();
    let planned: Vec<String> =
        app.planned_dosing(&participant_id).await?.unwrap_or_default().into_iter().map(|p| p.visit_id).collect();
    let result = match input_from(&form, &planned) {
        Ok(input) => app.prescribe(&auth.actor, &participant_id, &input, &password).await,
        Err(problems) => Err(DomainError::Invalid(problems).into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/participants/{participant_id}/prescriptions"), "Prescription written and signed.")),
        Err(e) => render(&state, &auth.actor, &participant_id, Some(Notice::from_error(e)?), &form).await,
    }
}

#[derive(serde::Deserialize)]
pub struct CancelForm {
    reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<CancelForm>,
) -> PageResult {
    let cancelled = state.app.cancel_prescription(&auth.actor, &id, &f.reason).await?;
    Ok(see_other(&format!("/participants/{}/prescriptions", cancelled.participant_id), "Prescription cancelled."))
}

pub async fn decide(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    PageForm(mut form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let password = form.remove("password").unwrap_or_default();
    let text = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let (prescription_id, visit_id) = text("session").split_once('/').map(|(r, v)| (r.to_owned(), v.to_owned())).unwrap_or_default();
    let mg_text = text("session_mg");
    let result = match mg_text.parse::<f64>() {
        Ok(session_mg) if session_mg.is_finite() => {
            let input = DoseDecisionInput { prescription_id, visit_id, session_mg, reason: text("reason") };
            state.app.decide_dose_above_prescription(&auth.actor, &participant_id, &input, &password).await
        }
        _ => Err(DomainError::Invalid(vec![Violation::new(
            "session_mg",
            "number",
            format!("session_mg must be a number of milligrams; got {mg_text:?}"),
        )])
        .into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/participants/{participant_id}/prescriptions"), "Decision recorded and signed.")),
        Err(e) => render(&state, &auth.actor, &participant_id, Some(Notice::from_error(e)?), &form).await,
    }
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    password: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<ConfirmForm>,
) -> PageResult {
    let confirmed = state.app.confirm_dose_decision(&auth.actor, &id, &f.password).await?;
    Ok(see_other(&format!("/participants/{}/prescriptions", confirmed.participant_id), "Decision confirmed and signed."))
}
