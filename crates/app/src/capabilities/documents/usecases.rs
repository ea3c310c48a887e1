//! Attaching documents to records, listing and downloading them, and withdrawing one attached
//! by mistake. Which records can carry documents, and what each takes, their capabilities
//! declare (`AttachableKind`); an unknown record and one the actor may not see get the same
//! answer.

use crate::App;
use crate::capabilities::documents::domain::{
    Attaching, Document, DocumentInput, document_from, sha256_hex, withdrawn,
};
use crate::platform::capability::{AttachSite, AttachableKind, attachable, attachable_kinds};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};

/// The record documents are attached to, as a request names it. `site_id` is needed only for
/// records that are not one site's (a therapist's credential); others name their own site.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub entity_kind: &'a str,
    pub entity_id: &'a str,
    pub site_id: Option<&'a str>,
}

/// Where a record's documents are filed: its site, and its participant if it names one.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub kind: &'static AttachableKind,
    pub site_id: String,
    pub participant_id: Option<String>,
}

impl Placed {
    pub(crate) fn resource(&self) -> Resource<'_> {
        match &self.participant_id {
            Some(participant_id) => Resource::Participant { site_id: &self.site_id, participant_id },
            None => Resource::Site { site_id: &self.site_id },
        }
    }
}

fn resource_of(document: &Document) -> Resource<'_> {
    match &document.participant_id {
        Some(participant_id) => Resource::Participant { site_id: &document.site_id, participant_id },
        None => Resource::Site { site_id: &document.site_id },
    }
}

fn kind_named(entity_kind: &str) -> AppResult<&'static AttachableKind> {
    attachable(entity_kind).ok_or_else(|| {
        DomainError::invalid(
            "entity_kind",
            "one_of",
            format!(
                "records of kind {entity_kind:?} cannot carry documents; allowed: {}",
                attachable_kinds().join(", ")
            ),
        )
        .into()
    })
}

impl App {
    /// Finds the record and where its documents are filed, or `None` when there is no such
    /// record (or it does not belong at the site named), answered by the caller like a record
    /// the actor may not see.
    pub(crate) async fn place_documents(&self, target: Target<'_>) -> AppResult<Option<Placed>> {
        let kind = kind_named(target.entity_kind)?;
        let Some(row) = self.store.get_row(kind.spec, target.entity_id).await? else { return Ok(None) };
        let text = |column: &str| row.get(column).and_then(serde_json::Value::as_str).map(str::to_owned);
        let site_id = match kind.site {
            AttachSite::Column(column) => match text(column) {
                Some(site_id) => site_id,
                None => return Err(AppError::Internal(format!("{} {} names no site", kind.spec.kind, target.entity_id))),
            },
            AttachSite::Named(belongs) => {
                let Some(site_id) = target.site_id.map(str::trim).filter(|s| !s.is_empty()) else {
                    return Err(DomainError::invalid(
                        "site_id",
                        "required",
                        format!("documents of a {} are filed under a site: name it (site_id)", kind.spec.kind),
                    )
                    .into());
                };
                if !belongs(self, target.entity_id, site_id).await? {
                    return Ok(None);
                }
                site_id.to_owned()
            }
        };
        let participant_id = kind.participant_column.and_then(text);
        Ok(Some(Placed { kind, site_id, participant_id }))
    }

    /// The record, for `action` (the kind's attach or view action), or the answer for a missing one.
    async fn placed_for(&self, actor: &Actor, target: Target<'_>, attach: bool) -> AppResult<Placed> {
        let kind = kind_named(target.entity_kind)?;
        let action = if attach { kind.attach_requires } else { kind.view_requires };
        let Some(placed) = self.place_documents(target).await? else {
            return Err(self.missing(actor, action, kind.spec.kind, target.entity_id).await);
        };
        self.authorize(actor, action, placed.resource()).await?;
        Ok(placed)
    }

    /// Attaches a document to a record. The bytes go to the blob store first, under their
    /// SHA-256 (idempotent; a blob left by a failed transaction is harmless), then the record
    /// and its ledger entry in one transaction.
    pub async fn attach_document(
        &self,
        actor: &Actor,
        target: Target<'_>,
        input: &DocumentInput,
        bytes: &[u8],
    ) -> AppResult<Document> {
        let placed = self.placed_for(actor, target, true).await?;
        let blobs = self.store.blobs().ok_or_else(|| {
            AppError::Internal("no document store is configured (--documents-dir or S3)".to_owned())
        })?;
        let document = document_from(
            input,
            bytes,
            Attaching {
                id: self.new_id(),
                site_id: &placed.site_id,
                participant_id: placed.participant_id.as_deref(),
                entity_kind: placed.kind.spec.kind,
                entity_id: target.entity_id,
                storage: blobs.backend(),
                now: self.now(),
                by_id: &actor.user_id,
                by_name: &actor.display_name,
            },
        )
        .map_err(DomainError::Invalid)?;
        blobs.put(&document.sha256, bytes).await.map_err(|e| AppError::Internal(e.to_string()))?;
        self.insert_document(Self::audit_actor(actor), &document).await?;
        Ok(document)
    }

    pub(crate) async fn insert_document(
        &self,
        by: catalyst_core::ledger::AuditActor,
        document: &Document,
    ) -> AppResult<()> {
        let (_, chain) = self.chain_for_site(&document.site_id).await?;
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "document.attach", document).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The documents attached to a record (at the site named, for records that are not one
    /// site's), oldest first, withdrawn ones included.
    pub async fn documents_on(&self, actor: &Actor, target: Target<'_>) -> AppResult<Vec<Document>> {
        let placed = self.placed_for(actor, target, false).await?;
        self.filed_documents(&placed, target.entity_id).await
    }

    /// The documents of an already placed record, filed under its site.
    pub(crate) async fn filed_documents(&self, placed: &Placed, entity_id: &str) -> AppResult<Vec<Document>> {
        let all = self.store.documents_of(placed.kind.spec.kind, entity_id).await?;
        Ok(all.into_iter().filter(|d| d.site_id == placed.site_id).collect())
    }

    /// A document, for its kind's view (or attach) action; a missing one is answered like one the
    /// actor may not see.
    async fn document_for(&self, actor: &Actor, id: &str, attach: bool) -> AppResult<Document> {
        let Some(document) = self.store.get::<Document>(id).await? else {
            return Err(self.missing(actor, Action::ViewTreatment, "document", id).await);
        };
        let kind = attachable(&document.entity_kind).ok_or_else(|| {
            AppError::Internal(format!("document {id} is attached to an unknown kind {}", document.entity_kind))
        })?;
        let action = if attach { kind.attach_requires } else { kind.view_requires };
        self.authorize(actor, action, resource_of(&document)).await?;
        Ok(document)
    }

    /// A document's record.
    pub async fn document(&self, actor: &Actor, id: &str) -> AppResult<Document> {
        self.document_for(actor, id, false).await
    }

    /// A document and its content, re-hashed: content that no longer hashes to the digest in
    /// the ledgered record is refused, never served.
    pub async fn document_content(&self, actor: &Actor, id: &str) -> AppResult<(Document, Vec<u8>)> {
        let document = self.document_for(actor, id, false).await?;
        let blobs = self
            .store
            .blobs()
            .ok_or_else(|| AppError::Internal("no document store is configured (--documents-dir or S3)".to_owned()))?;
        let bytes = blobs.get(&document.sha256).await.map_err(|e| AppError::Internal(e.to_string()))?;
        let Some(bytes) = bytes else {
            tracing::error!(document = %document.id, sha256 = %document.sha256, "document content missing");
            return Err(DomainError::Conflict(format!(
                "the content of {:?} (SHA-256 {}) is missing from the document store; run `catalyst audit verify`",
                document.file_name, document.sha256
            ))
            .into());
        };
        let digest = sha256_hex(&bytes);
        if digest != document.sha256 {
            tracing::error!(document = %document.id, expected = %document.sha256, found = %digest, "document content altered");
            return Err(DomainError::Conflict(format!(
                "the stored content of {:?} no longer matches the SHA-256 recorded in the ledger ({} expected, {digest} found), \
                 so it is not served; run `catalyst audit verify`",
                document.file_name, document.sha256
            ))
            .into());
        }
        Ok((document, bytes))
    }

    /// Withdraws a document attached by mistake, with the reason: it stays listed as withdrawn,
    /// its content is kept, and the change is in the ledger.
    pub async fn withdraw_document(&self, actor: &Actor, id: &str, reason: &str) -> AppResult<Document> {
        let found = self.document_for(actor, id, true).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let (_, chain) = self.chain_for_site(&found.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let current = tx.get::<Document>(id).await?.ok_or_else(|| DomainError::not_found("document", id))?;
        let changed = withdrawn(current, &reason, self.now(), &actor.user_id).map_err(DomainError::Conflict)?;
        tx.update(&chain.chain, "document.withdraw", &changed, &reason).await?;
        tx.commit().await?;
        Ok(changed)
    }
}
