//! The catalogue: products, lots (with their supplier), stores with their key holders, and kits,
//! each registered by a pharmacist of the site whose chain holds it, checked with the register
//! crate's rules, sealed (the write path decides on them).

use crate::App;
use crate::capabilities::people::domain::{Role, UserStatus};
use crate::capabilities::pharmacy::domain::{
    Kit, KitInput, Location, LocationInput, Lot, LotInput, Product, ProductInput, keys_handed_over, kit_from,
    location_from, lot_from, product_from,
};
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};

impl App {
    pub async fn create_pharmacy_product(&self, actor: &Actor, site_id: &str, input: &ProductInput) -> AppResult<Product> {
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let mut existing = Vec::new();
        if let Some(id) = input.matches_product_id.as_deref().map(str::trim).filter(|s| !s.is_empty())
            && let Some(p) = tx.sealed::<Product>(id).await?
        {
            existing.push(p);
        }
        let product = product_from(input, self.new_id(), site_id, &actor.user_id, self.now(), &existing)
            .map_err(DomainError::Invalid)?;
        tx.insert(&chain.chain, "pharmacy.product.create", &product).await?;
        tx.commit().await?;
        Ok(product)
    }

    pub async fn create_pharmacy_lot(&self, actor: &Actor, site_id: &str, input: &LotInput) -> AppResult<Lot> {
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let product = tx.sealed::<Product>(input.product_id.trim()).await?;
        let lot = lot_from(input, self.new_id(), site_id, &actor.user_id, self.now(), product.as_ref())
            .map_err(DomainError::Invalid)?;
        // One lot number per product, whatever its case: "mx24-0917" is MX24-0917.
        let lots = self.store.pharmacy_lots().await?;
        if lots.iter().any(|l| l.product_id == lot.product_id && l.lot_number.eq_ignore_ascii_case(&lot.lot_number)) {
            return Err(DomainError::invalid("lot_number", "unique", "this product already has a lot with this number").into());
        }
        tx.insert(&chain.chain, "pharmacy.lot.create", &lot).await?;
        tx.commit().await?;
        Ok(lot)
    }

    /// Each username named, with its user id when it is a pharmacist at the site.
    async fn pharmacists_named(&self, site_id: &str, usernames: &[String]) -> AppResult<Vec<(String, Option<String>)>> {
        let mut holders = Vec::new();
        for username in usernames {
            let user = self.user_by_username(&username.trim().to_ascii_lowercase()).await?;
            let mut id = None;
            // A disabled account holds no key, whatever grants it still has.
            if let Some(user) = user
                && user.status == UserStatus::Active
                && self.is_pharmacist_at(&user.id, site_id).await?
            {
                id = Some(user.id);
            }
            holders.push((username.clone(), id));
        }
        Ok(holders)
    }

    async fn is_pharmacist_at(&self, user_id: &str, site_id: &str) -> AppResult<bool> {
        let grants = self.grants_of(user_id).await?;
        Ok(grants.iter().any(|g| g.role == Role::Pharmacist && g.site_id.as_deref() == Some(site_id)))
    }

    /// A store at a site; its key holders are the site's pharmacists, named by username.
    pub async fn create_pharmacy_location(&self, actor: &Actor, input: &LocationInput) -> AppResult<Location> {
        let site_id = input.site_id.as_str();
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let holders = self.pharmacists_named(site_id, &input.key_holders).await?;
        let location =
            location_from(input, self.new_id(), &actor.user_id, self.now(), &holders).map_err(DomainError::Invalid)?;
        let stores = self.store.pharmacy_locations().await?;
        if stores.iter().any(|l| l.site_id == location.site_id && l.name.trim().eq_ignore_ascii_case(&location.name)) {
            return Err(DomainError::invalid("name", "unique", "the site already has a store of this name").into());
        }
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "pharmacy.location.create", &location).await?;
        tx.commit().await?;
        Ok(location)
    }

    /// A kit of a lot, numbered by the caller (the randomisation service's kit list).
    pub async fn create_pharmacy_kit(&self, actor: &Actor, site_id: &str, input: &KitInput) -> AppResult<Kit> {
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let lot = tx.sealed::<Lot>(input.lot_id.trim()).await?;
        let product = match &lot {
            Some(l) => tx.sealed::<Product>(&l.product_id).await?,
            None => None,
        };
        let kit = kit_from(input, site_id, &actor.user_id, self.now(), self.new_id(), lot.as_ref().zip(product.as_ref()))
            .map_err(DomainError::Invalid)?;
        if tx.get::<Kit>(&kit.id).await?.is_some() {
            return Err(DomainError::invalid("kit_number", "unique", "this kit number is already registered").into());
        }
        tx.insert(&chain.chain, "pharmacy.kit.create", &kit).await?;
        tx.commit().await?;
        Ok(kit)
    }

    /// Hands a store's keys to the site's pharmacists named (by username), with the reason: by
    /// a key holder, or by any pharmacist of the site when no holder is one any longer. Decided
    /// on the store's sealed row inside the transaction that holds the site's chain, as every
    /// movement that asks for a key does.
    pub async fn hand_over_pharmacy_keys(
        &self,
        actor: &Actor,
        location_id: &str,
        usernames: &[String],
        reason: &str,
    ) -> AppResult<Location> {
        let found = self.store.get::<Location>(location_id).await?;
        let site_id = found.as_ref().map_or("", |l| l.site_id.as_str());
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id }).await?;
        let found = found.ok_or_else(|| DomainError::not_found("store", location_id))?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let holders = self.pharmacists_named(&found.site_id, usernames).await?;
        let mut orphaned = true;
        for holder in &found.key_holders {
            orphaned &= !self.is_pharmacist_at(holder, &found.site_id).await?;
        }
        let site = self.site(&found.site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let current = tx.sealed::<Location>(location_id).await?.ok_or_else(|| DomainError::not_found("store", location_id))?;
        let handed = keys_handed_over(&current, &actor.user_id, orphaned, &holders).map_err(DomainError::Invalid)?;
        tx.update(&chain.chain, "pharmacy.location.keys", &handed, &reason).await?;
        tx.commit().await?;
        Ok(handed)
    }
}
