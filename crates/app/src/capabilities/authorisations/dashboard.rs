//! The authorisations capability's part of the dashboard: approvals and registrations that
//! lapse within 60 days (a lapsed one blocks new doses at once).

use crate::App;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use catalyst_core::policy::Actor;
use maud::html;

pub(crate) const SECTIONS: &[DashboardSection] =
    &[DashboardSection { rank: DashboardRank::Urgent, render: expiry_warnings }];

fn expiry_warnings<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        let warnings = app.expiry_warnings(actor).await?;
        if warnings.is_empty() {
            return Ok(None);
        }
        Ok(Some(html! {
            section aria-labelledby="authorisations-heading" {
                h2 id="authorisations-heading" { "Authorisations lapsing soon" }
                ul { @for w in &warnings {
                    li {
                        a href={"/sites/" (w.site.id) "/authorisations"} { (w.authorisation.kind.label()) " " (w.authorisation.reference) }
                        " (" (w.site.code) "): "
                        @if w.days_left <= 30 { strong { "lapses in " (w.days_left) " days" } } @else { "lapses in " (w.days_left) " days" }
                        ", on " (w.authorisation.expires_on.clone().unwrap_or_default())
                    }
                } }
            }
        }))
    })
}
