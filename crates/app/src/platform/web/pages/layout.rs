//! The page shell: header, role-aware navigation, main content.

use crate::App;
use crate::platform::capability::{NavEntry, nav_entries};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use catalyst_core::policy::Action;
use catalyst_core::policy::Actor;
use maud::{DOCTYPE, Markup, html};

const STYLESHEET: &str = include_str!("../../../../static/catalyst.css");

const SCREENING_SCRIPT: &str = include_str!("../../../../static/screening.js");

pub async fn screening_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        SCREENING_SCRIPT,
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], STYLESHEET)
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Catalyst" }
            link rel="stylesheet" href="/static/catalyst.css";
        }
    }
}

/// The navigation: the dashboard, each capability's entries, the audit trail; each entry shown
/// to whoever the policy lets do its action somewhere.
fn nav_items(actor: &Actor) -> Vec<(&'static str, &'static str)> {
    const AUDIT: NavEntry = NavEntry { href: "/audit", label: "Audit trail", action: Action::ViewAuditTrail };
    let mut items = vec![("/", "Dashboard")];
    items.extend(
        nav_entries()
            .chain([&AUDIT])
            .filter(|entry| App::may_somewhere(actor, entry.action))
            .map(|entry| (entry.href, entry.label)),
    );
    items
}

/// A full page for a logged-in person.
pub fn page(title: &str, actor: &Actor, current: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "Catalyst" }
                    nav aria-label="Main" {
                        ul {
                            @for (href, label) in nav_items(actor) {
                                li {
                                    @if href == current {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    div.account {
                        a.who href="/account" { (actor.display_name) }
                        form method="post" action="/logout" {
                            button.link type="submit" { "Log out" }
                        }
                    }
                }
                main id="main" tabindex="-1" { (content) }
            }
        }
    }
}

/// A page without navigation: login and errors.
pub fn bare_page(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.top { a.brand href="/" { "Catalyst" } }
                main id="main" { (content) }
            }
        }
    }
}

pub fn not_found_page() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        bare_page(
            "Not found",
            html! { h1 { "Not found" } p { "There is no page at this address. " a href="/" { "Go to the dashboard" } "." } },
        ),
    )
}

/// Local date and time in a site's zone, with UTC in the tooltip.
pub fn when(t: catalyst_core::time::Timestamp, zone: &catalyst_core::time::TimeZoneName) -> Markup {
    html! { time datetime=(t.to_rfc3339()) title=(t.to_rfc3339()) { (t.format_in(zone)) } }
}
