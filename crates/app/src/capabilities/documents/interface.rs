//! What other capabilities may ask the documents capability: the documents section of a record,
//! to embed in their own pages (the list with download links; the upload and withdraw forms for
//! whoever may attach). It is empty for someone who may not see the record's documents.

use crate::App;
use crate::capabilities::documents::pages::section;
use crate::capabilities::documents::usecases::Target;
use crate::platform::error::AppResult;
use catalyst_core::policy::Actor;
use maud::{Markup, html};

impl App {
    /// The documents section for `target`, headed `heading`; the forms in it return to `back`
    /// (a path on this server).
    pub(crate) async fn documents_section(
        &self,
        actor: &Actor,
        target: Target<'_>,
        heading: &str,
        back: &str,
    ) -> AppResult<Markup> {
        let Some(placed) = self.place_documents(target).await? else { return Ok(html! {}) };
        if !Self::may(actor, placed.kind.view_requires, placed.resource()) {
            return Ok(html! {});
        }
        let may_attach = Self::may(actor, placed.kind.attach_requires, placed.resource());
        let documents = self.filed_documents(&placed, target.entity_id).await?;
        let zone = self.site(&placed.site_id).await?.time_zone;
        Ok(section(target, &placed.site_id, heading, back, &documents, may_attach, &zone))
    }
}
