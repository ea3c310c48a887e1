//! Accounts, credentials and role grants.

use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use crate::capabilities::people::domain::{RoleGrant, User};
use catalyst_core::record::Record;
use sqlx::Row as _;

impl Store {
    pub(in crate::capabilities::people) async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut users: Vec<User> = self
            .fetch_records(query_owned(select_sql(User::SPEC, "WHERE username = $1")).bind(username.to_owned()))
            .await?;
        Ok(users.pop())
    }

    pub(in crate::capabilities::people) async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.fetch_records(query_owned(select_sql(User::SPEC, "ORDER BY username"))).await
    }

    /// Users holding any role at `site_id` (or at all sites).
    pub(in crate::capabilities::people) async fn list_users_at_site(&self, site_id: &str) -> Result<Vec<User>, StoreError> {
        let tail =
            "WHERE id IN (SELECT user_id FROM role_grants WHERE site_id = $1 OR site_id IS NULL) ORDER BY username";
        self.fetch_records(query_owned(select_sql(User::SPEC, tail)).bind(site_id.to_owned())).await
    }

    pub(in crate::capabilities::people) async fn grants_for_user(&self, user_id: &str) -> Result<Vec<RoleGrant>, StoreError> {
        self.fetch_records(
            query_owned(select_sql(RoleGrant::SPEC, "WHERE user_id = $1 ORDER BY role, site_id"))
                .bind(user_id.to_owned()),
        )
        .await
    }

    pub(in crate::capabilities::people) async fn grants_at_site(&self, site_id: &str) -> Result<Vec<RoleGrant>, StoreError> {
        self.fetch_records(
            query_owned(select_sql(RoleGrant::SPEC, "WHERE site_id = $1 ORDER BY role")).bind(site_id.to_owned()),
        )
        .await
    }

    /// Ids of active accounts holding the administrator role.
    pub(in crate::capabilities::people) async fn active_administrators(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id FROM users u JOIN role_grants g ON g.user_id = u.id WHERE g.role = 'administrator' AND u.status = 'active'",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}

impl WriteTx {
    /// A user's grants, read inside the transaction (which holds the system chain, as every
    /// grant does), so rules over a person's roles cannot be raced.
    pub(in crate::capabilities::people) async fn grants_for_user(&mut self, user_id: &str) -> Result<Vec<RoleGrant>, StoreError> {
        self.fetch_records(
            query_owned(select_sql(RoleGrant::SPEC, "WHERE user_id = $1 ORDER BY role, site_id"))
                .bind(user_id.to_owned()),
        )
        .await
    }
}
