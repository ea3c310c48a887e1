//! Register rules by jurisdiction as versioned data (`data/register_rules.json`).
//!
//! Each jurisdiction entry sets some rules, each with its source; a subdivision (`AU-VIC`)
//! inherits every rule of its country (`AU`) that it does not set itself. A country entry must
//! set every rule, so every listed code resolves completely; an unlisted code is refused rather
//! than given its country's rules unchecked. The vocabularies (qualifications, receipt fields,
//! order forms) are closed, so a misspelling is refused on load instead of silently never
//! applying.

use std::collections::BTreeSet;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Violation, parse_json};

/// Marks a rule that no reference document gives.
pub const PROGRAMME_DEFINED: &str = "programme-defined default";

/// The built-in rules as JSON, for callers that show or copy them.
pub const BUILTIN_JSON: &str = include_str!("data/register_rules.json");

const FILE: &str = "register_rules.json";

/// A clinician's qualification, as the administering clinician's record states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    MedicalPractitioner,
    Nurse,
    Pharmacist,
    Psychologist,
    /// A therapist without one of the registrations above.
    Therapist,
    Other,
}

impl Qualification {
    pub const ALL: [Qualification; 6] = [
        Qualification::MedicalPractitioner,
        Qualification::Nurse,
        Qualification::Pharmacist,
        Qualification::Psychologist,
        Qualification::Therapist,
        Qualification::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Qualification::MedicalPractitioner => "medical_practitioner",
            Qualification::Nurse => "nurse",
            Qualification::Pharmacist => "pharmacist",
            Qualification::Psychologist => "psychologist",
            Qualification::Therapist => "therapist",
            Qualification::Other => "other",
        }
    }
}

/// Who may administer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MayAdminister {
    /// No restriction beyond the programme's own (the clinician is still recorded).
    Any,
    /// Only clinicians with one of these qualifications.
    Only(BTreeSet<Qualification>),
}

impl MayAdminister {
    pub fn allows(&self, q: Qualification) -> bool {
        match self {
            MayAdminister::Any => true,
            MayAdminister::Only(set) => set.contains(&q),
        }
    }
}

/// A field a receipt must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiveField {
    /// The order it fills: form, number, line and units ordered. Returns to a supplier then
    /// need the recipient's order form too.
    Order,
    /// The supplier's address (on the lot).
    SupplierAddress,
    /// The supplier's registration number (on the lot). Returns to a supplier then need the
    /// recipient's registration number too.
    SupplierRegistration,
}

/// The kind of order a receipt fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderForm {
    /// DEA Form 222 (paper), by its serial number.
    #[serde(rename = "dea_form_222")]
    DeaForm222,
    /// DEA Controlled Substance Ordering System, by its order number.
    Csos,
    /// A purchase order or the state's equivalent, by its number.
    PurchaseOrder,
}

impl OrderForm {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderForm::DeaForm222 => "dea_form_222",
            OrderForm::Csos => "csos",
            OrderForm::PurchaseOrder => "purchase_order",
        }
    }
}

/// A value and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    pub value: T,
    /// A citation (clinical.md, compliance.md, a regulation) or text starting with
    /// [`PROGRAMME_DEFINED`].
    pub source: String,
}

/// The rules one jurisdiction entry sets. A country must set all of them; a subdivision only
/// those that differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionEntry {
    /// `US`, `AU`, `AU-VIC`.
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Witnesses to the waste of part of a dispensed dose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waste_witnesses: Option<Sourced<u32>>,
    /// Witnesses to a destruction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destruction_witnesses: Option<Sourced<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub may_administer: Option<Sourced<MayAdminister>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_requires: Option<Sourced<BTreeSet<ReceiveField>>>,
    /// Which order forms a receipt may fill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_forms: Option<Sourced<BTreeSet<OrderForm>>>,
    /// Longest time between exact counts of every lot at a location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_interval_months: Option<Sourced<u32>>,
    /// How long the register's records are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_years: Option<Sourced<u32>>,
}

/// The versioned rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRules {
    pub id: String,
    /// A changed rule is a new version.
    pub version: u32,
    pub title: String,
    pub citations: Vec<String>,
    pub jurisdictions: Vec<JurisdictionEntry>,
}

/// A resolved rule: its value, its source and the code whose entry set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule<T> {
    pub value: T,
    pub source: String,
    pub set_by: String,
}

/// The rules in force in one jurisdiction, resolved (a subdivision's own, else its country's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JurisdictionRules {
    pub rule_set: String,
    pub version: u32,
    pub code: String,
    pub waste_witnesses: Rule<u32>,
    pub destruction_witnesses: Rule<u32>,
    pub may_administer: Rule<MayAdminister>,
    pub receive_requires: Rule<BTreeSet<ReceiveField>>,
    pub order_forms: Rule<BTreeSet<OrderForm>>,
    pub count_interval_months: Rule<u32>,
    pub retention_years: Rule<u32>,
}

impl JurisdictionRules {
    /// The latest date the next exact count of a location is due, given the last one.
    pub fn next_count_due(&self, last_count: Date) -> Option<Date> {
        last_count.checked_add(i64::from(self.count_interval_months.value).months()).ok()
    }

    /// The first date a record made on `made_on` may be discarded.
    pub fn retain_until(&self, made_on: Date) -> Option<Date> {
        made_on.checked_add(i64::from(self.retention_years.value).years()).ok()
    }
}

/// `AU`, `AU-SA`, `CA-BC`: an ISO 3166-1 alpha-2 country, optionally a subdivision.
fn valid_code(code: &str) -> bool {
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

const MAX_WITNESSES: u32 = 4;
const MAX_COUNT_MONTHS: u32 = 60;
const MAX_RETENTION_YEARS: u32 = 50;

impl RegisterRules {
    /// The built-in rules (`data/register_rules.json`).
    pub fn builtin() -> Result<Self, DataError> {
        Self::from_json(BUILTIN_JSON)
    }

    /// Parses and checks a programme's own rules; unknown fields are refused.
    pub fn from_json(text: &str) -> Result<Self, DataError> {
        let rules: Self = parse_json(FILE, text)?;
        let violations = rules.check();
        if violations.is_empty() { Ok(rules) } else { Err(DataError { file: FILE.to_string(), violations }) }
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
            let at = |f: &str| format!("jurisdictions[{i}].{f}");
            if !valid_code(&j.code) {
                v.push(Violation::new(
                    at("code"),
                    "format",
                    format!("{:?} must be a country code (AU) or country-subdivision (AU-VIC)", j.code),
                ));
            } else if !codes.insert(j.code.as_str()) {
                v.push(Violation::new(at("code"), "unique", format!("jurisdiction {:?} listed twice", j.code)));
            }
            if j.name.trim().is_empty() {
                v.push(Violation::new(at("name"), "required", "name must not be empty"));
            }
            let country = !j.code.contains('-');
            let mut need = |field: &str, present: bool, source: Option<&str>| {
                if !present && country {
                    v.push(Violation::new(
                        at(field),
                        "required",
                        format!("{field} must be set for a country ({}); subdivisions inherit it", j.code),
                    ));
                }
                if source.is_some_and(|s| s.trim().is_empty()) {
                    v.push(Violation::new(
                        at(&format!("{field}.source")),
                        "required",
                        format!("cite the source or write \"{PROGRAMME_DEFINED}: ...\""),
                    ));
                }
            };
            need("waste_witnesses", j.waste_witnesses.is_some(), j.waste_witnesses.as_ref().map(|s| s.source.as_str()));
            need(
                "destruction_witnesses",
                j.destruction_witnesses.is_some(),
                j.destruction_witnesses.as_ref().map(|s| s.source.as_str()),
            );
            need("may_administer", j.may_administer.is_some(), j.may_administer.as_ref().map(|s| s.source.as_str()));
            need(
                "receive_requires",
                j.receive_requires.is_some(),
                j.receive_requires.as_ref().map(|s| s.source.as_str()),
            );
            need("order_forms", j.order_forms.is_some(), j.order_forms.as_ref().map(|s| s.source.as_str()));
            need(
                "count_interval_months",
                j.count_interval_months.is_some(),
                j.count_interval_months.as_ref().map(|s| s.source.as_str()),
            );
            need("retention_years", j.retention_years.is_some(), j.retention_years.as_ref().map(|s| s.source.as_str()));
            let mut range = |field: &str, value: Option<u32>, lo: u32, hi: u32| {
                if let Some(x) = value
                    && !(lo..=hi).contains(&x)
                {
                    v.push(Violation::new(
                        at(&format!("{field}.value")),
                        "range",
                        format!("{field} must be {lo} to {hi}; got {x}"),
                    ));
                }
            };
            range("waste_witnesses", j.waste_witnesses.as_ref().map(|s| s.value), 0, MAX_WITNESSES);
            range("destruction_witnesses", j.destruction_witnesses.as_ref().map(|s| s.value), 1, MAX_WITNESSES);
            range("count_interval_months", j.count_interval_months.as_ref().map(|s| s.value), 1, MAX_COUNT_MONTHS);
            range("retention_years", j.retention_years.as_ref().map(|s| s.value), 1, MAX_RETENTION_YEARS);
            if let Some(Sourced { value: MayAdminister::Only(set), .. }) = &j.may_administer
                && set.is_empty()
            {
                v.push(Violation::new(
                    at("may_administer.value.only"),
                    "required",
                    "name at least one qualification, or write \"any\"",
                ));
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
        // Where receipts need an order, at least one order form must be accepted.
        for code in &codes {
            if let Ok(r) = self.resolve(code)
                && r.receive_requires.value.contains(&ReceiveField::Order)
                && r.order_forms.value.is_empty()
            {
                v.push(Violation::new(
                    "jurisdictions",
                    "required",
                    format!("{code}: receipts need an order but no order form is accepted"),
                ));
            }
        }
        v
    }

    pub fn jurisdiction_codes(&self) -> Vec<String> {
        self.jurisdictions.iter().map(|j| j.code.clone()).collect()
    }

    /// The rules in force at a site with this jurisdiction code.
    pub fn for_jurisdiction(&self, code: &str) -> Result<JurisdictionRules, Violation> {
        self.resolve(code)
    }

    fn resolve(&self, code: &str) -> Result<JurisdictionRules, Violation> {
        let entry = |c: &str| self.jurisdictions.iter().find(|j| j.code == c);
        let Some(own) = entry(code) else {
            return Err(Violation::new(
                "jurisdiction",
                "one_of",
                format!("jurisdiction must be one of: {}; got {code:?}", self.jurisdiction_codes().join(", ")),
            ));
        };
        let country = code.split_once('-').map(|(c, _)| c).and_then(entry);
        fn pick<T: Clone>(
            field: &str,
            code: &str,
            own: &JurisdictionEntry,
            country: Option<&JurisdictionEntry>,
            get: impl Fn(&JurisdictionEntry) -> Option<&Sourced<T>>,
        ) -> Result<Rule<T>, Violation> {
            if let Some(s) = get(own) {
                return Ok(Rule { value: s.value.clone(), source: s.source.clone(), set_by: own.code.clone() });
            }
            match country.and_then(|c| get(c).map(|s| (c, s))) {
                Some((c, s)) => Ok(Rule { value: s.value.clone(), source: s.source.clone(), set_by: c.code.clone() }),
                None => Err(Violation::new(field, "required", format!("{code} has no {field} rule"))),
            }
        }
        Ok(JurisdictionRules {
            rule_set: self.id.clone(),
            version: self.version,
            code: code.to_string(),
            waste_witnesses: pick("waste_witnesses", code, own, country, |j| j.waste_witnesses.as_ref())?,
            destruction_witnesses: pick("destruction_witnesses", code, own, country, |j| {
                j.destruction_witnesses.as_ref()
            })?,
            may_administer: pick("may_administer", code, own, country, |j| j.may_administer.as_ref())?,
            receive_requires: pick("receive_requires", code, own, country, |j| j.receive_requires.as_ref())?,
            order_forms: pick("order_forms", code, own, country, |j| j.order_forms.as_ref())?,
            count_interval_months: pick("count_interval_months", code, own, country, |j| {
                j.count_interval_months.as_ref()
            })?,
            retention_years: pick("retention_years", code, own, country, |j| j.retention_years.as_ref())?,
        })
    }
}
