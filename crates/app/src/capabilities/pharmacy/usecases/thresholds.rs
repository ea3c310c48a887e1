//! Resupply thresholds: the fewest usable units of a product each store should hold, set by the
//! site's pharmacist (0: no alert), each change ledgered with its reason and its old and new
//! value; and what each store holds against them (for the pharmacist: thresholds are by product,
//! which blinded roles never see).

use super::local_date;
use crate::App;
use crate::capabilities::pharmacy::domain::{
    Location, Product, ResupplyThreshold, reason_text, threshold_units, usable_units,
};
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};
use serde::Serialize;
use utoipa::ToSchema;

/// A store's threshold for a product, with what it holds usable today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdView {
    pub location_id: String,
    pub location_name: String,
    pub product_id: String,
    pub product: String,
    pub min_units: i64,
    /// Units of the product at the store not expired today (site-local) and not quarantined.
    pub usable_units: i64,
    pub below: bool,
    pub set_at: String,
    pub set_by: String,
}

impl App {
    /// Sets a store's threshold for a product (the site's pharmacist). `min_units` is a whole
    /// number of 0 or more (0 removes the alert); the reason is recorded with the change.
    pub async fn set_resupply_threshold(
        &self,
        actor: &Actor,
        location_id: &str,
        product_id: &str,
        min_units: &serde_json::Value,
        reason: &str,
    ) -> AppResult<ThresholdView> {
        let found = self.store.get::<Location>(location_id).await?;
        let site_id = found.as_ref().map_or(String::new(), |l| l.site_id.clone());
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id: &site_id }).await?;
        let site = self.site(&site_id).await?;
        let mut problems = Vec::new();
        let units = threshold_units(min_units).map_err(|v| problems.push(v)).ok();
        let reason = reason_text(reason).map_err(|v| problems.push(v)).ok();
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let location = tx.sealed::<Location>(location_id).await?;
        let product = tx.sealed::<Product>(product_id).await?;
        if location.is_none() {
            problems.push(catalyst_core::Violation::new("location_id", "exists", "no store of this id"));
        }
        if product.is_none() {
            problems.push(catalyst_core::Violation::new("product_id", "exists", "no product of this id is registered"));
        }
        let (Some(units), Some(reason), Some(location), Some(product), true) =
            (units, reason, location, product, problems.is_empty())
        else {
            return Err(DomainError::Invalid(problems).into());
        };
        let existing = tx.pharmacy_threshold(&location.id, &product.id).await?;
        let now = self.now();
        let next = |id: String| ResupplyThreshold {
            id,
            site_id: site.id.clone(),
            location_id: location.id.clone(),
            product_id: product.id.clone(),
            min_units: units,
            salt: self.new_id(),
            set_at: now,
            set_by: actor.user_id.clone(),
        };
        let threshold = match existing {
            Some(old) if old.min_units == units => old,
            Some(old) => {
                let t = next(old.id.clone());
                tx.update(&chain.chain, "pharmacy.resupply_threshold.set", &t, &reason).await?;
                t
            }
            None => {
                let t = next(self.new_id());
                tx.insert(&chain.chain, "pharmacy.resupply_threshold.set", &t).await?;
                t
            }
        };
        tx.commit().await?;
        let snapshot = self.pharmacy_snapshot().await?;
        let today = local_date(&site, now)?;
        let usable = usable_units(&snapshot.register, &snapshot.lots, &location.id, &product.id, today);
        Ok(ThresholdView {
            location_name: location.name.clone(),
            product: product.name.clone(),
            usable_units: usable,
            below: threshold.min_units > 0 && usable < threshold.min_units,
            set_at: threshold.set_at.format_in(&site.time_zone),
            set_by: actor.display_name.clone(),
            location_id: threshold.location_id,
            product_id: threshold.product_id,
            min_units: threshold.min_units,
        })
    }

    /// The site's stores' thresholds with their usable units today (the unblinded pharmacist).
    pub async fn pharmacy_thresholds(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<ThresholdView>> {
        self.authorize(actor, Action::ViewPharmacyContents, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let snapshot = self.pharmacy_snapshot().await?;
        let stores = snapshot.location_ids_at(site_id);
        let thresholds: Vec<ResupplyThreshold> =
            self.store.sealed_rows::<ResupplyThreshold>("ORDER BY t.location_id, t.product_id").await?.into_iter().filter(|t| stores.contains(&t.location_id)).collect();
        let names = self.names_of(thresholds.iter().map(|t| t.set_by.clone()).collect()).await?;
        let today = self.local_today(&site);
        Ok(thresholds
            .into_iter()
            .map(|t| {
                let usable = usable_units(&snapshot.register, &snapshot.lots, &t.location_id, &t.product_id, today);
                ThresholdView {
                    location_name: snapshot.locations.iter().find(|l| l.id == t.location_id).map(|l| l.name.clone()).unwrap_or_default(),
                    product: snapshot.products.iter().find(|p| p.id == t.product_id).map(|p| p.name.clone()).unwrap_or_default(),
                    usable_units: usable,
                    below: t.min_units > 0 && usable < t.min_units,
                    set_at: t.set_at.format_in(&site.time_zone),
                    set_by: names.get(&t.set_by).cloned().unwrap_or_else(|| t.set_by.clone()),
                    location_id: t.location_id,
                    product_id: t.product_id,
                    min_units: t.min_units,
                }
            })
            .collect())
    }
}
