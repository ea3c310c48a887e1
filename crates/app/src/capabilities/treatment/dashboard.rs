//! The treatment capability's part of the dashboard: therapist credentials that stop, or will
//! soon stop, a therapist being booked into dosing sessions.

use crate::App;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use catalyst_core::policy::Actor;
use maud::html;

pub(crate) const SECTIONS: &[DashboardSection] =
    &[DashboardSection { rank: DashboardRank::Urgent, render: credential_warnings }];

fn credential_warnings<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let credential_warnings = app.credential_warnings(actor).await?;
        if credential_warnings.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="credentials-heading" {
                h2 id="credentials-heading" { "Therapist credentials needing attention" }
                ul { @for (site, v) in &credential_warnings {
                    li { a href={"/sites/" (site.id) "/credentials"} { (v.name) } " (" (site.code) "): "
                        @if !v.current { strong { "not current — cannot be booked into dosing sessions" } }
                        @else if let Some(e) = v.expiring_on { "certification ends " (e) } }
                } }
            }
        }))
    })
}
