//! Treatment-course pages: the participant timeline with enrolment and booking, the site
//! calendar (day or week, by room or by person), the deviation log and staff credentials.

use crate::capabilities::documents::usecases::Target;
use axum::routing::{get, post};
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::capabilities::treatment::domain::booking::BookingInput;
use crate::capabilities::treatment::domain::credentials::CredentialInput;
use crate::capabilities::treatment::usecases::{DEFAULT_START, protocols};
use crate::platform::web::error::ApiError;
use crate::platform::web::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use catalyst_core::DomainError;
use crate::capabilities::people::domain::{Role, Site, User};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::Timestamp;
use crate::capabilities::treatment::domain::{Appointment, AppointmentStaff, AppointmentStatus, DeviationSeverity, Room, attendance_outcomes};
use catalyst_protocol::VisitStatus;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// This capability's pages, added to the platform's router.
pub(crate) fn routes(router: axum::Router<crate::platform::web::AppState>) -> axum::Router<crate::platform::web::AppState> {
    router
        .route("/participants/{participant_id}/course", get(course))
        .route("/participants/{participant_id}/enrolment", post(enrol))
        .route("/participants/{participant_id}/book", get(book_form).post(book))
        .route("/participants/{participant_id}/deviations", post(record_deviation))
        .route("/appointments/{appointment_id}/attendance", post(attendance))
        .route("/sites/{site_id}/calendar", get(calendar))
        .route("/sites/{site_id}/deviations", get(deviations))
        .route("/deviations/{deviation_id}/resolve", post(resolve))
        .route("/sites/{site_id}/credentials", get(credentials))
        .route("/sites/{site_id}/credentials/{user_id}", post(set_credential))
}

/// `[from, from + days)` in the site's zone as UTC instants.
pub async fn day_range(
    state: &AppState,
    site_id: &str,
    from: &str,
    days: i64,
) -> Result<(Timestamp, Timestamp), ApiError> {
    if !(1..=31).contains(&days) {
        return Err(ApiError::field("days", "range", "days must be between 1 and 31"));
    }
    let site = state.app.site_for_display(site_id).await?;
    let day: jiff::civil::Date = from
        .trim()
        .parse()
        .map_err(|_| ApiError::field("from", "date", format!("from must be a date as YYYY-MM-DD; got {from:?}")))?;
    let zone = jiff::tz::TimeZone::get(site.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
    let start = day.to_zoned(zone.clone()).map_err(|e| ApiError::field("from", "date", e.to_string()))?;
    let end =
        start.checked_add(jiff::Span::new().days(days)).map_err(|e| ApiError::field("days", "range", e.to_string()))?;
    Ok((Timestamp(start.timestamp().as_microsecond()), Timestamp(end.timestamp().as_microsecond())))
}

fn status_badge(status: VisitStatus) -> Markup {
    let (class, text) = match status {
        VisitStatus::Done => ("badge good", "done"),
        VisitStatus::OutOfWindow => ("badge bad", "done out of window"),
        VisitStatus::Due => ("badge", "due"),
        VisitStatus::Upcoming => ("badge", "upcoming"),
        VisitStatus::Overdue => ("badge bad", "overdue"),
    };
    html! { span class=(class) { (text) } }
}

/// Names of a site's people by id.
async fn people_at(state: &AppState, site_id: &str) -> PageResult<Vec<(User, Vec<Role>)>> {
    let users = state.app.users_at_site(site_id).await?;
    let mut out = Vec::new();
    for user in users {
        let roles = state
            .app
            .grants_of(&user.id).await?
            .into_iter()
            .filter(|g| g.site_id.as_deref().is_none_or(|s| s == site_id))
            .map(|g| g.role)
            .collect();
        out.push((user, roles));
    }
    Ok(out)
}

fn staff_names(staff: &AppointmentStaff, names: &HashMap<String, String>) -> String {
    staff.people().map(|p| names.get(p).map(String::as_str).unwrap_or(p)).collect::<Vec<_>>().join(", ")
}

/// The calendar entries a person is on the staff of.
fn booked_for<'a>(entries: &'a [(Appointment, String)], person: &str) -> Vec<&'a (Appointment, String)> {
    entries.iter().filter(|(a, _)| a.staff.includes(person)).collect()
}

async fn render_course(state: &AppState, actor: &Actor, participant_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let p = app.view_participant(actor, participant_id).await?;
    let site = app.site_for_display(&p.site_id).await?;
    let timeline = app.timeline(actor, participant_id).await?;
    let resource = Resource::Participant { site_id: &p.site_id, participant_id };
    let may_manage = crate::App::may(actor, Action::ManageSchedule, resource);
    let now = app.now();
    let may_deviate = crate::App::may(actor, Action::RecordDeviation, resource);
    let rooms: HashMap<String, String> =
        app.rooms(actor, &site.id).await?.into_iter().map(|r| (r.id, r.name)).collect();
    let names: HashMap<String, String> =
        people_at(state, &site.id).await?.into_iter().map(|(u, _)| (u.id, u.display_name)).collect();
    let consent = app.consent_status(actor, participant_id).await?;
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        &format!("Course {}", p.code),
        actor,
        "/sites",
        html! {
            h1 { "Treatment course of " a href={"/participants/" (p.id)} { (p.code) } }
            @if let Some(n) = notice { (n.render()) }
            section.card aria-label="Consent in force" {
                strong { "Consent in force " } a href={"/participants/" (p.id) "/consent"} { "(details)" }
                @if !consent.current { p.notice.warn { "Consent is not current: " (consent.reason.clone().unwrap_or_default()) } }
                (crate::capabilities::eligibility::pages::consent_parts(&consent))
            }
            @match &timeline {
                None => {
                    p { "Not enrolled on a protocol yet." }
                    @if may_manage {
                        form.stack method="post" action={"/participants/" (p.id) "/enrolment"} {
                            label { "Protocol" select name="protocol" {
                                @for proto in protocols()?.list() {
                                    option value={(proto.id()) ":" (proto.version())} { (proto.title()) " (v" (proto.version()) ")" }
                                }
                            } }
                            label { "Baseline date" span.hint { "the schedule is counted from it" } input type="date" name="baseline_on" required; }
                            button type="submit" { "Enrol and generate the schedule" }
                        }
                    }
                }
                Some(t) => {
                    p.muted { (t.protocol_title) " · baseline " (t.enrolment.baseline_on) " · times in " (site.time_zone.as_str()) }
                    table {
                        thead { tr { th { "Visit" } th { "Window" } th { "Target" } th { "Status" } th { "Booking" } @if may_manage { th { "Action" } } } }
                        tbody { @for v in &t.visits {
                            tr {
                                td { strong { (v.visit.visit_type.label) } br; span.muted.mono { (v.visit.id) }
                                    @if let Some(dose) = &v.visit.dose { br; span.muted { (dose.initial_mg) " mg"
                                        @if let Some(s) = &dose.supplemental { " + optional " (s.mg) " mg" } } } }
                                td { (v.visit.window_start) " – " (v.visit.window_end) }
                                td { (v.visit.target) }
                                td { (status_badge(v.status)) }
                                td { @if let Some(a) = &v.appointment {
                                    (when(a.starts_at, &site.time_zone)) " · " (rooms.get(&a.room_id).map(String::as_str).unwrap_or("?"))
                                    br; span.muted { (staff_names(&a.staff, &names)) } " " span.badge { (a.status) }
                                } }
                                @if may_manage { td {
                                    @match &v.appointment {
                                        Some(a) if a.status == AppointmentStatus::Booked => {
                                            a href={"/participants/" (p.id) "/book?visit=" (v.visit.id)} { "Move" }
                                            form.inline method="post" action={"/appointments/" (a.id) "/attendance"} {
                                                input type="hidden" name="back" value={"/participants/" (p.id) "/course"};
                                                select name="status" required aria-label={"Outcome of " (v.visit.id)} {
                                                    option value="" selected disabled { "outcome…" }
                                                    @for outcome in attendance_outcomes(a, now) { option value=(outcome.as_str()) { (outcome.as_str()) } }
                                                }
                                                input name="note" required placeholder="note" aria-label={"Note for " (v.visit.id)};
                                                button.secondary type="submit" { "Record" }
                                            }
                                        }
                                        Some(_) => {}
                                        None => { a href={"/participants/" (p.id) "/book?visit=" (v.visit.id)} { "Book" } }
                                    }
                                } }
                            }
                        } }
                    }
                }
            }
            @if may_deviate {
                h2 { "Record a deviation" }
                form.stack method="post" action={"/participants/" (p.id) "/deviations"} {
                    label { "Visit (optional)" input name="visit_id" placeholder="e.g. exp1"; }
                    label { "Severity" select name="severity" { @for severity in DeviationSeverity::NAMES { option { (severity) } } } }
                    label { "What happened" textarea name="description" required rows="3" {} }
                    button type="submit" { "Record deviation" }
                }
                p { a href={"/sites/" (site.id) "/deviations"} { "Deviation log of " (site.code) } }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn course(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_course(&state, &auth.actor, &id, q.notice()).await
}

#[derive(Deserialize)]
pub struct EnrolForm {
    protocol: String,
    baseline_on: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<EnrolForm>,
) -> PageResult {
    let (protocol_id, version) = match f.protocol.split_once(':') {
        Some((p, v)) => match v.parse::<i64>() {
            Ok(v) => (p.to_owned(), Some(v)),
            Err(_) => {
                return Err(DomainError::invalid(
                    "protocol",
                    "version",
                    format!("protocol version {v:?} is not a number"),
                )
                .into());
            }
        },
        None => (f.protocol.clone(), None),
    };
    match state.app.enrol(&auth.actor, &id, &protocol_id, version, &f.baseline_on).await {
        Ok(e) => Ok(see_other(
            &format!("/participants/{id}/course"),
            &format!("Enrolled on {} v{}.", e.protocol_id, e.protocol_version),
        )),
        Err(e) => render_course(&state, &auth.actor, &id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct BookQuery {
    visit: String,
}

async fn render_booking(
    state: &AppState,
    actor: &Actor,
    participant_id: &str,
    visit_id: &str,
    values: &HashMap<String, Vec<String>>,
    notice: Option<Notice>,
) -> PageResult {
    let app = &state.app;
    let p = app.view_participant(actor, participant_id).await?;
    let site = app.site_for_display(&p.site_id).await?;
    let timeline = app
        .timeline(actor, participant_id)
        .await?
        .ok_or_else(|| DomainError::Conflict(format!("{} is not enrolled", p.code)))?;
    let visit = timeline
        .visits
        .iter()
        .find(|v| v.visit.id == visit_id)
        .ok_or_else(|| DomainError::not_found("visit", visit_id))?;
    let rooms: Vec<Room> = app
        .rooms(actor, &site.id)
        .await?
        .into_iter()
        .filter(|r| r.status == crate::capabilities::treatment::domain::RoomStatus::Active)
        .collect();
    let people = people_at(state, &site.id).await?;
    let first = |k: &str| values.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
    let chosen = values.get("staff").cloned().unwrap_or_default();
    let date = if first("date").is_empty() { visit.visit.target.to_string() } else { first("date") };
    let time = if first("time").is_empty() { DEFAULT_START.strftime("%H:%M").to_string() } else { first("time") };
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let req = &visit.visit.visit_type.staff;
    let body = page(
        "Book a visit",
        actor,
        "/sites",
        html! {
            h1 { "Book " (visit.visit.visit_type.label) " for " (p.code) }
            p.muted { "Window " (visit.visit.window_start) " – " (visit.visit.window_end) " · " (visit.visit.duration_minutes) " minutes"
                @if req.therapists > 0 { " · needs " (req.therapists) " credentialed therapists" }
                @if req.clinicians > 0 { " · needs " (req.clinicians) " clinician(s)" }
                @if visit.visit.visit_type.overnight { " · overnight stay" } }
            @if let Some(n) = notice { (n.render()) }
            form.stack method="post" action={"/participants/" (p.id) "/book?visit=" (visit.visit.id)} {
                label { "Date" input type="date" name="date" required value=(date); }
                label { "Start (" (site.time_zone.as_str()) ")" input type="time" name="time" required value=(time); }
                label { "Room" select name="room_id" { @for r in &rooms { option value=(r.id) selected[first("room_id") == r.id] { (r.name) } } } }
                fieldset { legend { "Staff in the room" }
                    @for (user, roles) in people.iter().filter(|(_, roles)| roles.iter().any(|r| matches!(r, Role::Therapist | Role::Physician | Role::SiteLead | Role::Rater))) {
                        label.choice { input type="checkbox" name="staff" value=(user.id) checked[chosen.contains(&user.id)];
                            " " (user.display_name) " " span.hint { (roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")) } }
                    }
                }
                label { "Reason to book outside the window" span.hint { "only if you must; it is recorded as a deviation" } input name="out_of_window_reason" value=(first("out_of_window_reason")); }
                @if visit.appointment.is_some() {
                    label { "Reason for moving this visit" input name="reschedule_reason" required value=(first("reschedule_reason")); }
                }
                button type="submit" { "Book" }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn book_form(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<BookQuery>,
) -> PageResult {
    render_booking(&state, &auth.actor, &id, &q.visit, &HashMap::new(), None).await
}

pub async fn book(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<BookQuery>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in fields {
        values.entry(k).or_default().push(v);
    }
    let first = |k: &str| values.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
    let input = BookingInput {
        visit_id: q.visit.clone(),
        date: first("date"),
        time: first("time"),
        room_id: first("room_id"),
        staff: values.get("staff").cloned().unwrap_or_default(),
        out_of_window_reason: Some(first("out_of_window_reason")),
        reschedule_reason: Some(first("reschedule_reason")),
    };
    match state.app.book(&auth.actor, &id, &input).await {
        Ok((_, deviations)) => {
            let extra = if deviations.is_empty() {
                String::new()
            } else {
                format!(" {} deviation(s) recorded.", deviations.len())
            };
            Ok(see_other(&format!("/participants/{id}/course"), &format!("{} booked.{extra}", q.visit)))
        }
        Err(e) => render_booking(&state, &auth.actor, &id, &q.visit, &values, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct AttendanceForm {
    status: String,
    note: String,
    back: String,
}

pub async fn attendance(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<AttendanceForm>,
) -> PageResult {
    let status = AppointmentStatus::parse("status", &f.status).map_err(|v| DomainError::Invalid(vec![v]))?;
    state.app.record_attendance(&auth.actor, &id, status, &f.note).await?;
    let back = crate::platform::web::pages::login::safe_next(Some(&f.back));
    Ok(see_other(&back, &format!("Recorded as {status}.")))
}

#[derive(Deserialize)]
pub struct DeviationForm {
    #[serde(default)]
    visit_id: String,
    severity: String,
    description: String,
}

pub async fn record_deviation(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<DeviationForm>,
) -> PageResult {
    match state.app.record_deviation(&auth.actor, &id, Some(&f.visit_id), &f.severity, &f.description).await {
        Ok(_) => Ok(see_other(&format!("/participants/{id}/course"), "Deviation recorded.")),
        Err(e) => render_course(&state, &auth.actor, &id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    date: Option<String>,
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    by: Option<String>,
}

pub async fn calendar(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> PageResult<Markup> {
    let app = &state.app;
    let site: Site = app.view_site(&auth.actor, &site_id).await?;
    let today = app.local_today(&site);
    let day = match q.date.as_deref().filter(|d| !d.is_empty()) {
        None => today,
        Some(d) => d
            .parse::<jiff::civil::Date>()
            .map_err(|_| DomainError::invalid("date", "date", format!("date must be YYYY-MM-DD; got {d:?}")))?,
    };
    let days = q.days.unwrap_or(1);
    if !(1..=7).contains(&days) {
        return Err(DomainError::invalid("days", "range", "the calendar shows 1 to 7 days").into());
    }
    let by_person = q.by.as_deref() == Some("person");
    let (from, to) = day_range(&state, &site_id, &day.to_string(), days).await?;
    let entries = app.site_calendar(&auth.actor, &site_id, from, to).await?;
    let rooms: HashMap<String, String> =
        app.rooms(&auth.actor, &site_id).await?.into_iter().map(|r| (r.id, r.name)).collect();
    let names: HashMap<String, String> =
        people_at(&state, &site_id).await?.into_iter().map(|(u, _)| (u.id, u.display_name)).collect();
    let shift = |n: i64| day.checked_add(jiff::Span::new().days(n)).map(|d| d.to_string()).unwrap_or_default();
    let link = |d: String, n: i64, by: &str| format!("/sites/{site_id}/calendar?date={d}&days={n}&by={by}");
    let by = if by_person { "person" } else { "room" };
    // Rows: each room, or each person, with their appointments in time order.
    let mut rows: Vec<(String, Vec<&(Appointment, String)>)> = Vec::new();
    if by_person {
        let mut people: Vec<(&String, &String)> = names.iter().collect();
        people.sort_by(|a, b| a.1.cmp(b.1));
        for (id, name) in people {
            let mine = booked_for(&entries, id);
            if !mine.is_empty() {
                rows.push((name.clone(), mine));
            }
        }
    } else {
        let mut names_sorted: Vec<(&String, &String)> = rooms.iter().collect();
        names_sorted.sort_by(|a, b| a.1.cmp(b.1));
        for (id, name) in names_sorted {
            rows.push((name.clone(), entries.iter().filter(|(a, _)| &a.room_id == id).collect()));
        }
    }
    Ok(page(
        "Calendar",
        &auth.actor,
        "/sites",
        html! {
            h1 { "Calendar of " (site.name) }
            nav aria-label="Calendar views" { p {
                a href=(link(shift(-days), days, by)) { "← Earlier" } " · "
                a href=(link(today.to_string(), days, by)) { "Today" } " · "
                a href=(link(shift(days), days, by)) { "Later →" } " · "
                a href=(link(day.to_string(), 1, by)) aria-current=[(days == 1).then_some("page")] { "Day" } " · "
                a href=(link(day.to_string(), 7, by)) aria-current=[(days == 7).then_some("page")] { "Week" } " · "
                a href=(link(day.to_string(), days, "room")) aria-current=[(!by_person).then_some("page")] { "By room" } " · "
                a href=(link(day.to_string(), days, "person")) aria-current=[by_person.then_some("page")] { "By person" }
            } }
            p.muted { (day) @if days > 1 { " to " (shift(days - 1)) } " · times in " (site.time_zone.as_str()) }
            table {
                thead { tr { th { @if by_person { "Person" } @else { "Room" } } th { "Appointments" } } }
                tbody { @for (label, items) in &rows {
                    tr { th scope="row" { (label) } td {
                        @if items.is_empty() { span.muted { "free" } }
                        @for (a, code) in items {
                            div { (when(a.starts_at, &site.time_zone)) "–" (a.ends_at.format_in(&site.time_zone).rsplit(' ').nth(1).unwrap_or_default()) " "
                                strong { (a.visit_kind.label()) } " · "
                                a href={"/participants/" (a.participant_id) "/course"} { (code) } " · "
                                @if by_person { (rooms.get(&a.room_id).map(String::as_str).unwrap_or("?")) } @else { (staff_names(&a.staff, &names)) }
                                " " span.badge { (a.status) } }
                        }
                    } }
                } }
            }
            p { a href="/api/v1/me/calendar.ics" { "My visits as an iCalendar feed (.ics)" } }
        },
    ))
}

pub async fn deviations(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult<Markup> {
    let app = &state.app;
    let site = app.view_site(&auth.actor, &site_id).await?;
    let log = app.deviation_log(&auth.actor, &site_id).await?;
    let may_resolve = crate::App::may(&auth.actor, Action::RecordDeviation, Resource::Site { site_id: &site_id });
    Ok(page(
        "Deviations",
        &auth.actor,
        "/sites",
        html! {
            h1 { "Deviation log of " (site.name) }
            @if let Some(n) = q.notice() { (n.render()) }
            p.muted { "Every departure from the protocol, recorded automatically or by staff. Deviations are never deleted; resolving one records what was done." }
            table {
                thead { tr { th { "Recorded" } th { "Participant" } th { "Visit" } th { "Kind" } th { "Severity" } th { "Description" } th { "Resolution" } } }
                tbody { @for (d, code) in &log {
                    tr {
                        td { (when(d.recorded_at, &site.time_zone)) br; span.muted { (d.source) } }
                        td { a href={"/participants/" (d.participant_id) "/course"} { (code) } }
                        td.mono { (d.visit_id.as_deref().unwrap_or("")) }
                        td.mono { (d.kind) }
                        td { span class={"badge" @if d.severity != crate::capabilities::treatment::domain::DeviationSeverity::Minor { " bad" }} { (d.severity) } }
                        td { (d.description) }
                        td { @if let Some(r) = &d.resolution { (r) } @else if may_resolve {
                            form.inline method="post" action={"/deviations/" (d.id) "/resolve"} {
                                input name="resolution" required aria-label="Resolution";
                                button.secondary type="submit" { "Resolve" }
                            }
                        } @else { span.muted { "open" } } }
                    }
                } }
            }
            @if log.is_empty() { p.muted { "No deviations recorded." } }
        },
    ))
}

#[derive(Deserialize)]
pub struct ResolveForm {
    resolution: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<ResolveForm>,
) -> PageResult {
    let d = state.app.resolve_deviation(&auth.actor, &id, &f.resolution).await?;
    Ok(see_other(&format!("/sites/{}/deviations", d.site_id), "Deviation resolved."))
}

pub async fn credentials(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult<Markup> {
    let app = &state.app;
    let site = app.view_site(&auth.actor, &site_id).await?;
    let views = app.site_credentials(&auth.actor, &site_id).await?;
    let may_manage = crate::App::may(&auth.actor, Action::ManageCredentials, Resource::Site { site_id: &site_id });
    // Training evidence, filed under this site, for each therapist whose credential is recorded.
    let back = format!("/sites/{site_id}/credentials");
    let mut evidence = Vec::new();
    for v in views.iter().filter(|v| v.record.is_some()) {
        let target = Target { entity_kind: "staff_credential", entity_id: &v.user_id, site_id: Some(&site_id) };
        evidence.push(app.documents_section(&auth.actor, target, &format!("Training evidence: {}", v.name), &back).await?);
    }
    Ok(page(
        "Credentials",
        &auth.actor,
        "/sites",
        html! {
            h1 { "Therapist credentials at " (site.name) }
            @if let Some(n) = q.notice() { (n.render()) }
            p.muted { "Only therapists with a current credential (training completed, supervised sessions, certification in date, ethics attestation on file) can be booked into dosing sessions." }
            table {
                thead { tr { th { "Therapist" } th { "Training" } th.num { "Supervised" } th { "Certified until" } th { "Ethics" } th { "Status" } @if may_manage { th { "Update" } } } }
                tbody { @for v in &views {
                    @let r = v.record.as_ref();
                    tr {
                        td { (v.name) }
                        td { (r.and_then(|r| r.training_completed_on.clone()).unwrap_or_default()) }
                        td.num { (r.map(|r| r.supervised_sessions).unwrap_or(0)) }
                        td { (r.and_then(|r| r.certified_until.clone()).unwrap_or_default()) @if let Some(e) = v.expiring_on { br; span.badge.bad { "ends " (e) } } }
                        td { (r.and_then(|r| r.ethics_attested_on.clone()).unwrap_or_default()) }
                        td { @if v.current { span.badge.good { "current" } } @else { span.badge.bad { "not current" } br; span.muted { (serde_json::to_string(&v.status).unwrap_or_default()) } } }
                        @if may_manage { td { form.inline method="post" action={"/sites/" (site.id) "/credentials/" (v.user_id)} {
                            input type="date" name="training_completed_on" aria-label="Training completed" value=(r.and_then(|r| r.training_completed_on.clone()).unwrap_or_default());
                            input type="number" name="supervised_sessions" min="0" aria-label="Supervised sessions" value=(r.map(|r| r.supervised_sessions).unwrap_or(0));
                            input type="date" name="certified_until" aria-label="Certified until" value=(r.and_then(|r| r.certified_until.clone()).unwrap_or_default());
                            input type="date" name="ethics_attested_on" aria-label="Ethics attested" value=(r.and_then(|r| r.ethics_attested_on.clone()).unwrap_or_default());
                            input name="reason" placeholder="reason" aria-label="Reason for the change";
                            button.secondary type="submit" { "Save" }
                        } } }
                    }
                } }
            }
            @if !evidence.is_empty() {
                h2 { "Training evidence" }
                @for section in &evidence { (section) }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct CredentialForm {
    #[serde(default)]
    training_completed_on: String,
    supervised_sessions: String,
    #[serde(default)]
    certified_until: String,
    #[serde(default)]
    ethics_attested_on: String,
    #[serde(default)]
    reason: String,
}

pub async fn set_credential(
    State(state): State<AppState>,
    auth: PageAuth,
    Path((site_id, user_id)): Path<(String, String)>,
    PageForm(f): PageForm<CredentialForm>,
) -> PageResult {
    let sessions = f.supervised_sessions.trim().parse::<i64>().map_err(|_| {
        DomainError::invalid("supervised_sessions", "integer", "supervised_sessions must be a whole number")
    })?;
    let some = |s: String| (!s.trim().is_empty()).then_some(s);
    let input = CredentialInput {
        training_completed_on: some(f.training_completed_on),
        supervised_sessions: sessions,
        certified_until: some(f.certified_until),
        ethics_attested_on: some(f.ethics_attested_on),
        reason: some(f.reason),
    };
    state.app.set_credential(&auth.actor, &site_id, &user_id, &input).await?;
    Ok(see_other(&format!("/sites/{site_id}/credentials"), "Credential saved."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_protocol::{StaffAssignment, StaffRole};

    #[test]
    fn a_person_sees_only_the_appointments_they_are_on_the_staff_of() {
        let on = |people: &[&str]| AppointmentStaff::new(
            people.iter().map(|p| StaffAssignment { person: (*p).into(), role: StaffRole::Therapist }).collect(),
        );
        let appointment = |id: &str, staff| Appointment {
            id: id.into(),
            participant_id: "p1".into(),
            site_id: "s1".into(),
            visit_id: "prep1".into(),
            visit_type: "preparation".into(),
            visit_kind: crate::capabilities::treatment::domain::VisitKind::Preparation,
            starts_at: Timestamp(0),
            ends_at: Timestamp(1),
            room_id: "r1".into(),
            staff,
            status: AppointmentStatus::Booked,
            out_of_window_reason: None,
            booked_by: "lead".into(),
        };
        // Matching the stored text found "u1" inside "u10" and "therapist" inside a role.
        let entries = vec![
            (appointment("a1", on(&["u10", "u2"])), "BOS-0001".to_owned()),
            (appointment("a2", on(&["u1"])), "BOS-0002".to_owned()),
        ];
        let ids = |person: &str| booked_for(&entries, person).iter().map(|(a, _)| a.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids("u1"), ["a2"]);
        assert_eq!(ids("u10"), ["a1"]);
        assert!(ids("therapist").is_empty());
    }
}
