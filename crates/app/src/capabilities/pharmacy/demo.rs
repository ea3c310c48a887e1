//! The pharmacy in the demo: a central pharmacy at Sydney stocked from the supplier (two lots,
//! one expiring within 60 days), a locked store at each site (Sydney, Boston, Vancouver) whose
//! keys its pharmacist holds, a transfer to each store, the doses dispensed and given at the
//! dosing sessions already held that have prescriptions, one open count discrepancy (Boston)
//! and one shipment still in transit (to Vancouver). Everything is recorded through the
//! register's write path, each movement at the time it happened.

use crate::App;
use crate::capabilities::people::domain::Site;
use crate::capabilities::pharmacy::domain::{
    Location, LocationInput, Lot, LotInput, MovementRequest, OrderInput, Product, ProductInput,
};
use crate::capabilities::pharmacy::usecases::MovementInput;
use crate::capabilities::pharmacy::usecases::movements::Gate;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::Actor;
use catalyst_core::time::Timestamp;
use catalyst_pharmacy::{DoseKind, OrderForm};

pub(crate) fn seed<'a>(app: &'a App, _: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_pharmacy())
}

const DAY: i64 = 86_400;

fn missing(what: &str) -> AppError {
    AppError::Internal(format!("demo {what} missing"))
}

impl App {
    async fn demo_actor(&self, username: &str) -> AppResult<Actor> {
        let user = self.user_by_username(username).await?.ok_or_else(|| missing(username))?;
        self.actor_for(&user).await
    }

    async fn demo_move(&self, actor: &Actor, at: Timestamp, reason: &str, movement: MovementRequest) -> AppResult<String> {
        let input = MovementInput { reason: reason.into(), witnesses: Vec::new(), password: None, movement };
        Ok(self.write_movement(actor, &input, Some(at), Gate::DemoHistory).await?.record.id)
    }

    async fn seed_demo_pharmacy(&self) -> AppResult<()> {
        let site = |code: &'static str| async move { self.site_by_code(code).await?.ok_or_else(|| missing(code)) };
        let (syd, bos, van): (Site, Site, Site) = (site("SYD").await?, site("BOS").await?, site("VAN").await?);
        let pharmacist = |code: &str| format!("pharmacist.{}", code.to_ascii_lowercase());
        let syd_ph = self.demo_actor(&pharmacist("SYD")).await?;
        let bos_ph = self.demo_actor(&pharmacist("BOS")).await?;
        let van_ph = self.demo_actor(&pharmacist("VAN")).await?;
        let now = self.now();
        let ago = |days: i64| now.plus_seconds(-days * DAY);
        let today = self.local_today(&syd);
        let in_days = |n: i64| today.checked_add(jiff::Span::new().days(n)).map_err(|e| AppError::Internal(e.to_string()));

        let active: Product = self
            .create_pharmacy_product(
                &syd_ph,
                &syd.id,
                &ProductInput {
                    name: "MDMA hydrochloride 20 mg capsule".into(),
                    substance: "MDMA hydrochloride".into(),
                    form: "capsule".into(),
                    strength_mg: 20.0,
                    placebo: false,
                    matches_product_id: None,
                },
            )
            .await?;
        self.create_pharmacy_product(
            &syd_ph,
            &syd.id,
            &ProductInput {
                name: "Placebo capsule (matches MDMA 20 mg)".into(),
                substance: "placebo (microcrystalline cellulose)".into(),
                form: "capsule".into(),
                strength_mg: 0.0,
                placebo: true,
                matches_product_id: Some(active.id.clone()),
            },
        )
        .await?;
        let lot = |number: &str, expires: jiff::civil::Date| LotInput {
            product_id: active.id.clone(),
            lot_number: number.into(),
            expires_on: expires.to_string(),
            storage_conditions: "store below 25 °C in the locked safe; protect from light".into(),
            supplier_name: "Southern Cross Clinical Supplies Pty Ltd".into(),
            supplier_address: "12 Harbour Street, Sydney NSW 2000, Australia".into(),
            supplier_registration: Some("NSW-S8-WHL-4471".into()),
            units_per_container: Some(30),
        };
        let main: Lot = self.create_pharmacy_lot(&syd_ph, &syd.id, &lot("MX24-0917", in_days(420)?)).await?;
        let short: Lot = self.create_pharmacy_lot(&syd_ph, &syd.id, &lot("MX24-1102", in_days(45)?)).await?;

        let store = |site: &Site, name: &str, kind: &str, holder: String| LocationInput {
            site_id: site.id.clone(),
            name: name.into(),
            kind: kind.into(),
            key_holders: vec![holder],
        };
        let central: Location = self
            .create_pharmacy_location(&syd_ph, &store(&syd, "Central pharmacy (Sydney)", "central_pharmacy", pharmacist("SYD")))
            .await?;
        let syd_store = self
            .create_pharmacy_location(&syd_ph, &store(&syd, "Sydney dosing suite safe", "site_store", pharmacist("SYD")))
            .await?;
        let bos_store = self
            .create_pharmacy_location(&bos_ph, &store(&bos, "Boston locked store", "site_store", pharmacist("BOS")))
            .await?;
        let van_store = self
            .create_pharmacy_location(&van_ph, &store(&van, "Vancouver locked store", "site_store", pharmacist("VAN")))
            .await?;

        let order = |number: &str, units: i64| {
            Some(OrderInput { form: OrderForm::PurchaseOrder, number: number.into(), line: 1, units_ordered: units })
        };
        let receive = |lot: &Lot, units: i64, po: &str| MovementRequest::Receive {
            location_id: central.id.clone(),
            lot_id: lot.id.clone(),
            kit_number: None,
            units,
            mg: Some(units as f64 * 20.0),
            order: order(po, units),
        };
        self.demo_move(&syd_ph, ago(40), "initial stock from the supplier", receive(&main, 600, "PO-2291")).await?;
        self.demo_move(&syd_ph, ago(40), "initial stock from the supplier", receive(&short, 60, "PO-2292")).await?;

        // A transfer to each store, received and counted by its pharmacist.
        for (to, units, receiver, days) in [(&syd_store, 120, &syd_ph, 35), (&bos_store, 60, &bos_ph, 33), (&van_store, 60, &van_ph, 33)] {
            let shipment = self.new_id();
            let dispatch = MovementRequest::Dispatch {
                shipment_id: Some(shipment.clone()),
                from_location_id: central.id.clone(),
                to_location_id: to.id.clone(),
                lot_id: main.id.clone(),
                kit_number: None,
                units,
                mg: None,
            };
            self.demo_move(&syd_ph, ago(35), "resupply of the site's store", dispatch).await?;
            let received = MovementRequest::ReceiveTransfer {
                shipment_id: shipment,
                lot_id: main.id.clone(),
                kit_number: None,
                units,
                mg: None,
            };
            self.demo_move(receiver, ago(days).plus_seconds(3600), "received and counted", received).await?;
        }

        // The doses of the sessions already held that have prescriptions.
        let physician = self.demo_actor("physician.syd").await?;
        let held = self.dosing_sessions(&syd, AppointmentStatus::Attended, in_days(-90)?, today).await?;
        for session in held {
            let dispense = MovementRequest::Dispense {
                location_id: syd_store.id.clone(),
                lot_id: main.id.clone(),
                kit_number: None,
                units: 6,
                mg: Some(120.0),
                participant_id: session.participant_id.clone(),
                appointment_id: session.appointment_id.clone(),
            };
            let dispensed = match self.demo_move(&syd_ph, session.starts_at.plus_seconds(-1800), "dose for the session", dispense).await {
                Ok(id) => id,
                // A session without a prescription has no dose to dispense.
                Err(AppError::Domain(DomainError::Invalid(_))) => continue,
                Err(e) => return Err(e),
            };
            for (dose, units, after) in [(DoseKind::Initial, 4, 0), (DoseKind::Supplemental, 2, 2 * 3600)] {
                let given = MovementRequest::Administer { dispense_id: dispensed.clone(), dose, units, mg: None };
                self.demo_move(&physician, session.starts_at.plus_seconds(after), "given as prescribed", given).await?;
            }
        }

        // Yesterday's count at Boston found one capsule fewer than the register: open.
        let count = MovementRequest::Count {
            location_id: bos_store.id.clone(),
            lot_id: main.id.clone(),
            kit_number: None,
            units: 59,
            mg: None,
        };
        self.demo_move(&bos_ph, ago(1), "monthly exact count", count).await?;

        // The short-dated lot is on its way to Vancouver.
        let dispatch = MovementRequest::Dispatch {
            shipment_id: None,
            from_location_id: central.id.clone(),
            to_location_id: van_store.id.clone(),
            lot_id: short.id.clone(),
            kit_number: None,
            units: 30,
            mg: None,
        };
        self.demo_move(&syd_ph, ago(2), "resupply of the site's store", dispatch).await?;
        Ok(())
    }
}
