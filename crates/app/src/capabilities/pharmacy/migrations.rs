//! The pharmacy capability's schema steps (versions are global; see the platform's list).

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 15,
    name: "pharmacy: catalogue (products, lots, stores with key holders, kits) and the append-only register of movements",
    common: &[
        "CREATE TABLE pharmacy_products (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), name TEXT NOT NULL,
            substance TEXT NOT NULL, form TEXT NOT NULL, strength_ug BIGINT NOT NULL, placebo BIGINT NOT NULL,
            matches_product_id TEXT REFERENCES pharmacy_products (id), created_at BIGINT NOT NULL, created_by TEXT NOT NULL)",
        "CREATE TABLE pharmacy_lots (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            product_id TEXT NOT NULL REFERENCES pharmacy_products (id), lot_number TEXT NOT NULL, expires_on TEXT NOT NULL,
            storage_conditions TEXT NOT NULL, supplier_name TEXT NOT NULL, supplier_address TEXT NOT NULL,
            supplier_registration TEXT, units_per_container BIGINT, created_at BIGINT NOT NULL, created_by TEXT NOT NULL,
            UNIQUE (product_id, lot_number))",
        "CREATE TABLE pharmacy_locations (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), name TEXT NOT NULL, kind TEXT NOT NULL,
            key_holders TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL)",
        "CREATE INDEX pharmacy_locations_site ON pharmacy_locations (site_id)",
        "CREATE TABLE pharmacy_kits (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), lot_id TEXT NOT NULL REFERENCES pharmacy_lots (id),
            units BIGINT NOT NULL, salt TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL)",
        "CREATE TABLE pharmacy_movements (
            id TEXT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE, site_id TEXT NOT NULL REFERENCES sites (id), kind TEXT NOT NULL,
            at BIGINT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL, participant_id TEXT REFERENCES participants (id),
            detail TEXT NOT NULL, salt TEXT NOT NULL)",
        "CREATE INDEX pharmacy_movements_site ON pharmacy_movements (site_id, seq)",
    ],
    sqlite: &[
        "CREATE TRIGGER pharmacy_movements_no_update BEFORE UPDATE ON pharmacy_movements
            BEGIN SELECT RAISE(ABORT, 'pharmacy_movements is append-only: UPDATE refused'); END",
        "CREATE TRIGGER pharmacy_movements_no_delete BEFORE DELETE ON pharmacy_movements
            BEGIN SELECT RAISE(ABORT, 'pharmacy_movements is append-only: DELETE refused'); END",
    ],
    postgres: &[
        "CREATE TRIGGER pharmacy_movements_append_only BEFORE UPDATE OR DELETE ON pharmacy_movements
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
Migration {
    version: 16,
    name: "pharmacy: the register's derived state (balances, shipments, doses, discrepancies, quarantines, kits received) and its one order",
    common: &[
        // Only balances above 0 are kept; the check refuses a negative one even from outside.
        "CREATE TABLE pharmacy_balances (
            holding_kind TEXT NOT NULL, holding_id TEXT NOT NULL, lot_id TEXT NOT NULL, kit_number TEXT NOT NULL,
            units BIGINT NOT NULL CHECK (units > 0), PRIMARY KEY (holding_kind, holding_id, lot_id, kit_number))",
        "CREATE INDEX pharmacy_balances_lot ON pharmacy_balances (lot_id)",
        "CREATE TABLE pharmacy_shipments (
            id TEXT PRIMARY KEY, from_location_id TEXT NOT NULL, to_location_id TEXT NOT NULL, state TEXT NOT NULL)",
        "CREATE TABLE pharmacy_dispenses (
            id TEXT PRIMARY KEY, location_id TEXT NOT NULL, appointment_id TEXT NOT NULL, participant_id TEXT NOT NULL,
            at BIGINT NOT NULL, state TEXT NOT NULL)",
        "CREATE INDEX pharmacy_dispenses_appointment ON pharmacy_dispenses (appointment_id)",
        "CREATE INDEX pharmacy_dispenses_location ON pharmacy_dispenses (location_id, at)",
        "CREATE TABLE pharmacy_discrepancies (
            id TEXT PRIMARY KEY, location_id TEXT NOT NULL, is_open BIGINT NOT NULL, state TEXT NOT NULL)",
        "CREATE TABLE pharmacy_quarantines (lot_id TEXT PRIMARY KEY, state TEXT NOT NULL)",
        "CREATE TABLE pharmacy_received_kits (kit_number TEXT PRIMARY KEY)",
        // Every movement takes the next number here, inside its transaction: the register's
        // order across sites, in which replay rebuilds the state above.
        "CREATE TABLE pharmacy_sequence (name TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
        "INSERT INTO pharmacy_sequence (name, seq) VALUES ('movements', 0)",
    ],
    sqlite: &[],
    postgres: &[],
},
// 17 is another pharmacy branch's (see the platform's RESERVED_VERSIONS).
Migration {
    version: 18,
    name: "pharmacy: resupply thresholds per store and product",
    common: &[
        "CREATE TABLE pharmacy_resupply_thresholds (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            location_id TEXT NOT NULL REFERENCES pharmacy_locations (id), product_id TEXT NOT NULL REFERENCES pharmacy_products (id),
            min_units BIGINT NOT NULL CHECK (min_units >= 0), salt TEXT NOT NULL, set_at BIGINT NOT NULL, set_by TEXT NOT NULL,
            UNIQUE (location_id, product_id))",
        "CREATE INDEX pharmacy_resupply_thresholds_site ON pharmacy_resupply_thresholds (site_id)",
    ],
    sqlite: &[],
    postgres: &[],
},
];
