//! Movements: the entries of the register. Each has an id, who recorded it, when and why; the
//! ids, times and the actor are passed in (nothing here reads a clock or makes an id).
//!
//! Quantities are whole units (`units`); `mg`, when given, must equal the units times the lot's
//! product strength (within [`MG_TOLERANCE`]). Stock is named by lot and, for blinded trials,
//! kit number (the kit's lot must be the lot named).

use catalyst_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalogue::Party;
use crate::rules::{OrderForm, Qualification};

/// How far a stated mg may differ from units × strength.
pub const MG_TOLERANCE: f64 = 1e-6;

/// The most units one movement, order line, kit or container may name (programme-defined
/// default: far above any real shipment of capsules, it keeps a typo from becoming a balance
/// no report can add up).
pub const MAX_UNITS: i64 = 1_000_000;

/// One entry of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Movement {
    /// Unique (a UUIDv7 from the application). A dispense's id names the dispensed dose; a
    /// count's or a transfer receipt's id names the discrepancy it opens, if any.
    pub id: String,
    /// When it happened (UTC).
    pub at: Timestamp,
    /// Who recorded it (user id).
    pub actor: String,
    pub reason: String,
    pub detail: Detail,
}

/// The order a receipt fills: DEA Form 222 serial or CSOS order number (US), or a purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub form: OrderForm,
    pub number: String,
    /// The numbered line of the form (Form 222 has one item per line).
    pub line: u32,
    pub units_ordered: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseKind {
    Initial,
    Supplemental,
}

/// What an investigation of a discrepancy concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// The count was right and the stock differs from the records (lost, or miscounted before):
    /// missing units are written off, surplus units are brought onto the register.
    AdjustToCount,
    /// The records were right and the count was wrong: missing units go back to the location;
    /// a surplus never existed.
    RecordsCorrect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineCause {
    TemperatureExcursion,
    Recall,
    Other,
}

/// A temperature excursion, as an inspector asks for it: where (the store), when it was
/// observed, the lowest and highest temperature seen, how long it lasted and who observed it.
/// None of it is content: blinded roles may see it all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excursion {
    pub location_id: String,
    /// When it was observed (UTC); not after the quarantine is recorded.
    pub observed_at: Timestamp,
    pub min_celsius: f64,
    pub max_celsius: f64,
    /// Whole minutes, more than 0.
    pub duration_minutes: i64,
    /// Who observed it (user id).
    pub observed_by: String,
}

/// The lowest and highest temperature an excursion record accepts, in °C (a reading outside
/// is a typing or probe error, not an excursion).
pub const EXCURSION_CELSIUS: (f64, f64) = (-100.0, 100.0);

/// What moved, where, and the facts each kind records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Detail {
    /// Stock arriving from a supplier into a location, against an order (where the
    /// jurisdiction requires one). Receiving fewer than ordered is recorded, not refused.
    Receive {
        location_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<Order>,
    },
    /// Transfer out: from a location into an in-transit shipment to another. Several dispatches
    /// may add lines to one shipment (same route) until a line is received.
    Dispatch {
        shipment_id: String,
        from_location_id: String,
        to_location_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
    },
    /// The receiver's count of one line of a shipment (`units` as counted, 0 or more). What was
    /// counted is received; a shortfall waits in the discrepancy this movement opens, a surplus
    /// is recorded in it and comes onto the register only if the investigation finds it real.
    ReceiveTransfer {
        shipment_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
    },
    /// From a site store to the session team, for one participant's session, within the dose the
    /// prescription allows for that session (all dispenses for the appointment, less returns,
    /// counted at nominal strength). A physician's signed decision may have raised the limit the
    /// caller passes (`override_decision_id` names it); nothing lifts it.
    Dispense {
        location_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
        participant_id: String,
        appointment_id: String,
        prescription_id: String,
        /// The most the prescription allows for this session, in mg.
        dose_limit_mg: f64,
        /// The signed decision that allows more than the limit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_decision_id: Option<String>,
    },
    /// Giving units of a dispensed dose to the participant.
    Administer {
        dispense_id: String,
        dose: DoseKind,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
        /// Who gave it (recorded separately from the therapists present).
        clinician_id: String,
        clinician_qualification: Qualification,
    },
    /// Unused units of a dispensed dose back into a location.
    ReturnUnused {
        dispense_id: String,
        to_location_id: String,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
    },
    /// Part of a dispensed dose wasted, witnessed.
    Waste {
        dispense_id: String,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
        /// User ids; the caller has confirmed each witness's password.
        witnesses: Vec<String>,
    },
    /// Destruction to a non-retrievable state (the DEA Form 41 fields), witnessed.
    Destroy {
        location_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
        method: String,
        place: String,
        witnesses: Vec<String>,
    },
    /// Units found missing from a location, or stolen.
    LossOrTheft {
        location_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
        discovered_at: Timestamp,
        discovered_by: String,
        theft: bool,
    },
    /// An exact count of one lot (kit) at a location (`units` as counted, 0 or more). A
    /// difference from the register opens a discrepancy with this movement's id.
    Count {
        location_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
    },
    /// The investigation's conclusion, signed.
    ResolveDiscrepancy {
        discrepancy_id: String,
        conclusion: Conclusion,
        /// Who signed the resolution (the caller has confirmed their password).
        signed_by: String,
    },
    /// Back to the supplier or to a reverse distributor.
    ReturnToSupplier {
        location_id: String,
        lot_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kit_number: Option<String>,
        units: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mg: Option<f64>,
        recipient: Party,
        /// The recipient's order form (DEA Form 222 serial or CSOS number), where required.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_form: Option<String>,
    },
    /// A lot may not be dispensed or transferred until released (it may still be counted,
    /// destroyed or returned to the supplier). A temperature excursion carries its record
    /// (required for that cause, refused for the others).
    Quarantine {
        lot_id: String,
        cause: QuarantineCause,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        excursion: Option<Excursion>,
    },
    Release {
        lot_id: String,
    },
}

impl Detail {
    /// Every kind's wire name, in declaration order.
    pub const KINDS: [&'static str; 14] = [
        "receive",
        "dispatch",
        "receive_transfer",
        "dispense",
        "administer",
        "return_unused",
        "waste",
        "destroy",
        "loss_or_theft",
        "count",
        "resolve_discrepancy",
        "return_to_supplier",
        "quarantine",
        "release",
    ];

    /// The kind's wire name.
    pub fn kind(&self) -> &'static str {
        let i = match self {
            Detail::Receive { .. } => 0,
            Detail::Dispatch { .. } => 1,
            Detail::ReceiveTransfer { .. } => 2,
            Detail::Dispense { .. } => 3,
            Detail::Administer { .. } => 4,
            Detail::ReturnUnused { .. } => 5,
            Detail::Waste { .. } => 6,
            Detail::Destroy { .. } => 7,
            Detail::LossOrTheft { .. } => 8,
            Detail::Count { .. } => 9,
            Detail::ResolveDiscrepancy { .. } => 10,
            Detail::ReturnToSupplier { .. } => 11,
            Detail::Quarantine { .. } => 12,
            Detail::Release { .. } => 13,
        };
        Self::KINDS[i]
    }

    /// The stock the movement names directly (lot and kit), when it does.
    pub fn stock(&self) -> Option<(&str, Option<&str>)> {
        match self {
            Detail::Receive { lot_id, kit_number, .. }
            | Detail::Dispatch { lot_id, kit_number, .. }
            | Detail::ReceiveTransfer { lot_id, kit_number, .. }
            | Detail::Dispense { lot_id, kit_number, .. }
            | Detail::Destroy { lot_id, kit_number, .. }
            | Detail::LossOrTheft { lot_id, kit_number, .. }
            | Detail::Count { lot_id, kit_number, .. }
            | Detail::ReturnToSupplier { lot_id, kit_number, .. } => Some((lot_id, kit_number.as_deref())),
            Detail::Quarantine { lot_id, .. } | Detail::Release { lot_id } => Some((lot_id, None)),
            Detail::Administer { .. }
            | Detail::ReturnUnused { .. }
            | Detail::Waste { .. }
            | Detail::ResolveDiscrepancy { .. } => None,
        }
    }

    /// The quantity stated (units, mg), when the kind has one.
    pub fn quantity(&self) -> Option<(i64, Option<f64>)> {
        match self {
            Detail::Receive { units, mg, .. }
            | Detail::Dispatch { units, mg, .. }
            | Detail::ReceiveTransfer { units, mg, .. }
            | Detail::Dispense { units, mg, .. }
            | Detail::Administer { units, mg, .. }
            | Detail::ReturnUnused { units, mg, .. }
            | Detail::Waste { units, mg, .. }
            | Detail::Destroy { units, mg, .. }
            | Detail::LossOrTheft { units, mg, .. }
            | Detail::Count { units, mg, .. }
            | Detail::ReturnToSupplier { units, mg, .. } => Some((*units, *mg)),
            Detail::ResolveDiscrepancy { .. } | Detail::Quarantine { .. } | Detail::Release { .. } => None,
        }
    }

    /// The dispense a movement acts on, when it acts on one.
    pub fn dispense_id(&self) -> Option<&str> {
        match self {
            Detail::Administer { dispense_id, .. }
            | Detail::ReturnUnused { dispense_id, .. }
            | Detail::Waste { dispense_id, .. } => Some(dispense_id),
            _ => None,
        }
    }
}
