//! What other capabilities may ask coding: each event's current coding at a site (the DSMB
//! listing fills its coded-term and body-system columns from it; a coding whose event term was
//! corrected since is not current).

use crate::App;
use crate::capabilities::coding::domain::latest_by_event;
use crate::capabilities::people::domain::Site;
use crate::platform::error::AppResult;
use catalyst_safety::Coding;
use std::collections::HashMap;

impl App {
    /// The newest coding of each event at the site, by event id, and any coding that cannot be
    /// read. The caller checks each against the event's current term (`Coding::stale_for`).
    pub(crate) async fn event_codings_at(&self, site: &Site) -> AppResult<(HashMap<String, Coding>, Vec<String>)> {
        let read = self.codings_at(site).await?;
        let latest = latest_by_event(read.items).into_iter().map(|(id, c)| (id, c.coding)).collect();
        Ok((latest, read.integrity))
    }
}
