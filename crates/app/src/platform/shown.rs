//! What a view shows of sealed records, and what it cannot: the rows whose seals hold, and in
//! words the rows written, changed or deleted outside Catalyst. Pages show both; the API and
//! exports refuse a partial answer.

use crate::platform::error::AppResult;
use crate::platform::store::seals::SealedRead;
use catalyst_core::DomainError;
use catalyst_core::record::Record;

/// What a view shows, and what it cannot (rows written or deleted outside Catalyst), in words:
/// a page shows both, so one bad row never hides the rest nor passes for "nothing".
#[derive(Debug, Clone)]
pub struct Shown<T> {
    pub items: Vec<T>,
    pub integrity: Vec<String>,
}

impl<R: Record> From<SealedRead<R>> for Shown<R> {
    fn from(read: SealedRead<R>) -> Self {
        let integrity = read.problems();
        Shown { items: read.rows, integrity }
    }
}

impl<T> Shown<T> {
    /// The items, or (for the API and exports, which must not pass on a partial answer) the
    /// first problem as an error.
    pub fn or_refuse(self) -> AppResult<Vec<T>> {
        complete(&self.integrity)?;
        Ok(self.items)
    }
}

/// Refuses (409, naming every record) an answer that is missing records: what the API and
/// the exports pass on must be whole.
pub fn complete(integrity: &[String]) -> AppResult<()> {
    if integrity.is_empty() {
        return Ok(());
    }
    Err(DomainError::Conflict(format!(
        "records fail their integrity check, so no partial answer is given: {}; run `catalyst audit verify`",
        integrity.join("; ")
    ))
    .into())
}
