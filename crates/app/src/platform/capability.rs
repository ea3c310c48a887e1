//! What a capability declares about itself, once, and the registries the platform assembles
//! from the one list of capabilities (`crate::capabilities::CAPABILITIES`): the ledgered tables
//! that `audit verify` compares and the audit trail redacts, the migrations, the API and page
//! routes, the navigation, the kinds of record that can be e-signed or carry documents, and the
//! demo data.

use crate::App;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::AppResult;
use crate::platform::store::migrations::PLATFORM_MIGRATIONS;
use crate::platform::store::{Migration, Store, StoreError};
use crate::platform::web::AppState;
use catalyst_core::esign::Meaning;
use catalyst_core::ledger::AuditActor;
use catalyst_core::ledger::StateMismatch;
use catalyst_core::policy::{Action, Actor};
use catalyst_core::record::{Redaction, TableSpec, kernel_tables, redaction_among};
use maud::Markup;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;
use utoipa_axum::router::OpenApiRouter;

pub use crate::capabilities::CAPABILITIES;

/// A capability's demo seeding: runs after the capabilities before it in the list.
pub type DemoSeed = for<'a> fn(&'a App, &'a AuditActor, &'a mut Vec<DemoLogin>) -> DemoFuture<'a>;

pub struct Capability {
    pub name: &'static str,
    /// Its ledgered tables. Each declares its redaction on its [`TableSpec`] (the field has no
    /// default), so a table cannot be added without saying who may read it in the audit trail.
    pub tables: &'static [&'static TableSpec],
    /// Its schema steps; versions are global and unique (tested).
    pub migrations: &'static [Migration],
    /// Adds its API operations (each documented in the OpenAPI document by `utoipa`).
    pub api: fn(OpenApiRouter<AppState>) -> OpenApiRouter<AppState>,
    /// Adds its pages.
    pub pages: fn(axum::Router<AppState>) -> axum::Router<AppState>,
    /// Its sections of the dashboard (its items in the day's worklist).
    pub dashboard: &'static [DashboardSection],
    /// Its entries in the main navigation, each shown to whoever the policy lets do its action.
    pub nav: &'static [NavEntry],
    /// Its pages about one site, linked from the site's page (`/sites/{id}/<path>`), each shown
    /// to whoever the policy lets do its action at that site.
    pub site_pages: &'static [SitePage],
    /// Its pages about one participant, linked from the participant's page
    /// (`/participants/{id}/<path>`), each shown to whoever may do one of its actions for them.
    pub participant_pages: &'static [ParticipantPage],
    /// The kinds of its records that can be e-signed through the generic signing endpoint.
    pub signable: &'static [SignableKind],
    /// The kinds of its records that can carry attached documents (approval letters,
    /// certificates, ECGs, training evidence), with what attaching and reading them take.
    pub attachable: &'static [AttachableKind],
    pub demo: Option<DemoSeed>,
    /// Checks, for `audit verify`, of state it keeps beside the ledger (trigger-kept counts).
    pub verify_derived: Option<VerifyDerived>,
}

/// A check of derived state, in flight.
pub type DerivedFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<StateMismatch>, StoreError>> + Send + 'a>>;
pub type VerifyDerived = for<'a> fn(&'a Store) -> DerivedFuture<'a>;

/// Where a dashboard section goes: what needs acting on first, then the person's own, then
/// overviews; within a rank, in the order of the capability list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DashboardRank {
    Urgent,
    Personal,
    Overview,
}

/// A dashboard section, in flight: `None` when there is nothing to show this person.
pub type DashboardFuture<'a> = Pin<Box<dyn Future<Output = AppResult<Option<Markup>>> + Send + 'a>>;

#[derive(Debug)]
pub struct DashboardSection {
    pub rank: DashboardRank,
    pub render: for<'a> fn(&'a App, &'a Actor) -> DashboardFuture<'a>,
}

/// A link in the main navigation. It is shown to an actor who may do `action` somewhere (at a
/// site their grants cover, or system-wide): the navigation asks the policy, never the roles.
#[derive(Debug)]
pub struct NavEntry {
    pub href: &'static str,
    pub label: &'static str,
    pub action: Action,
}

/// A page about one site, at `/sites/{id}/<path>`.
#[derive(Debug)]
pub struct SitePage {
    pub path: &'static str,
    pub label: &'static str,
    pub action: Action,
}

/// A page about one participant, at `/participants/{id}/<path>`.
#[derive(Debug)]
pub struct ParticipantPage {
    pub path: &'static str,
    pub label: &'static str,
    /// Shown to an actor who may do any of these for the participant.
    pub any_of: &'static [Action],
}

/// Every capability's participant pages, in list order.
pub fn participant_pages() -> impl Iterator<Item = &'static ParticipantPage> {
    CAPABILITIES.iter().flat_map(|c| c.participant_pages.iter())
}

/// Every capability's site pages, in list order.
pub fn site_pages() -> impl Iterator<Item = &'static SitePage> {
    CAPABILITIES.iter().flat_map(|c| c.site_pages.iter())
}

/// A kind of record that can be signed: its table, where its participant is named, and what
/// signing and reading its signatures take beyond `SignRecord`.
#[derive(Debug)]
pub struct SignableKind {
    pub spec: &'static TableSpec,
    /// The column naming the participant the record belongs to (`id` for a participant); a row
    /// where it is empty is the site's record.
    pub participant_column: &'static str,
    /// What the signer must also be allowed (screenings: confirming eligibility).
    pub sign_also_requires: Option<Action>,
    /// What reading its signatures takes.
    pub view_requires: Action,
    /// The meanings the generic signing endpoint accepts for it (a prescription's authorship is
    /// signed only as it is written; others may only review or approve it).
    pub meanings: &'static [Meaning],
}

/// A kind of record that can carry attached documents: its table, how its site is found, where
/// its participant is named, and what attaching documents to it and reading them take.
#[derive(Debug)]
pub struct AttachableKind {
    pub spec: &'static TableSpec,
    pub site: AttachSite,
    /// The column naming the participant the record belongs to (`id` for a participant), if
    /// it can name one; a row where it is empty is the site's record.
    pub participant_column: Option<&'static str>,
    /// What attaching (and withdrawing) a document takes, at the record's site or participant.
    pub attach_requires: Action,
    /// What listing and downloading its documents takes.
    pub view_requires: Action,
}

/// Where the site of a record that carries documents comes from (each document lives in that
/// site's chain and is read under that site's grants).
#[derive(Debug)]
pub enum AttachSite {
    /// The record names its site in this column.
    Column(&'static str),
    /// The record is not any one site's (a therapist's credential holds wherever they work):
    /// the request names the site, and the owner answers whether the record belongs there.
    Named(SiteCheck),
}

/// Whether the record `entity_id` belongs at `site_id`, answered by its owner.
pub type SiteCheckFuture<'a> = Pin<Box<dyn Future<Output = AppResult<bool>> + Send + 'a>>;
pub type SiteCheck = for<'a> fn(&'a App, &'a str, &'a str) -> SiteCheckFuture<'a>;

static LEDGERED_TABLES: LazyLock<Vec<&'static TableSpec>> = LazyLock::new(|| {
    kernel_tables().into_iter().chain(CAPABILITIES.iter().flat_map(|c| c.tables.iter().copied())).collect()
});

/// Every ledgered table: the kernel's and each capability's.
pub fn ledgered_tables() -> &'static [&'static TableSpec] {
    &LEDGERED_TABLES
}

/// How the audit trail treats entries about `kind` (undeclared kinds are clinical).
pub fn redaction_of(kind: &str) -> Redaction {
    redaction_among(ledgered_tables(), kind)
}

static MIGRATIONS: LazyLock<Vec<&'static Migration>> = LazyLock::new(|| {
    let mut all: Vec<&Migration> =
        PLATFORM_MIGRATIONS.iter().chain(CAPABILITIES.iter().flat_map(|c| c.migrations.iter())).collect();
    all.sort_by_key(|m| m.version);
    all
});

/// Every schema step, in version order.
pub fn migrations() -> &'static [&'static Migration] {
    &MIGRATIONS
}

/// The navigation entries, platform's first and last around the capabilities' in list order.
pub fn nav_entries() -> impl Iterator<Item = &'static NavEntry> {
    CAPABILITIES.iter().flat_map(|c| c.nav.iter())
}

/// Every capability's dashboard sections, by rank and then list order.
pub fn dashboard_sections() -> Vec<&'static DashboardSection> {
    let mut sections: Vec<&DashboardSection> = CAPABILITIES.iter().flat_map(|c| c.dashboard.iter()).collect();
    sections.sort_by_key(|s| s.rank);
    sections
}

/// The signable kind named `kind`, if any capability declares it.
pub fn signable(kind: &str) -> Option<&'static SignableKind> {
    CAPABILITIES.iter().flat_map(|c| c.signable.iter()).find(|s| s.spec.kind == kind)
}

/// Every signable kind's name, for the error that lists the allowed ones.
pub fn signable_kinds() -> Vec<&'static str> {
    CAPABILITIES.iter().flat_map(|c| c.signable.iter()).map(|s| s.spec.kind).collect()
}

/// The kind named `kind` that can carry documents, if any capability declares it.
pub fn attachable(kind: &str) -> Option<&'static AttachableKind> {
    CAPABILITIES.iter().flat_map(|c| c.attachable.iter()).find(|a| a.spec.kind == kind)
}

/// Every kind's name that can carry documents, for the error that lists the allowed ones.
pub fn attachable_kinds() -> Vec<&'static str> {
    CAPABILITIES.iter().flat_map(|c| c.attachable.iter()).map(|a| a.spec.kind).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn redaction_is_declared_and_fails_closed() {
        let mut kinds = BTreeSet::new();
        let mut tables = BTreeSet::new();
        for spec in ledgered_tables() {
            assert!(kinds.insert(spec.kind), "kind {} declared twice", spec.kind);
            assert!(tables.insert(spec.table), "table {} declared twice", spec.table);
            assert_eq!(redaction_of(spec.kind), spec.redaction, "{}", spec.kind);
            // Clinical tables hold participants' data: a table that names a participant, or is
            // one, may not be declared open.
            if spec.redaction == Redaction::Open {
                assert!(
                    spec.column("participant_id").is_none() && spec.kind != "participant",
                    "{} holds participant data but is declared open",
                    spec.kind
                );
            }
        }
        assert_eq!(redaction_of("site"), Redaction::Open);
        assert_eq!(redaction_of("role_grant"), Redaction::Open);
        assert_eq!(redaction_of("assessment"), Redaction::Clinical);
        assert_eq!(redaction_of("consent"), Redaction::Clinical);
        assert_eq!(redaction_of("login"), Redaction::Open);
        assert_eq!(redaction_of("a_kind_nobody_declared"), Redaction::Clinical);
        // The tables that existed before the layout by capability are all still verified.
        for kind in [
            "site",
            "user",
            "role_grant",
            "participant",
            "esignature",
            "signing_key",
            "assessment",
            "safety_alert",
            "assessment_void",
            "setting",
            "enrolment",
            "room",
            "appointment",
            "staff_credential",
            "deviation",
            "screening",
            "consent_document",
            "consent",
        ] {
            assert!(kinds.contains(kind), "{kind} is no longer a ledgered table");
        }
    }

    /// Versions another branch has taken but not yet merged, so a branch can number its own
    /// migrations after them. Remove a version here when the migration that takes it lands.
    const RESERVED_VERSIONS: &[i64] = &[17];

    #[test]
    fn migration_versions_are_unique_and_every_one_is_owned() {
        let versions: Vec<i64> = migrations().iter().map(|m| m.version).collect();
        let unique: BTreeSet<i64> = versions.iter().copied().collect();
        assert_eq!(versions.len(), unique.len(), "two migrations share a version: {versions:?}");
        for v in RESERVED_VERSIONS {
            assert!(!unique.contains(v), "version {v} has landed: remove it from RESERVED_VERSIONS");
        }
        let mut numbered: Vec<i64> = versions.iter().chain(RESERVED_VERSIONS).copied().collect();
        numbered.sort_unstable();
        assert_eq!(numbered, (1..=numbered.len() as i64).collect::<Vec<_>>(), "versions have a gap");
    }

    #[test]
    fn capability_names_and_signable_kinds_are_unique() {
        let names: BTreeSet<&str> = CAPABILITIES.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), CAPABILITIES.len());
        let kinds = signable_kinds();
        assert_eq!(kinds.iter().collect::<BTreeSet<_>>().len(), kinds.len());
        for kind in kinds {
            assert!(ledgered_tables().iter().any(|t| t.kind == kind), "{kind} is signable but not ledgered");
        }
    }

    #[test]
    fn attachable_kinds_are_unique_ledgered_and_name_their_columns() {
        let kinds = attachable_kinds();
        assert_eq!(kinds.iter().collect::<BTreeSet<_>>().len(), kinds.len());
        for kind in ["authorisation", "staff_credential", "participant"] {
            assert!(kinds.contains(&kind), "{kind} should carry documents");
        }
        for kind in kinds {
            let spec = attachable(kind).map(|a| a.spec);
            assert!(spec.is_some_and(|s| ledgered_tables().iter().any(|t| t.kind == s.kind)), "{kind} is not ledgered");
            let a = attachable(kind).unwrap();
            if let AttachSite::Column(column) = a.site {
                assert!(a.spec.column(column).is_some(), "{kind} has no site column {column}");
            }
            if let Some(column) = a.participant_column {
                assert!(a.spec.column(column).is_some(), "{kind} has no participant column {column}");
            }
        }
    }
}
