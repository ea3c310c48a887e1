//! What other capabilities may ask the pharmacy: the losses and thefts recorded at a site (the
//! clocks of the notices owed after one run from the day it was discovered).

use crate::App;
use crate::capabilities::people::domain::Site;
use crate::platform::error::AppResult;
use catalyst_pharmacy::Detail;

/// A loss or theft on the register: the movement's id (opaque) and the site-local day it was
/// discovered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LossDiscovered {
    pub movement_id: String,
    pub on: jiff::civil::Date,
}

impl App {
    /// Every loss or theft recorded at the site, in the register's order.
    pub(crate) async fn losses_discovered_at(&self, site: &Site) -> AppResult<Vec<LossDiscovered>> {
        let mut found = Vec::new();
        for record in self.store.pharmacy_movements_of_kind(&site.id, "loss_or_theft").await? {
            if let Detail::LossOrTheft { discovered_at, .. } = &record.detail {
                found.push(LossDiscovered {
                    movement_id: record.id.clone(),
                    on: super::usecases::local_date(site, *discovered_at)?,
                });
            }
        }
        Ok(found)
    }
}
