//! What the rest of Catalyst may ask the people capability: the platform's authentication (who
//! is this, what may they do), and the other capabilities (which sites exist, who works where,
//! which roles a person holds). They get answers, never its tables: its queries are private to
//! this folder (`pub(in crate::capabilities::people)`), so the compiler holds the line.

use crate::App;
use std::collections::HashMap;
use crate::capabilities::people::domain::{Participant, RoleGrant, Site, Stage, User};
use catalyst_core::DomainError;
use crate::platform::error::AppResult;
use crate::platform::store::{Store, StoreError, WriteTx};

impl App {
    /// Today's date where the site is (every capability's "today" for a site).
    pub fn local_today(&self, site: &Site) -> jiff::civil::Date {
        let zone = jiff::tz::TimeZone::get(site.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
        jiff::Timestamp::from_microsecond(self.now().micros())
            .map(|t| t.to_zoned(zone).date())
            .unwrap_or_else(|_| jiff::civil::date(1970, 1, 1))
    }
    /// Every site, for work that runs over all of them (jobs, the checkpoint, the demo).
    pub async fn all_sites(&self) -> AppResult<Vec<Site>> {
        Ok(self.store.list_sites().await?)
    }

    /// Loads a site, or answers 404.
    pub(crate) async fn site(&self, site_id: &str) -> AppResult<Site> {
        self.site_if_any(site_id).await?.ok_or_else(|| DomainError::not_found("site", site_id).into())
    }

    pub(crate) async fn site_if_any(&self, site_id: &str) -> AppResult<Option<Site>> {
        Ok(self.store.get::<Site>(site_id).await?)
    }

    pub(crate) async fn participant_by_id(&self, participant_id: &str) -> AppResult<Option<Participant>> {
        Ok(self.store.get::<Participant>(participant_id).await?)
    }

    pub async fn site_by_code(&self, code: &str) -> AppResult<Option<Site>> {
        Ok(self.store.site_by_code(code).await?)
    }

    pub async fn user_by_username(&self, username: &str) -> AppResult<Option<User>> {
        Ok(self.store.user_by_username(username).await?)
    }

    pub async fn user_by_id(&self, user_id: &str) -> AppResult<Option<User>> {
        Ok(self.store.get::<User>(user_id).await?)
    }

    pub async fn participant_by_code(&self, code: &str) -> AppResult<Option<Participant>> {
        Ok(self.store.participant_by_code(code).await?)
    }

    /// The participants a portal account is linked to.
    pub async fn participants_linked_to(&self, user_id: &str) -> AppResult<Vec<Participant>> {
        Ok(self.store.participant_for_user(user_id).await?)
    }

    /// The site's participant codes by participant id, for labelling lists.
    pub(crate) async fn participant_codes_at(&self, site_id: &str) -> AppResult<HashMap<String, String>> {
        Ok(self.store.participant_codes_at_site(site_id).await?)
    }

    /// The roles a person holds, each at its site (or every site).
    pub async fn grants_of(&self, user_id: &str) -> AppResult<Vec<RoleGrant>> {
        Ok(self.store.grants_for_user(user_id).await?)
    }

    /// The accounts that hold a role at the site.
    pub async fn users_at_site(&self, site_id: &str) -> AppResult<Vec<User>> {
        Ok(self.store.list_users_at_site(site_id).await?)
    }

    /// How many participants the site has registered.
    pub async fn participant_count(&self, site_id: &str) -> AppResult<i64> {
        Ok(self.store.stage_counts(site_id).await?.iter().map(|(_, n)| n).sum())
    }

    /// The role grants at the site.
    pub async fn grants_at_site(&self, site_id: &str) -> AppResult<Vec<RoleGrant>> {
        Ok(self.store.grants_at_site(site_id).await?)
    }
}

/// Enrolment moves a participant still in referral or screening to `enrolled`, inside the
/// enrolling transaction (read there: the record may have changed since the caller loaded it).
pub(crate) async fn mark_enrolled_in(tx: &mut WriteTx, chain: &str, participant_id: &str, reason: &str) -> AppResult<()> {
    let participant =
        tx.get::<Participant>(participant_id).await?.ok_or_else(|| DomainError::not_found("participant", participant_id))?;
    if matches!(participant.stage, Stage::Referred | Stage::Screening) {
        let enrolled = Participant { stage: Stage::Enrolled, ..participant };
        tx.update(chain, "participant.stage", &enrolled, reason).await?;
    }
    Ok(())
}

/// For authentication: accounts, grants and portal links, each only if its seal holds.
impl Store {
    /// An account, for deciding who a request is: only if its seal holds.
    pub(crate) async fn sealed_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        match self.get::<User>(id).await? {
            Some(user) => {
                self.check_sealed(&user).await?;
                Ok(Some(user))
            }
            None => Ok(None),
        }
    }

    /// A user's role grants, for deciding what a request may do: refused if any seal fails.
    pub(crate) async fn sealed_grants_for_user(&self, user_id: &str) -> Result<Vec<RoleGrant>, StoreError> {
        let grants = self.grants_for_user(user_id).await?;
        for grant in &grants {
            self.check_sealed(grant).await?;
        }
        Ok(grants)
    }

    /// The participants a portal account is linked to, only if each link's seal holds.
    pub(crate) async fn sealed_participants_for_user(&self, user_id: &str) -> Result<Vec<Participant>, StoreError> {
        let linked = self.participant_for_user(user_id).await?;
        for participant in &linked {
            self.check_sealed(participant).await?;
        }
        Ok(linked)
    }
}

/// Whether the participant is in a stage at which MDMA may be prescribed or given (enrolled and
/// not completed or withdrawn), read inside the caller's write transaction: a withdrawal
/// committed meanwhile is seen. `Err` names the stage.
pub(crate) async fn treatable_in(tx: &mut WriteTx, participant_id: &str) -> AppResult<Result<(), catalyst_core::error::Violation>> {
    let participant =
        tx.get::<Participant>(participant_id).await?.ok_or_else(|| DomainError::not_found("participant", participant_id))?;
    Ok(match participant.stage {
        Stage::Enrolled | Stage::Preparation | Stage::Dosing | Stage::Integration => Ok(()),
        stage => Err(catalyst_core::error::Violation::new(
            "stage",
            "treatable",
            format!("{} is {}: MDMA is prescribed and given only from enrolment until the dosing sessions end", participant.code, stage.as_str()),
        )),
    })
}
