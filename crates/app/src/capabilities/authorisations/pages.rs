//! The site's authorisations page: what is in force, what lapses soon, what has lapsed; and,
//! for the site lead, recording and revoking.

use crate::App;
use crate::capabilities::authorisations::domain::reports::patients_treated_csv;
use crate::capabilities::authorisations::domain::{Authorisation, AuthorisationInput, AuthorisationKind, AuthorisationStatus};
use crate::capabilities::authorisations::reports::{SentInput, TGA_SIX_MONTHLY};
use crate::capabilities::documents::usecases::Target;
use crate::platform::web::pages::layout::page;
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use catalyst_core::DomainError;
use catalyst_core::esign::Meaning;
use crate::capabilities::people::domain::Role;
use catalyst_core::policy::{Action, Actor, Resource};
use jiff::civil::Date;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/sites/{site_id}/authorisations", get(show).post(record))
        .route("/authorisations/{authorisation_id}/revoke", post(revoke))
        .route("/authorisations/{authorisation_id}/confirm", post(confirm))
        .route("/sites/{site_id}/reports", get(reports).post(mark_sent))
        .route("/sites/{site_id}/reports/tga-six-monthly/{period_end}", get(six_monthly))
        .route("/sites/{site_id}/readiness", get(super::readiness_pages::show).post(super::readiness_pages::sign_off))
}

/// How an authorisation stands today, as a badge.
fn standing(a: &Authorisation, today: Date) -> Markup {
    let (class, text) = if a.status == AuthorisationStatus::Revoked {
        ("badge bad", "revoked".to_owned())
    } else if a.in_force_on(today) {
        match a.days_left(today) {
            Some(days) if days <= 60 => ("badge bad", format!("in force; lapses in {days} days")),
            _ => ("badge good", "in force".to_owned()),
        }
    } else if a.valid_from.as_str() > today.to_string().as_str() {
        ("badge", format!("from {}", a.valid_from))
    } else {
        ("badge bad", "lapsed".to_owned())
    };
    html! { span class=(class) { (text) } }
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render(&state, &auth.actor, &site_id, q.notice(), &HashMap::new()).await
}

/// The people an authorisation may name at a site: its prescribers (physicians and the lead)
/// by name, and its participants by code.
async fn nameable(app: &App, site_id: &str) -> PageResult<(Vec<(String, String)>, Vec<(String, String)>)> {
    let prescribers: std::collections::BTreeSet<String> = app
        .grants_at_site(site_id)
        .await?
        .into_iter()
        .filter(|g| matches!(g.role, Role::Physician | Role::SiteLead))
        .map(|g| g.user_id)
        .collect();
    let mut people = Vec::new();
    for user in app.users_at_site(site_id).await? {
        if prescribers.contains(&user.id) {
            people.push((user.id, user.display_name));
        }
    }
    people.sort_by(|a, b| a.1.cmp(&b.1));
    let mut participants: Vec<(String, String)> = app.participant_codes_at(site_id).await?.into_iter().collect();
    participants.sort_by(|a, b| a.1.cmp(&b.1));
    Ok((people, participants))
}

async fn render(
    state: &AppState,
    actor: &Actor,
    site_id: &str,
    notice: Option<Notice>,
    entered: &HashMap<String, String>,
) -> PageResult {
    let site_id = site_id.to_owned();
    let app = &state.app;
    let site = app.view_site(actor, &site_id).await?;
    let all = app.site_authorisations(actor, &site_id).await?;
    let today = app.local_today(&site);
    let required = app.authorisation_requirements()?.for_jurisdiction(&site.jurisdiction);
    let may_manage = App::may(actor, Action::ManageAuthorisations, Resource::Site { site_id: &site_id });
    let mut confirmed_by = Vec::new();
    for a in &all {
        let signatures = app.signatures_for(actor, "authorisation", &a.id).await?;
        confirmed_by.push(signatures.into_iter().find(|s| s.signature.meaning == Meaning::Approval));
    }
    let names = named_people(app, &all).await?;
    let (prescribers, participants) = if may_manage { nameable(app, &site_id).await? } else { Default::default() };
    let value = |name: &str| entered.get(name).cloned().unwrap_or_default();
    let back = format!("/sites/{site_id}/authorisations");
    let mut documents = Vec::new();
    for a in &all {
        let target = Target { entity_kind: "authorisation", entity_id: &a.id, site_id: None };
        documents.push(app.documents_section(actor, target, &format!("{} ({})", a.reference, a.kind.label()), &back).await?);
    }
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "Authorisations",
        actor,
        "/sites",
        html! {
            h1 { "Authorisations at " (site.name) }
            @if let Some(n) = notice { (n.render()) }
            p { a href={"/sites/" (site.id) "/reports"} { "Reports and notices these authorisations owe" } }
            p.muted { "Dosing sessions at " (site.code) " (" (site.jurisdiction) ") are booked only while these are in force:" }
            @if required.is_empty() { p { "No authorisation is required in this jurisdiction by the programme's rules." } }
            ul { @for r in &required { li { strong { (r.kind.label()) } " (" (scope_label(r.scope)) "): " span.muted { (r.source) } } } }
            table {
                thead { tr { th { "Kind" } th { "Reference" } th { "Issued by" } th { "Covers" } th { "In force" } th { "Standing" } th { "Confirmed" } @if may_manage { th { "Revoke" } } } }
                tbody { @for (a, confirmed) in all.iter().zip(&confirmed_by) {
                    tr {
                        td { (a.kind.label()) }
                        td { (a.reference) }
                        td { (a.issued_by) }
                        td { (covers(a, &names)) }
                        td { (a.valid_from) " to " br; (a.expires_on.clone().unwrap_or_else(|| "no expiry".to_owned())) }
                        td { (standing(a, today)) }
                        td {
                            @if let Some(by) = confirmed {
                                span.muted { (by.manifestation) }
                                @if by.record_unchanged == Some(false) {
                                    @if a.status == AuthorisationStatus::Revoked { br; span.muted { "(revoked after it was confirmed)" } }
                                    @else { br; strong.badge.bad role="alert" { "changed since it was confirmed: check it against the document" } }
                                }
                            }
                            @else if may_manage && a.status == AuthorisationStatus::Active {
                                form.inline method="post" action={"/authorisations/" (a.id) "/confirm"} {
                                    label { "Your password " input type="password" name="password" required autocomplete="current-password" aria-label={"Your password, to sign " (a.reference)}; }
                                    " " button.secondary type="submit" { "Confirm and sign" }
                                }
                            } @else { span.badge { "not confirmed" } }
                        }
                        @if may_manage { td { @if a.status == AuthorisationStatus::Active {
                            form.inline method="post" action={"/authorisations/" (a.id) "/revoke"} {
                                input name="reason" required aria-label={"Reason for revoking " (a.reference)} placeholder="reason";
                                " " button.secondary type="submit" { "Revoke" }
                            }
                        } } }
                    }
                } }
            }
            @if !all.is_empty() {
                h2 { "Letters, certificates and other documents" }
                @for section in &documents { (section) }
            }
            @if may_manage {
                h2 { "Record an authorisation" }
                form method="post" action={"/sites/" (site.id) "/authorisations"} {
                    label { "Kind " select name="kind" required { @for k in AuthorisationKind::ALL {
                        option value=(k.as_str()) selected[value("kind") == k.as_str()] { (k.label()) } } } }
                    label { "Reference " input name="reference" required value=(value("reference")); }
                    label { "Issued by " input name="issued_by" required placeholder="committee, regulator or authority" value=(value("issued_by")); }
                    label { "Prescriber (for a prescriber approval) " select name="holder_id" {
                        option value="" { "none" }
                        @for (id, name) in &prescribers { option value=(id) selected[value("holder_id") == *id] { (name) } } } }
                    label { "Participant (for a per-patient authorisation or notice) " select name="participant_id" {
                        option value="" { "none" }
                        @for (id, code) in &participants { option value=(id) selected[value("participant_id") == *id] { (code) } } } }
                    label { "Product " input name="product" value=(value("product")); }
                    label { "Indication " input name="indication" value=(value("indication")); }
                    label { "Quantity (mg) " input type="number" min="1" name="quantity_mg" value=(value("quantity_mg")); }
                    label { "Valid from " input type="date" name="valid_from" required value=(value("valid_from")); }
                    label { "Expires on " input type="date" name="expires_on" value=(value("expires_on")); }
                    button type="submit" { "Record" }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

fn scope_label(scope: crate::capabilities::authorisations::domain::Scope) -> &'static str {
    use crate::capabilities::authorisations::domain::Scope;
    match scope {
        Scope::Site => "for the site",
        Scope::Prescriber => "for the prescriber",
        Scope::Participant => "for each participant",
    }
}

/// The display names of the prescribers and the codes of the participants the authorisations
/// name, by id: a site lead recognises "Dr Sam Lee" or "VAN-0002", not an id.
async fn named_people(app: &App, all: &[Authorisation]) -> PageResult<HashMap<String, String>> {
    let mut names = HashMap::new();
    for a in all {
        if let Some(h) = &a.holder_id
            && !names.contains_key(h)
            && let Some(user) = app.user_by_id(h).await?
        {
            names.insert(h.clone(), user.display_name);
        }
        if let Some(p) = &a.participant_id
            && !names.contains_key(p)
            && let Some(participant) = app.participant_by_id(p).await?
        {
            names.insert(p.clone(), participant.code);
        }
    }
    Ok(names)
}

fn covers(a: &Authorisation, names: &HashMap<String, String>) -> String {
    let name = |id: &String| names.get(id).cloned().unwrap_or_else(|| id.clone());
    let mut parts = Vec::new();
    if let Some(h) = &a.holder_id {
        parts.push(format!("prescriber {}", name(h)));
    }
    if let Some(p) = &a.participant_id {
        parts.push(format!("participant {}", name(p)));
    }
    if let Some(p) = &a.product {
        parts.push(p.clone());
    }
    if let Some(i) = &a.indication {
        parts.push(i.clone());
    }
    if let Some(q) = a.quantity_mg {
        parts.push(format!("{q} mg"));
    }
    if parts.is_empty() { "the site".to_owned() } else { parts.join(", ") }
}

#[derive(Deserialize)]
pub struct AuthorisationForm {
    kind: String,
    reference: String,
    issued_by: String,
    #[serde(default)]
    holder_id: String,
    #[serde(default)]
    participant_id: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    indication: String,
    #[serde(default)]
    quantity_mg: String,
    valid_from: String,
    #[serde(default)]
    expires_on: String,
}

pub async fn record(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(entered): PageForm<HashMap<String, String>>,
) -> PageResult {
    let result = match serde_json::to_value(&entered).and_then(serde_json::from_value::<AuthorisationForm>) {
        Ok(form) => record_from(&state, &auth.actor, &site_id, form).await,
        Err(e) => Err(DomainError::invalid("form", "shape", e.to_string()).into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/sites/{site_id}/authorisations"), "Authorisation recorded.")),
        Err(e) => render(&state, &auth.actor, &site_id, Some(Notice::from_error(e)?), &entered).await,
    }
}

async fn record_from(state: &AppState, actor: &Actor, site_id: &str, f: AuthorisationForm) -> crate::platform::error::AppResult<()> {
    let some = |s: String| (!s.trim().is_empty()).then_some(s);
    let quantity_mg = match some(f.quantity_mg) {
        Some(q) => Some(q.trim().parse::<i64>().map_err(|_| {
            DomainError::invalid("quantity_mg", "integer", "quantity_mg must be a whole number of milligrams")
        })?),
        None => None,
    };
    let input = AuthorisationInput {
        kind: f.kind,
        reference: f.reference,
        issued_by: f.issued_by,
        holder_id: some(f.holder_id),
        participant_id: some(f.participant_id),
        product: some(f.product),
        indication: some(f.indication),
        quantity_mg,
        valid_from: f.valid_from,
        expires_on: some(f.expires_on),
    };
    state.app.record_authorisation(actor, site_id, &input).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct RevokeForm {
    reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<RevokeForm>,
) -> PageResult {
    match state.app.revoke_authorisation(&auth.actor, &id, &f.reason).await {
        Ok(revoked) => Ok(see_other(&format!("/sites/{}/authorisations", revoked.site_id), "Authorisation revoked.")),
        Err(e) => refused_on_list(&state, &auth.actor, &id, e).await,
    }
}

/// A refused revocation or confirmation comes back on the site's list with the problem.
async fn refused_on_list(state: &AppState, actor: &Actor, id: &str, error: crate::AppError) -> PageResult {
    let notice = Notice::from_error(error)?;
    let site_id = state.app.site_authorisation_site(id).await?;
    render(state, actor, &site_id, Some(notice), &HashMap::new()).await
}

pub async fn reports(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_reports(&state, &auth.actor, &site_id, q.notice()).await
}

async fn render_reports(state: &AppState, actor: &Actor, site_id: &str, notice: Option<Notice>) -> PageResult {
    let site_id = site_id.to_owned();
    let app = &state.app;
    let site = app.view_site(actor, &site_id).await?;
    let owed = app.site_reports(actor, &site_id).await?;
    // Each report is about one authorisation (the subject): named by its reference, so the
    // two six-monthly reports of two prescribers' approvals are told apart.
    let mut references: HashMap<String, String> =
        app.site_authorisations(actor, &site_id).await?.into_iter().map(|a| (a.id, a.reference)).collect();
    // A notice is about a participant (treatment start) or a prescription: named by the code.
    let codes = app.participant_codes_at(&site_id).await?;
    for rx in app.prescriptions_written_at(&site_id).await? {
        let code = codes.get(&rx.participant_id).cloned().unwrap_or_default();
        references.insert(rx.prescription_id, format!("the prescription for {code} of {}", rx.on));
    }
    references.extend(codes);
    let today = app.local_today(&site);
    let may_manage = App::may(actor, Action::ManageAuthorisations, Resource::Site { site_id: &site_id });
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "Reports",
        actor,
        "/sites",
        html! {
            h1 { "Reports and notices owed by " (site.name) }
            @if let Some(n) = notice { (n.render()) }
            p.muted { "Due dates come from the reporting rules for " (site.jurisdiction) ", counted in the site's calendar (business days skip its weekends and public holidays)." }
            @if owed.is_empty() { p { "Nothing is owed from a year back to seven months ahead." } }
            table {
                thead { tr { th { "Report" } th { "To" } th { "Period or event" } th { "Due" } th { "Status" } @if may_manage { th { "Mark sent" } } } }
                tbody { @for o in &owed {
                    @let r = &o.report;
                    tr {
                        td {
                            @if r.rule.id == TGA_SIX_MONTHLY && let Some(p) = r.period {
                                a href={"/sites/" (site.id) "/reports/tga-six-monthly/" (p.end)} { (r.name) }
                            } @else { (r.name) }
                            @if let Some(reference) = references.get(&r.subject) { " for " strong { (reference) } }
                            br; span.muted { (r.rule.source) }
                        }
                        td { (r.recipient) }
                        td { @if let Some(p) = r.period { (p.start) " to " (p.end) } @else { (r.trigger_date) } }
                        td { (r.due) }
                        td {
                            @if let Some(sent) = &o.sent { span.badge.good { "sent " (sent.sent_on) } br; span.muted { (sent.reference) } }
                            @else if o.overdue { span.badge.bad { "overdue" } }
                            @else if let Ok(span) = today.until(r.due) { span.badge { "due in " (span.get_days()) " days" } }
                        }
                        // A report is marked sent once it fell owed (a notice due before its
                        // event, at any time before the event).
                        @if may_manage { td { @if o.sent.is_none() && (r.trigger_date <= today || r.due < r.trigger_date) {
                            form.inline method="post" action={"/sites/" (site.id) "/reports"} {
                                input type="hidden" name="rule_id" value=(r.rule.id);
                                input type="hidden" name="subject" value=(r.subject);
                                input type="hidden" name="trigger_date" value=(r.trigger_date);
                                input name="reference" required placeholder="reference" aria-label={"Reference for " (r.name) " due " (r.due)};
                                input type="date" name="sent_on" required value=(today) aria-label="Sent on";
                                " " button.secondary type="submit" { "Sent" }
                            }
                        } } }
                    }
                } }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn mark_sent(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(f): PageForm<SentInput>,
) -> PageResult {
    match state.app.mark_report_sent(&auth.actor, &site_id, &f).await {
        Ok(_) => Ok(see_other(&format!("/sites/{site_id}/reports"), "Report marked sent.")),
        Err(e) => render_reports(&state, &auth.actor, &site_id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct ReportFormat {
    #[serde(default)]
    format: Option<String>,
}

/// The six-monthly report, printable, or as CSV with `?format=csv`.
pub async fn six_monthly(
    State(state): State<AppState>,
    auth: PageAuth,
    Path((site_id, period_end)): Path<(String, String)>,
    Query(q): Query<ReportFormat>,
) -> PageResult {
    let report = state.app.six_monthly_report(&auth.actor, &site_id, &period_end).await?;
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("" | "html") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(DomainError::invalid("format", "one_of", format!("format must be csv or html; got {other:?}")).into());
        }
    };
    if csv {
        let csv = patients_treated_csv(&report.site_code, report.period, &report.rows);
        let name = format!("attachment; filename=\"tga-six-monthly-{}-{}.csv\"", report.site_code, report.period.end);
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], csv)
            .into_response());
    }
    Ok(page(
        "Six-monthly report",
        &auth.actor,
        "/sites",
        html! {
            h1 { "TGA Authorised Prescriber six-monthly report" }
            p { (report.site_code) ": patients treated from " (report.period.start) " to " (report.period.end) "; due " (report.due) "." }
            table {
                thead { tr { th { "Approvals" } th { "Product" } th { "Indication" } th.num { "Patients treated" } th.num { "Dosing sessions" } } }
                tbody { @for (references, r) in &report.rows {
                    tr { td { (references) } td { (r.product) } td { (r.indication) } td.num { (r.patients) } td.num { (r.sessions) } }
                } }
            }
            p.muted { "Counted from the dosing sessions recorded as attended in the period, each patient once." }
            p { a href={"/sites/" (site_id) "/reports/tga-six-monthly/" (report.period.end) "?format=csv"} { "Download as CSV" } }
        },
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    password: String,
}

/// The site lead confirms an authorisation by signing it (meaning: approval).
pub async fn confirm(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<ConfirmForm>,
) -> PageResult {
    match state.app.sign_record(&auth.actor, "authorisation", &id, Meaning::Approval, &f.password).await {
        Ok(_) => {
            let site_id = state.app.site_authorisation_site(&id).await?;
            Ok(see_other(&format!("/sites/{site_id}/authorisations"), "Authorisation confirmed and signed."))
        }
        Err(e) => refused_on_list(&state, &auth.actor, &id, e).await,
    }
}
