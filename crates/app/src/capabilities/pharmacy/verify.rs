//! `audit verify` for the register's derived state: the movements (ledgered, verified with the
//! rest of the ledger) are replayed from empty in their one order, and the register they give
//! must equal the balances, shipments, doses, discrepancies, quarantines and kits received
//! that the tables hold. A balance edited in the database is named here.

use crate::capabilities::pharmacy::domain::{MovementRecord, register_mismatches};
use crate::platform::capability::DerivedFuture;
use crate::platform::store::Store;
use catalyst_core::ledger::StateMismatch;

pub(crate) fn register_mismatches_in(store: &Store) -> DerivedFuture<'_> {
    Box::pin(async move {
        let records = store.pharmacy_movements().await?;
        let mut mismatches = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let expected = i as i64 + 1;
            if r.seq != expected {
                mismatches.push(StateMismatch {
                    entity_kind: "pharmacy_movement".into(),
                    entity_id: r.id.clone(),
                    problem: format!("movement {} has number {} in the register's order; {expected} was expected", r.id, r.seq),
                });
                break;
            }
        }
        let sequence = store.pharmacy_sequence_value().await?;
        if sequence != records.len() as i64 {
            mismatches.push(StateMismatch {
                entity_kind: "pharmacy_sequence".into(),
                entity_id: "movements".into(),
                problem: format!("the register's sequence stands at {sequence} but {} movements are recorded", records.len()),
            });
        }
        let movements: Vec<_> = records.iter().map(MovementRecord::movement).collect();
        match catalyst_pharmacy::replay(&movements) {
            Err(e) => mismatches.push(StateMismatch {
                entity_kind: "pharmacy_movement".into(),
                entity_id: e.movement_id.clone(),
                problem: format!("the register does not replay: {e}"),
            }),
            Ok(replayed) => {
                let stored = store.stored_register().await?;
                mismatches.extend(register_mismatches(&replayed, &stored));
            }
        }
        Ok(mismatches)
    })
}
