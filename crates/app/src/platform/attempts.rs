//! What anonymous and denied requests may append to the append-only ledger. Each source (a
//! client address, or a user whose requests are denied) appends at most
//! `APPEND_LIMIT.entries_per_window` entries per chain and window; beyond that its attempts are
//! counted, never dropped, and the count is appended in one entry once the window has ended.

use crate::App;
use crate::platform::error::{AppError, AppResult};
use crate::platform::store::{ChainRef, WriteTx};
use catalyst_core::ledger::AuditActor;
use catalyst_core::login::APPEND_LIMIT;
use catalyst_core::record::Row;

/// The name of the secret that keys the hashes of attempted usernames.
const USERNAME_SECRET: &str = "attempted_usernames";

fn detail(row: &mut Row, key: &str, value: impl Into<serde_json::Value>) {
    row.insert(key.to_owned(), value.into());
}

impl App {
    /// The installation's secret for keyed hashes of attempted usernames (made on first use).
    pub(crate) async fn username_secret(&self) -> AppResult<Vec<u8>> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
        let stored = self.store.installation_secret(USERNAME_SECRET, &hex::encode(fresh)).await?;
        hex::decode(stored.trim()).map_err(|e| AppError::Internal(format!("installation secret unreadable: {e}")))
    }

    /// Appends the event of an anonymous or denied request from `source`, or, past the limit,
    /// counts it (the first attempt past the limit appends a note that counting has begun).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn append_limited(
        &self,
        tx: &mut WriteTx,
        chain: &str,
        source: &str,
        action: &str,
        entity_kind: &str,
        entity_id: &str,
        details: Row,
    ) -> AppResult<()> {
        let window = APPEND_LIMIT.window_start(tx.now());
        let (recorded, counted) = tx.append_count(source, chain, window).await?;
        if recorded < APPEND_LIMIT.entries_per_window {
            tx.event(chain, action, entity_kind, entity_id, details).await?;
            tx.set_append_count(source, chain, window, recorded + 1, counted).await?;
            return Ok(());
        }
        if counted == 0 {
            let mut note = Row::new();
            detail(&mut note, "source", source);
            detail(&mut note, "window_start", window.to_rfc3339());
            detail(&mut note, "window_end", APPEND_LIMIT.window_end(window).to_rfc3339());
            detail(&mut note, "limit", APPEND_LIMIT.entries_per_window);
            detail(
                &mut note,
                "note",
                "further failed logins or denied requests from this source in this window are counted, and the \
                 count is recorded in one entry when the window ends",
            );
            tx.event(chain, "ledger.append_limited", "source", source, note).await?;
        }
        tx.set_append_count(source, chain, window, recorded, counted + 1).await?;
        Ok(())
    }

    /// Appends, for every window that has ended with attempts counted but not yet appended, one
    /// entry with the count (per source, chain and window). Runs after every limited event;
    /// returns how many entries it appended.
    pub async fn flush_attempt_counts(&self) -> AppResult<usize> {
        let current = APPEND_LIMIT.window_start(self.now());
        let mut appended = 0;
        for pending in self.store.closed_append_counts(current).await? {
            let zone = match pending.chain.strip_prefix("site:") {
                Some(site_id) => self.site_if_any(site_id).await?.map(|s| s.time_zone.as_str().to_owned()),
                None => None,
            };
            let chain = ChainRef { chain: pending.chain.clone(), zone: zone.unwrap_or_else(|| "UTC".to_owned()) };
            let mut tx = self.begin(AuditActor::system("ledger-limit"), std::slice::from_ref(&chain)).await?;
            // Read again under the chain's lock: another server may have appended it already.
            let (recorded, counted) = tx.append_count(&pending.source, &pending.chain, pending.window_start).await?;
            if counted > 0 {
                let mut row = Row::new();
                detail(&mut row, "source", pending.source.as_str());
                detail(&mut row, "window_start", pending.window_start.to_rfc3339());
                detail(&mut row, "window_end", APPEND_LIMIT.window_end(pending.window_start).to_rfc3339());
                detail(&mut row, "count", counted);
                detail(&mut row, "what", "failed logins or denied requests beyond the limit, counted");
                tx.event(&pending.chain, "ledger.attempts_counted", "source", &pending.source, row).await?;
                tx.set_append_count(&pending.source, &pending.chain, pending.window_start, recorded, 0).await?;
                appended += 1;
            }
            tx.commit().await?;
        }
        self.store.prune_append_counts(current).await?;
        Ok(appended)
    }
}
