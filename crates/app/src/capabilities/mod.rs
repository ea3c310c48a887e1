//! The capabilities, each in its own folder with everything it needs (records and table specs,
//! migrations, queries, use cases, API, pages, navigation, demo data, tests), and the one list
//! of them. Adding a capability: a folder that declares its `CAPABILITY`, its name in the list
//! below, and its entries in the access policy (`catalyst_core::policy`).

use crate::App;
use crate::platform::capability::Capability;
use crate::platform::demo::DemoLogin;
use crate::platform::error::AppResult;
use catalyst_core::ledger::AuditActor;

/// Declares each capability's module and lists its `CAPABILITY`, in the order their demo data
/// is seeded and their navigation entries appear (people first: every other one builds on it).
macro_rules! capabilities {
    ($($name:ident),+ $(,)?) => {
        $(pub mod $name;)+
        pub static CAPABILITIES: &[&Capability] = &[$(&$name::CAPABILITY),+];
    };
}

capabilities!(people, outcomes, eligibility, treatment);

impl App {
    /// Seeds the demo programme into an empty database (one with no site yet), each
    /// capability in list order, then checkpoints the ledger. `None` when already seeded.
    pub async fn seed_demo(&self) -> AppResult<Option<Vec<DemoLogin>>> {
        if people::has_any_site(self).await? {
            return Ok(None);
        }
        let by = AuditActor::system("demo");
        let mut logins = Vec::new();
        for capability in CAPABILITIES {
            if let Some(seed) = capability.demo {
                seed(self, &by, &mut logins).await?;
            }
        }
        self.checkpoint().await?;
        Ok(Some(logins))
    }
}
