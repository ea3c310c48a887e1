//! Screening and consent pages: the screening record with its evolving decision, every
//! criterion with its source, the investigator's signed confirmation or override, and consent
//! signing (participant and witness) with withdrawal at any time.

use axum::routing::{get, post};
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::App;
use crate::platform::web::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use catalyst_core::DomainError;
use crate::capabilities::eligibility::domain::{ConsentPart, PartState, ScreeningStatus, superseded_by};
use catalyst_core::policy::{Action, Actor, Resource};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

/// This capability's pages, added to the platform's router.
pub(crate) fn routes(router: axum::Router<crate::platform::web::AppState>) -> axum::Router<crate::platform::web::AppState> {
    router
        .route(
        "/participants/{participant_id}/screening",
        get(screening).post(submit_screening),
        )
        .route("/participants/{participant_id}/screening/preview", post(preview))
        .route("/screenings/{screening_id}/decision", post(decide))
        .route("/participants/{participant_id}/consent", get(consent).post(give_consent))
        .route("/participants/{participant_id}/consent/withdraw", post(withdraw))
        .route("/participants/{participant_id}/portal-account", post(portal_account))
}

/// A starting record for a new screening: every field present, so nothing is missed by omission.
const TEMPLATE: &str = r#"{
  "date_of_birth": null,
  "sex_at_birth": "unknown",
  "ptsd": { "diagnosis": "unknown", "duration_months": null },
  "caps5": null,
  "trauma_therapy": null,
  "medication_trials": null,
  "current_medications": null,
  "nightmares": "unknown",
  "specialised_programme_referral": "unknown",
  "psychiatric_conditions": null,
  "medical_conditions": null,
  "substance_use": null,
  "prior_mdma_use": { "used": "unknown" },
  "reproductive": { "can_become_pregnant": "unknown", "pregnant": "unknown", "lactating": "unknown" },
  "blood_pressure": [],
  "qtc_ms": null,
  "arrhythmia_history": "unknown",
  "liver_function": null,
  "cssrs_risk": null,
  "programme": { "authorities": [] }
}"#;

fn status_class(status: &str) -> &'static str {
    match status {
        "met" | "eligible" | "treatment_resistant" => "badge good",
        "not_met" | "ineligible" => "badge bad",
        _ => "badge",
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The decision with every reason and criterion, each with its source.
pub fn decision_view(decision: &Value) -> Markup {
    let d = |k: &str| decision.get(k).cloned().unwrap_or(Value::Null);
    html! {
        section.decision aria-labelledby="decision-heading" {
            h2 id="decision-heading" { "Decision: " span class=(status_class(&text(&d("decision")))) { (text(&d("decision")).replace('_', " ")) }
                @if let Some(from) = d("eligible_from").as_str() { " from " (from) } }
            p.muted { "As of " (text(&d("as_of"))) " · rule sets "
                @for r in d("rule_sets").as_array().into_iter().flatten() { (text(&r["id"])) " v" (text(&r["version"])) "; " } }
            @let reasons = d("reasons");
            @if reasons.as_array().is_some_and(|r| !r.is_empty()) {
                h3 { "Reasons" }
                ul { @for r in reasons.as_array().into_iter().flatten() {
                    li { span class=(if r["effect"] == "ineligible" { "badge bad" } else { "badge" }) { (text(&r["effect"])) } " " (text(&r["message"]))
                        br; span.muted { (text(&r["rule_set"])) " " (text(&r["rule_id"])) " — " (text(&r["source"])) } }
                } }
            }
            h3 { "Guideline readiness (seed 003)" }
            p { span class=(status_class(&text(&d("guideline")["status"]))) { (text(&d("guideline")["status"]).replace('_', " ")) } }
            table {
                thead { tr { th { "Step" } th { "Status" } th { "Why" } th { "Source" } } }
                tbody { @for s in d("guideline")["steps"].as_array().into_iter().flatten() {
                    tr { td { (text(&s["step"])) ". " (text(&s["description"])) } td { span class=(status_class(&text(&s["status"]))) { (text(&s["status"])) } }
                         td { (text(&s["reason"])) } td.muted { (text(&s["source"])) } }
                } }
            }
            h3 { "Protocol eligibility" }
            table {
                thead { tr { th { "Criterion" } th { "Status" } th { "Evidence" } th { "Source" } } }
                tbody { @for c in d("criteria").as_array().into_iter().flatten() {
                    tr { td { (text(&c["description"])) } td { span class=(status_class(&text(&c["status"]))) { (text(&c["status"])) } }
                         td { (text(&c["reason"])) } td.muted { (text(&c["source"])) } }
                } }
            }
            h3 { "Medications" }
            @if d("medications")["actions"].as_array().is_none_or(|a| a.is_empty()) { p.muted { "No medication needs action." } }
            ul { @for a in d("medications")["actions"].as_array().into_iter().flatten() {
                li { strong { (text(&a["drug"])) } " (" (text(&a["class"])) "): " (text(&a["action"]).replace('_', " "))
                    @if let Some(done) = a.get("washout_complete_on").and_then(Value::as_str) { ", washout complete on " (done) }
                    br; span.muted { (text(&a["source"])) } }
            } }
            h3 { "Access pathway" }
            p { span class=(status_class(&text(&d("pathway")["status"]))) { (text(&d("pathway")["status"])) } " " (text(&d("pathway")["reason"]))
                br; span.muted { (text(&d("pathway")["source"])) } }
        }
    }
}

async fn render_screening(
    state: &AppState,
    actor: &Actor,
    participant_id: &str,
    record: Option<String>,
    evaluated: Option<Value>,
    notice: Option<Notice>,
) -> PageResult {
    let app = &state.app;
    let p = app.view_participant(actor, participant_id).await?;
    let screenings = app.screenings(actor, participant_id).await?;
    let may_confirm =
        App::may(actor, Action::ConfirmEligibility, Resource::Participant { site_id: &p.site_id, participant_id });
    let latest = screenings.first();
    let mut signed = Vec::new();
    for s in screenings.iter().filter(|s| s.status != ScreeningStatus::Draft) {
        signed.push((s.id.clone(), app.signatures_for(actor, "screening", &s.id).await?));
    }
    let record = record.unwrap_or_else(|| {
        latest
            .and_then(|s| serde_json::from_str::<Value>(&s.record).ok())
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| TEMPLATE.to_owned())
    });
    let shown = evaluated.or_else(|| latest.and_then(|s| serde_json::from_str(&s.evaluation).ok()));
    let site = app.site_for_display(&p.site_id).await?;
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        &format!("Screening {}", p.code),
        actor,
        "/sites",
        html! {
            h1 { "Screening of " a href={"/participants/" (p.id)} { (p.code) } }
            @if let Some(n) = notice { (n.render()) }
            @for s in &screenings {
                div.signature {
                    p { strong { "Screening of " (when(s.evaluated_at, &site.time_zone)) } ": rules say " (s.rules_decision.as_str().replace('_', " "))
                        " · " span class=(if s.status == ScreeningStatus::Draft { "badge" } else { "badge good" }) { (s.status) }
                        @if let Some(f) = &s.final_decision { " · decision: " strong { (f.as_str().replace('_', " ")) } }
                        @if let Some(r) = &s.override_reason { br; "Overridden: " em { (r) } } }
                    @for (_, sigs) in signed.iter().filter(|(id, _)| *id == s.id) {
                        @for sig in sigs { p.muted { (sig.manifestation) @if sig.record_unchanged == Some(false) { " — the record changed after signing" } } }
                    }
                    @if let (ScreeningStatus::Draft, Some(later)) = (s.status, superseded_by(s, &screenings)) {
                        p.muted { "Superseded by the screening of " (when(later.evaluated_at, &site.time_zone)) ", which was signed: this draft can no longer be signed." }
                    } @else if s.status == ScreeningStatus::Draft && may_confirm {
                        form.inline method="post" action={"/screenings/" (s.id) "/decision"} {
                            input type="hidden" name="participant_id" value=(p.id);
                            label { span.hint { "Override to (leave empty to confirm)" } select name="override_decision" {
                                option value="" { "— confirm the rules' decision —" }
                                @for d in ["eligible", "eligible_after_washout", "ineligible", "needs_review"] { option value=(d) { (d.replace('_', " ")) } }
                            } }
                            label { span.hint { "Reason (required to override)" } input name="reason"; }
                            label { span.hint { "Your password (e-signature)" } input type="password" name="password" required autocomplete="current-password"; }
                            button type="submit" { "Sign decision" }
                        }
                    }
                }
            }
            div.screening-grid {
                div {
                    (crate::capabilities::eligibility::screening_form::guided_form(
                        &format!("/participants/{}/screening", p.id),
                        &format!("/participants/{}/screening/preview", p.id),
                        &serde_json::from_str::<Value>(&record).unwrap_or(Value::Null),
                    ))
                    details {
                        summary { "Edit the record as JSON (imports from other systems)" }
                        form.stack.screening-json method="post" action={"/participants/" (p.id) "/screening"} {
                            label { "Screening record (JSON)" span.hint { "The format of " code { "catalyst screen" } "; see docs/screening.md." }
                                textarea name="record" rows="24" spellcheck="false" class="mono" { (record) } }
                            div { button type="submit" name="action" value="evaluate" { "Evaluate" } " "
                                  button.secondary type="submit" name="action" value="save" { "Save screening" } }
                        }
                    }
                }
                div id="decision" aria-live="polite" {
                    @if let Some(decision) = &shown { (decision_view(decision)) } @else { p.muted { "The decision appears here as you fill in the form." } }
                }
            }
            script src="/static/screening.js" defer {}
        },
    );
    Ok((status, body).into_response())
}

pub async fn screening(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_screening(&state, &auth.actor, &id, None, None, q.notice()).await
}

/// The record from either form: the JSON editor's `record` field, or the guided fields.
fn submitted_record(fields: &[(String, String)]) -> Result<Value, (String, String)> {
    match fields.iter().find(|(n, _)| n == "record") {
        Some((_, text)) => {
            serde_json::from_str(text).map_err(|e| (text.clone(), format!("the record is not valid JSON: {e}")))
        }
        None => {
            let problems = crate::capabilities::eligibility::screening_form::form_problems(fields);
            if !problems.is_empty() {
                // The form comes back filled in as it was, with the problems named.
                let refill =
                    serde_json::to_string_pretty(&crate::capabilities::eligibility::screening_form::record_from(fields)).unwrap_or_default();
                let message =
                    problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; ");
                return Err((refill, message));
            }
            Ok(crate::capabilities::eligibility::screening_form::record_from(fields))
        }
    }
}

/// The decision for the guided form as it stands, as an HTML fragment (for live updates).
pub async fn preview(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let problems = crate::capabilities::eligibility::screening_form::form_problems(&fields);
    if !problems.is_empty() {
        return Ok(html! {
            div.notice.warn {
                p { strong { "Not evaluated yet: " } "complete or correct these fields." }
                ul { @for v in &problems { li { code { (v.field) } ": " (v.message) } } }
            }
        }
        .into_response());
    }
    let record = crate::capabilities::eligibility::screening_form::record_from(&fields);
    match state.app.evaluate_screening(&auth.actor, &id, &record).await {
        Ok(decision) => Ok(decision_view(&serde_json::to_value(&decision).unwrap_or(Value::Null)).into_response()),
        Err(crate::AppError::Domain(DomainError::Invalid(problems))) => Ok(html! {
            div.notice.warn {
                p { strong { "Not evaluated yet: " } "complete or correct these fields." }
                ul { @for v in &problems { li { code { (v.field.trim_start_matches("record.")) } ": " (v.message) } } }
            }
        }
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn submit_screening(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let action = fields.iter().find(|(n, _)| n == "action").map(|(_, v)| v.clone()).unwrap_or_default();
    let record = match submitted_record(&fields) {
        Ok(record) => record,
        Err((text, message)) => {
            let notice = Notice::from_error(DomainError::invalid("record", "json", message).into())?;
            return render_screening(&state, &auth.actor, &id, Some(text), None, Some(notice)).await;
        }
    };
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    let result = if action == "save" {
        state.app.record_screening(&auth.actor, &id, &record).await.map(|(_, d)| (d, true))
    } else {
        state.app.evaluate_screening(&auth.actor, &id, &record).await.map(|d| (d, false))
    };
    match result {
        Ok((_, true)) => Ok(see_other(
            &format!("/participants/{id}/screening"),
            "Screening saved; an investigator signs the decision.",
        )),
        Ok((decision, false)) => {
            let shown = serde_json::to_value(&decision).ok();
            render_screening(&state, &auth.actor, &id, Some(text), shown, None).await
        }
        Err(e) => render_screening(&state, &auth.actor, &id, Some(text), None, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    participant_id: String,
    #[serde(default)]
    override_decision: String,
    #[serde(default)]
    reason: String,
    password: String,
}

pub async fn decide(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> PageResult {
    match state.app.decide_screening(&auth.actor, &id, Some(&f.override_decision), &f.reason, &f.password).await {
        Ok(s) => Ok(see_other(&format!("/participants/{}/screening", s.participant_id), "Decision signed.")),
        Err(e) => {
            render_screening(&state, &auth.actor, &f.participant_id, None, None, Some(Notice::from_error(e)?)).await
        }
    }
}

/// The consent parts and their states, for session pages and the portal.
pub fn consent_parts(status: &crate::capabilities::eligibility::usecases::ConsentStatus) -> Markup {
    html! {
        ul.consent { @for (part, state) in &status.parts {
            li { (part.label()) ": " span class=(match state { PartState::Granted => "badge good", PartState::Withdrawn | PartState::Declined => "badge bad", PartState::NotAsked => "badge" }) { (state) } }
        } }
    }
}

async fn render_consent(state: &AppState, actor: &Actor, participant_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let p = app.view_participant(actor, participant_id).await?;
    let status = app.consent_status(actor, participant_id).await?;
    let own = actor.own_participants.iter().any(|o| o == participant_id);
    let resource = Resource::Participant { site_id: &p.site_id, participant_id };
    let may_consent = App::may(actor, Action::Consent, resource);
    let may_account = App::may(actor, Action::CreatePortalAccount, resource) && p.user_id.is_none();
    let signatures = match &status.consent {
        Some(c) => app.signatures_for(actor, "consent", &c.id).await?,
        None => Vec::new(),
    };
    let code = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "Consent",
        actor,
        if own { "/" } else { "/sites" },
        html! {
            h1 { "Consent of " (p.code) }
            @if let Some(n) = notice { (n.render()) }
            @if status.current { p.notice.ok { "Consent is current." } } @else { p.notice.warn { "Consent is not current: " (status.reason.clone().unwrap_or_default()) } }
            (consent_parts(&status))
            @for s in &signatures { div.signature { p { (s.manifestation) } } }
            @if let Some(doc) = &status.document {
                @if own && !status.current {
                    h2 { (doc.title) " (version " (doc.version) ")" }
                    p { (doc.body) }
                    form.stack method="post" action={"/participants/" (p.id) "/consent"} {
                        @for part in ConsentPart::ALL {
                            fieldset { legend { (part.label()) }
                                div.choices {
                                    label.choice { input type="radio" name=(part.as_str()) value="granted" required; " I agree" }
                                    label.choice { input type="radio" name=(part.as_str()) value="declined"; " I do not agree" }
                                }
                            }
                        }
                        label { "Your password" span.hint { "your electronic signature" } input type="password" name="password" required autocomplete="current-password"; }
                        @if doc.witness_required {
                            fieldset { legend { "Witness (a clinician of your care team signs with their own login)" }
                                label { "Witness username" input name="witness_username" required autocomplete="off"; }
                                label { "Witness password" input type="password" name="witness_password" required autocomplete="off"; }
                            }
                        }
                        button type="submit" { "Sign my consent" }
                    }
                }
            }
            @if may_consent && status.consent.is_some() {
                h2 { "Withdraw part of the consent" }
                p.muted { "Any part can be withdrawn at any time; session pages show the change at once." }
                form.stack method="post" action={"/participants/" (p.id) "/consent/withdraw"} {
                    label { "Part" select name="part" { @for (part, state) in &status.parts { @if *state == PartState::Granted { option value=(part.as_str()) { (part.label()) } } } } }
                    label { "Reason" input name="reason" required; }
                    button.secondary type="submit" { "Withdraw" }
                }
            }
            @if may_account {
                h2 { "Portal account" }
                p.muted { "The participant needs an account to fill in questionnaires and sign their consent." }
                form.stack method="post" action={"/participants/" (p.id) "/portal-account"} {
                    label { "Username" input name="username" required autocomplete="off"; }
                    label { "Initial password" span.hint { "10 to 128 characters; they change it" } input type="password" name="password" required minlength="10" autocomplete="new-password"; }
                    button type="submit" { "Create portal account" }
                }
            }
        },
    );
    Ok((code, body).into_response())
}

pub async fn consent(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_consent(&state, &auth.actor, &id, q.notice()).await
}

pub async fn give_consent(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let parts: Map<String, Value> =
        ConsentPart::ALL.iter().map(|p| (p.as_str().to_owned(), Value::from(get(p.as_str())))).collect();
    let (wu, wp) = (get("witness_username"), get("witness_password"));
    let witness = (!wu.is_empty()).then_some((wu.as_str(), wp.as_str()));
    match state.app.give_consent(&auth.actor, &id, &parts, &get("password"), witness).await {
        Ok(_) => Ok(see_other(&format!("/participants/{id}/consent"), "Consent signed.")),
        Err(e) => render_consent(&state, &auth.actor, &id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    part: String,
    reason: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<WithdrawForm>,
) -> PageResult {
    let result = match ConsentPart::parse("part", &f.part) {
        Ok(part) => state.app.withdraw_consent(&auth.actor, &id, part, &f.reason).await.map(|_| ()),
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/participants/{id}/consent"), "Withdrawn.")),
        Err(e) => render_consent(&state, &auth.actor, &id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct AccountForm {
    username: String,
    password: String,
}

pub async fn portal_account(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<AccountForm>,
) -> PageResult {
    match state.app.create_portal_account(&auth.actor, &id, &f.username, &f.password).await {
        Ok(u) => {
            Ok(see_other(&format!("/participants/{id}/consent"), &format!("Portal account {} created.", u.username)))
        }
        Err(e) => render_consent(&state, &auth.actor, &id, Some(Notice::from_error(e)?)).await,
    }
}
