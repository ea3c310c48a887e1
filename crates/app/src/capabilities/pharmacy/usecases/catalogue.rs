//! The catalogue: products, lots (with their supplier), stores with their key holders, and kits,
//! each registered by a pharmacist of the site whose chain holds it, checked with the register
//! crate's rules, sealed (the write path decides on them).

use crate::App;
use crate::capabilities::people::domain::Role;
use crate::capabilities::pharmacy::domain::{
    Kit, KitInput, Location, LocationInput, Lot, LotInput, Product, ProductInput, kit_from, location_from, lot_from,
    product_from,
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
        tx.insert(&chain.chain, "pharmacy.lot.create", &lot).await?;
        tx.commit().await?;
        Ok(lot)
    }

    /// A store at a site; its key holders are the site's pharmacists, named by username.
    pub async fn create_pharmacy_location(&self, actor: &Actor, input: &LocationInput) -> AppResult<Location> {
        let site_id = input.site_id.as_str();
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        let mut holders = Vec::new();
        for username in &input.key_holders {
            let user = self.user_by_username(&username.trim().to_ascii_lowercase()).await?;
            let mut id = None;
            if let Some(user) = user {
                let pharmacist = self
                    .grants_of(&user.id)
                    .await?
                    .iter()
                    .any(|g| g.role == Role::Pharmacist && g.site_id.as_deref() == Some(site_id));
                id = pharmacist.then_some(user.id);
            }
            holders.push((username.clone(), id));
        }
        let location =
            location_from(input, self.new_id(), &actor.user_id, self.now(), &holders).map_err(DomainError::Invalid)?;
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
}
