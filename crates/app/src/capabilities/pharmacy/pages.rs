//! Pharmacy pages, for a tablet: large labelled targets, plain forms, no script needed.
//!
//! - `/sites/{id}/pharmacy`: the site's stores with their balances (by lot, with expiry and
//!   quarantine, for the pharmacist; kit numbers and units for blinded roles), open
//!   discrepancies, shipments in transit, and the pharmacist's forms: receive, transfer,
//!   receive a shipment, dispense, count, destroy, quarantine (with a temperature excursion's
//!   record) and release, resolve a discrepancy, set a store's resupply thresholds (shown with
//!   its usable units); links to the reports.
//! - `/sites/{id}/pharmacy/doses`: the session team's page of the doses they hold and today's:
//!   administer, waste (witnessed), return (by a key holder).
//! - `/sites/{id}/pharmacy/reports/{kind}`: a report, printable, with its CSV.
//!
//! Every form posts to `/sites/{id}/pharmacy/movements`, which builds the same request the API
//! takes and records it through the same use case.

use crate::App;
use crate::capabilities::pharmacy::domain::{MovementRequest, WitnessInput, units_said};
use crate::capabilities::pharmacy::usecases::MovementInput;
use crate::capabilities::pharmacy::usecases::reports::{ReportKind, ReportParams};
use crate::capabilities::pharmacy::usecases::thresholds::ThresholdView;
use crate::capabilities::pharmacy::usecases::views::{DoseView, RegisterView, StockLine};
use crate::platform::web::pages::layout::page;
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::TimeZoneName;
use maud::{Markup, html};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/sites/{site_id}/pharmacy", get(store_page))
        .route("/sites/{site_id}/pharmacy/doses", get(doses_page))
        .route("/sites/{site_id}/pharmacy/movements", post(record))
        .route("/sites/{site_id}/pharmacy/resupply-thresholds", post(set_threshold))
        .route("/sites/{site_id}/pharmacy/key-holders", post(hand_over_keys))
        .route("/sites/{site_id}/pharmacy/reports/{kind}", get(report_page))
}

fn units_text(line: &StockLine) -> String {
    match line.mg {
        Some(mg) => format!("{} ({} mg)", line.units, trim_mg(mg)),
        None => line.units.to_string(),
    }
}

fn trim_mg(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") }
}

/// A labelled field for a tablet.
fn field(label: &str, name: &str, kind: &str, required: bool) -> Markup {
    html! { label { (label) input type=(kind) name=(name) required[required] inputmode=[(kind == "number").then_some("numeric")]; } }
}

fn reason_field(default: &str) -> Markup {
    html! { label { "Reason" input name="reason" required value=(default); } }
}

fn witnesses_fields() -> Markup {
    html! {
        fieldset {
            legend { "Two witnesses (each enters their own password; you cannot witness your own entry)" }
            @for i in 1..=2 {
                label { "Witness " (i) " username" input name={"witness" (i) "_username"} autocomplete="off" required; }
                label { "Witness " (i) " password" input type="password" name={"witness" (i) "_password"} autocomplete="off" required; }
            }
        }
    }
}

/// The movement form's frame: its kind, where to come back to, and the submit button.
fn movement_form(site_id: &str, kind: &str, back: &str, title: &str, button: &str, body: Markup) -> Markup {
    html! {
        form.stack.tablet method="post" action={"/sites/" (site_id) "/pharmacy/movements"} {
            h3 { (title) }
            input type="hidden" name="kind" value=(kind);
            input type="hidden" name="back" value=(back);
            (body)
            button type="submit" { (button) }
        }
    }
}

pub async fn store_page(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_store(&state, &auth.actor, &site_id, q.notice()).await
}

async fn render_store(state: &AppState, actor: &Actor, site_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let view: RegisterView = app.pharmacy_register(actor, site_id).await?;
    let site = app.site_for_pharmacy(actor, site_id).await?;
    let manage = App::may(actor, Action::ManagePharmacy, Resource::Site { site_id });
    let forms = if manage { Some(app.pharmacy_form_choices(actor, &site).await?) } else { None };
    let thresholds = if view.blinded { Vec::new() } else { app.pharmacy_thresholds(actor, site_id).await? };
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let location_name = |id: &str| {
        view.locations.iter().find(|l| l.id == id).map(|l| l.name.clone()).or_else(|| {
            forms.as_ref().and_then(|f| f.all_stores.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone()))
        })
    };
    let body = page(
        &format!("Pharmacy · {}", site.code),
        actor,
        "/sites",
        html! {
            h1 { "Pharmacy at " a href={"/sites/" (site.id)} { (site.name) } }
            @if let Some(n) = notice { (n.render()) }
            @if view.blinded { p.notice.warn { "Blinded view: kits are shown by number and units only." } }
            p { a.button href={"/sites/" (site.id) "/pharmacy/doses"} { "Doses held by the session teams" } }
            @for l in &view.locations {
                section.card {
                    h2 { (l.name) " " span.badge { (l.kind.replace('_', " ")) } }
                    p.muted { "Key holders: " (l.key_holder_names.join(", ")) }
                    @let lines: Vec<&StockLine> = view.balances.iter().filter(|b| b.holding == "location" && b.holding_id == l.id).collect();
                    @if lines.is_empty() { p { "Empty." } } @else {
                        table {
                            thead { tr {
                                @if !view.blinded { th { "Lot" } th { "Product" } th { "Expires" } th { "Quarantine" } }
                                th { "Kit" } th.num { "Units" }
                            } }
                            tbody { @for b in lines { tr {
                                @if !view.blinded {
                                    td { (b.lot_number.clone().unwrap_or_default()) }
                                    td { (b.product.clone().unwrap_or_default()) }
                                    td { (b.expires_on.clone().unwrap_or_default()) }
                                    td { @if b.quarantined == Some(true) { span.badge.bad { "quarantined" } } }
                                }
                                td { (b.kit_number.clone().unwrap_or_default()) }
                                td.num { (units_text(b)) }
                            } } }
                        }
                    }
                    @let mine: Vec<&ThresholdView> = thresholds.iter().filter(|t| t.location_id == l.id && t.min_units > 0).collect();
                    @if !mine.is_empty() {
                        h3 { "Resupply thresholds" }
                        table {
                            thead { tr { th { "Product" } th.num { "Usable units" } th.num { "Threshold" } th { "Set" } } }
                            tbody { @for t in &mine { tr {
                                td { (t.product) @if t.below { " " span.badge.bad { "below" } } }
                                td.num { (t.usable_units) }
                                td.num { (t.min_units) }
                                td { (t.set_at) " by " (t.set_by) }
                            } } }
                        }
                    }
                    @if let Some(f) = forms.as_ref().filter(|_| !view.blinded && l.key_holders.contains(&actor.user_id)) {
                        details {
                            summary { "Hand the keys on" }
                            form.stack.tablet method="post" action={"/sites/" (site.id) "/pharmacy/key-holders"} {
                                input type="hidden" name="location_id" value=(l.id);
                                fieldset {
                                    legend { "Key holders of " (l.name) }
                                    @for (id, username, name) in &f.pharmacists {
                                        label.choice { input type="checkbox" name="key_holder" value=(username) checked[l.key_holders.contains(id)];
                                            " " (name) }
                                    }
                                }
                                (reason_field(""))
                                button type="submit" { "Hand the keys on" }
                            }
                        }
                    }
                    @if let Some(f) = forms.as_ref().filter(|_| !view.blinded) {
                        form.stack.tablet method="post" action={"/sites/" (site.id) "/pharmacy/resupply-thresholds"} {
                            h3 { "Set a resupply threshold" }
                            input type="hidden" name="location_id" value=(l.id);
                            label { "Product" select name="product_id" required {
                                @for (id, n) in &f.products { option value=(id) { (n) } }
                            } }
                            label { "Fewest usable units (0: no alert)" input type="number" min="0" step="1" name="min_units" required inputmode="numeric"; }
                            (reason_field(""))
                            button type="submit" { "Set the threshold" }
                        }
                    }
                }
            }
            h2 { "Open discrepancies" }
            @let open: Vec<&Value> = view.discrepancies.iter().filter(|d| d.get("open").map_or_else(|| d["resolution"].is_null(), |o| o == true)).collect();
            @if open.is_empty() { p { "None." } } @else {
                ul { @for d in &open {
                    li {
                        (location_name(d["location_id"].as_str().unwrap_or_default()).unwrap_or_default()) ": "
                        "expected " (d["expected"]) ", counted " (d["counted"])
                        @if let Some(k) = d["kit_number"].as_str().or_else(|| d["stock"]["kit_number"].as_str()) { " (kit " (k) ")" }
                        @if manage {
                            (movement_form(&site.id, "resolve_discrepancy", "store", "Resolve", "Resolve and sign", html! {
                                input type="hidden" name="discrepancy_id" value=(d["id"].as_str().unwrap_or_default());
                                label { "Conclusion" select name="conclusion" {
                                    option value="adjust_to_count" { "The count is right: adjust the register" }
                                    option value="records_correct" { "The records are right: the count was wrong" }
                                } }
                                (reason_field(""))
                                label { "Your password, to sign" input type="password" name="password" required autocomplete="current-password"; }
                            }))
                        }
                    }
                } }
            }
            h2 { "Shipments in transit" }
            @let moving: Vec<_> = view.shipments.iter().filter(|s| s.in_transit_units > 0).collect();
            @if moving.is_empty() { p { "None." } } @else {
                table {
                    thead { tr { th { "From" } th { "To" } th { "Dispatched" } th.num { "Units" } } }
                    tbody { @for s in &moving { tr {
                        td { (location_name(&s.from_location_id).unwrap_or_else(|| s.from_location_id.clone())) }
                        td { (location_name(&s.to_location_id).unwrap_or_else(|| s.to_location_id.clone())) }
                        td { (s.dispatched_at) }
                        td.num { (s.in_transit_units) }
                    } } }
                }
            }
            @if let Some(f) = &forms {
                h2 { "Record a movement" }
                div.cards {
                    @for (shipment, line) in &f.incoming {
                        (movement_form(&site.id, "receive_transfer", "store", "Receive a shipment", "Record the count", html! {
                            p { (line) }
                            input type="hidden" name="shipment_id" value=(shipment.0);
                            input type="hidden" name="lot_id" value=(shipment.1);
                            @if let Some(k) = &shipment.2 { input type="hidden" name="kit_number" value=(k); }
                            (field("Units counted on arrival", "units", "number", true))
                            (reason_field("received and counted"))
                        }))
                    }
                    (movement_form(&site.id, "receive", "store", "Receive from the supplier", "Receive", html! {
                        (store_select("location_id", "Into", &f.own_stores))
                        (lot_select(&f.lots))
                        (field("Kit number (trials)", "kit_number", "text", false))
                        (field("Units", "units", "number", true))
                        fieldset {
                            legend { "The order it fills" }
                            label { "Form" select name="order_form" {
                                option value="purchase_order" { "Purchase order" }
                                option value="dea_form_222" { "DEA Form 222" }
                                option value="csos" { "CSOS" }
                            } }
                            (field("Order number", "order_number", "text", false))
                            (field("Line", "order_line", "number", false))
                            (field("Units ordered", "order_units", "number", false))
                        }
                        (reason_field("delivery from the supplier"))
                    }))
                    (movement_form(&site.id, "dispatch", "store", "Transfer to another store", "Dispatch", html! {
                        (store_select("from_location_id", "From", &f.own_stores))
                        (store_select("to_location_id", "To", &f.all_stores))
                        (lot_select(&f.lots))
                        (field("Kit number (trials)", "kit_number", "text", false))
                        (field("Units", "units", "number", true))
                        (reason_field("resupply"))
                    }))
                    (movement_form(&site.id, "dispense", "store", "Dispense a dose", "Dispense", html! {
                        label { "Session" select name="session" required {
                            @for (value, label) in &f.sessions { option value=(value) { (label) } }
                        } }
                        (store_select("location_id", "From", &f.own_stores))
                        (lot_select(&f.lots))
                        (field("Kit number (trials)", "kit_number", "text", false))
                        (field("Units", "units", "number", true))
                        (reason_field("dose for the session"))
                    }))
                    (movement_form(&site.id, "count", "store", "Exact count", "Record the count", html! {
                        (store_select("location_id", "Store", &f.own_stores))
                        (lot_select(&f.lots))
                        (field("Kit number (trials)", "kit_number", "text", false))
                        (field("Units counted", "units", "number", true))
                        (reason_field("exact count"))
                    }))
                    (movement_form(&site.id, "destroy", "store", "Destroy (DEA Form 41)", "Destroy", html! {
                        (store_select("location_id", "From", &f.own_stores))
                        (lot_select(&f.lots))
                        (field("Kit number (trials)", "kit_number", "text", false))
                        (field("Units", "units", "number", true))
                        (field("Method", "method", "text", true))
                        (field("Place", "place", "text", true))
                        (witnesses_fields())
                        (reason_field("expired stock"))
                    }))
                    (movement_form(&site.id, "quarantine", "store", "Quarantine a lot", "Quarantine", html! {
                        (store_select("location_id", "Recorded at", &f.own_stores))
                        (lot_select(&f.lots))
                        label { "Cause" select name="cause" {
                            option value="temperature_excursion" { "Temperature excursion" }
                            option value="recall" { "Recall" }
                            option value="other" { "Other" }
                        } }
                        fieldset {
                            legend { "The temperature excursion (for that cause only; the store is the one above)" }
                            (field("Observed at (site time)", "excursion_observed_at", "datetime-local", false))
                            label { "Lowest °C" input type="number" step="0.1" name="excursion_min_celsius"; }
                            label { "Highest °C" input type="number" step="0.1" name="excursion_max_celsius"; }
                            (field("Lasted (whole minutes)", "excursion_duration_minutes", "number", false))
                            (field("Observed by (username; you if left empty)", "excursion_observed_by", "text", false))
                        }
                        (reason_field(""))
                    }))
                    (movement_form(&site.id, "loss_or_theft", "store", "Loss or theft", "Record the loss", html! {
                        (store_select("location_id", "From", &f.own_stores))
                        (lot_select(&f.lots))
                        (field("Kit number (trials)", "kit_number", "text", false))
                        (field("Units missing", "units", "number", true))
                        (field("Discovered at (site time)", "discovered_at", "datetime-local", true))
                        label.choice { input type="checkbox" name="theft" value="on"; " Theft (not a loss)" }
                        (reason_field(""))
                    }))
                    (movement_form(&site.id, "return_to_supplier", "store", "Return to the supplier", "Return", html! {
                        (store_select("location_id", "From", &f.own_stores))
                        (lot_select(&f.lots))
                        (field("Kit number (trials)", "kit_number", "text", false))
                        (field("Units", "units", "number", true))
                        (field("Recipient (supplier or reverse distributor)", "recipient_name", "text", true))
                        (field("Recipient's address", "recipient_address", "text", true))
                        (field("Recipient's registration number", "recipient_registration", "text", false))
                        (field("Recipient's order form (US: DEA Form 222 number)", "order_form", "text", false))
                        (reason_field(""))
                    }))
                    (movement_form(&site.id, "release", "store", "Release a lot from quarantine", "Release", html! {
                        (store_select("location_id", "Recorded at", &f.own_stores))
                        (lot_select(&f.lots))
                        (reason_field(""))
                    }))
                }
            }
            @if !view.blinded {
                h2 { "Reports" }
                @let today = app.local_today(&site);
                ul { @for kind in [ReportKind::PerpetualInventory, ReportKind::DispensingRecord, ReportKind::DestructionRecord, ReportKind::TemperatureExcursions] {
                    li {
                        a href={"/sites/" (site.id) "/pharmacy/reports/" (kind.as_str())} { (kind.title()) } " · "
                        a href={"/api/v1/sites/" (site.id) "/pharmacy/reports/" (kind.as_str()) "?format=csv"} { "CSV" }
                    }
                }
                @for taken_at in ["opening", "close"] {
                    li {
                        a href={"/sites/" (site.id) "/pharmacy/reports/biennial_inventory?as_of=" (today) "&taken_at=" (taken_at)} {
                            (ReportKind::BiennialInventory.title()) ": today, at the " (taken_at) " of business"
                        } " · "
                        a href={"/api/v1/sites/" (site.id) "/pharmacy/reports/biennial_inventory?as_of=" (today) "&taken_at=" (taken_at) "&format=csv"} { "CSV" }
                    }
                }
                @for l in &view.locations {
                    li {
                        a href={"/sites/" (site.id) "/pharmacy/reports/count_sheet?location_id=" (l.id)} { "Count sheet: " (l.name) } " · "
                        a href={"/sites/" (site.id) "/pharmacy/reports/count_sheet?location_id=" (l.id) "&show_expected=false"} { "blind" }
                    }
                } }
            }
        },
    );
    Ok((status, body).into_response())
}

// No choice is made for the pharmacist: the first option is empty, so a required select is
// chosen on purpose, not left on whichever store or lot happens to be listed first.
fn store_select(name: &str, label: &str, stores: &[(String, String)]) -> Markup {
    html! { label { (label) select name=(name) required {
        option value="" { "Choose a store" }
        @for (id, n) in stores { option value=(id) { (n) } }
    } } }
}

fn lot_select(lots: &[(String, String)]) -> Markup {
    html! { label { "Lot" select name="lot_id" required {
        option value="" { "Choose a lot" }
        @for (id, n) in lots { option value=(id) { (n) } }
    } } }
}

pub async fn doses_page(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_doses(&state, &auth.actor, &site_id, q.notice()).await
}

async fn render_doses(state: &AppState, actor: &Actor, site_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let site = app.site_for_pharmacy(actor, site_id).await?;
    let doses: Vec<DoseView> = app.pharmacy_doses(actor, &site).await?;
    let returns = app.pharmacy_return_stores(actor, &site).await?;
    let give = App::may(actor, Action::AdministerDose, Resource::Site { site_id })
        || App::may(actor, Action::ManagePharmacy, Resource::Site { site_id });
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        &format!("Doses · {}", site.code),
        actor,
        "/sites",
        html! {
            h1 { "Doses held by the session teams at " a href={"/sites/" (site.id)} { (site.name) } }
            @if let Some(n) = notice { (n.render()) }
            @if doses.is_empty() { p { "No dose is held by a session team, and none was dispensed today." } }
            div.cards { @for d in &doses {
                section.card.tablet {
                    h2 { (d.participant_code)
                        @if let Some(v) = &d.visit_id { " · " (v) }
                        @if let Some(day) = &d.session_day { " · " (day) }
                        @if d.session_today { " " span.badge.good { "today" } } }
                    p {
                        @if let Some(k) = &d.kit_number { "Kit " strong { (k) } ", " }
                        @if let Some(p) = &d.product { (p) ", lot " (d.lot_number.clone().unwrap_or_default()) ", " }
                        (units_said(d.units_dispensed)) " dispensed from " (d.location_name) " at " (d.dispensed_at) " by " (d.dispensed_by)
                    }
                    p { strong { (units_said(d.units_held)) " held" }
                        @if d.units_returned > 0 { " · " (units_said(d.units_returned)) " returned" }
                        @if d.units_wasted > 0 { " · " (units_said(d.units_wasted)) " wasted" } }
                    @if !d.given.is_empty() {
                        ul.given { @for g in &d.given { li { (units_said(g.units)) " given (" (g.dose) ") at " (g.at) " by " (g.by) } } }
                    }
                    @if d.units_held > 0 && give && !d.session_today {
                        p.muted { "Given on the session's day"
                            @if let Some(day) = &d.session_day { ", " (day) } "." }
                    }
                    @if d.units_held > 0 && give && d.session_today {
                        (movement_form(&site.id, "administer", "doses", "Give", "Record as given", html! {
                            input type="hidden" name="dispense_id" value=(d.dispense_id);
                            fieldset { legend { "Dose" }
                                div.choices {
                                    label.choice { input type="radio" name="dose" value="initial" checked; "Initial" }
                                    label.choice { input type="radio" name="dose" value="supplemental"; "Supplemental" }
                                }
                            }
                            (field("Units given", "units", "number", true))
                            (reason_field("given as prescribed"))
                        }))
                    }
                    @if d.units_held > 0 && give {
                        // Waste and return are the exceptions: folded away so the dose and its
                        // give form stay at a glance.
                        details {
                            summary { "Waste part of the dose" }
                            (movement_form(&site.id, "waste", "doses", "Waste part of the dose", "Record the waste", html! {
                                input type="hidden" name="dispense_id" value=(d.dispense_id);
                                (field("Units wasted", "units", "number", true))
                                (witnesses_fields())
                                (reason_field(""))
                            }))
                        }
                    }
                    @if d.units_held > 0 && !returns.is_empty() {
                        details {
                            summary { "Return unused units" }
                            (movement_form(&site.id, "return_unused", "doses", "Return unused units", "Return to the store", html! {
                                input type="hidden" name="dispense_id" value=(d.dispense_id);
                                (store_select("to_location_id", "Into", &returns))
                                (field("Units returned", "units", "number", true))
                                (reason_field("not needed"))
                            }))
                        }
                    } @else if d.units_held > 0 {
                        p.muted { "Unused units go back to the store: its pharmacist records the return." }
                    }
                }
            } }
        },
    );
    Ok((status, body).into_response())
}

/// An excursion's observation time as entered on a tablet (`YYYY-MM-DDTHH:MM`, the site's wall
/// clock) as RFC 3339; anything else is passed on for the use case to refuse by name.
fn observed_at(value: &str, zone: &TimeZoneName) -> String {
    let local = value.parse::<jiff::civil::DateTime>().ok();
    let tz = jiff::tz::TimeZone::get(zone.as_str()).ok();
    match local.zip(tz).and_then(|(dt, tz)| dt.to_zoned(tz).ok()) {
        Some(z) => z.timestamp().to_string(),
        None => value.to_owned(),
    }
}

/// Builds the API's request from a movement form: numbers read as numbers, empty fields left
/// out, the session split into its participant and appointment, the order, the excursion (its
/// time on the site's clock in `zone`) and witnesses gathered. An unreadable field is named.
fn input_from(form: &HashMap<String, String>, zone: &TimeZoneName) -> Result<MovementInput, Vec<Violation>> {
    let mut problems = Vec::new();
    let get = |name: &str| form.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut m = Map::new();
    let skip = ["back", "reason", "password", "session", "order_form", "order_number", "order_line", "order_units"];
    let return_to_supplier = form.get("kind").is_some_and(|k| k == "return_to_supplier");
    for (name, value) in form {
        let value = value.trim();
        if value.is_empty()
            || skip.contains(&name.as_str())
            || name.starts_with("witness")
            || name.starts_with("excursion_")
            || name.starts_with("recipient_")
        {
            continue;
        }
        let v = match name.as_str() {
            "units" => match value.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    problems.push(Violation::new("units", "number", format!("units must be a whole number; got {value:?}")));
                    continue;
                }
            },
            "mg" => match value.parse::<f64>() {
                // NaN or infinity would become JSON null, and the mg silently dropped.
                Ok(x) if x.is_finite() => Value::from(x),
                _ => {
                    problems.push(Violation::new("mg", "number", format!("mg must be a number; got {value:?}")));
                    continue;
                }
            },
            "theft" => Value::from(value == "on" || value == "true"),
            "discovered_at" => Value::from(observed_at(value, zone)),
            _ => Value::from(value),
        };
        m.insert(name.clone(), v);
    }
    if let Some(session) = get("session") {
        let (participant, appointment) = session.split_once('|').unwrap_or((session.as_str(), ""));
        m.insert("participant_id".into(), participant.into());
        m.insert("appointment_id".into(), appointment.into());
    }
    if let Some(number) = get("order_number") {
        let int = |name: &str, shown: &str, problems: &mut Vec<Violation>| match get(name).unwrap_or_default().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(Violation::new(shown, "number", format!("{shown} must be a whole number")));
                None
            }
        };
        let line = int("order_line", "order.line", &mut problems);
        let units = int("order_units", "order.units_ordered", &mut problems);
        if let (Some(line), Some(units)) = (line, units) {
            m.insert(
                "order".into(),
                serde_json::json!({"form": get("order_form").unwrap_or_default(), "number": number, "line": line, "units_ordered": units}),
            );
        }
    }
    if return_to_supplier {
        let mut recipient = Map::new();
        recipient.insert("name".into(), get("recipient_name").unwrap_or_default().into());
        recipient.insert("address".into(), get("recipient_address").unwrap_or_default().into());
        if let Some(r) = get("recipient_registration") {
            recipient.insert("registration_number".into(), r.into());
        }
        m.insert("recipient".into(), Value::Object(recipient));
        if let Some(form) = get("order_form") {
            m.insert("order_form".into(), form.into());
        }
    }
    let excursion: Vec<&str> = ["observed_at", "min_celsius", "max_celsius", "duration_minutes", "observed_by"]
        .into_iter()
        .filter(|f| get(&format!("excursion_{f}")).is_some())
        .collect();
    if !excursion.is_empty() {
        let mut e = Map::new();
        for f in excursion {
            let value = get(&format!("excursion_{f}")).unwrap_or_default();
            let v = match f {
                "observed_at" => Value::from(observed_at(&value, zone)),
                "observed_by" => Value::from(value),
                "duration_minutes" => match value.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => {
                        problems.push(Violation::new(
                            "excursion.duration_minutes",
                            "number",
                            format!("the duration is a whole number of minutes; got {value:?}"),
                        ));
                        continue;
                    }
                },
                _ => match value.parse::<f64>() {
                    Ok(x) if x.is_finite() => Value::from(x),
                    _ => {
                        problems.push(Violation::new(
                            format!("excursion.{f}"),
                            "number",
                            format!("a temperature is a number of °C; got {value:?}"),
                        ));
                        continue;
                    }
                },
            };
            e.insert(f.to_owned(), v);
        }
        m.insert("excursion".into(), Value::Object(e));
    }
    let mut witnesses = Vec::new();
    for i in 1..=2 {
        if let Some(username) = get(&format!("witness{i}_username")) {
            let password = form.get(&format!("witness{i}_password")).cloned().unwrap_or_default();
            witnesses.push(WitnessInput { username, password });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let movement: MovementRequest = serde_json::from_value(Value::Object(m))
        .map_err(|e| vec![Violation::new("kind", "invalid", format!("the form could not be read: {e}"))])?;
    Ok(MovementInput {
        reason: form.get("reason").cloned().unwrap_or_default(),
        witnesses,
        password: form.get("password").cloned(),
        movement,
    })
}

pub async fn record(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let back_to_doses = form.get("back").is_some_and(|b| b == "doses");
    let site = state.app.site_for_pharmacy(&auth.actor, &site_id).await?;
    let result = match input_from(&form, &site.time_zone) {
        Ok(input) => state.app.record_movement(&auth.actor, &input).await.map(|_| ()),
        Err(problems) => Err(DomainError::Invalid(problems).into()),
    };
    let path = if back_to_doses { format!("/sites/{site_id}/pharmacy/doses") } else { format!("/sites/{site_id}/pharmacy") };
    match result {
        Ok(()) => Ok(see_other(&path, "Recorded in the register.")),
        Err(e) => {
            let notice = Some(Notice::from_error(e)?);
            if back_to_doses {
                render_doses(&state, &auth.actor, &site_id, notice).await
            } else {
                render_store(&state, &auth.actor, &site_id, notice).await
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ThresholdForm {
    location_id: String,
    product_id: String,
    min_units: String,
    reason: String,
}

/// The store card's key-holder form: the same use case as the API's. Each ticked pharmacist
/// is a `key_holder` field.
pub async fn hand_over_keys(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let holders: Vec<String> = fields.iter().filter(|(k, _)| k == "key_holder").map(|(_, v)| v.clone()).collect();
    let result = state.app.hand_over_pharmacy_keys(&auth.actor, &field("location_id"), &holders, &field("reason")).await;
    match result {
        Ok(_) => Ok(see_other(&format!("/sites/{site_id}/pharmacy"), "Keys handed on.")),
        Err(e) => render_store(&state, &auth.actor, &site_id, Some(Notice::from_error(e)?)).await,
    }
}

/// The store card's threshold form: the same use case as the API's.
pub async fn set_threshold(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(form): PageForm<ThresholdForm>,
) -> PageResult {
    let min_units = match form.min_units.trim().parse::<i64>() {
        Ok(n) => Value::from(n),
        Err(_) => Value::from(form.min_units.trim()),
    };
    let result =
        state.app.set_resupply_threshold(&auth.actor, &form.location_id, &form.product_id, &min_units, &form.reason).await;
    match result {
        Ok(_) => Ok(see_other(&format!("/sites/{site_id}/pharmacy"), "Threshold set.")),
        Err(e) => render_store(&state, &auth.actor, &site_id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    location_id: Option<String>,
    #[serde(default)]
    dispense_id: Option<String>,
    #[serde(default)]
    substance: Option<String>,
    #[serde(default)]
    show_expected: Option<bool>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    taken_at: Option<String>,
}

/// A report, printable: its CSV shown as a table, with the CSV to download.
pub async fn report_page(
    State(state): State<AppState>,
    auth: PageAuth,
    Path((site_id, kind)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let kind = ReportKind::parse("kind", &kind).map_err(|v| DomainError::Invalid(vec![v]))?;
    let params = ReportParams {
        substance: q.substance,
        location_id: q.location_id.clone(),
        dispense_id: q.dispense_id.clone(),
        show_expected: q.show_expected,
        as_of: q.as_of.clone(),
        taken_at: q.taken_at.clone(),
    };
    let report = state.app.pharmacy_report(&auth.actor, &site_id, kind, &params).await?;
    let rows = csv_rows(&report.csv);
    let mut query = Vec::new();
    if let Some(l) = &q.location_id {
        query.push(format!("location_id={l}"));
    }
    if let Some(d) = &q.dispense_id {
        query.push(format!("dispense_id={d}"));
    }
    if q.show_expected == Some(false) {
        query.push("show_expected=false".into());
    }
    if let Some(d) = &q.as_of {
        query.push(format!("as_of={d}"));
    }
    if let Some(t) = &q.taken_at {
        query.push(format!("taken_at={t}"));
    }
    query.push("format=csv".into());
    let body = page(
        &format!("{} · {}", kind.title(), report.site_code),
        &auth.actor,
        "/sites",
        html! {
            h1 { (kind.title()) " · " (report.site_code) }
            p { a href={"/api/v1/sites/" (site_id) "/pharmacy/reports/" (kind.as_str()) "?" (query.join("&"))} { "Download as CSV" }
                " · " a href={"/sites/" (site_id) "/pharmacy"} { "Back to the pharmacy" } }
            table {
                @for (i, row) in rows.iter().enumerate() {
                    tr { @for cell in row { @if i == 0 { th { (cell) } } @else { td { (cell) } } } }
                }
            }
        },
    );
    Ok(([(header::CACHE_CONTROL, "no-store")], body).into_response())
}

/// Reads the reports' CSV back into cells (quoted fields, doubled quotes, the formula guard's
/// apostrophe kept as printed).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_back_into_cells() {
        assert_eq!(csv_rows("a,\"b, c\",\"say \"\"hi\"\"\"\n1,2,3\n"), vec![vec!["a", "b, c", "say \"hi\""], vec!["1", "2", "3"]]);
    }

    #[test]
    fn a_form_becomes_the_apis_request() {
        let form: HashMap<String, String> = [
            ("kind", "receive"),
            ("location_id", "l1"),
            ("lot_id", "lot"),
            ("kit_number", ""),
            ("units", "12"),
            ("order_form", "purchase_order"),
            ("order_number", "PO-1"),
            ("order_line", "1"),
            ("order_units", "12"),
            ("reason", "delivery"),
            ("back", "store"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let zone = TimeZoneName::parse("zone", "Australia/Sydney").unwrap();
        let input = input_from(&form, &zone).unwrap();
        assert!(matches!(input.movement, MovementRequest::Receive { units: 12, kit_number: None, order: Some(_), .. }));
        let mut bad = form.clone();
        bad.insert("units".into(), "twelve".into());
        assert_eq!(input_from(&bad, &zone).unwrap_err()[0].field, "units");
        let mut nan = bad.clone();
        nan.insert("units".into(), "12".into());
        nan.insert("mg".into(), "NaN".into());
        assert_eq!(input_from(&nan, &zone).unwrap_err()[0].field, "mg", "not dropped");
        let excursion: HashMap<String, String> = [
            ("kind", "quarantine"),
            ("location_id", "l1"),
            ("lot_id", "lot"),
            ("cause", "temperature_excursion"),
            ("excursion_observed_at", "2026-06-01T09:30"),
            ("excursion_min_celsius", "24"),
            ("excursion_max_celsius", "31.5"),
            ("excursion_duration_minutes", "95"),
            ("excursion_observed_by", ""),
            ("reason", "fridge alarm"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let MovementRequest::Quarantine { excursion: Some(e), .. } = input_from(&excursion, &zone).unwrap().movement else {
            panic!("the excursion is read");
        };
        assert_eq!((e.observed_at.as_str(), e.max_celsius, e.duration_minutes), ("2026-05-31T23:30:00Z", 31.5, 95));
        assert_eq!(e.observed_by, None);
        let mut bad = excursion.clone();
        bad.insert("excursion_duration_minutes".into(), "an hour".into());
        assert_eq!(input_from(&bad, &zone).unwrap_err()[0].field, "excursion.duration_minutes");
    }
}
