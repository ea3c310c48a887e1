//! Coding adverse events to a dictionary the programme loads. MedDRA is licensed, so Catalyst
//! ships none: it reads a dictionary file the programme holds a licence for (a CSV of `code`,
//! `term`, `body_system_code`, `body_system`: the lowest-level or preferred term and its primary
//! system organ class), checks every line, and lets a coder map each event's term to one of its
//! codes. A coding names the event revision it was made on; when the event's term is corrected
//! afterwards the coding is stale and the event goes back on the coder's worklist.

use std::collections::BTreeMap;

use catalyst_core::error::Violation;
use catalyst_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::event::AdverseEvent;

/// One dictionary entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryEntry {
    pub code: String,
    pub term: String,
    pub body_system_code: String,
    pub body_system: String,
}

/// A dictionary as loaded: its name and version and its entries by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dictionary {
    pub name: String,
    pub version: String,
    pub entries: BTreeMap<String, DictionaryEntry>,
}

/// The header a dictionary file starts with.
pub const DICTIONARY_HEADER: [&str; 4] = ["code", "term", "body_system_code", "body_system"];
/// At most this many entries (MedDRA has some 80,000 lowest-level terms).
pub const MAX_ENTRIES: usize = 200_000;

fn label(field: &str, value: &str, max: usize) -> Result<String, Violation> {
    catalyst_core::reason::visible_name(field, value, max)
}

/// Reads a dictionary file, or names every line and field that is wrong (the first 50).
pub fn dictionary_from_csv(name: &str, version: &str, text: &str) -> Result<Dictionary, Vec<Violation>> {
    let mut v = Vec::new();
    let name = label("name", name, 100).map_err(|e| v.push(e)).ok();
    let version = label("version", version, 40).map_err(|e| v.push(e)).ok();
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, header)) if split(header).iter().map(|s| s.trim()).eq(DICTIONARY_HEADER) => {}
        _ => v.push(Violation::new(
            "file",
            "header",
            format!("the first line must be the header {}", DICTIONARY_HEADER.join(",")),
        )),
    }
    let mut entries = BTreeMap::new();
    for (i, line) in lines {
        if v.len() >= 50 {
            break;
        }
        let at = |f: &str| format!("line {}.{f}", i + 1);
        let cells = split(line);
        if cells.len() != DICTIONARY_HEADER.len() {
            v.push(Violation::new(
                at("cells"),
                "four_cells",
                format!("line {} has {} cells, not 4", i + 1, cells.len()),
            ));
            continue;
        }
        let code = cells[0].trim();
        let ok_code = !code.is_empty() && code.len() <= 20 && code.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok_code {
            v.push(Violation::new(at("code"), "code", format!("{code:?} must be 1 to 20 letters or digits")));
        }
        let term = label(&at("term"), &cells[1], 200).map_err(|e| v.push(e)).ok();
        let soc_code = cells[2].trim();
        if soc_code.is_empty() || soc_code.len() > 20 || !soc_code.chars().all(|c| c.is_ascii_alphanumeric()) {
            v.push(Violation::new(
                at("body_system_code"),
                "code",
                format!("{soc_code:?} must be 1 to 20 letters or digits"),
            ));
        }
        let soc = label(&at("body_system"), &cells[3], 200).map_err(|e| v.push(e)).ok();
        if let (true, Some(term), Some(body_system)) = (ok_code, term, soc) {
            let entry =
                DictionaryEntry { code: code.to_owned(), term, body_system_code: soc_code.to_owned(), body_system };
            if entries.insert(code.to_owned(), entry).is_some() {
                v.push(Violation::new(at("code"), "unique", format!("code {code} appears twice")));
            }
        }
    }
    if entries.is_empty() && v.is_empty() {
        v.push(Violation::new("file", "entries", "the dictionary has no entries"));
    }
    if entries.len() > MAX_ENTRIES {
        v.push(Violation::new("file", "entries", format!("at most {MAX_ENTRIES} entries")));
    }
    match (name, version) {
        (Some(name), Some(version)) if v.is_empty() => Ok(Dictionary { name, version, entries }),
        _ => Err(v),
    }
}

/// Cells of one CSV line: commas separate, double quotes enclose (a doubled quote is one).
fn split(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// A coding of an event revision's term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    pub event_id: String,
    /// The revision coded, and its term as shown then.
    pub event_revision: u32,
    pub event_term: String,
    pub dictionary: String,
    pub dictionary_version: String,
    pub code: String,
    pub coded_term: String,
    pub body_system_code: String,
    pub body_system: String,
    pub coded_by: String,
    pub coded_at: Timestamp,
}

impl Coding {
    /// The event's term was corrected since: code it again.
    pub fn stale_for(&self, event: &AdverseEvent) -> bool {
        self.event_term != event.term_label
    }
}

/// Codes the event's current revision to `code` of the dictionary.
pub fn code_event(
    event: &AdverseEvent,
    dictionary: &Dictionary,
    code: &str,
    coder: &str,
    now: Timestamp,
) -> Result<Coding, Violation> {
    let code = code.trim();
    let entry = dictionary.entries.get(code).ok_or_else(|| {
        Violation::new(
            "code",
            "in_dictionary",
            format!("{code:?} is not a code of {} version {}", dictionary.name, dictionary.version),
        )
    })?;
    Ok(Coding {
        event_id: event.id.clone(),
        event_revision: event.revision,
        event_term: event.term_label.clone(),
        dictionary: dictionary.name.clone(),
        dictionary_version: dictionary.version.clone(),
        code: entry.code.clone(),
        coded_term: entry.term.clone(),
        body_system_code: entry.body_system_code.clone(),
        body_system: entry.body_system.clone(),
        coded_by: coder.to_owned(),
        coded_at: now,
    })
}

/// A dictionary's entries by their term, ignoring case, built once for a worklist: suggestions
/// for the coder, never a coding made for them.
#[derive(Debug, Clone, Default)]
pub struct Suggestions<'a> {
    by_term: BTreeMap<String, Vec<&'a DictionaryEntry>>,
}

impl<'a> Suggestions<'a> {
    pub fn of(dictionary: &'a Dictionary) -> Self {
        let mut by_term: BTreeMap<String, Vec<&'a DictionaryEntry>> = BTreeMap::new();
        for e in dictionary.entries.values() {
            by_term.entry(e.term.to_lowercase()).or_default().push(e);
        }
        Suggestions { by_term }
    }

    /// Entries whose term is the event's term, ignoring case, in code order.
    pub fn for_event(&self, event: &AdverseEvent) -> Vec<&'a DictionaryEntry> {
        self.by_term.get(&event.term_label.trim().to_lowercase()).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "code,term,body_system_code,body_system\n\
        10015535,Euphoric mood,10037175,Psychiatric disorders\n\
        10019211,Headache,10029205,\"Nervous system disorders\"\n\
        10020772,Hypertension,10047065,Vascular disorders\n";

    fn dictionary() -> Dictionary {
        dictionary_from_csv("Test dictionary (not MedDRA)", "1.0", FILE).unwrap()
    }

    #[test]
    fn a_dictionary_file_is_read_whole_or_refused_line_by_line() {
        let d = dictionary();
        assert_eq!(d.entries.len(), 3);
        assert_eq!(d.entries["10019211"].body_system, "Nervous system disorders");
        let bad = "code,term,body_system_code,body_system\n1,Headache,2\n1x-,Fever,3,General\n4,\u{200B},5,Vascular\n6,A,7,B\n6,C,8,D\n";
        let err = dictionary_from_csv("D", "1", bad).unwrap_err();
        let got: Vec<(&str, &str)> = err.iter().map(|v| (v.field.as_str(), v.rule.as_str())).collect();
        assert_eq!(
            got,
            [
                ("line 2.cells", "four_cells"),
                ("line 3.code", "code"),
                ("line 4.term", "required"),
                ("line 6.code", "unique"),
            ]
        );
        assert_eq!(dictionary_from_csv("D", "1", "term,code\n").unwrap_err()[0].rule, "header");
        assert_eq!(dictionary_from_csv("D", "1", FILE.lines().next().unwrap()).unwrap_err()[0].rule, "entries");
        assert_eq!(dictionary_from_csv(" ", "1", FILE).unwrap_err()[0].field, "name");
    }

    #[test]
    fn suggestions_are_the_entries_of_the_same_term_ignoring_case() {
        let d = dictionary();
        let index = Suggestions::of(&d);
        let mut event = crate::event::event_from(
            "AE-1",
            &crate::event::EventInput {
                participant_id: "p".into(),
                term: "headache".into(),
                other_term: None,
                verbatim: "a headache".into(),
                reported_by: crate::event::ReportedBy::Participant,
                onset: crate::event::When::At(Timestamp(1_773_000_000_000_000)),
                end: None,
                severity: crate::event::Severity::Mild,
                grade: None,
                seriousness: crate::event::Seriousness::default(),
                serious: false,
                related_to_drug: crate::event::Relatedness::Possible,
                related_to_therapy: crate::event::Relatedness::Unlikely,
                expectedness: None,
                action_taken: crate::event::ActionTaken::DoseNotChanged,
                outcome: None,
                session_id: None,
                site_aware_at: Timestamp(1_773_000_000_000_000),
            },
            &crate::event::RecordFacts {
                terms: &crate::terms::TermList::builtin().unwrap(),
                rsi: &crate::rsi::ReferenceSafety::builtin(&crate::terms::TermList::builtin().unwrap()).unwrap(),
                zone: &catalyst_core::time::TimeZoneName::utc(),
                now: Timestamp(1_773_100_000_000_000),
                actor: "dr",
            },
        )
        .unwrap();
        assert_eq!(index.for_event(&event).iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["10019211"]);
        event.term_label = "HEADACHE ".into();
        assert_eq!(index.for_event(&event).len(), 1);
        event.term_label = "Fever".into();
        assert!(index.for_event(&event).is_empty());
    }
}
