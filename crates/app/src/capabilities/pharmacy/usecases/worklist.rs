//! What the pharmacy's dashboard sections and forms list: open discrepancies, lots held that
//! expire within 60 days, stores below a resupply threshold, shipments in transit; the stores,
//! products, lots, sessions and incoming shipment lines a pharmacist's forms offer.

use super::{local_date, unblinded};
use crate::App;
use crate::capabilities::people::domain::Site;
use crate::capabilities::pharmacy::domain::{ResupplyThreshold, below_threshold, units_said};
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_pharmacy::Holding;
use std::collections::{BTreeMap, BTreeSet};

/// One line of the dashboard: the site and store it is about, and what to say.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub site_id: String,
    pub site_code: String,
    pub location: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Worklist {
    pub discrepancies: Vec<WorkItem>,
    pub expiring: Vec<WorkItem>,
    /// Stores whose usable units of a product are below its threshold (the pharmacist's).
    pub resupply: Vec<WorkItem>,
    pub in_transit: Vec<WorkItem>,
}

/// A line of a shipment in transit: the shipment, the lot and the kit.
pub type ShipmentLine = (String, String, Option<String>);

/// What a pharmacist's forms offer at a site.
#[derive(Debug, Clone, Default)]
pub struct FormChoices {
    /// The site's stores whose keys the actor holds.
    pub own_stores: Vec<(String, String)>,
    /// Every store, for a transfer's destination.
    pub all_stores: Vec<(String, String)>,
    pub lots: Vec<(String, String)>,
    pub products: Vec<(String, String)>,
    /// Booked dosing sessions in the next 30 days and today's held ones: `participant|appointment`.
    pub sessions: Vec<(String, String)>,
    /// Lines of shipments in transit to the site's stores: (shipment, lot, kit) and a label.
    pub incoming: Vec<(ShipmentLine, String)>,
    /// The site's pharmacists, who may hold a store's keys: (user id, username, name).
    pub pharmacists: Vec<(String, String, String)>,
}

/// Days in which a lot held is worth a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 60;

impl App {
    pub async fn pharmacy_worklist(&self, actor: &Actor) -> AppResult<Worklist> {
        let sites: Vec<Site> = self
            .all_sites()
            .await?
            .into_iter()
            .filter(|s| App::may(actor, Action::ViewPharmacy, Resource::Site { site_id: &s.id }))
            .collect();
        let mut list = Worklist::default();
        if sites.is_empty() {
            return Ok(list);
        }
        let snapshot = self.pharmacy_snapshot().await?;
        let thresholds = self.store.sealed_rows::<ResupplyThreshold>("ORDER BY t.location_id, t.product_id").await?;
        let r = &snapshot.register;
        let name = |id: &str| snapshot.locations.iter().find(|l| l.id == id).map(|l| l.name.clone()).unwrap_or_default();
        let lot_number = |id: &str| snapshot.lots.iter().find(|l| l.id == id).map(|l| l.lot_number.clone()).unwrap_or_default();
        let mut shipments_seen = BTreeSet::new();
        for site in &sites {
            let stores = snapshot.location_ids_at(&site.id);
            let show = unblinded(actor, &site.id);
            let today = self.local_today(site);
            let item = |location: String, text: String| WorkItem {
                site_id: site.id.clone(),
                site_code: site.code.clone(),
                location,
                text,
            };
            for d in r.discrepancies.values().filter(|d| d.is_open() && stores.contains(&d.location_id)) {
                let what = match (&d.stock.kit_number, show) {
                    (Some(k), _) => format!("kit {k}"),
                    (None, true) => format!("lot {}", lot_number(&d.stock.lot_id)),
                    (None, false) => "loose units".to_owned(),
                };
                let since = local_date(site, d.opened_at)?;
                list.discrepancies.push(item(
                    name(&d.location_id),
                    format!("{what}: the register held {}, counted {}; open since {since}", d.expected, d.counted),
                ));
            }
            if show {
                let mut held: BTreeMap<(String, String), i64> = BTreeMap::new();
                for (k, units) in &r.balances {
                    if let Holding::Location(l) = &k.holding
                        && stores.contains(l)
                    {
                        *held.entry((l.clone(), k.stock.lot_id.clone())).or_default() += units;
                    }
                }
                for ((location, lot_id), units) in held {
                    let Some(lot) = snapshot.lots.iter().find(|l| l.id == lot_id) else { continue };
                    let days = today.until(lot.expires_on).map(|s| i64::from(s.get_days())).unwrap_or(0);
                    if days > EXPIRY_WARNING_DAYS {
                        continue;
                    }
                    let when = if days < 0 {
                        format!("expired on {}", lot.expires_on)
                    } else {
                        format!("expires on {} (in {days} days)", lot.expires_on)
                    };
                    list.expiring.push(item(name(&location), format!("lot {} {when}; {} held", lot.lot_number, units_said(units))));
                }
                let here: Vec<ResupplyThreshold> =
                    thresholds.iter().filter(|t| stores.contains(&t.location_id)).cloned().collect();
                for (t, usable) in below_threshold(&here, r, &snapshot.lots, today) {
                    let product =
                        snapshot.products.iter().find(|p| p.id == t.product_id).map(|p| p.name.clone()).unwrap_or_default();
                    list.resupply.push(item(
                        name(&t.location_id),
                        format!("{product}: {usable} usable units, below the threshold of {}", t.min_units),
                    ));
                }
            }
            for s in r.shipments.values() {
                if !(stores.contains(&s.from_location_id) || stores.contains(&s.to_location_id)) {
                    continue;
                }
                let units: i64 =
                    r.balances.iter().filter(|(k, _)| k.holding == Holding::InTransit(s.id.clone())).map(|(_, u)| *u).sum();
                if units == 0 || !shipments_seen.insert(s.id.clone()) {
                    continue;
                }
                let since = local_date(site, s.dispatched_at)?;
                list.in_transit.push(item(
                    name(&s.to_location_id),
                    format!("{} from {} to {}, dispatched {since}", units_said(units), name(&s.from_location_id), name(&s.to_location_id)),
                ));
            }
        }
        Ok(list)
    }

    /// The choices a pharmacist's forms offer at the site.
    pub async fn pharmacy_form_choices(&self, actor: &Actor, site: &Site) -> AppResult<FormChoices> {
        self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id: &site.id }).await?;
        let snapshot = self.pharmacy_snapshot().await?;
        let codes: BTreeMap<String, String> = self.all_sites().await?.into_iter().map(|s| (s.id, s.code)).collect();
        let mut choices = FormChoices {
            own_stores: snapshot
                .locations_at(&site.id)
                .into_iter()
                .filter(|l| l.key_holders.contains(&actor.user_id))
                .map(|l| (l.id.clone(), l.name.clone()))
                .collect(),
            all_stores: snapshot
                .locations
                .iter()
                .map(|l| (l.id.clone(), format!("{} ({})", l.name, codes.get(&l.site_id).cloned().unwrap_or_default())))
                .collect(),
            ..FormChoices::default()
        };
        choices.products = snapshot.products.iter().map(|p| (p.id.clone(), p.name.clone())).collect();
        let pharmacist_ids: BTreeSet<String> = self
            .grants_at_site(&site.id)
            .await?
            .into_iter()
            .filter(|g| g.role == crate::capabilities::people::domain::Role::Pharmacist)
            .map(|g| g.user_id)
            .collect();
        choices.pharmacists = self
            .users_at_site(&site.id)
            .await?
            .into_iter()
            .filter(|u| pharmacist_ids.contains(&u.id))
            .map(|u| (u.id, u.username, u.display_name))
            .collect();
        for l in &snapshot.lots {
            let product = snapshot.products.iter().find(|p| p.id == l.product_id).map(|p| p.name.clone()).unwrap_or_default();
            choices.lots.push((l.id.clone(), format!("{} · {product} · expires {}", l.lot_number, l.expires_on)));
        }
        let today = self.local_today(site);
        let until = today.checked_add(jiff::Span::new().days(30)).map_err(|e| AppError::Internal(e.to_string()))?;
        let codes_here = self.participant_codes_at(&site.id).await?;
        let mut sessions = self.dosing_sessions(site, AppointmentStatus::Booked, today, until).await?;
        sessions.extend(self.dosing_sessions(site, AppointmentStatus::Attended, today, today).await?);
        for s in sessions {
            let code = codes_here.get(&s.participant_id).cloned().unwrap_or_else(|| s.participant_id.clone());
            choices.sessions.push((format!("{}|{}", s.participant_id, s.appointment_id), format!("{code} · {} · {}", s.visit_id, s.day)));
        }
        let stores = snapshot.location_ids_at(&site.id);
        for (k, units) in &snapshot.register.balances {
            let Holding::InTransit(shipment) = &k.holding else { continue };
            let Some(s) = snapshot.register.shipments.get(shipment) else { continue };
            if !stores.contains(&s.to_location_id) {
                continue;
            }
            let lot = snapshot.lots.iter().find(|l| l.id == k.stock.lot_id).map(|l| l.lot_number.clone()).unwrap_or_default();
            let from = snapshot.locations.iter().find(|l| l.id == s.from_location_id).map(|l| l.name.clone()).unwrap_or_default();
            let kit = k.stock.kit_number.as_ref().map(|k| format!(", kit {k}")).unwrap_or_default();
            choices.incoming.push((
                (shipment.clone(), k.stock.lot_id.clone(), k.stock.kit_number.clone()),
                format!("{} of lot {lot}{kit} dispatched from {from}", units_said(*units)),
            ));
        }
        Ok(choices)
    }

    /// The site's stores the actor may return unused units into (those whose keys they hold).
    pub async fn pharmacy_return_stores(&self, actor: &Actor, site: &Site) -> AppResult<Vec<(String, String)>> {
        if !App::may(actor, Action::ManagePharmacy, Resource::Site { site_id: &site.id }) {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .pharmacy_locations()
            .await?
            .into_iter()
            .filter(|l| l.site_id == site.id && l.key_holders.contains(&actor.user_id))
            .map(|l| (l.id, l.name))
            .collect())
    }
}
