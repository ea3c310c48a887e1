//! The audit trail page and on-demand verification.

use super::layout::page;
use super::{PageAuth, PageResult};
use crate::platform::store::ledger::EntryCursor;
use crate::platform::web::state::AppState;
use axum::extract::{Query, State};
use catalyst_core::DomainError;
use catalyst_core::time::{TimeZoneName, Timestamp};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct TrailQuery {
    site_id: Option<String>,
    /// Page back from this entry: its time (UTC microseconds), chain and sequence number.
    before: Option<i64>,
    chain: Option<String>,
    seq: Option<i64>,
}

const PAGE: i64 = 200;

pub async fn trail(State(state): State<AppState>, auth: PageAuth, Query(q): Query<TrailQuery>) -> PageResult<Markup> {
    let app = &state.app;
    let site_id = q.site_id.filter(|s| !s.is_empty());
    let cursor = match (q.before, q.chain, q.seq) {
        (Some(at), Some(chain), Some(seq)) => Some(EntryCursor { at: Timestamp(at), chain, seq }),
        (None, None, None) => None,
        _ => return Err(DomainError::invalid("before", "together", "give before, chain and seq together").into()),
    };
    let entries = app.ledger_entries(&auth.actor, site_id.as_deref(), cursor, PAGE).await?;
    let older = if entries.len() as i64 == PAGE { entries.last() } else { None };
    let sites = app.visible_sites(&auth.actor).await?;
    Ok(page(
        "Audit trail",
        &auth.actor,
        "/audit",
        html! {
            h1 { "Audit trail" }
            p.muted { "Every change and event, newest first. Times are local to the chain's site; hover for UTC." }
            form method="get" action="/audit" {
                label { "Chain" select name="site_id" {
                    option value="" { "All chains I may read" }
                    @for s in &sites { option value=(s.id) selected[site_id.as_deref() == Some(s.id.as_str())] { (s.code) " — " (s.name) } }
                } }
                " " button.secondary type="submit" { "Show" }
            }
            table {
                thead { tr { th { "When" } th { "Chain #" } th { "Who" } th { "Action" } th { "Record" } th { "Reason" } th { "Values" } } }
                tbody { @for e in &entries {
                    @let zone = TimeZoneName::parse("zone", &e.zone).unwrap_or_else(|_| TimeZoneName::utc());
                    tr {
                        td { (super::layout::when(e.at, &zone)) }
                        td.mono { (e.chain.split(':').next().unwrap_or_default()) " " (e.seq) }
                        td { (e.actor_name) }
                        td.mono { (e.action) }
                        td.mono { (e.entity_kind) }
                        td { (e.reason.as_deref().unwrap_or("")) }
                        td { details { summary { "show" }
                            @if let Some(b) = &e.before { p { "Before" } pre { (b) } }
                            @if let Some(a) = &e.after { p { "After" } pre { (a) } }
                            p.mono.muted { "hash " (e.hash) }
                        } }
                    }
                } }
            }
            @if let Some(older) = older {
                p { a href={"/audit?before=" (older.at.micros()) "&chain=" (older.chain) "&seq=" (older.seq)
                    @if let Some(s) = &site_id { "&site_id=" (s) }} { "Older entries" } }
            }
        },
    ))
}

pub async fn verify(State(state): State<AppState>, auth: PageAuth) -> PageResult<Markup> {
    let report = state.app.verify_ledger(&auth.actor).await?;
    Ok(page(
        "Verification",
        &auth.actor,
        "/audit",
        html! {
            h1 { "Audit trail verification" }
            @if report.ok {
                p.notice.ok role="status" { "Verified: every chain recomputes, every entry is covered by a valid signature of a trusted key, every chain the ledger opened is there, and the "
                    (report.records_compared) " current records match the ledger." }
            } @else {
                div.notice.error role="alert" {
                    p { strong { "Verification failed." } }
                    ul {
                        @for f in &report.chain_faults { li { (f.to_string()) } }
                        @for f in report.checkpoint_faults.iter().chain(&report.history_faults) { li { (f) } }
                        @for m in &report.state_mismatches { li { (m.entity_kind) " " (m.entity_id) ": " (m.problem) } }
                    }
                }
            }
            @for w in &report.warnings { p.notice.warn { (w) } }
            p { "Only a receipt kept outside Catalyst proves that no newest entries were cut off. "
                a href="/audit/receipt" download="catalyst-receipt.json" { "Download a receipt now" }
                " and keep it; later, " code { "catalyst audit verify --anchor FILE" } " checks the database against it." }
            table {
                thead { tr { th { "Chain" } th.num { "Entries" } th.num { "Signatures verified" } th.num { "Unsigned entries" } th { "Head hash" } } }
                tbody { @for c in &report.chains {
                    tr { td.mono { (c.chain) } td.num { (c.entries) } td.num { (c.checkpoints_verified) } td.num { (c.unsigned_tail) } td.mono { (c.head_hash.get(..16).unwrap_or_default()) "…" } }
                } }
            }
        },
    ))
}

/// An outsider's receipt as a file to keep (docs/ledger.md, "Receipts").
pub async fn receipt(State(state): State<AppState>, auth: PageAuth) -> PageResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let receipt = state.app.receipt(&auth.actor).await?;
    let name = format!("attachment; filename=\"catalyst-receipt-{}.json\"", receipt.issued_at.micros());
    let body = serde_json::to_string_pretty(&receipt).unwrap_or_default();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}
