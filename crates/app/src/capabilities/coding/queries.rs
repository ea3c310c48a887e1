//! Coding queries. Dictionaries and codings are read with their seals (views name a bad row
//! and leave it out; decisions refuse it); a dictionary's entries are read whole for coding.

use crate::capabilities::coding::domain::{DictionaryRecord, EventCoding};
use crate::platform::store::seals::SealedRead;
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_safety::{Dictionary, DictionaryEntry};
use sqlx::Row as _;
use std::collections::BTreeMap;

async fn entries(conn: &mut sqlx::AnyConnection, dictionary_id: &str) -> Result<BTreeMap<String, DictionaryEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT code, term, body_system_code, body_system FROM coding_terms WHERE dictionary_id = $1 ORDER BY code",
    )
    .bind(dictionary_id.to_owned())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let e = DictionaryEntry {
                code: r.try_get(0)?,
                term: r.try_get(1)?,
                body_system_code: r.try_get(2)?,
                body_system: r.try_get(3)?,
            };
            Ok((e.code.clone(), e))
        })
        .collect()
}

impl Store {
    /// Every dictionary loaded, oldest first.
    pub(in crate::capabilities::coding) async fn coding_dictionaries(&self) -> Result<SealedRead<DictionaryRecord>, StoreError> {
        self.sealed_rows_where::<DictionaryRecord>(None, "ORDER BY t.loaded_at, t.id").await
    }

    /// A dictionary's entries, as kept beside its ledgered record.
    pub(in crate::capabilities::coding) async fn coding_entries(
        &self,
        dictionary: &DictionaryRecord,
    ) -> Result<Dictionary, StoreError> {
        let mut conn = self.pool().acquire().await?;
        Ok(Dictionary {
            name: dictionary.name.clone(),
            version: dictionary.version.clone(),
            entries: entries(&mut conn, &dictionary.id).await?,
        })
    }

    /// A site's codings, oldest first, with the ledger's check for rows gone.
    pub(in crate::capabilities::coding) async fn codings_at_site(
        &self,
        site_chain: &str,
        site_id: &str,
    ) -> Result<SealedRead<EventCoding>, StoreError> {
        self.sealed_rows_at_site(site_chain, site_id, "ORDER BY t.recorded_at, t.id", |_: &EventCoding| None).await
    }
}

impl WriteTx {
    /// One dictionary and its entries, inside the transaction, its seal checked.
    pub(in crate::capabilities::coding) async fn coding_dictionary_in(
        &mut self,
        id: &str,
    ) -> Result<Option<(DictionaryRecord, Dictionary)>, StoreError> {
        let Some(record) = self.get::<DictionaryRecord>(id).await? else { return Ok(None) };
        self.check_sealed(std::slice::from_ref(&record)).await?;
        let entries = entries(self.conn(), id).await?;
        let dictionary = Dictionary { name: record.name.clone(), version: record.version.clone(), entries };
        Ok(Some((record, dictionary)))
    }

    /// One event's codings, oldest first, inside the transaction, seals checked.
    pub(in crate::capabilities::coding) async fn codings_of_event_in(
        &mut self,
        event_id: &str,
    ) -> Result<Vec<EventCoding>, StoreError> {
        use crate::platform::store::rows::{query_owned, select_sql};
        use catalyst_core::record::Record;
        let sql = select_sql(EventCoding::SPEC, "WHERE event_id = $1 ORDER BY recorded_at, id");
        let rows: Vec<EventCoding> = self.fetch_records(query_owned(sql).bind(event_id.to_owned())).await?;
        self.check_sealed(&rows).await?;
        Ok(rows)
    }

    /// Keeps a dictionary's entries beside its ledgered record, in the same transaction.
    pub(in crate::capabilities::coding) async fn insert_coding_entries(
        &mut self,
        dictionary_id: &str,
        dictionary: &Dictionary,
    ) -> Result<(), StoreError> {
        for e in dictionary.entries.values() {
            sqlx::query(
                "INSERT INTO coding_terms (dictionary_id, code, term, body_system_code, body_system)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(dictionary_id.to_owned())
            .bind(e.code.clone())
            .bind(e.term.clone())
            .bind(e.body_system_code.clone())
            .bind(e.body_system.clone())
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}
