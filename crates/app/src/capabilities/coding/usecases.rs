//! Loading a dictionary (the administrator, or the operator's command line), the coder's
//! worklist (events never coded, or whose term changed since their coding), and coding one
//! event, decided inside the transaction holding the event's site chain.

use crate::App;
use crate::capabilities::adverse_events::interface::{CodableEvent, event_to_code_in};
use crate::platform::shown::Shown;
use crate::capabilities::coding::domain::{DictionaryRecord, EventCoding, entries_digest, latest_by_event};
use crate::capabilities::people::domain::Site;
use crate::platform::error::AppResult;
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_safety::{DictionaryEntry, Suggestions, code_event, dictionary_from_csv};

/// An event on the coder's worklist: never coded, or its term changed since.
#[derive(Debug, Clone)]
pub(crate) struct ToCode {
    pub site: Site,
    pub event: CodableEvent,
    /// The coding now superseded by a corrected term, if any.
    pub stale: Option<EventCoding>,
    /// Entries of the newest dictionary whose term is the event's term.
    pub suggested: Vec<DictionaryEntry>,
}

/// The coder's worklist across the sites they code for.
#[derive(Debug, Clone)]
pub(crate) struct Worklist {
    pub dictionaries: Vec<DictionaryRecord>,
    pub items: Vec<ToCode>,
    /// Sites' records that cannot be read (written or deleted outside Catalyst).
    pub integrity: Vec<String>,
}

impl App {
    /// Loads a dictionary file as `name` `version`, by the administrator: checked line by line
    /// (422 naming each), refused (409) if that name and version are loaded already.
    pub async fn load_coding_dictionary(&self, actor: &Actor, name: &str, version: &str, csv: &str) -> AppResult<DictionaryRecord> {
        self.authorize(actor, Action::ManageCodingDictionaries, Resource::System).await?;
        self.write_coding_dictionary(Self::audit_actor(actor), name, version, csv).await
    }

    /// Loads a dictionary as `by` (whose right the caller checked: the operator's command line).
    pub async fn write_coding_dictionary(&self, by: AuditActor, name: &str, version: &str, csv: &str) -> AppResult<DictionaryRecord> {
        let dictionary = dictionary_from_csv(name, version, csv).map_err(DomainError::Invalid)?;
        let existing = self.store.coding_dictionaries().await?.all_sealed()?;
        if existing.iter().any(|d| d.name == dictionary.name && d.version == dictionary.version) {
            return Err(DomainError::Conflict(format!(
                "{} version {} is loaded already: load a new version instead",
                dictionary.name, dictionary.version
            ))
            .into());
        }
        let record = DictionaryRecord {
            id: self.new_id(),
            name: dictionary.name.clone(),
            version: dictionary.version.clone(),
            entries: i64::try_from(dictionary.entries.len()).unwrap_or(i64::MAX),
            entries_sha256: entries_digest(&dictionary),
            loaded_by: by.id.clone(),
            loaded_at: self.now(),
        };
        let chain = Self::system_chain_ref();
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "coding_dictionary.load", &record).await?;
        tx.insert_coding_entries(&record.id, &dictionary).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The dictionaries loaded, newest first (the coder's and the administrator's).
    pub async fn coding_dictionaries(&self, actor: &Actor) -> AppResult<Vec<DictionaryRecord>> {
        if !(App::may_somewhere(actor, Action::CodeAdverseEvents) || App::may_somewhere(actor, Action::ManageCodingDictionaries)) {
            self.authorize(actor, Action::CodeAdverseEvents, Resource::System).await?;
        }
        let mut all = self.store.coding_dictionaries().await?.all_sealed()?;
        all.reverse();
        Ok(all)
    }

    /// What the coder has to do at the sites they code for: each event never coded, or whose
    /// term was corrected since its coding, oldest first; with `suggest`, the newest
    /// dictionary's suggestions (its entries are read only then: the dashboard's count needs
    /// none of them).
    pub(crate) async fn coding_worklist(&self, actor: &Actor, suggest: bool) -> AppResult<Worklist> {
        if !App::may_somewhere(actor, Action::CodeAdverseEvents) {
            self.authorize(actor, Action::CodeAdverseEvents, Resource::System).await?;
        }
        let dictionaries = self.coding_dictionaries(actor).await?;
        let newest = match dictionaries.first().filter(|_| suggest) {
            Some(d) => Some(self.store.coding_entries(d).await?),
            None => None,
        };
        let index = newest.as_ref().map(Suggestions::of).unwrap_or_default();
        let mut items = Vec::new();
        let mut integrity = Vec::new();
        for site in self.all_sites().await? {
            if !App::may(actor, Action::CodeAdverseEvents, Resource::Site { site_id: &site.id }) {
                continue;
            }
            let events = self.events_to_code(&site).await?;
            let codings = self.codings_at(&site).await?;
            integrity.extend(events.integrity);
            integrity.extend(codings.integrity);
            let latest = latest_by_event(codings.items);
            for event in events.items {
                let coded = latest.get(&event.event.id);
                if coded.is_some_and(|c| !c.coding.stale_for(&event.event)) {
                    continue;
                }
                let suggested = index.for_event(&event.event).into_iter().cloned().collect();
                items.push(ToCode { site: site.clone(), stale: coded.cloned(), event, suggested });
            }
        }
        Ok(Worklist { dictionaries, items, integrity })
    }

    /// A site's codings, and any that cannot be read.
    pub(crate) async fn codings_at(&self, site: &Site) -> AppResult<Shown<EventCoding>> {
        Ok(self.store.codings_at_site(&Self::site_chain_ref(site).chain, &site.id).await?.into())
    }

    /// Codes an event's current revision to `code` of a loaded dictionary, as the signed-in
    /// coder. 422 naming the field (`code` not in the dictionary, `dictionary_id` unknown); 409
    /// if the event was corrected since the coder read it (`revision`).
    pub async fn code_adverse_event(
        &self,
        actor: &Actor,
        event_id: &str,
        dictionary_id: &str,
        code: &str,
        revision: u32,
    ) -> AppResult<EventCoding> {
        let found = self.event_site(event_id).await?;
        let site_id = found.as_ref().map_or("", |(s, _)| s.as_str());
        self.authorize(actor, Action::CodeAdverseEvents, Resource::Site { site_id }).await?;
        let (site_id, _) = found.ok_or_else(|| DomainError::not_found("adverse event", event_id))?;
        let site = self.site(&site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let event = event_to_code_in(&mut tx, event_id).await?.ok_or_else(|| DomainError::not_found("adverse event", event_id))?;
        if event.event.revision != revision {
            return Err(DomainError::Conflict(format!(
                "the event was corrected meanwhile (now revision {}): code its current term",
                event.event.revision
            ))
            .into());
        }
        // A current coding is not overwritten by another coder's: recoding waits for the term
        // to change (the worklist shows it again).
        if let Some(current) = tx.codings_of_event_in(event_id).await?.pop().filter(|c| !c.coding.stale_for(&event.event)) {
            return Err(DomainError::Conflict(format!(
                "this term is coded already ({} {}, by another coding): it is coded again when its term is corrected",
                current.coding.code, current.coding.coded_term
            ))
            .into());
        }
        let Some((record, dictionary)) = tx.coding_dictionary_in(dictionary_id.trim()).await? else {
            return Err(DomainError::invalid("dictionary_id", "loaded", "name a loaded dictionary").into());
        };
        let coding =
            code_event(&event.event, &dictionary, code, &actor.user_id, self.now()).map_err(|v| DomainError::Invalid(vec![v]))?;
        let row = EventCoding {
            id: self.new_id(),
            site_id: event.site_id.clone(),
            participant_id: event.participant_id.clone(),
            event_id: event.event.id.clone(),
            dictionary_id: record.id.clone(),
            recorded_at: coding.coded_at,
            coding,
        };
        tx.insert(&chain.chain, "ae_coding.record", &row).await?;
        tx.commit().await?;
        Ok(row)
    }
}
