//! The pharmacy's part of the dashboard: open discrepancies (an investigation owed), lots held
//! that expire within 60 days and stores below a resupply threshold (both for the unblinded
//! pharmacist), and shipments in transit.

use crate::App;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use catalyst_core::policy::Actor;
use maud::html;

pub(crate) const SECTIONS: &[DashboardSection] = &[
    DashboardSection { rank: DashboardRank::Urgent, render: open_discrepancies },
    DashboardSection { rank: DashboardRank::Urgent, render: expiring_lots },
    DashboardSection { rank: DashboardRank::Urgent, render: below_threshold },
    DashboardSection { rank: DashboardRank::Overview, render: in_transit },
];

fn open_discrepancies<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let items = app.pharmacy_worklist(actor).await?.discrepancies;
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section.alerts aria-labelledby="discrepancies-heading" {
                h2 id="discrepancies-heading" { "Pharmacy: open count discrepancies (" (items.len()) ")" }
                ul { @for d in &items {
                    li { a href={"/sites/" (d.site_id) "/pharmacy"} { (d.location) } " (" (d.site_code) "): " (d.text) }
                } }
            }
        }))
    })
}

fn expiring_lots<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let items = app.pharmacy_worklist(actor).await?.expiring;
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="expiring-heading" {
                h2 id="expiring-heading" { "Pharmacy: lots expiring within 60 days" }
                ul { @for d in &items {
                    li { a href={"/sites/" (d.site_id) "/pharmacy"} { (d.location) } " (" (d.site_code) "): " (d.text) }
                } }
            }
        }))
    })
}

fn below_threshold<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let items = app.pharmacy_worklist(actor).await?.resupply;
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section.alerts aria-labelledby="resupply-heading" {
                h2 id="resupply-heading" { "Pharmacy: stores to resupply (" (items.len()) ")" }
                ul { @for d in &items {
                    li { a href={"/sites/" (d.site_id) "/pharmacy"} { (d.location) } " (" (d.site_code) "): " (d.text) }
                } }
            }
        }))
    })
}

fn in_transit<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let items = app.pharmacy_worklist(actor).await?.in_transit;
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="transit-heading" {
                h2 id="transit-heading" { "Pharmacy: shipments in transit" }
                ul { @for d in &items {
                    li { a href={"/sites/" (d.site_id) "/pharmacy"} { (d.location) } " (" (d.site_code) "): " (d.text) }
                } }
            }
        }))
    })
}
