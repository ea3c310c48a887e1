//! Reporting obligations as versioned data (`data/reporting.json`).
//!
//! A closed vocabulary of triggers and deadlines, as in `catalyst-screening`: each kind is
//! implemented and tested in Rust, and the data chooses which apply, where, with which numbers
//! and on which source. Authorisation and event kinds are closed too, so a misspelt kind is
//! refused at load time instead of silently never starting a clock.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{DataError, Violation, parse_json};

/// Marks a rule or a number that no reference document gives.
pub const PROGRAMME_DEFINED: &str = "programme-defined default";

/// The built-in rules as JSON, for callers that show or copy them.
pub const BUILTIN_JSON: &str = include_str!("data/reporting.json");

/// Kinds of authorisation a clock can run from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorisationKind {
    /// TGA Authorised Prescriber approval (Australia).
    TgaAuthorisedPrescriber,
    /// Human research ethics committee approval (Australia).
    HrecApproval,
    /// Special Access Programme authorisation, one patient (Canada).
    CaSpecialAccess,
    /// Investigational New Drug application in effect (United States).
    FdaInd,
}

/// Kinds of event a clock can run from. The date is the civil date in the site's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Prescribing,
    TreatmentStart,
    SeriousAdverseEvent,
    TheftOrLossDiscovered,
}

/// What starts a report's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// Once, on the authorisation's start date.
    AuthorisationStart { authorisation: AuthorisationKind },
    /// Each anniversary of the start while the authorisation is in effect; the period is the
    /// year ending the day before the anniversary.
    AuthorisationAnniversary { authorisation: AuthorisationKind },
    /// The last day of each `months`-long period counted from the start; a period cut short by
    /// the expiry ends on the expiry date (its report is still owed).
    AuthorisationPeriodEnd { authorisation: AuthorisationKind, months: u32 },
    /// The authorisation's expiry date (the facts must give one).
    AuthorisationExpiry { authorisation: AuthorisationKind },
    /// Each event of this kind.
    Event { event: EventKind },
}

/// When the report is due, counted from the trigger date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Deadline {
    /// Trigger date + `days` calendar days (no rolling off weekends or holidays).
    CalendarDaysAfter { days: u32 },
    /// The `days`-th business day after the trigger date.
    BusinessDaysAfter { days: u32 },
    /// Trigger date + `months` (a fixed period; the 31st becomes the month's last day).
    MonthsAfter { months: u32 },
    /// Trigger date − `days` calendar days.
    CalendarDaysBefore { days: u32 },
    /// The `days`-th business day before the trigger date.
    BusinessDaysBefore { days: u32 },
}

impl Deadline {
    /// Whether the due date precedes the trigger.
    pub fn is_before(&self) -> bool {
        matches!(self, Deadline::CalendarDaysBefore { .. } | Deadline::BusinessDaysBefore { .. })
    }

    /// Whether working it out needs a business-day calendar.
    pub fn needs_calendar(&self) -> bool {
        matches!(self, Deadline::BusinessDaysAfter { .. } | Deadline::BusinessDaysBefore { .. })
    }
}

/// One report or notice owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRule {
    /// Stable id, e.g. `us_fda_ind_annual`.
    pub id: String,
    /// Jurisdiction code the rule belongs to (`AU`, `AU-SA`, `US`); it applies to that code and
    /// every code below it (`AU` rules apply to `AU-SA`).
    pub jurisdiction: String,
    pub name: String,
    /// Who the report goes to.
    pub recipient: String,
    /// What the report contains.
    pub content: String,
    pub trigger: Trigger,
    pub deadline: Deadline,
    /// Citation for the obligation, or text starting with [`PROGRAMME_DEFINED`].
    pub source: String,
    /// Citation for the deadline's number, or text starting with [`PROGRAMME_DEFINED`].
    pub deadline_source: String,
}

impl ReportRule {
    /// Whether the obligation or its number comes from the programme rather than a source.
    pub fn is_programme_defined(&self) -> bool {
        self.source.starts_with(PROGRAMME_DEFINED) || self.deadline_source.starts_with(PROGRAMME_DEFINED)
    }

    /// Whether the rule applies at a site with this jurisdiction code.
    pub fn applies_to(&self, code: &str) -> bool {
        covers(&self.jurisdiction, code)
    }
}

/// `AU` covers `AU` and `AU-SA`; `AU-SA` does not cover `AU-SAX` or `AU`.
pub(crate) fn covers(prefix: &str, code: &str) -> bool {
    code == prefix || code.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('-'))
}

/// A jurisdiction sites may use. Listing a code says the programme has checked which rules apply
/// there; an unlisted code is refused rather than given only its country's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The versioned rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingRules {
    pub id: String,
    /// A changed rule or number is a new version.
    pub version: u32,
    pub title: String,
    pub citations: Vec<String>,
    pub jurisdictions: Vec<Jurisdiction>,
    pub rules: Vec<ReportRule>,
}

const MAX_DAYS: u32 = 366;
const MAX_BUSINESS_DAYS: u32 = 60;
const MAX_MONTHS: u32 = 60;

/// `AU`, `AU-SA`, `CA-BC`: an ISO 3166-1 alpha-2 country, optionally a subdivision.
pub(crate) fn valid_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let country = parts.next().unwrap_or("");
    let sub = parts.next();
    country.len() == 2
        && country.chars().all(|c| c.is_ascii_uppercase())
        && parts.next().is_none()
        && sub.is_none_or(|s| {
            (1..=3).contains(&s.len()) && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl ReportingRules {
    /// The built-in rules (`data/reporting.json`).
    pub fn builtin() -> Result<Self, DataError> {
        Self::from_json(BUILTIN_JSON)
    }

    /// Parses and checks a programme's own rules.
    pub fn from_json(text: &str) -> Result<Self, DataError> {
        let rules: Self = parse_json("reporting.json", text)?;
        let violations = rules.check();
        if violations.is_empty() {
            Ok(rules)
        } else {
            Err(DataError { file: "reporting.json".to_string(), violations })
        }
    }

    /// Every problem at once, by path.
    pub fn check(&self) -> Vec<Violation> {
        let mut v = Vec::new();
        if self.version == 0 {
            v.push(Violation::new("version", "range", "version must be 1 or more"));
        }
        for (field, text) in [("id", &self.id), ("title", &self.title)] {
            if text.trim().is_empty() {
                v.push(Violation::new(field, "required", format!("{field} must not be empty")));
            }
        }
        let mut codes = BTreeSet::new();
        for (i, j) in self.jurisdictions.iter().enumerate() {
            let field = format!("jurisdictions[{i}].code");
            if !valid_code(&j.code) {
                v.push(Violation::new(
                    &field,
                    "format",
                    format!("{:?} must be a country code (AU) or country-subdivision (AU-SA)", j.code),
                ));
            } else if !codes.insert(j.code.as_str()) {
                v.push(Violation::new(&field, "unique", format!("jurisdiction {:?} listed twice", j.code)));
            }
        }
        for code in &codes {
            if let Some((country, _)) = code.split_once('-')
                && !codes.contains(country)
            {
                v.push(Violation::new(
                    "jurisdictions",
                    "required",
                    format!("{code} is listed but its country {country} is not"),
                ));
            }
        }
        let allowed: Vec<&str> = codes.iter().copied().collect();
        let mut ids = BTreeSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let at = |f: &str| format!("rules[{i}].{f}");
            if !valid_id(&r.id) {
                v.push(Violation::new(
                    at("id"),
                    "format",
                    format!("{:?} must be 1-64 lower-case letters, digits or '_'", r.id),
                ));
            } else if !ids.insert(r.id.as_str()) {
                v.push(Violation::new(at("id"), "unique", format!("rule id {:?} used twice", r.id)));
            }
            if !codes.contains(r.jurisdiction.as_str()) {
                v.push(Violation::new(
                    at("jurisdiction"),
                    "one_of",
                    format!("jurisdiction must be one of: {}; got {:?}", allowed.join(", "), r.jurisdiction),
                ));
            }
            for (f, text) in [
                ("name", &r.name),
                ("recipient", &r.recipient),
                ("content", &r.content),
                ("source", &r.source),
                ("deadline_source", &r.deadline_source),
            ] {
                if text.trim().is_empty() {
                    let hint = if f.ends_with("source") {
                        format!("; cite the source or write \"{PROGRAMME_DEFINED}: ...\"")
                    } else {
                        String::new()
                    };
                    v.push(Violation::new(at(f), "required", format!("{f} must not be empty{hint}")));
                }
            }
            if let Trigger::AuthorisationPeriodEnd { months, .. } = r.trigger
                && !(1..=MAX_MONTHS).contains(&months)
            {
                v.push(Violation::new(
                    at("trigger.months"),
                    "range",
                    format!("months must be 1 to {MAX_MONTHS}; got {months}"),
                ));
            }
            let (field, value, lo, hi) = match r.deadline {
                Deadline::CalendarDaysAfter { days } | Deadline::CalendarDaysBefore { days } => {
                    ("days", days, 0, MAX_DAYS)
                }
                Deadline::BusinessDaysAfter { days } | Deadline::BusinessDaysBefore { days } => {
                    ("days", days, 1, MAX_BUSINESS_DAYS)
                }
                Deadline::MonthsAfter { months } => ("months", months, 1, MAX_MONTHS),
            };
            if !(lo..=hi).contains(&value) {
                v.push(Violation::new(
                    at(&format!("deadline.{field}")),
                    "range",
                    format!("{field} must be {lo} to {hi}; got {value}"),
                ));
            }
        }
        v
    }

    /// The rules that apply at a site: its own code's and every enclosing code's.
    pub fn applicable(&self, code: &str) -> Vec<&ReportRule> {
        self.rules.iter().filter(|r| r.applies_to(code)).collect()
    }

    pub fn jurisdiction_codes(&self) -> Vec<String> {
        self.jurisdictions.iter().map(|j| j.code.clone()).collect()
    }
}
