//! Business-day calendars as data (`data/holidays/*.json`), one file per jurisdiction code.
//!
//! A site's calendar is the union of the files for each level of its code (`AU-SA` = `AU` +
//! `AU-SA`), and every level must have a file: a state without one would otherwise count its
//! own holidays as business days. Dates outside a calendar's coverage are errors, never "no
//! holidays". Where a holiday was uncertain it is left out of the data, which can only make a
//! business-day deadline earlier, never later.

use std::collections::{BTreeMap, BTreeSet};

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{ClockError, DataError, Violation, parse_json};
use crate::rules::valid_code;

/// The built-in holiday files, by name.
pub const BUILTIN_FILES: [(&str, &str); 7] = [
    ("holidays/au.json", include_str!("data/holidays/au.json")),
    ("holidays/au-nsw.json", include_str!("data/holidays/au-nsw.json")),
    ("holidays/au-sa.json", include_str!("data/holidays/au-sa.json")),
    ("holidays/au-vic.json", include_str!("data/holidays/au-vic.json")),
    ("holidays/ca.json", include_str!("data/holidays/ca.json")),
    ("holidays/ca-bc.json", include_str!("data/holidays/ca-bc.json")),
    ("holidays/us.json", include_str!("data/holidays/us.json")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekdayName {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl WeekdayName {
    fn of(day: Weekday) -> Self {
        match day {
            Weekday::Monday => Self::Monday,
            Weekday::Tuesday => Self::Tuesday,
            Weekday::Wednesday => Self::Wednesday,
            Weekday::Thursday => Self::Thursday,
            Weekday::Friday => Self::Friday,
            Weekday::Saturday => Self::Saturday,
            Weekday::Sunday => Self::Sunday,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    pub from: Date,
    pub to: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: Date,
    pub name: String,
}

/// One holiday file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayFile {
    pub jurisdiction: String,
    pub name: String,
    pub version: u32,
    /// Where the dates come from.
    pub source: String,
    /// The dates the list is complete for.
    pub covers: Coverage,
    pub weekend: Vec<WeekdayName>,
    pub holidays: Vec<Holiday>,
    /// What was left out and why.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl HolidayFile {
    fn check(&self) -> Vec<Violation> {
        let mut v = Vec::new();
        if !valid_code(&self.jurisdiction) {
            v.push(Violation::new(
                "jurisdiction",
                "format",
                format!("{:?} must be a country code (AU) or country-subdivision (AU-SA)", self.jurisdiction),
            ));
        }
        if self.version == 0 {
            v.push(Violation::new("version", "range", "version must be 1 or more"));
        }
        if self.source.trim().is_empty() {
            v.push(Violation::new("source", "required", "source must name where the dates come from"));
        }
        if self.covers.to < self.covers.from {
            v.push(Violation::new("covers.to", "range", "covers.to must not be before covers.from"));
        }
        if self.weekend.len() >= 7 {
            v.push(Violation::new("weekend", "range", "at least one day of the week must be a working day"));
        }
        let weekend: BTreeSet<WeekdayName> = self.weekend.iter().copied().collect();
        let mut seen = BTreeSet::new();
        for (i, h) in self.holidays.iter().enumerate() {
            let field = format!("holidays[{i}].date");
            if h.date < self.covers.from || h.date > self.covers.to {
                v.push(Violation::new(
                    &field,
                    "range",
                    format!("{} is outside covers ({} to {})", h.date, self.covers.from, self.covers.to),
                ));
            }
            if !seen.insert(h.date) {
                v.push(Violation::new(&field, "unique", format!("{} listed twice", h.date)));
            }
            // A holiday on a weekend changes nothing, so it is most likely a mistyped date.
            if weekend.contains(&WeekdayName::of(h.date.weekday())) {
                v.push(Violation::new(
                    &field,
                    "weekday",
                    format!(
                        "{} ({}) is a {:?}, already a weekend day; check the date",
                        h.date,
                        h.name,
                        h.date.weekday()
                    ),
                ));
            }
            if h.name.trim().is_empty() {
                v.push(Violation::new(format!("holidays[{i}].name"), "required", "name must not be empty"));
            }
        }
        v
    }
}

/// The loaded holiday files, keyed by jurisdiction code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendars {
    files: BTreeMap<String, HolidayFile>,
}

impl Calendars {
    pub fn builtin() -> Result<Self, DataError> {
        Self::from_json(&BUILTIN_FILES)
    }

    /// Parses and checks `(file name, JSON)` pairs; one file per jurisdiction code.
    pub fn from_json(files: &[(&str, &str)]) -> Result<Self, DataError> {
        let mut out = BTreeMap::new();
        for (name, text) in files {
            let file: HolidayFile = parse_json(name, text)?;
            let violations = file.check();
            if !violations.is_empty() {
                return Err(DataError { file: name.to_string(), violations });
            }
            if out.contains_key(&file.jurisdiction) {
                return Err(DataError {
                    file: name.to_string(),
                    violations: vec![Violation::new(
                        "jurisdiction",
                        "unique",
                        format!("another file already gives {}", file.jurisdiction),
                    )],
                });
            }
            out.insert(file.jurisdiction.clone(), file);
        }
        Ok(Self { files: out })
    }

    pub fn files(&self) -> impl Iterator<Item = &HolidayFile> {
        self.files.values()
    }

    /// The calendar for a site's code: the union of the files for each level of the code.
    pub fn for_jurisdiction(&self, code: &str) -> Result<Calendar, ClockError> {
        let levels: Vec<&str> = match code.split_once('-') {
            Some((country, _)) => vec![country, code],
            None => vec![code],
        };
        let mut cal: Option<Calendar> = None;
        for level in levels {
            let Some(file) = self.files.get(level) else {
                return Err(ClockError::NoCalendar {
                    jurisdiction: code.to_string(),
                    missing: level.to_string(),
                    available: self.files.keys().cloned().collect(),
                });
            };
            let layer = Calendar {
                jurisdiction: code.to_string(),
                from: file.covers.from,
                to: file.covers.to,
                weekend: file.weekend.iter().copied().collect(),
                holidays: file.holidays.iter().map(|h| (h.date, h.name.clone())).collect(),
                sources: vec![format!("{}: {}", file.jurisdiction, file.source)],
            };
            cal = Some(match cal {
                None => layer,
                Some(mut c) => {
                    // Union of non-business days, intersection of coverage.
                    c.from = c.from.max(layer.from);
                    c.to = c.to.min(layer.to);
                    c.weekend.extend(layer.weekend);
                    c.holidays.extend(layer.holidays);
                    c.sources.extend(layer.sources);
                    c
                }
            });
        }
        cal.ok_or_else(|| ClockError::NoCalendar {
            jurisdiction: code.to_string(),
            missing: code.to_string(),
            available: self.files.keys().cloned().collect(),
        })
    }
}

/// A site's business-day calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    jurisdiction: String,
    from: Date,
    to: Date,
    weekend: BTreeSet<WeekdayName>,
    holidays: BTreeMap<Date, String>,
    sources: Vec<String>,
}

impl Calendar {
    pub fn jurisdiction(&self) -> &str {
        &self.jurisdiction
    }

    /// First and last date the holiday lists are complete for.
    pub fn coverage(&self) -> (Date, Date) {
        (self.from, self.to)
    }

    /// The holiday's name, when the date is one.
    pub fn holiday(&self, date: Date) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

/// Whether `date` is a business day: not a weekend day, not a public holiday. An error outside
/// the calendar's coverage, where the holidays are unknown.
pub fn is_business_day(date: Date, calendar: &Calendar) -> Result<bool, ClockError> {
    if date < calendar.from || date > calendar.to {
        return Err(ClockError::OutsideCalendar {
            jurisdiction: calendar.jurisdiction.clone(),
            date,
            from: calendar.from,
            to: calendar.to,
        });
    }
    Ok(!calendar.weekend.contains(&WeekdayName::of(date.weekday())) && !calendar.holidays.contains_key(&date))
}

/// The `n`-th business day after `date` (`date` itself never counts), so an event on a Friday
/// with `n = 1` gives the Monday, or the Tuesday when the Monday is a holiday. With `n = 0`,
/// `date` when it is a business day, else the next one.
pub fn add_business_days(date: Date, n: u32, calendar: &Calendar) -> Result<Date, ClockError> {
    walk(date, n, 1, calendar)
}

/// The `n`-th business day before `date`; with `n = 0`, `date` or the business day before it.
pub fn sub_business_days(date: Date, n: u32, calendar: &Calendar) -> Result<Date, ClockError> {
    walk(date, n, -1, calendar)
}

fn walk(date: Date, n: u32, step: i32, calendar: &Calendar) -> Result<Date, ClockError> {
    let next = |d: Date| d.checked_add(step.days()).map_err(|_| ClockError::OutOfRange { date: d });
    let mut d = date;
    if n == 0 {
        while !is_business_day(d, calendar)? {
            d = next(d)?;
        }
        return Ok(d);
    }
    let mut left = n;
    while left > 0 {
        d = next(d)?;
        if is_business_day(d, calendar)? {
            left -= 1;
        }
    }
    Ok(d)
}
