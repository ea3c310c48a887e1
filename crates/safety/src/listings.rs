//! Safety listings and incidence tables for the data safety monitoring board. Blinded by
//! default: no arm anywhere. Arms appear only when the caller passes an unblinded allocation
//! (participant id to arm), which only unblinded roles may hold; then every participant must
//! have one.

use std::collections::{BTreeMap, BTreeSet};

use catalyst_core::time::TimeZoneName;
use serde::Serialize;

use crate::csv::csv;
use crate::error::Violation;
use crate::event::{AdverseEvent, Severity, When};
use crate::terms::TermList;

/// Participant id to arm, for unblinded readers only.
pub type Allocation = BTreeMap<String, String>;

/// One event's current revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListingRow {
    pub participant_id: String,
    /// Only with an allocation.
    pub arm: Option<String>,
    pub event_id: String,
    pub revision: u32,
    pub term: String,
    pub category: String,
    pub verbatim: String,
    pub onset: String,
    pub end: String,
    pub severity: String,
    pub grade: String,
    pub serious: bool,
    pub criteria: String,
    pub related_to_drug: String,
    pub related_to_therapy: String,
    pub expectedness: String,
    pub action_taken: String,
    pub outcome: String,
    pub session_id: String,
    /// The event's current coding (empty while not coded, or when its term changed since).
    pub coded_code: String,
    pub coded_term: String,
    pub body_system: String,
    pub dictionary: String,
}

fn when(w: When, zone: &TimeZoneName) -> String {
    match w {
        When::At(t) => t.format_in(zone),
        When::Date(d) => d.to_string(),
    }
}

fn check_input(
    events: &[AdverseEvent],
    allocation: Option<&Allocation>,
    participants: Option<&BTreeSet<String>>,
) -> Vec<Violation> {
    let mut v = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, e) in events.iter().enumerate() {
        if !ids.insert(e.id.as_str()) {
            v.push(Violation::new(
                format!("events[{i}].id"),
                "unique",
                format!("{} given twice: pass each event's current revision once", e.id),
            ));
        }
        if let Some(p) = participants
            && !p.contains(&e.details.participant_id)
        {
            v.push(Violation::new(
                format!("events[{i}].participant_id"),
                "not_exposed",
                format!("{} is not among the participants counted", e.details.participant_id),
            ));
        }
        if let Some(a) = allocation
            && !a.contains_key(&e.details.participant_id)
        {
            v.push(Violation::new(
                format!("events[{i}].participant_id"),
                "no_arm",
                format!("{} has no arm in the allocation", e.details.participant_id),
            ));
        }
    }
    if let (Some(a), Some(p)) = (allocation, participants) {
        for id in p.iter().filter(|id| !a.contains_key(*id)) {
            v.push(Violation::new("participants", "no_arm", format!("{id} has no arm in the allocation")));
        }
    }
    v
}

/// The listing, sorted by participant, onset, event id.
pub fn listing(
    events: &[AdverseEvent],
    terms: &TermList,
    zone: &TimeZoneName,
    allocation: Option<&Allocation>,
) -> Result<Vec<ListingRow>, Vec<Violation>> {
    let v = check_input(events, allocation, None);
    if !v.is_empty() {
        return Err(v);
    }
    let mut sorted: Vec<&AdverseEvent> = events.iter().collect();
    sorted.sort_by(|a, b| {
        let key = |e: &AdverseEvent| (e.details.participant_id.clone(), e.details.onset.local_date(zone), e.id.clone());
        key(a).cmp(&key(b))
    });
    Ok(sorted
        .into_iter()
        .map(|e| {
            let d = &e.details;
            ListingRow {
                participant_id: d.participant_id.clone(),
                arm: allocation.and_then(|a| a.get(&d.participant_id).cloned()),
                event_id: e.id.clone(),
                revision: e.revision,
                term: e.term_label.clone(),
                category: terms.get(&d.term).map(|t| t.category.as_str()).unwrap_or("other").to_string(),
                verbatim: d.verbatim.clone(),
                onset: when(d.onset, zone),
                end: d.end.map(|w| when(w, zone)).unwrap_or_default(),
                severity: d.severity.as_str().to_string(),
                grade: d.grade.map(|g| g.grade.to_string()).unwrap_or_default(),
                serious: e.serious,
                criteria: d.seriousness.ticked().join("; "),
                related_to_drug: d.related_to_drug.as_str().to_string(),
                related_to_therapy: d.related_to_therapy.as_str().to_string(),
                expectedness: match &d.expectedness {
                    Some(x) => format!("{:?} (RSI v{})", x.assessment, x.rsi_version).to_lowercase(),
                    None => "not assessed".into(),
                },
                action_taken: d.action_taken.as_str().to_string(),
                outcome: d.outcome.map(|o| o.as_str()).unwrap_or("").to_string(),
                session_id: d.session_id.clone().unwrap_or_default(),
                coded_code: String::new(),
                coded_term: String::new(),
                body_system: String::new(),
                dictionary: String::new(),
            }
        })
        .collect())
}

pub fn listing_csv(rows: &[ListingRow]) -> String {
    let unblinded = rows.iter().any(|r| r.arm.is_some());
    let mut header = vec!["participant_id"];
    if unblinded {
        header.push("arm");
    }
    header.extend([
        "event_id",
        "revision",
        "term",
        "category",
        "verbatim",
        "onset",
        "end",
        "severity",
        "grade",
        "serious",
        "criteria",
        "related_to_drug",
        "related_to_therapy",
        "expectedness",
        "action_taken",
        "outcome",
        "session_id",
        "coded_code",
        "coded_term",
        "body_system",
        "dictionary",
    ]);
    csv(
        &header,
        rows.iter().map(|r| {
            let mut row = vec![r.participant_id.clone()];
            if unblinded {
                row.push(r.arm.clone().unwrap_or_default());
            }
            row.extend([
                r.event_id.clone(),
                r.revision.to_string(),
                r.term.clone(),
                r.category.clone(),
                r.verbatim.clone(),
                r.onset.clone(),
                r.end.clone(),
                r.severity.clone(),
                r.grade.clone(),
                r.serious.to_string(),
                r.criteria.clone(),
                r.related_to_drug.clone(),
                r.related_to_therapy.clone(),
                r.expectedness.clone(),
                r.action_taken.clone(),
                r.outcome.clone(),
                r.session_id.clone(),
                r.coded_code.clone(),
                r.coded_term.clone(),
                r.body_system.clone(),
                r.dictionary.clone(),
            ]);
            row
        }),
    )
}

/// Counts for one term in one column. Participant counts count each participant once (by their
/// worst severity for the severity columns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub participants: usize,
    pub events: usize,
    pub worst_mild: usize,
    pub worst_moderate: usize,
    pub worst_severe: usize,
    pub serious: usize,
    /// Participants with an event whose drug relatedness is suspected.
    pub related_to_drug: usize,
    pub related_to_therapy: usize,
}

/// A column: everyone (blinded), or one arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub arm: Option<String>,
    pub participants: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidenceRow {
    pub term: String,
    pub label: String,
    pub category: String,
    /// One cell per column.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidenceTable {
    pub columns: Vec<Column>,
    pub rows: Vec<IncidenceRow>,
}

/// Incidence by term (term-list order, then `other` terms by name): blinded, one column for all
/// `participants`; with an allocation, one column per arm.
pub fn incidence_table(
    events: &[AdverseEvent],
    terms: &TermList,
    participants: &BTreeSet<String>,
    allocation: Option<&Allocation>,
) -> Result<IncidenceTable, Vec<Violation>> {
    let v = check_input(events, allocation, Some(participants));
    if !v.is_empty() {
        return Err(v);
    }
    let arms: Vec<Option<String>> = match allocation {
        None => vec![None],
        Some(a) => {
            let set: BTreeSet<&String> = participants.iter().filter_map(|p| a.get(p)).collect();
            set.into_iter().map(|s| Some(s.clone())).collect()
        }
    };
    let column_of = |p: &str| -> usize {
        match allocation {
            None => 0,
            Some(a) => a.get(p).and_then(|arm| arms.iter().position(|x| x.as_ref() == Some(arm))).unwrap_or(0),
        }
    };
    let columns = arms
        .iter()
        .enumerate()
        .map(|(i, arm)| Column {
            arm: arm.clone(),
            participants: participants.iter().filter(|p| column_of(p) == i).count(),
        })
        .collect();
    // Row keys: term id, or "other:" + the name.
    let key = |e: &AdverseEvent| {
        if terms.get(&e.details.term).is_some() { e.details.term.clone() } else { format!("other:{}", e.term_label) }
    };
    let mut order: Vec<String> = terms.terms.iter().map(|t| t.id.clone()).collect();
    let others: BTreeSet<String> = events.iter().map(key).filter(|k| k.starts_with("other:")).collect();
    order.extend(others);
    let mut rows = Vec::new();
    for k in order {
        let mine: Vec<&AdverseEvent> = events.iter().filter(|e| key(e) == k).collect();
        if mine.is_empty() {
            continue;
        }
        let mut cells = vec![Cell::default(); arms.len()];
        let mut per: BTreeMap<(usize, &str), Vec<&AdverseEvent>> = BTreeMap::new();
        for e in &mine {
            per.entry((column_of(&e.details.participant_id), e.details.participant_id.as_str())).or_default().push(e);
        }
        for ((col, _), es) in per {
            let c = &mut cells[col];
            c.participants += 1;
            c.events += es.len();
            match es.iter().map(|e| e.details.severity).max() {
                Some(Severity::Mild) => c.worst_mild += 1,
                Some(Severity::Moderate) => c.worst_moderate += 1,
                Some(Severity::Severe) => c.worst_severe += 1,
                None => {}
            }
            c.serious += usize::from(es.iter().any(|e| e.serious));
            c.related_to_drug += usize::from(es.iter().any(|e| e.details.related_to_drug.suspected()));
            c.related_to_therapy += usize::from(es.iter().any(|e| e.details.related_to_therapy.suspected()));
        }
        let (label, category) = match terms.get(&k) {
            Some(t) => (t.label.clone(), t.category.as_str().to_string()),
            None => (mine[0].term_label.clone(), "other".to_string()),
        };
        rows.push(IncidenceRow { term: k, label, category, cells });
    }
    Ok(IncidenceTable { columns, rows })
}

pub fn incidence_csv(table: &IncidenceTable) -> String {
    let header = [
        "term",
        "label",
        "category",
        "arm",
        "participants_in_column",
        "participants_with_event",
        "events",
        "worst_mild",
        "worst_moderate",
        "worst_severe",
        "serious",
        "related_to_drug",
        "related_to_therapy",
    ];
    let blinded = table.columns.iter().all(|c| c.arm.is_none());
    let header: Vec<&str> = header.into_iter().filter(|h| !(blinded && *h == "arm")).collect();
    csv(
        &header,
        table.rows.iter().flat_map(|r| {
            r.cells.iter().zip(&table.columns).map(move |(c, col)| {
                let mut row = vec![r.term.clone(), r.label.clone(), r.category.clone()];
                if !blinded {
                    row.push(col.arm.clone().unwrap_or_default());
                }
                row.extend(
                    [
                        col.participants,
                        c.participants,
                        c.events,
                        c.worst_mild,
                        c.worst_moderate,
                        c.worst_severe,
                        c.serious,
                        c.related_to_drug,
                        c.related_to_therapy,
                    ]
                    .map(|n| n.to_string()),
                );
                row
            })
        }),
    )
}
