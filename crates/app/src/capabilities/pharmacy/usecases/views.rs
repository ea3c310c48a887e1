//! What each role sees of a site's pharmacy. The unblinded pharmacist sees the stock as it is
//! (product, lot, strength, mg); everyone else the register crate's blinded view (kit numbers
//! and units, no product, lot, strength, mg, placebo flag or free text), in every answer.

use super::unblinded;
use crate::App;
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::capabilities::pharmacy::domain::{Kit, Location, Lot, MovementRecord, Product, holding_parts, register_mismatches};
use crate::platform::store::StoreError;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::Timestamp;
use catalyst_pharmacy::{Detail, DoseKind, 
    Catalogue, Entry, Holding, Register, blind_balances, blind_discrepancy, blind_dispense, blind_entry, replay_entries,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// A store, with the names of the pharmacists who hold its keys.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocationView {
    pub id: String,
    pub site_id: String,
    pub name: String,
    /// `central_pharmacy` or `site_store`.
    pub kind: String,
    /// User ids of the key holders.
    pub key_holders: Vec<String>,
    /// Their printed names, in the same order.
    pub key_holder_names: Vec<String>,
}

/// One balance. Blinded roles get the holding, the kit and the units only (loose stock summed
/// per holding); the content fields are left out of their answers.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StockLine {
    /// `location`, `in_transit`, `dispensed` or `unreconciled`.
    pub holding: String,
    pub holding_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
    pub units: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength_mg: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mg: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantined: Option<bool>,
}

/// A shipment between stores.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShipmentView {
    pub id: String,
    pub from_location_id: String,
    pub to_location_id: String,
    pub dispatched_at: String,
    /// Units still in transit.
    pub in_transit_units: i64,
}

/// A site's register as the actor may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterView {
    pub site_id: String,
    /// Whether this is the blinded view.
    pub blinded: bool,
    pub locations: Vec<LocationView>,
    pub balances: Vec<StockLine>,
    /// The site's movements, oldest first: each with its postings, or its blinded view.
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub dispenses: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub discrepancies: Vec<serde_json::Value>,
    pub shipments: Vec<ShipmentView>,
}

/// A dose dispensed to a session team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoseView {
    pub dispense_id: String,
    pub participant_id: String,
    pub participant_code: String,
    pub appointment_id: String,
    pub location_id: String,
    pub location_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
    pub units_dispensed: i64,
    pub units_returned: i64,
    /// Units the session team still holds (dispensed less given, wasted and returned).
    pub units_held: i64,
    pub dispensed_at: String,
    pub dispensed_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength_mg: Option<f64>,
    /// The session's protocol visit and site-local day, when it is within two months of today.
    pub visit_id: Option<String>,
    pub session_day: Option<String>,
    /// Whether today is the session's day: a dose is given only then.
    pub session_today: bool,
    /// What was given of it, in order.
    pub given: Vec<GivenView>,
    pub units_wasted: i64,
}

/// Part of a dose given: which dose, how many units, when (site-local) and by whom.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GivenView {
    /// `initial` or `supplemental`.
    pub dose: String,
    pub units: i64,
    pub at: String,
    pub by: String,
}

/// The catalogue as the unblinded pharmacist sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueView {
    #[schema(value_type = Vec<Object>)]
    pub products: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub lots: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub kits: Vec<serde_json::Value>,
}

/// Everything the register's views and reports are made of, read once.
pub(in crate::capabilities::pharmacy) struct Snapshot {
    pub products: Vec<Product>,
    pub lots: Vec<Lot>,
    pub locations: Vec<Location>,
    pub kits: Vec<Kit>,
    pub movements: Vec<MovementRecord>,
    /// Each movement with its postings (by replaying them).
    pub entries: Vec<Entry>,
    /// The register as its tables hold it (what the write path decides on).
    pub register: Register,
}

impl Snapshot {
    pub fn catalogue(&self) -> Catalogue {
        let mut c = Catalogue::default();
        for p in &self.products {
            c.add_product(p.entry());
        }
        for l in &self.lots {
            c.add_lot(l.entry());
        }
        for l in &self.locations {
            c.add_location(l.entry());
        }
        for k in &self.kits {
            c.add_kit(k.entry());
        }
        c
    }

    pub fn locations_at(&self, site_id: &str) -> Vec<&Location> {
        self.locations.iter().filter(|l| l.site_id == site_id).collect()
    }

    pub fn location_ids_at(&self, site_id: &str) -> BTreeSet<String> {
        self.locations_at(site_id).into_iter().map(|l| l.id.clone()).collect()
    }

    /// Whether a holding belongs to the site: its stores, shipments to or from them, doses
    /// dispensed from them, and discrepancies found in them.
    pub fn holding_at(&self, h: &Holding, stores: &BTreeSet<String>) -> bool {
        let r = &self.register;
        match h {
            Holding::Location(id) => stores.contains(id),
            Holding::InTransit(id) => r
                .shipments
                .get(id)
                .is_some_and(|s| stores.contains(&s.from_location_id) || stores.contains(&s.to_location_id)),
            Holding::Dispensed(id) => r.dispenses.get(id).is_some_and(|d| stores.contains(&d.location_id)),
            Holding::Unreconciled(id) => r.discrepancies.get(id).is_some_and(|d| stores.contains(&d.location_id)),
        }
    }

    /// The register restricted to what belongs to the site.
    pub fn register_at(&self, site_id: &str) -> Register {
        let stores = self.location_ids_at(site_id);
        let r = &self.register;
        Register {
            balances: r.balances.iter().filter(|(k, _)| self.holding_at(&k.holding, &stores)).map(|(k, v)| (k.clone(), *v)).collect(),
            quarantined: r.quarantined.clone(),
            shipments: r
                .shipments
                .iter()
                .filter(|(_, s)| stores.contains(&s.from_location_id) || stores.contains(&s.to_location_id))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            dispenses: r.dispenses.iter().filter(|(_, d)| stores.contains(&d.location_id)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            discrepancies: r
                .discrepancies
                .iter()
                .filter(|(_, d)| stores.contains(&d.location_id))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            received_kits: BTreeSet::new(),
        }
    }

    /// The balances of a register as stock lines, with their contents or blinded.
    pub fn stock_lines(&self, register: &Register, show: bool) -> Vec<StockLine> {
        if !show {
            return blind_balances(register)
                .into_iter()
                .map(|b| {
                    let (kind, id) = holding_parts(&b.holding);
                    StockLine {
                        holding: kind.to_owned(),
                        holding_id: id.to_owned(),
                        kit_number: b.kit_number,
                        units: b.units,
                        lot_id: None,
                        lot_number: None,
                        product: None,
                        strength_mg: None,
                        mg: None,
                        expires_on: None,
                        quarantined: None,
                    }
                })
                .collect();
        }
        register
            .balances
            .iter()
            .map(|(k, units)| {
                let (kind, id) = holding_parts(&k.holding);
                let lot = self.lots.iter().find(|l| l.id == k.stock.lot_id);
                let product = lot.and_then(|l| self.products.iter().find(|p| p.id == l.product_id));
                StockLine {
                    holding: kind.to_owned(),
                    holding_id: id.to_owned(),
                    kit_number: k.stock.kit_number.clone(),
                    units: *units,
                    lot_id: Some(k.stock.lot_id.clone()),
                    lot_number: lot.map(|l| l.lot_number.clone()),
                    product: product.map(|p| p.name.clone()),
                    strength_mg: product.map(Product::strength_mg),
                    mg: product.map(|p| p.strength_mg() * *units as f64),
                    expires_on: lot.map(|l| l.expires_on.to_string()),
                    quarantined: Some(register.quarantined.contains_key(&k.stock.lot_id)),
                }
            })
            .collect()
    }
}

impl App {
    /// Everything the pharmacy's views and reports read, at once.
    pub(in crate::capabilities::pharmacy) async fn pharmacy_snapshot(&self) -> AppResult<Snapshot> {
        // The movements and the stored state are separate reads. The register's sequence moves
        // in the same commit as both, so when it reads the same before and after them no
        // movement committed in between and they must agree; when it moved, read again.
        let mut reads = 0;
        let (movements, entries, register) = loop {
            reads += 1;
            if reads > 200 {
                return Err(AppError::Internal("the register kept changing while it was read; ask again".into()));
            }
            let before = self.store.pharmacy_sequence_value().await?;
            let movements = self.store.pharmacy_movements().await?;
            let register = self.store.stored_register().await?;
            if self.store.pharmacy_sequence_value().await? != before {
                tokio::task::yield_now().await;
                continue;
            }
            let moves: Vec<_> = movements.iter().map(MovementRecord::movement).collect();
            let (replayed, entries) = replay_entries(&moves)
                .map_err(|e| AppError::Internal(format!("the pharmacy register does not replay: {e}")))?;
            // Nothing is shown from a register whose stored state its movements do not give (a
            // balance edited in the database): `audit verify` names the difference.
            if let Some(m) = register_mismatches(&replayed, &register).first() {
                return Err(StoreError::Tampered(format!("the pharmacy register was changed outside Catalyst: {}", m.problem))
                    .into());
            }
            break (movements, entries, register);
        };
        let store = &self.store;
        Ok(Snapshot {
            products: store.sealed_rows("ORDER BY t.name, t.id").await?,
            lots: store.sealed_rows("ORDER BY t.expires_on, t.lot_number, t.id").await?,
            locations: store.sealed_rows("ORDER BY t.site_id, t.kind, t.name, t.id").await?,
            kits: store.sealed_rows("ORDER BY t.id").await?,
            register,
            movements,
            entries,
        })
    }

    /// Printed names by user id, for everyone named.
    pub(in crate::capabilities::pharmacy) async fn names_of(&self, ids: Vec<String>) -> AppResult<BTreeMap<String, String>> {
        let mut names = BTreeMap::new();
        for id in ids {
            if names.contains_key(&id) {
                continue;
            }
            if let Some(user) = self.user_by_id(&id).await? {
                names.insert(id, user.display_name);
            }
        }
        Ok(names)
    }

    async fn location_views(&self, locations: &[&Location]) -> AppResult<Vec<LocationView>> {
        let ids: Vec<String> = locations.iter().flat_map(|l| l.key_holders.iter().cloned()).collect();
        let names = self.names_of(ids).await?;
        Ok(locations
            .iter()
            .map(|l| LocationView {
                id: l.id.clone(),
                site_id: l.site_id.clone(),
                name: l.name.clone(),
                kind: l.kind.as_str().to_owned(),
                key_holders: l.key_holders.iter().cloned().collect(),
                key_holder_names: l.key_holders.iter().map(|k| names.get(k).cloned().unwrap_or_else(|| k.clone())).collect(),
            })
            .collect())
    }

    /// A store as the API shows it.
    pub async fn pharmacy_location_view(&self, location: &Location) -> AppResult<LocationView> {
        let mut views = self.location_views(&[location]).await?;
        views.pop().ok_or_else(|| AppError::Internal("no view of the store".into()))
    }

    /// The site, for someone who may see its pharmacy.
    pub async fn site_for_pharmacy(&self, actor: &Actor, site_id: &str) -> AppResult<Site> {
        self.authorize_pharmacy_view(actor, site_id).await?;
        self.site(site_id).await
    }

    /// The site's stores.
    pub async fn pharmacy_locations(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<LocationView>> {
        self.authorize_pharmacy_view(actor, site_id).await?;
        let all = self.store.sealed_rows::<Location>("ORDER BY t.site_id, t.kind, t.name, t.id").await?;
        let here: Vec<&Location> = all.iter().filter(|l| l.site_id == site_id).collect();
        self.location_views(&here).await
    }

    /// A store's balances, with their contents or blinded.
    pub async fn pharmacy_balances(&self, actor: &Actor, location_id: &str) -> AppResult<Vec<StockLine>> {
        let found = self.store.get::<Location>(location_id).await?;
        let site_id = found.as_ref().map_or(String::new(), |l| l.site_id.clone());
        self.authorize(actor, Action::ViewPharmacy, Resource::Site { site_id: &site_id }).await?;
        let location = found.ok_or_else(|| DomainError::not_found("store", location_id))?;
        let site_id = site_id.as_str();
        let snapshot = self.pharmacy_snapshot().await?;
        let here = Holding::Location(location.id.clone());
        let register = Register {
            balances: snapshot.register.balances.iter().filter(|(k, _)| k.holding == here).map(|(k, v)| (k.clone(), *v)).collect(),
            quarantined: snapshot.register.quarantined.clone(),
            ..Register::default()
        };
        Ok(snapshot.stock_lines(&register, unblinded(actor, site_id)))
    }

    /// The site's register: its stores, balances, movements, doses, discrepancies and shipments.
    pub async fn pharmacy_register(&self, actor: &Actor, site_id: &str) -> AppResult<RegisterView> {
        self.authorize(actor, Action::ViewPharmacy, Resource::Site { site_id }).await?;
        self.site(site_id).await?;
        let snapshot = self.pharmacy_snapshot().await?;
        let show = unblinded(actor, site_id);
        let register = snapshot.register_at(site_id);
        let value = |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| AppError::Internal(e.to_string()));
        let mut entries = Vec::new();
        for (record, entry) in snapshot.movements.iter().zip(&snapshot.entries) {
            if record.site_id != site_id {
                continue;
            }
            entries.push(value(if show { serde_json::to_value(entry) } else { serde_json::to_value(blind_entry(entry)) })?);
        }
        let mut dispenses = Vec::new();
        for d in register.dispenses.values() {
            dispenses.push(value(if show { serde_json::to_value(d) } else { serde_json::to_value(blind_dispense(d)) })?);
        }
        let mut discrepancies = Vec::new();
        for d in register.discrepancies.values() {
            discrepancies.push(value(if show { serde_json::to_value(d) } else { serde_json::to_value(blind_discrepancy(d)) })?);
        }
        let shipments = shipment_views(&register);
        let locations = snapshot.locations_at(site_id);
        Ok(RegisterView {
            site_id: site_id.to_owned(),
            blinded: !show,
            locations: self.location_views(&locations).await?,
            balances: snapshot.stock_lines(&register, show),
            entries,
            dispenses,
            discrepancies,
            shipments,
        })
    }

    /// The doses dispensed from the site's stores that the session team still holds, and those
    /// dispensed today (site-local).
    pub async fn pharmacy_doses(&self, actor: &Actor, site: &Site) -> AppResult<Vec<DoseView>> {
        self.authorize_pharmacy_view(actor, &site.id).await?;
        let snapshot = self.pharmacy_snapshot().await?;
        let show = unblinded(actor, &site.id);
        let register = snapshot.register_at(&site.id);
        let codes = self.participant_codes_at(&site.id).await?;
        let mut ids: Vec<String> = register.dispenses.values().map(|d| d.by.clone()).collect();
        let mut given: BTreeMap<&str, Vec<(DoseKind, i64, Timestamp, &str)>> = BTreeMap::new();
        let mut wasted: BTreeMap<&str, i64> = BTreeMap::new();
        for e in &snapshot.entries {
            match &e.movement.detail {
                Detail::Administer { dispense_id, dose, units, clinician_id, .. } => {
                    ids.push(clinician_id.clone());
                    given.entry(dispense_id).or_default().push((*dose, *units, e.movement.at, clinician_id));
                }
                Detail::Waste { dispense_id, units, .. } => *wasted.entry(dispense_id).or_default() += units,
                _ => {}
            }
        }
        let names = self.names_of(ids).await?;
        let today = self.local_today(site);
        let window = |days: i64| today.checked_add(jiff::Span::new().days(days)).map_err(|e| AppError::Internal(e.to_string()));
        let mut sessions = BTreeMap::new();
        for status in [AppointmentStatus::Booked, AppointmentStatus::Attended] {
            for s in self.dosing_sessions(site, status, window(-60)?, window(60)?).await? {
                sessions.insert(s.appointment_id.clone(), (s.visit_id, s.day));
            }
        }
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
        let mut doses = Vec::new();
        for d in register.dispenses.values() {
            let held = register.units_of_lot(&Holding::Dispensed(d.id.clone()), &d.stock.lot_id);
            if held == 0 && super::local_date(site, d.at)? != today {
                continue;
            }
            let lot = snapshot.lots.iter().find(|l| l.id == d.stock.lot_id);
            let product = lot.and_then(|l| snapshot.products.iter().find(|p| p.id == l.product_id));
            doses.push(DoseView {
                dispense_id: d.id.clone(),
                participant_id: d.participant_id.clone(),
                participant_code: codes.get(&d.participant_id).cloned().unwrap_or_else(|| d.participant_id.clone()),
                appointment_id: d.appointment_id.clone(),
                location_id: d.location_id.clone(),
                location_name: snapshot.locations.iter().find(|l| l.id == d.location_id).map(|l| l.name.clone()).unwrap_or_default(),
                kit_number: d.stock.kit_number.clone(),
                units_dispensed: d.units,
                units_returned: d.returned_units,
                units_held: held,
                dispensed_at: d.at.format_in(&site.time_zone),
                dispensed_by: name(&d.by),
                lot_number: show.then(|| lot.map(|l| l.lot_number.clone())).flatten(),
                product: show.then(|| product.map(|p| p.name.clone())).flatten(),
                strength_mg: show.then(|| product.map(Product::strength_mg)).flatten(),
                visit_id: sessions.get(&d.appointment_id).map(|(v, _)| v.clone()),
                session_day: sessions.get(&d.appointment_id).map(|(_, day)| day.to_string()),
                session_today: sessions.get(&d.appointment_id).is_some_and(|(_, day)| *day == today),
                given: given
                    .get(d.id.as_str())
                    .into_iter()
                    .flatten()
                    .map(|(dose, units, at, by)| GivenView {
                        dose: match dose {
                            DoseKind::Initial => "initial".into(),
                            DoseKind::Supplemental => "supplemental".into(),
                        },
                        units: *units,
                        at: at.format_in(&site.time_zone),
                        by: name(by),
                    })
                    .collect(),
                units_wasted: wasted.get(d.id.as_str()).copied().unwrap_or(0),
            });
        }
        doses.sort_by(|a, b| {
            (a.session_day.as_deref(), &a.participant_code, &a.dispensed_at).cmp(&(b.session_day.as_deref(), &b.participant_code, &b.dispensed_at))
        });
        Ok(doses)
    }

    /// The catalogue: products, lots and the site's kits (with their lots), for the unblinded
    /// pharmacist.
    pub async fn pharmacy_catalogue(&self, actor: &Actor, site_id: &str) -> AppResult<CatalogueView> {
        self.authorize(actor, Action::ViewPharmacyContents, Resource::Site { site_id }).await?;
        let value = |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| AppError::Internal(e.to_string()));
        let mut view = CatalogueView { products: Vec::new(), lots: Vec::new(), kits: Vec::new() };
        for p in self.store.sealed_rows::<Product>("ORDER BY t.name, t.id").await? {
            let mut v = value(serde_json::to_value(&p))?;
            v["strength_mg"] = serde_json::json!(p.strength_mg());
            view.products.push(v);
        }
        for l in self.store.sealed_rows::<Lot>("ORDER BY t.expires_on, t.lot_number, t.id").await? {
            view.lots.push(value(serde_json::to_value(&l))?);
        }
        // Products and lots are the programme's shared supply; which lot a kit holds is told only
        // at a site that registered the kit or moved it (a pharmacist elsewhere has no need of it).
        let moved_here: std::collections::BTreeSet<String> = self
            .store
            .pharmacy_movements()
            .await?
            .into_iter()
            .filter(|m| m.site_id == site_id)
            .filter_map(|m| m.detail.stock().and_then(|(_, kit)| kit.map(str::to_owned)))
            .collect();
        for k in self.store.sealed_rows::<Kit>("ORDER BY t.id").await? {
            if k.site_id == site_id || moved_here.contains(&k.id) {
                view.kits.push(serde_json::json!({"kit_number": k.id, "lot_id": k.lot_id, "units": k.units, "site_id": k.site_id}));
            }
        }
        Ok(view)
    }

    /// The movement just recorded as the actor may see it.
    pub fn movement_view(recorded: &super::Recorded) -> AppResult<serde_json::Value> {
        let v = if recorded.unblinded {
            serde_json::to_value(serde_json::json!({
                "seq": recorded.record.seq,
                "site_id": recorded.record.site_id,
                "movement": recorded.entry.movement,
                "postings": recorded.entry.postings,
            }))
        } else {
            serde_json::to_value(blind_entry(&recorded.entry))
        };
        v.map_err(|e| AppError::Internal(e.to_string()))
    }
}

pub(in crate::capabilities::pharmacy) fn shipment_views(register: &Register) -> Vec<ShipmentView> {
    register
        .shipments
        .values()
        .map(|s| ShipmentView {
            id: s.id.clone(),
            from_location_id: s.from_location_id.clone(),
            to_location_id: s.to_location_id.clone(),
            dispatched_at: s.dispatched_at.to_rfc3339(),
            in_transit_units: register
                .balances
                .iter()
                .filter(|(k, _)| k.holding == Holding::InTransit(s.id.clone()))
                .map(|(_, u)| *u)
                .sum(),
        })
        .collect()
}
