//! Accounts and role grants.

use crate::App;
use crate::platform::auth::hash_password;
use crate::platform::error::AppResult;
use crate::platform::store::ChainRef;
use catalyst_core::DomainError;
use catalyst_core::ledger::{AuditActor, SYSTEM_CHAIN};
use crate::capabilities::people::domain::{
    Role, RoleGrant, Site, User, UserInput, UserStatus, check_grant_scope, check_separation_of_duties, password,
};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::record::Row;

impl App {
    pub async fn create_user(&self, actor: &Actor, input: &UserInput) -> AppResult<User> {
        self.authorize(actor, Action::ManageUsers, Resource::System).await?;
        self.insert_user(Self::audit_actor(actor), input).await
    }

    /// Creates the first administrator from the command line, where no one is logged in yet.
    pub async fn bootstrap_admin(&self, input: &UserInput) -> AppResult<User> {
        let cli = AuditActor::system("cli");
        let user = self.insert_user(cli.clone(), input).await?;
        self.insert_grant(cli, &user.id, Role::Administrator, None).await?;
        Ok(user)
    }

    pub(crate) async fn insert_user(&self, by: AuditActor, input: &UserInput) -> AppResult<User> {
        let (user, hash) = self.new_user(input)?;
        let system = Self::system_chain_ref();
        let mut tx = self.begin(by, std::slice::from_ref(&system)).await?;
        self.write_user(&mut tx, &user, &hash).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// A validated new account and its password hash, not yet written.
    pub(crate) fn new_user(&self, input: &UserInput) -> AppResult<(User, String)> {
        let valid = input.validate()?;
        let user = User {
            id: self.new_id(),
            username: valid.username,
            display_name: valid.display_name,
            status: UserStatus::Active,
            created_at: self.now(),
        };
        Ok((user, hash_password(&input.password)?))
    }

    /// Writes a new account into a transaction that holds the system chain.
    pub(crate) async fn write_user(&self, tx: &mut crate::platform::store::WriteTx, user: &User, hash: &str) -> AppResult<()> {
        if self.store.user_by_username(&user.username).await?.is_some() {
            return Err(DomainError::invalid(
                "username",
                "unique",
                format!("username {} is already taken", user.username),
            )
            .into());
        }
        tx.insert(SYSTEM_CHAIN, "user.create", user).await?;
        tx.set_password_hash(&user.id, hash).await?;
        tx.event(SYSTEM_CHAIN, "user.password_set", "user", &user.id, Row::new()).await?;
        Ok(())
    }

    pub async fn grant_role(
        &self,
        actor: &Actor,
        user_id: &str,
        role: Role,
        site_id: Option<&str>,
    ) -> AppResult<RoleGrant> {
        let resource = match site_id {
            Some(site_id) => Resource::Site { site_id },
            None => Resource::System,
        };
        self.authorize(actor, Action::GrantRole(role), resource).await?;
        self.insert_grant(Self::audit_actor(actor), user_id, role, site_id).await
    }

    pub(crate) async fn insert_grant(
        &self,
        by: AuditActor,
        user_id: &str,
        role: Role,
        site_id: Option<&str>,
    ) -> AppResult<RoleGrant> {
        check_grant_scope(role, site_id)?;
        self.store.get::<User>(user_id).await?.ok_or_else(|| DomainError::not_found("user", user_id))?;
        let chain = match site_id {
            Some(site_id) => Self::site_chain_ref(&self.site(site_id).await?),
            None => Self::system_chain_ref(),
        };
        let grant = RoleGrant {
            id: self.new_id(),
            user_id: user_id.to_owned(),
            role,
            site_id: site_id.map(str::to_owned),
            granted_at: self.now(),
            granted_by: by.id.clone(),
        };
        // Every grant holds the system chain, and the person's roles are read inside the
        // transaction: two grants at different sites cannot both slip past the rule.
        let mut tx = self.begin(by, &[Self::system_chain_ref(), chain.clone()]).await?;
        let held: Vec<Role> = tx.grants_for_user(user_id).await?.iter().map(|g| g.role).collect();
        check_separation_of_duties(&held, role)?;
        tx.insert(&chain.chain, "role.grant", &grant).await?;
        tx.commit().await?;
        Ok(grant)
    }

    /// Revokes a role grant; answers the grant as it was.
    pub async fn revoke_role(&self, actor: &Actor, grant_id: &str, reason: &str) -> AppResult<RoleGrant> {
        let grant = self
            .store
            .get::<RoleGrant>(grant_id)
            .await?
            .ok_or_else(|| DomainError::not_found("role_grant", grant_id))?;
        let resource = match grant.site_id.as_deref() {
            Some(site_id) => Resource::Site { site_id },
            None => Resource::System,
        };
        self.authorize(actor, Action::GrantRole(grant.role), resource).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let chain = match grant.site_id.as_deref() {
            Some(site_id) => Self::site_chain_ref(&self.site(site_id).await?),
            None => Self::system_chain_ref(),
        };
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.delete::<RoleGrant>(&chain.chain, "role.revoke", grant_id, &reason).await?;
        tx.commit().await?;
        Ok(grant)
    }

    /// Disables or re-enables an account; disabling also ends its sessions.
    pub async fn set_user_status(
        &self,
        actor: &Actor,
        user_id: &str,
        status: UserStatus,
        reason: &str,
    ) -> AppResult<User> {
        self.authorize(actor, Action::ManageUsers, Resource::System).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let system = Self::system_chain_ref();
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&system)).await?;
        let current = tx.get::<User>(user_id).await?.ok_or_else(|| DomainError::not_found("user", user_id))?;
        if status == UserStatus::Disabled && current.status == UserStatus::Active {
            let admins = self.store.active_administrators().await?;
            if admins.len() == 1 && admins[0] == current.id {
                return Err(
                    DomainError::Conflict("this is the last active administrator; grant another first".into()).into()
                );
            }
        }
        let user = User { status, ..current };
        tx.update(SYSTEM_CHAIN, "user.status", &user, &reason).await?;
        if status == UserStatus::Disabled {
            tx.revoke_sessions(user_id, None).await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// Ends every session of a user (a lost device, a departing colleague).
    pub async fn revoke_sessions(&self, actor: &Actor, user_id: &str, reason: &str) -> AppResult<u64> {
        self.authorize(actor, Action::RevokeSessions, Resource::User { user_id }).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let system = Self::system_chain_ref();
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&system)).await?;
        let revoked = tx.revoke_sessions(user_id, None).await?;
        let mut details = Row::new();
        details.insert("revoked".into(), revoked.into());
        details.insert("reason".into(), reason.as_str().into());
        tx.event(SYSTEM_CHAIN, "auth.sessions_revoked", "user", user_id, details).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> AppResult<()> {
        match self.confirm_password(actor, current).await {
            Err(crate::AppError::Domain(DomainError::Invalid(_))) => {
                return Err(DomainError::invalid("current_password", "matches", "the current password is wrong").into());
            }
            other => other?,
        }
        password("new_password", new).map_err(|v| DomainError::Invalid(vec![v]))?;
        let hash = hash_password(new)?;
        let system = Self::system_chain_ref();
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&system)).await?;
        tx.set_password_hash(&actor.user_id, &hash).await?;
        tx.event(SYSTEM_CHAIN, "user.password_set", "user", &actor.user_id, Row::new()).await?;
        // A changed password ends every session, so whoever else had one is out.
        tx.revoke_sessions(&actor.user_id, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Users the actor may see: everyone for administrators and all-site monitors, otherwise
    /// the people at one site.
    pub async fn visible_users(&self, actor: &Actor, site_id: Option<&str>) -> AppResult<Vec<(User, Vec<RoleGrant>)>> {
        let users = match site_id {
            None => {
                self.authorize(actor, Action::ViewUsers, Resource::System).await?;
                self.store.list_users().await?
            }
            Some(site_id) => {
                self.authorize(actor, Action::ViewUsers, Resource::Site { site_id }).await?;
                self.store.list_users_at_site(site_id).await?
            }
        };
        let mut out = Vec::with_capacity(users.len());
        for user in users {
            // A site's view shows the roles held there (or everywhere), not at other sites.
            let grants = self
                .store
                .grants_for_user(&user.id)
                .await?
                .into_iter()
                .filter(|g| site_id.is_none() || g.site_id.is_none() || g.site_id.as_deref() == site_id)
                .collect();
            out.push((user, grants));
        }
        Ok(out)
    }

    pub async fn view_user(&self, actor: &Actor, user_id: &str) -> AppResult<(User, Vec<RoleGrant>)> {
        self.authorize(actor, Action::ViewUsers, Resource::System).await?;
        let user = self.store.get::<User>(user_id).await?.ok_or_else(|| DomainError::not_found("user", user_id))?;
        let grants = self.store.grants_for_user(user_id).await?;
        Ok((user, grants))
    }

    /// A site and the chain its records are written to.
    pub(crate) async fn chain_for_site(&self, site_id: &str) -> AppResult<(Site, ChainRef)> {
        let site = self.site(site_id).await?;
        let chain = Self::site_chain_ref(&site);
        Ok((site, chain))
    }
}
