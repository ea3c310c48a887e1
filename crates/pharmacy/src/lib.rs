#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
//! The controlled-substance register for MDMA-assisted therapy: every unit from receipt to
//! administration, return, waste, witnessed destruction, loss or return to the supplier.
//!
//! Pure: no I/O beyond `include_str!` of the rules, no clock, no randomness. Ids, kit numbers,
//! times, the actor and the site-local date are passed in. A movement is decided by [`apply`]
//! against the register's state (or only the part of it the movement [`touches`]), the
//! catalogue and the jurisdiction's rules (`data/register_rules.json`, versioned, cited), and
//! either refused with every reason (field, rule, message) or turned into a [`Delta`]: its
//! double-entry postings and the new value of every balance and record it changes.
//! [`replay`] rebuilds the register from its movements. See `docs/pharmacy.md`.

pub mod apply;
pub mod blinded;
pub mod catalogue;
pub mod error;
pub mod movement;
pub mod register;
pub mod reports;
pub mod rules;

pub use apply::{Context, apply, replay, replay_entries, touches};
pub use blinded::{
    BlindedBalance, BlindedDiscrepancy, BlindedDispense, BlindedEntry, BlindedLine, blind_balances, blind_discrepancy,
    blind_dispense, blind_entry, blind_violations,
};
pub use catalogue::{
    Catalogue, Kit, Location, LocationKind, Lot, Party, Product, check_kit, check_location, check_lot, check_product,
};
pub use error::{DataError, ReplayError, Violation};
pub use movement::{
    Conclusion, Detail, DoseKind, EXCURSION_CELSIUS, Excursion, MAX_UNITS, MG_TOLERANCE, Movement, Order,
    QuarantineCause,
};
pub use register::{
    Account, BalanceChange, BalanceKey, Delta, Discrepancy, DiscrepancyOrigin, Dispense, Entry, Flow, Holding, Posting,
    Quarantine, Register, Resolution, Shipment, Stock, Touches,
};
pub use reports::{
    BiennialInventory, Custody, CustodyStep, DestructionItem, DestructionRecord, DispensedLine, DispensingRecord,
    DisposalLine, ExcursionLine, ExcursionOutcome, InventoryCard, InventoryLine, InventoryRow, Leg, ReceiptLine,
    RecordTotals, ReportContext, TakenAt, TransitRow, biennial_inventory, biennial_inventory_csv, chain_of_custody,
    count_sheet, count_sheet_csv, custody_csv, destruction_record, destruction_record_csv, dispensing_record,
    dispensing_record_csv, flow_totals, on_hand_units, perpetual_inventory, perpetual_inventory_csv,
    temperature_excursions, temperature_excursions_csv,
};
pub use rules::{
    JurisdictionEntry, JurisdictionRules, MayAdminister, OrderForm, PROGRAMME_DEFINED, Qualification, ReceiveField,
    RegisterRules, Rule, Sourced,
};
