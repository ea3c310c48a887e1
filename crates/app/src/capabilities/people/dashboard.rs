//! The people capability's part of the dashboard: a card per site the actor works at, with its
//! participants by stage for those who may see treatment.

use crate::App;
use crate::capabilities::people::domain::Stage;
use crate::capabilities::people::pages::stage_label;
use crate::platform::capability::{DashboardFuture, DashboardRank, DashboardSection};
use crate::platform::web::pages::layout::when;
use catalyst_core::policy::{Action, Actor, Resource};
use maud::{Markup, html};

pub(crate) const SECTIONS: &[DashboardSection] = &[DashboardSection { rank: DashboardRank::Overview, render: site_cards }];

fn site_cards<'a>(app: &'a App, actor: &'a Actor) -> DashboardFuture<'a> {
    Box::pin(async move {
        if !App::may_somewhere(actor, Action::ViewSite) {
            return Ok(None);
        }
        let now = app.now();
        let sites = app.visible_sites(actor).await?;
        let mut site_cards = Vec::new();
        for site in &sites {
            let counts = if App::may(actor, Action::ViewTreatment, Resource::Site { site_id: &site.id }) {
                Some(app.stage_counts(actor, &site.id).await?)
            } else {
                None
            };
            site_cards.push((site, counts));
        }
        Ok(Some(html! {
        @if !site_cards.is_empty() {
            h2 { "Sites" }
            div.cards {
                @for (site, counts) in &site_cards {
                    section.card aria-labelledby={"site-" (site.id)} {
                        h2 id={"site-" (site.id)} { a href={"/sites/" (site.id)} { (site.name) } }
                        p.muted { (site.code) " · " (site.jurisdiction) " · local time " (when(now, &site.time_zone)) }
                        @if let Some(counts) = counts { (stage_bars(counts)) }
                        @if App::may(actor, Action::ViewParticipants, Resource::Site { site_id: &site.id }) {
                            p { a href={"/sites/" (site.id) "/participants"} { "Participants at " (site.code) } }
                        }
                    }
                }
            }
        }
        }))
    })
}

/// Participants per stage as horizontal bars, in course order, with the numbers written out.
fn stage_bars(counts: &[(String, i64)]) -> Markup {
    let count_of = |stage: Stage| counts.iter().find(|(s, _)| s == stage.as_str()).map(|(_, n)| *n).unwrap_or(0);
    let max = Stage::ALL.iter().map(|s| count_of(*s)).max().unwrap_or(0).max(1);
    let total: i64 = Stage::ALL.iter().map(|s| count_of(*s)).sum();
    html! {
        figure {
            figcaption.muted { (total) " participants by stage" }
            @for stage in Stage::ALL {
                @let n = count_of(*stage);
                div.bar {
                    span { (stage_label(*stage)) }
                    // SVG attributes, not inline styles: the content security policy forbids those.
                    svg aria-hidden="true" width="100%" height="14" { rect width={(n * 100 / max) "%"} height="14" rx="3" fill="#0b5cad" {} }
                    span.num { (n) }
                }
            }
        }
    }
}
