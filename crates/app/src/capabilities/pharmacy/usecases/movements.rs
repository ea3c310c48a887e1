//! Recording a movement: authorise at the site where it happens, confirm witnesses and
//! signatures, then in one transaction that holds the chain of every site whose store it
//! touches: take the register's next number, load exactly the rows the movement touches
//! (`catalyst_pharmacy::touches`, in two steps), ask the dispensing gate of the capabilities
//! that own the facts, decide with `apply`, and write the movement, its delta and the
//! signatures. Nothing is decided on a read taken before the transaction: what is read before
//! it only says which chains to lock, and is read again (and compared) inside it.

use super::{local_date, rules_for, unblinded};
use crate::App;
use crate::capabilities::authorisations::interface::{PrescribedDose, prescribed_dose_gate_in};
use crate::capabilities::eligibility::interface::treatment_gate_in;
use crate::capabilities::people::domain::{Role, Site, UserStatus};
use crate::capabilities::people::interface::treatable_in;
use crate::capabilities::pharmacy::domain::{
    Additions, Duty, Kit, Location, Lot, MovementRecord, MovementRequest, Product, SessionAllowance, SessionFacts,
    WitnessInput,
    administration_problems, detail_of, qualification_of, session_problems, strength_problem,
};
use crate::capabilities::pharmacy::queries::RouteOf;
use crate::capabilities::prescribing::interface::session_dose_in;
use crate::capabilities::treatment::interface::dosing_appointment_in;
use crate::platform::error::{AppError, AppResult};
use crate::platform::store::WriteTx;
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::esign::Meaning;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::record::Record;
use catalyst_core::time::Timestamp;
use catalyst_pharmacy::{Catalogue, Context, Detail, Entry, Movement, Register, apply, blind_violations, touches};
use std::collections::{BTreeMap, BTreeSet};

/// A movement as asked for, with its reason, its witnesses (waste, destruction) and, for a
/// signed resolution, the actor's password.
#[derive(Debug, Clone)]
pub struct MovementInput {
    pub reason: String,
    pub witnesses: Vec<WitnessInput>,
    pub password: Option<String>,
    pub movement: MovementRequest,
}

/// An accepted movement: its record, its postings, and whether the actor sees its contents.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub record: MovementRecord,
    pub entry: Entry,
    pub unblinded: bool,
}

/// How much of the dispensing gate applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::capabilities::pharmacy) enum Gate {
    /// Every request: the session booked, the participant treatable, eligible and consenting on
    /// its day, the prescription and the authorisations in force on its day.
    Full,
    /// The demo's history of sessions already held (seeded at once, after the prescriptions it
    /// writes today): the session and its prescription must exist, nothing dated is asked.
    DemoHistory,
}

/// The facts read before the transaction that say which chains it locks.
struct Route {
    /// The site where the movement happens: its chain holds the movement.
    home: Site,
    /// Every site whose store the movement touches (the home site included).
    sites: BTreeMap<String, Site>,
}

impl App {
    /// Records a movement of the register as the signed-in person. Refused with 422 naming
    /// every field and rule (blinded for blinded roles) and changing nothing, or 403.
    pub async fn record_movement(&self, actor: &Actor, input: &MovementInput) -> AppResult<Recorded> {
        self.write_movement(actor, input, None, Gate::Full).await
    }

    /// The write path, also used by the demo (which records past movements at their time).
    pub(in crate::capabilities::pharmacy) async fn write_movement(
        &self,
        actor: &Actor,
        input: &MovementInput,
        at: Option<Timestamp>,
        gate: Gate,
    ) -> AppResult<Recorded> {
        let request = &input.movement;
        let route = self.route_of(actor, request).await?;
        let home = route.home.clone();
        let resource = Resource::Site { site_id: &home.id };
        match request.duty() {
            Duty::Pharmacy => self.authorize(actor, Action::ManagePharmacy, resource).await?,
            Duty::SessionTeam if App::may(actor, Action::ManagePharmacy, resource) => {}
            Duty::SessionTeam => self.authorize(actor, Action::AdministerDose, resource).await?,
        }
        let sees = unblinded(actor, &home.id);
        if !sees && request.stated_mg().is_some() {
            return Err(DomainError::invalid("mg", "blinded", "blinded roles record units only; leave mg out").into());
        }
        let reason = crate::platform::error::reason_from("reason", &input.reason)?;
        // Nothing sent is silently ignored: witnesses and a signature only where they count.
        if !request.witnessed() && !input.witnesses.is_empty() {
            return Err(DomainError::invalid("witnesses", "not_needed", "only a waste or a destruction is witnessed").into());
        }
        if !matches!(request, MovementRequest::ResolveDiscrepancy { .. }) && input.password.is_some() {
            return Err(DomainError::invalid("password", "not_needed", "only a resolution is signed with a password").into());
        }
        let mut add = Additions::default();
        // Printed names of those who sign the movement (its witnesses, or the resolver).
        let mut names = BTreeMap::from([(actor.user_id.clone(), actor.display_name.clone())]);
        if request.witnessed() {
            for (id, name) in self.confirm_witnesses(actor, &home, &input.witnesses).await? {
                add.witnesses.push(id.clone());
                names.insert(id, name);
            }
        }
        if let MovementRequest::ResolveDiscrepancy { .. } = request {
            let password = input.password.as_deref().unwrap_or_default();
            if password.is_empty() {
                return Err(DomainError::invalid("password", "required", "a resolution is signed with your password").into());
            }
            self.confirm_password(actor, password).await?;
            add.signed_by = Some(actor.user_id.clone());
        }
        let at = at.unwrap_or_else(|| self.now());
        if let MovementRequest::LossOrTheft { discovered_at, .. } = request {
            let when = discovered_at.trim().parse::<jiff::Timestamp>().map_err(|_| {
                    DomainError::invalid("discovered_at", "timestamp", "discovered_at is a time as RFC 3339, e.g. 2026-06-01T09:30:00+10:00")
                })?;
            add.discovered = Some((actor.user_id.clone(), Timestamp(when.as_microsecond())));
        }
        if let MovementRequest::Quarantine { excursion: Some(e), .. } = request {
            let when = e.observed_at.trim().parse::<jiff::Timestamp>().map_err(|_| {
                DomainError::invalid(
                    "excursion.observed_at",
                    "timestamp",
                    "excursion.observed_at is a time as RFC 3339, e.g. 2026-06-01T09:30:00+10:00",
                )
            })?;
            let observer = match e.observed_by.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                None => actor.user_id.clone(),
                Some(username) => self.staff_at(&home, username).await?.ok_or_else(|| {
                    DomainError::invalid("excursion.observed_by", "staff", "the observer is the username of staff at this site")
                })?,
            };
            add.observed = Some((observer, Timestamp(when.as_microsecond())));
        }
        if let MovementRequest::Administer { .. } = request {
            let roles: Vec<Role> = actor
                .grants
                .iter()
                .filter(|g| g.site_id.as_deref().is_none_or(|s| s == home.id))
                .map(|g| g.role)
                .collect();
            add.clinician = Some((actor.user_id.clone(), qualification_of(&roles)));
        }
        if let MovementRequest::Dispatch { shipment_id: None, .. } = request {
            add.shipment_id = Some(self.new_id());
        }
        let rules = rules_for(&home.jurisdiction)?;
        let today = local_date(&home, at)?;
        let id = self.new_id();
        let salt = self.new_id();

        let chains: Vec<_> = route.sites.values().map(Self::site_chain_ref).collect();
        let home_chain = Self::site_chain_ref(&home);
        let mut tx = self.begin(Self::audit_actor(actor), &chains).await?;
        let seq = tx.next_pharmacy_seq().await?;

        let mut prescribed_strength = None;
        if let MovementRequest::Dispense { participant_id, appointment_id, .. } = request {
            let allowance = self.dispensing_gate(&mut tx, &home, participant_id, appointment_id, today, gate).await?;
            prescribed_strength = Some(allowance.strength_mg);
            add.allowance = Some(allowance);
        }
        let detail = detail_of(request, &add).map_err(DomainError::Invalid)?;
        let movement = Movement { id: id.clone(), at, actor: actor.user_id.clone(), reason, detail };
        let register = load_touched(&mut tx, &movement).await?;
        let catalogue = load_catalogue(&mut tx, &register, &movement, &route).await?;
        if let Detail::Administer { dispense_id, .. } = &movement.detail
            && let Some(dose) = register.dispenses.get(dispense_id)
        {
            let problems = match dosing_appointment_in(&mut tx, &home, &dose.appointment_id).await? {
                Ok(a) => administration_problems(
                    &SessionFacts {
                        participant_id: a.participant_id,
                        site_id: a.site_id,
                        visit_id: a.visit_id,
                        day: a.day,
                        attended: a.attended,
                    },
                    today,
                ),
                Err(v) => vec![Violation::new("dispense_id", v.rule, v.message)],
            };
            if !problems.is_empty() {
                return Err(DomainError::Invalid(problems).into());
            }
        }
        // A site quarantines only stock it holds: one site may not freeze another's lot.
        if let (MovementRequest::Quarantine { location_id, lot_id, .. }, Detail::Quarantine { .. }) = (request, &movement.detail)
            && tx.pharmacy_units_at(location_id, lot_id).await? == 0
        {
            return Err(DomainError::invalid(
                "lot_id",
                "not_held_here",
                "the store named holds none of this lot; the site that holds it quarantines it",
            )
            .into());
        }
        // A quarantine is lifted where it was placed: another site may not release a lot that
        // this site's pharmacist stopped (a recall, or an excursion in their store).
        if let Detail::Release { lot_id } = &movement.detail
            && let Some(q) = register.quarantined.get(lot_id)
            && let Some(placed) = tx.get::<MovementRecord>(&q.movement_id).await?
            && placed.site_id != home.id
        {
            return Err(DomainError::invalid(
                "lot_id",
                "quarantined_elsewhere",
                "this lot was quarantined at another site; that site's pharmacist releases it",
            )
            .into());
        }
        if let (Detail::Dispense { lot_id, .. }, Some(strength)) = (&movement.detail, prescribed_strength)
            && let Some(problem) = strength_problem(catalogue.nominal_strength_mg(lot_id), strength)
        {
            return Err(DomainError::Invalid(vec![problem]).into());
        }
        let ctx = Context { catalogue: &catalogue, rules: &rules, local_date: today };
        let delta = apply(&register, &movement, &ctx).map_err(|violations| {
            AppError::from(DomainError::Invalid(if sees { violations } else { blind_violations(&violations) }))
        })?;

        let record = MovementRecord::from_movement(&movement, seq, &home.id, salt);
        tx.insert(&home_chain.chain, &format!("pharmacy.{}", record.kind), &record).await?;
        tx.write_pharmacy_delta(&delta).await?;
        let row = record.to_row().map_err(crate::platform::store::StoreError::from)?;
        for (user_id, meaning) in signers(&movement) {
            let Some(name) = names.get(&user_id) else { continue };
            let signer = AuditActor { id: user_id.clone(), name: name.clone() };
            let signature = self.signature_on(&signer, MovementRecord::SPEC.kind, &record.id, &row, meaning, &home.time_zone);
            tx.insert(&home_chain.chain, "record.sign", &signature).await?;
        }
        tx.commit().await?;
        Ok(Recorded { entry: Entry { movement, postings: delta.postings }, record, unblinded: sees })
    }

    /// Which sites' stores the movement touches, from the stores it names and the shipment,
    /// dose or discrepancy it acts on (whose stores never change once made). An id that names
    /// nothing is answered as one the actor may not see.
    async fn route_of(&self, actor: &Actor, request: &MovementRequest) -> AppResult<Route> {
        let mut locations: Vec<String> = request.named_locations().into_iter().map(str::to_owned).collect();
        let routed = match request {
            MovementRequest::ReceiveTransfer { shipment_id, .. } => Some((RouteOf::Shipment, shipment_id, "shipment")),
            MovementRequest::Administer { dispense_id, .. }
            | MovementRequest::Waste { dispense_id, .. }
            | MovementRequest::ReturnUnused { dispense_id, .. } => Some((RouteOf::Dispense, dispense_id, "dispensed dose")),
            MovementRequest::ResolveDiscrepancy { discrepancy_id, .. } => {
                Some((RouteOf::Discrepancy, discrepancy_id, "discrepancy"))
            }
            _ => None,
        };
        let mut home_location = locations.first().cloned();
        if let Some((table, id, what)) = routed {
            let route = self.store.pharmacy_route(table, id).await?;
            if route.is_empty() {
                return Err(self.unknown(actor, what, id).await);
            }
            // The destination of a shipment; the store of a dose or a discrepancy. A return
            // happens at the store it goes back into.
            if !matches!(request, MovementRequest::ReturnUnused { .. }) {
                home_location = route.last().cloned();
            }
            locations.extend(route);
        }
        let home_location = home_location.unwrap_or_default();
        let mut sites = BTreeMap::new();
        let mut home = None;
        for id in locations.iter().collect::<BTreeSet<_>>() {
            let Some(location) = self.store.get::<Location>(id).await? else {
                if *id == home_location {
                    return Err(self.unknown(actor, "store", id).await);
                }
                continue;
            };
            let site = match sites.get(&location.site_id) {
                Some(site) => Clone::clone(site),
                None => self.site(&location.site_id).await?,
            };
            if *id == home_location {
                home = Some(site.clone());
            }
            sites.insert(site.id.clone(), site);
        }
        let home = match home {
            Some(home) => home,
            None => return Err(self.unknown(actor, "store", &home_location).await),
        };
        Ok(Route { home, sites })
    }

    /// An unknown id: answered as a record the actor may not see (the denial recorded), unless
    /// their grants reach every site.
    async fn unknown(&self, actor: &Actor, what: &str, id: &str) -> AppError {
        if actor.grants.iter().any(|g| g.site_id.is_none()) {
            return DomainError::not_found(what, id).into();
        }
        match self.authorize(actor, Action::ManagePharmacy, Resource::Site { site_id: "" }).await {
            Err(e) => e,
            Ok(()) => DomainError::not_found(what, id).into(),
        }
    }

    /// The user id of an active account with a staff grant at the site, by username.
    async fn staff_at(&self, site: &Site, username: &str) -> AppResult<Option<String>> {
        let Some(user) =
            self.user_by_username(&username.to_ascii_lowercase()).await?.filter(|u| u.status == UserStatus::Active)
        else {
            return Ok(None);
        };
        let staff = self.grants_of(&user.id).await?.iter().any(|g| {
            g.site_id.as_deref() == Some(site.id.as_str())
                && matches!(g.role, Role::SiteLead | Role::Therapist | Role::Physician | Role::Pharmacist)
        });
        Ok(staff.then_some(user.id))
    }

    /// Each witness proves who they are with their own password; the actor is never their own
    /// witness. A witness is staff at the site where the movement happens.
    async fn confirm_witnesses(
        &self,
        actor: &Actor,
        site: &Site,
        witnesses: &[WitnessInput],
    ) -> AppResult<Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut ids = Vec::new();
        for (i, w) in witnesses.iter().enumerate() {
            let field = format!("witnesses[{i}]");
            let refused = || {
                Violation::new(
                    field.clone(),
                    "credentials",
                    "the witness's username or password is wrong, or they are not staff at this site",
                )
            };
            let Some(user) = self
                .user_by_username(&w.username.trim().to_ascii_lowercase())
                .await?
                .filter(|u| u.status == UserStatus::Active)
            else {
                problems.push(refused());
                continue;
            };
            if user.id == actor.user_id {
                problems.push(Violation::new(
                    "witnesses",
                    "not_the_actor",
                    "the person recording this cannot also witness it",
                ));
                continue;
            }
            let staff = self.grants_of(&user.id).await?.iter().any(|g| {
                g.site_id.as_deref() == Some(site.id.as_str())
                    && matches!(g.role, Role::SiteLead | Role::Therapist | Role::Physician | Role::Pharmacist)
            });
            let by = AuditActor { id: user.id.clone(), name: user.display_name.clone() };
            if !staff || !self.password_checks_out(&user, &w.password, "pharmacy witness", by).await? {
                problems.push(refused());
                continue;
            }
            ids.push((user.id, user.display_name));
        }
        if problems.is_empty() { Ok(ids) } else { Err(DomainError::Invalid(problems).into()) }
    }

    /// The dispensing gate, inside the transaction: a booked experimental session of this
    /// participant at the store's site, the participant treatable, eligible and consenting on
    /// the session's day, an active prescription of the session in force that day, and the
    /// authorisations for what may be given in force that day. Returns what the prescription
    /// allows: the most for the session (the limit `apply` holds the dose to; a physician's
    /// signed decision may have raised it) and the strength prescribed.
    async fn dispensing_gate(
        &self,
        tx: &mut WriteTx,
        site: &Site,
        participant_id: &str,
        appointment_id: &str,
        today: jiff::civil::Date,
        gate: Gate,
    ) -> AppResult<SessionAllowance> {
        let mut missing = Vec::new();
        let session = match dosing_appointment_in(tx, site, appointment_id).await? {
            Ok(a) => Some(SessionFacts {
                participant_id: a.participant_id,
                site_id: a.site_id,
                visit_id: a.visit_id,
                day: a.day,
                attended: a.attended,
            }),
            Err(v) => {
                missing.push(v);
                None
            }
        };
        let Some(session) = session else { return Err(DomainError::Invalid(missing).into()) };
        let mut problems = session_problems(&session, participant_id, &site.id, today);
        if gate == Gate::DemoHistory {
            problems.retain(|v| v.rule != "booked");
        }
        missing.extend(problems);
        if !missing.is_empty() {
            return Err(DomainError::Invalid(missing).into());
        }
        let day = session.day;
        if gate == Gate::Full {
            if let Err(v) = treatable_in(tx, participant_id).await? {
                missing.push(v);
            }
            missing.extend(treatment_gate_in(tx, participant_id, day).await?);
        }
        let asked_on = if gate == Gate::Full { day } else { self.local_today(site) };
        match session_dose_in(tx, participant_id, &session.visit_id, asked_on).await? {
            Err(v) => missing.push(v),
            Ok(dose) => {
                if gate == Gate::Full {
                    let prescribed = PrescribedDose {
                        participant_id,
                        prescriber_id: &dose.prescriber_id,
                        product: &dose.product,
                        indication: &dose.indication,
                        prescribed_mg: dose.allowed_mg,
                    };
                    missing.extend(prescribed_dose_gate_in(tx, site, &prescribed, day).await?);
                }
                if missing.is_empty() {
                    return Ok(SessionAllowance {
                        prescription_id: dose.prescription_id,
                        limit_mg: dose.limit_mg,
                        decision_id: dose.decision_id,
                        strength_mg: dose.strength_mg,
                    });
                }
            }
        }
        Err(DomainError::Invalid(missing).into())
    }
}

/// Who signs the movement as it is recorded: each witness (meaning: witness), and whoever
/// signed a resolution (approval).
fn signers(m: &Movement) -> Vec<(String, Meaning)> {
    match &m.detail {
        Detail::Waste { witnesses, .. } | Detail::Destroy { witnesses, .. } => {
            witnesses.iter().map(|w| (w.clone(), Meaning::Witness)).collect()
        }
        Detail::ResolveDiscrepancy { signed_by, .. } => vec![(signed_by.clone(), Meaning::Approval)],
        _ => Vec::new(),
    }
}

/// The part of the register the movement touches, read inside the transaction: first the
/// shipment, dose or discrepancy it names, then the balances, the session's other doses, the
/// lots' quarantines and the kits those lead to.
async fn load_touched(tx: &mut WriteTx, m: &Movement) -> AppResult<Register> {
    let mut r = Register::default();
    let first = touches(&r, m);
    for id in &first.shipments {
        if let Some(s) = tx.pharmacy_shipment(id).await? {
            r.shipments.insert(id.clone(), s);
        }
    }
    for id in &first.dispenses {
        if let Some(d) = tx.pharmacy_dispense(id).await? {
            r.dispenses.insert(id.clone(), d);
        }
    }
    for id in &first.discrepancies {
        if let Some(d) = tx.pharmacy_discrepancy(id).await? {
            r.discrepancies.insert(id.clone(), d);
        }
    }
    for appointment in &first.appointments {
        for d in tx.pharmacy_dispenses_for(appointment).await? {
            r.dispenses.insert(d.id.clone(), d);
        }
    }
    let then = touches(&r, m);
    for key in &then.balances {
        let units = tx.pharmacy_balance(key).await?;
        if units > 0 {
            r.balances.insert(key.clone(), units);
        }
    }
    for lot in &then.lots {
        if let Some(q) = tx.pharmacy_quarantine(lot).await? {
            r.quarantined.insert(lot.clone(), q);
        }
    }
    for kit in &then.kits {
        if tx.pharmacy_kit_received(kit).await? {
            r.received_kits.insert(kit.clone());
        }
    }
    Ok(r)
}

/// The catalogue entries the movement and the rows it touches name, read inside the
/// transaction with their seals (a store's key holders decide who may move its stock). Every
/// store must be at a site whose chain the transaction holds.
async fn load_catalogue(tx: &mut WriteTx, r: &Register, m: &Movement, route: &Route) -> AppResult<Catalogue> {
    let mut c = Catalogue::default();
    let mut locations: BTreeSet<String> = BTreeSet::new();
    let mut lots: BTreeSet<String> = BTreeSet::new();
    let mut kits: BTreeSet<String> = BTreeSet::new();
    match &m.detail {
        Detail::Receive { location_id, .. }
        | Detail::Dispense { location_id, .. }
        | Detail::Destroy { location_id, .. }
        | Detail::LossOrTheft { location_id, .. }
        | Detail::Count { location_id, .. }
        | Detail::ReturnToSupplier { location_id, .. } => {
            locations.insert(location_id.clone());
        }
        Detail::Dispatch { from_location_id, to_location_id, .. } => {
            locations.extend([from_location_id.clone(), to_location_id.clone()]);
        }
        Detail::ReturnUnused { to_location_id, .. } => {
            locations.insert(to_location_id.clone());
        }
        Detail::Quarantine { excursion: Some(e), .. } => {
            locations.insert(e.location_id.clone());
        }
        _ => {}
    }
    if let Some((lot, kit)) = m.detail.stock() {
        lots.insert(lot.to_owned());
        kits.extend(kit.map(str::to_owned));
    }
    for s in r.shipments.values() {
        locations.extend([s.from_location_id.clone(), s.to_location_id.clone()]);
    }
    for d in r.dispenses.values() {
        locations.insert(d.location_id.clone());
        lots.insert(d.stock.lot_id.clone());
    }
    for d in r.discrepancies.values() {
        locations.insert(d.location_id.clone());
        lots.insert(d.stock.lot_id.clone());
    }
    lots.extend(r.balances.keys().map(|k| k.stock.lot_id.clone()));
    for id in &locations {
        if let Some(l) = tx.sealed::<Location>(id).await? {
            if !route.sites.contains_key(&l.site_id) {
                return Err(DomainError::Conflict("a store changed meanwhile; try again".into()).into());
            }
            c.add_location(l.entry());
        }
    }
    let mut products = BTreeSet::new();
    for id in &lots {
        if let Some(l) = tx.sealed::<Lot>(id).await? {
            products.insert(l.product_id.clone());
            c.add_lot(l.entry());
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(id) = products.iter().find(|p| !seen.contains(*p)).cloned() {
        seen.insert(id.clone());
        if let Some(p) = tx.sealed::<Product>(&id).await? {
            if let Some(active) = &p.matches_product_id {
                products.insert(active.clone());
            }
            c.add_product(p.entry());
        }
    }
    for number in &kits {
        if let Some(k) = tx.sealed::<Kit>(number).await? {
            c.add_kit(k.entry());
        }
    }
    Ok(c)
}
