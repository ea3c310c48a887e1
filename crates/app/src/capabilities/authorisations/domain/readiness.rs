//! Site readiness: no single body certifies MDMA-AT centres yet (seed 001), so each programme
//! defines, as versioned data, the checklist a site must meet for its pathway (room, emergency
//! equipment, staff, storage, approvals). Each item is signed off by a named person, lapses
//! after its renewal period, and may carry an audit finding; a site with an item not met on a
//! day cannot have MDMA given that day.

use catalyst_core::time::civil_date;
use catalyst_core::error::Violation;
use catalyst_core::record::{Column, Record, Redaction, TableSpec};
use catalyst_core::string_enum;
use catalyst_core::time::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

string_enum!(
    /// What a checklist item is about.
    ReadinessCategory {
        Room = "room",
        EmergencyEquipment = "emergency_equipment",
        Staff = "staff",
        Storage = "storage",
        Approvals = "approvals",
    }
);

impl ReadinessCategory {
    pub fn label(self) -> &'static str {
        match self {
            ReadinessCategory::Room => "Room",
            ReadinessCategory::EmergencyEquipment => "Emergency equipment",
            ReadinessCategory::Staff => "Staff",
            ReadinessCategory::Storage => "Storage",
            ReadinessCategory::Approvals => "Approvals",
        }
    }
}

/// One thing a ready site has, with where the requirement comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub id: String,
    pub label: String,
    pub category: ReadinessCategory,
    /// Days a sign-off holds before the item must be checked again; absent: until a finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_every_days: Option<u32>,
    pub source: String,
}

/// The checklist for one pathway, binding sites by jurisdiction code (a code binds itself and
/// the codes under it at a `-` boundary; `*` binds every site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub id: String,
    pub pathway: String,
    pub jurisdictions: Vec<String>,
    pub items: Vec<ChecklistItem>,
}

/// Every checklist, versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklists {
    pub version: u32,
    pub about: String,
    pub checklists: Vec<Checklist>,
}

impl Checklists {
    /// The built-in checklists (`readiness.json`).
    pub fn builtin() -> Result<Self, String> {
        Self::from_json(include_str!("../readiness.json"))
    }

    /// Reads and checks checklists: unknown fields and categories are refused by name, and so
    /// are items without a source and ids used twice.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        let lists: Checklists = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| format!("readiness checklists, at {}: {}", e.path(), e.inner()))?;
        let mut ids = BTreeSet::new();
        for list in &lists.checklists {
            if !ids.insert(list.id.as_str()) {
                return Err(format!("readiness checklists: {} is declared twice", list.id));
            }
            if list.jurisdictions.iter().any(|j| j.trim().is_empty()) || list.jurisdictions.is_empty() {
                return Err(format!("readiness checklists, {}: jurisdictions must name at least one code", list.id));
            }
            let mut items = BTreeSet::new();
            for item in &list.items {
                if !items.insert(item.id.as_str()) {
                    return Err(format!("readiness checklists, {}: item {} is declared twice", list.id, item.id));
                }
                if item.source.trim().is_empty() || item.label.trim().is_empty() {
                    return Err(format!("readiness checklists, {}: item {} needs a label and a source", list.id, item.id));
                }
                if item.renew_every_days == Some(0) {
                    return Err(format!("readiness checklists, {}: item {} renews every 0 days", list.id, item.id));
                }
            }
        }
        Ok(lists)
    }

    /// The checklists a site in `jurisdiction` must meet.
    pub fn for_jurisdiction(&self, jurisdiction: &str) -> Vec<&Checklist> {
        self.checklists
            .iter()
            .filter(|c| {
                c.jurisdictions.iter().any(|code| {
                    code == "*" || jurisdiction == code || jurisdiction.starts_with(&format!("{code}-"))
                })
            })
            .collect()
    }

    /// An item of a checklist, by their ids.
    pub fn item(&self, checklist_id: &str, item_id: &str) -> Option<(&Checklist, &ChecklistItem)> {
        let list = self.checklists.iter().find(|c| c.id == checklist_id)?;
        Some((list, list.items.iter().find(|i| i.id == item_id)?))
    }
}

string_enum!(
    /// What the person checking an item found.
    ReadinessOutcome { Met = "met", NotMet = "not_met" }
);

pub static READINESS_SIGNOFFS: TableSpec = TableSpec {
    kind: "readiness_signoff",
    table: "readiness_signoffs",
    // A site's equipment and rooms: names no participant.
    redaction: Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("checklist_id"),
        Column::integer("checklist_version"),
        Column::text("item_id"),
        Column::text("outcome"),
        Column::optional_text("finding"),
        Column::text("checked_on"),
        Column::optional_text("valid_until"),
        Column::integer("recorded_at"),
        Column::text("recorded_by"),
    ],
};

/// One check of one item: who found it met or not, on which day, and until when it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessSignoff {
    pub id: String,
    pub site_id: String,
    pub checklist_id: String,
    pub checklist_version: i64,
    pub item_id: String,
    pub outcome: ReadinessOutcome,
    /// What an audit or check found: required when the item is not met.
    pub finding: Option<String>,
    /// Site-local dates, `YYYY-MM-DD`.
    pub checked_on: String,
    pub valid_until: Option<String>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

impl Record for ReadinessSignoff {
    const SPEC: &'static TableSpec = &READINESS_SIGNOFFS;
    fn id(&self) -> &str {
        &self.id
    }
}

/// A sign-off as entered.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SignoffInput {
    pub checklist_id: String,
    pub item_id: String,
    /// `met` or `not_met`.
    pub outcome: String,
    pub finding: Option<String>,
}

/// What a sign-off needs besides the input: decided by the caller.
pub struct Checking<'a> {
    pub id: String,
    pub site_id: &'a str,
    pub today: Date,
    pub now: Timestamp,
    pub recorded_by: &'a str,
}

/// Checks a sign-off against the checklists that bind the site and builds the record; its
/// validity is the item's renewal period from today, never entered by hand.
pub fn signoff_from(
    lists: &Checklists,
    binding: &[&Checklist],
    input: &SignoffInput,
    at: Checking<'_>,
) -> Result<ReadinessSignoff, Vec<Violation>> {
    let mut problems = Vec::new();
    let outcome = ReadinessOutcome::parse("outcome", &input.outcome).map_err(|v| problems.push(v)).ok();
    let finding = match input.finding.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        // A finding stops dosing at the site: it must say what was found.
        Some(f) => catalyst_core::reason::meaningful_reason("finding", f, 2000).map_err(|v| problems.push(v)).ok(),
        None => None,
    };
    if outcome == Some(ReadinessOutcome::NotMet) && input.finding.as_deref().is_none_or(|f| f.trim().is_empty()) {
        problems.push(Violation::new("finding", "required", "an item not met names the finding"));
    }
    let item = match binding.iter().find(|c| c.id == input.checklist_id) {
        None => {
            let allowed: Vec<&str> = binding.iter().map(|c| c.id.as_str()).collect();
            problems.push(Violation::new(
                "checklist_id",
                "one_of",
                format!("{:?} is not a checklist of this site; allowed: {}", input.checklist_id, allowed.join(", ")),
            ));
            None
        }
        Some(list) => match list.items.iter().find(|i| i.id == input.item_id) {
            Some(item) => Some(item),
            None => {
                let allowed: Vec<&str> = list.items.iter().map(|i| i.id.as_str()).collect();
                problems.push(Violation::new(
                    "item_id",
                    "one_of",
                    format!("{:?} is not an item of {}; allowed: {}", input.item_id, list.id, allowed.join(", ")),
                ));
                None
            }
        },
    };
    let (Some(outcome), Some(item), true) = (outcome, item, problems.is_empty()) else { return Err(problems) };
    let valid_until = match (outcome, item.renew_every_days) {
        (ReadinessOutcome::Met, Some(days)) => Some(
            at.today
                .checked_add(jiff::Span::new().days(i64::from(days)))
                .map_err(|e| vec![Violation::new("item_id", "renewal", e.to_string())])?
                .to_string(),
        ),
        _ => None,
    };
    Ok(ReadinessSignoff {
        id: at.id,
        site_id: at.site_id.to_owned(),
        checklist_id: input.checklist_id.clone(),
        checklist_version: i64::from(lists.version),
        item_id: item.id.clone(),
        outcome,
        finding,
        checked_on: at.today.to_string(),
        valid_until,
        recorded_at: at.now,
        recorded_by: at.recorded_by.to_owned(),
    })
}

/// Where one item stands on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemState {
    Met { valid_until: Option<String> },
    NeverChecked,
    Finding { finding: String },
    Lapsed { on: String },
}

/// Each item of the binding checklists with its latest sign-off (of one site's) and its state
/// on `day`.
pub fn item_states<'a>(
    binding: &[&'a Checklist],
    signoffs: &'a [ReadinessSignoff],
    day: Date,
) -> Vec<(&'a Checklist, &'a ChecklistItem, Option<&'a ReadinessSignoff>, ItemState)> {
    let mut out = Vec::new();
    for list in binding {
        for item in &list.items {
            let latest = signoffs
                .iter()
                .filter(|s| s.checklist_id == list.id && s.item_id == item.id)
                .max_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)));
            let state = match latest {
                None => ItemState::NeverChecked,
                Some(s) if s.outcome == ReadinessOutcome::NotMet => {
                    ItemState::Finding { finding: s.finding.clone().unwrap_or_default() }
                }
                Some(s) => match s.valid_until.as_deref().and_then(civil_date) {
                    Some(end) if end < day => ItemState::Lapsed { on: end.to_string() },
                    _ => ItemState::Met { valid_until: s.valid_until.clone() },
                },
            };
            out.push((*list, item, latest, state));
        }
    }
    out
}

/// Why a site is not ready on `day`: one violation per item not met, each naming the item.
pub fn readiness_problems(
    binding: &[&Checklist],
    signoffs: &[ReadinessSignoff],
    site_code: &str,
    day: Date,
) -> Vec<Violation> {
    item_states(binding, signoffs, day)
        .into_iter()
        .filter_map(|(list, item, _, state)| {
            let why = match state {
                ItemState::Met { .. } => return None,
                ItemState::NeverChecked => "never signed off".to_owned(),
                ItemState::Finding { finding } => format!("open finding: {finding}"),
                ItemState::Lapsed { on } => format!("sign-off lapsed on {on}"),
            };
            Some(Violation::new(
                "readiness",
                item.id.clone(),
                format!(
                    "{site_code} is not ready on {day} ({}): {} ({}), {why}. Source: {}",
                    list.pathway,
                    item.label,
                    item.category.label(),
                    item.source
                ),
            ))
        })
        .collect()
}

/// Met items whose sign-off lapses within `within_days` of `today`, soonest first, for the
/// site lead's worklist.
pub fn renewals_due<'a>(
    binding: &[&'a Checklist],
    signoffs: &'a [ReadinessSignoff],
    today: Date,
    within_days: i64,
) -> Vec<(&'a ChecklistItem, Date)> {
    let mut due: Vec<(&ChecklistItem, Date)> = item_states(binding, signoffs, today)
        .into_iter()
        .filter_map(|(_, item, _, state)| match state {
            ItemState::Met { valid_until: Some(end) } => {
                let end = civil_date(&end)?;
                let days = today.until(end).ok()?.get_days();
                (i64::from(days) <= within_days).then_some((item, end))
            }
            _ => None,
        })
        .collect();
    due.sort_by_key(|(_, end)| *end);
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn lists() -> Checklists {
        Checklists::builtin().unwrap()
    }

    fn sign(lists: &Checklists, list: &str, item: &str, outcome: &str, finding: Option<&str>, today: Date, at: i64) -> ReadinessSignoff {
        let binding: Vec<&Checklist> = lists.checklists.iter().collect();
        let input = SignoffInput {
            checklist_id: list.into(),
            item_id: item.into(),
            outcome: outcome.into(),
            finding: finding.map(str::to_owned),
        };
        signoff_from(lists, &binding, &input, Checking { id: format!("s{at}"), site_id: "s1", today, now: Timestamp(at), recorded_by: "lead" })
            .unwrap()
    }

    fn sign_all(lists: &Checklists, jurisdiction: &str, today: Date) -> Vec<ReadinessSignoff> {
        let mut out = Vec::new();
        for list in lists.for_jurisdiction(jurisdiction) {
            for item in &list.items {
                out.push(sign(lists, &list.id, &item.id, "met", None, today, out.len() as i64));
            }
        }
        out
    }

    #[test]
    fn the_builtin_checklists_load_and_bind_sites_by_jurisdiction() {
        let lists = lists();
        let ids = |j: &str| lists.for_jurisdiction(j).iter().map(|c| c.id.as_str()).collect::<Vec<_>>();
        assert_eq!(ids("AU-NSW"), ["dosing-centre", "au-authorised-prescriber"]);
        assert_eq!(ids("CA-BC"), ["dosing-centre", "ca-special-access"]);
        assert_eq!(ids("US"), ["dosing-centre", "us-schedule-i"]);
        assert_eq!(ids("GB"), ["dosing-centre"]);
        let categories: BTreeSet<ReadinessCategory> =
            lists.checklists.iter().flat_map(|c| c.items.iter().map(|i| i.category)).collect();
        assert_eq!(categories.len(), 5, "every category is used");
        let twice = r#"{"version":1,"about":"","checklists":[{"id":"a","pathway":"p","jurisdictions":["*"],"items":[
            {"id":"x","label":"X","category":"room","source":"s"},{"id":"x","label":"X","category":"room","source":"s"}]}]}"#;
        assert!(Checklists::from_json(twice).unwrap_err().contains("item x is declared twice"));
        let unknown = r#"{"version":1,"about":"","checklists":[{"id":"a","pathway":"p","jurisdictions":["*"],"items":[
            {"id":"x","label":"X","category":"kitchen","source":"s"}]}]}"#;
        assert!(Checklists::from_json(unknown).unwrap_err().contains("checklists[0].items[0].category"));
    }

    #[test]
    fn a_site_is_ready_only_with_every_item_met_and_in_date() {
        let lists = lists();
        let binding = lists.for_jurisdiction("AU-NSW");
        let today = date(2026, 6, 1);
        let none = readiness_problems(&binding, &[], "SYD", today);
        let item_count: usize = binding.iter().map(|c| c.items.len()).sum();
        assert_eq!(none.len(), item_count);
        assert!(none[0].message.contains("never signed off") && none[0].message.starts_with("SYD is not ready on 2026-06-01"));

        let all = sign_all(&lists, "AU-NSW", today);
        assert!(readiness_problems(&binding, &all, "SYD", today).is_empty());

        // The emergency kit is checked monthly: a month and a day later it has lapsed.
        let kit = binding[0].items.iter().find(|i| i.id == "emergency-kit").unwrap();
        assert_eq!(kit.renew_every_days, Some(30));
        let later = readiness_problems(&binding, &all, "SYD", date(2026, 7, 2));
        assert!(later.iter().any(|v| v.rule == "emergency-kit" && v.message.contains("lapsed on 2026-07-01")), "{later:?}");
        assert!(readiness_problems(&binding, &all, "SYD", date(2026, 7, 1)).is_empty(), "in force through its last day");
    }

    #[test]
    fn a_finding_makes_the_site_not_ready_until_the_item_is_signed_off_again() {
        let lists = lists();
        let binding = lists.for_jurisdiction("AU-NSW");
        let today = date(2026, 6, 1);
        let mut all = sign_all(&lists, "AU-NSW", today);
        all.push(sign(&lists, "dosing-centre", "emergency-kit", "not_met", Some("defibrillator pads expired"), today, 100));
        let problems = readiness_problems(&binding, &all, "SYD", today);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("open finding: defibrillator pads expired"));
        all.push(sign(&lists, "dosing-centre", "emergency-kit", "met", None, today, 101));
        assert!(readiness_problems(&binding, &all, "SYD", today).is_empty());
    }

    #[test]
    fn sign_offs_name_their_problems_by_field() {
        let lists = lists();
        let binding = lists.for_jurisdiction("AU-NSW");
        let at = || Checking { id: "x".into(), site_id: "s1", today: date(2026, 6, 1), now: Timestamp(0), recorded_by: "u" };
        let input = |list: &str, item: &str, outcome: &str, finding: Option<&str>| SignoffInput {
            checklist_id: list.into(),
            item_id: item.into(),
            outcome: outcome.into(),
            finding: finding.map(str::to_owned),
        };
        let fields = |i: SignoffInput| {
            signoff_from(&lists, &binding, &i, at()).unwrap_err().into_iter().map(|v| v.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(input("us-schedule-i", "x", "met", None)), ["checklist_id"]);
        assert_eq!(fields(input("dosing-centre", "kitchen", "ok", None)), ["outcome", "item_id"]);
        assert_eq!(fields(input("dosing-centre", "emergency-kit", "not_met", Some("  "))), ["finding"]);
        assert_eq!(fields(input("dosing-centre", "emergency-kit", "not_met", Some("."))), ["finding"], "a finding says what was found");
        assert_eq!(fields(input("dosing-centre", "emergency-kit", "not_met", Some("\u{200B}"))), ["finding"]);
        let long = "x".repeat(3000);
        let too_long = signoff_from(&lists, &binding, &input("dosing-centre", "emergency-kit", "not_met", Some(&long)), at()).unwrap_err();
        assert_eq!(too_long.len(), 1, "one problem, not also 'required': {too_long:?}");
        let met = signoff_from(&lists, &binding, &input("dosing-centre", "emergency-kit", "met", None), at()).unwrap();
        assert_eq!((met.valid_until.as_deref(), met.checklist_version), (Some("2026-07-01"), 1));
    }

    #[test]
    fn renewals_due_lists_items_lapsing_soon_first() {
        let lists = lists();
        let binding = lists.for_jurisdiction("AU-NSW");
        let all = sign_all(&lists, "AU-NSW", date(2026, 6, 1));
        let due = renewals_due(&binding, &all, date(2026, 6, 20), 14);
        let ids: Vec<&str> = due.iter().map(|(i, _)| i.id.as_str()).collect();
        assert!(ids.contains(&"emergency-kit"), "{ids:?}");
        assert!(due.windows(2).all(|w| w[0].1 <= w[1].1));
    }
}
