//! Pharmacy use cases: the catalogue (products, lots, stores, kits), movements of the register,
//! what each role sees of it (blinded unless the actor may see the contents), the stores'
//! resupply thresholds, and the inspector's reports.

mod catalogue;
pub mod movements;
pub mod reports;
pub mod thresholds;
pub mod views;
pub mod worklist;

use crate::App;
use crate::capabilities::people::domain::Site;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::Timestamp;
use catalyst_pharmacy::{JurisdictionRules, RegisterRules};
use std::sync::LazyLock;

pub use movements::{MovementInput, Recorded};

static RULES: LazyLock<Result<RegisterRules, String>> =
    LazyLock::new(|| RegisterRules::builtin().map_err(|e| e.to_string()));

/// The register's rules where the site is (its jurisdiction's, a subdivision inheriting its
/// country's).
pub(in crate::capabilities::pharmacy) fn rules_for(jurisdiction: &str) -> AppResult<JurisdictionRules> {
    let all = RULES.as_ref().map_err(|e| AppError::Internal(e.clone()))?;
    all.for_jurisdiction(jurisdiction).map_err(|v| {
        DomainError::Conflict(format!("the register's rules do not cover this site's jurisdiction: {}", v.message)).into()
    })
}

/// The site's time zone.
pub(in crate::capabilities::pharmacy) fn zone(site: &Site) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(site.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The site-local date of an instant.
pub(in crate::capabilities::pharmacy) fn local_date(site: &Site, at: Timestamp) -> AppResult<jiff::civil::Date> {
    let t = jiff::Timestamp::from_microsecond(at.micros()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(t.to_zoned(zone(site)).date())
}

/// Whether the actor sees what the stock at the site is (the unblinded pharmacist); everyone
/// else gets the blinded view: kit numbers and units.
pub(crate) fn unblinded(actor: &Actor, site_id: &str) -> bool {
    App::may(actor, Action::ViewPharmacyContents, Resource::Site { site_id })
}

impl App {
    /// Whether the actor may see the site's pharmacy at all: its pharmacist, lead and monitor,
    /// and the session team (the doses dispensed for their sessions).
    pub(crate) fn may_see_pharmacy(actor: &Actor, site_id: &str) -> bool {
        let site = Resource::Site { site_id };
        App::may(actor, Action::ViewPharmacy, site) || App::may(actor, Action::AdministerDose, site)
    }

    /// Checks that the actor may see the site's pharmacy, recording a denial.
    pub(in crate::capabilities::pharmacy) async fn authorize_pharmacy_view(&self, actor: &Actor, site_id: &str) -> AppResult<()> {
        if Self::may_see_pharmacy(actor, site_id) {
            return Ok(());
        }
        self.authorize(actor, Action::ViewPharmacy, Resource::Site { site_id }).await
    }
}
