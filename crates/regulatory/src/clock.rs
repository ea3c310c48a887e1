//! Report clocks: which reports are due in a window, and when each is due.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Calendars, add_business_days, sub_business_days};
use crate::error::{ClockError, Violation};
use crate::rules::{AuthorisationKind, Deadline, EventKind, ReportRule, ReportingRules, Trigger};

/// An authorisation a site holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorisation {
    /// The caller's reference, e.g. the TGA approval number or the IND number.
    pub id: String,
    pub kind: AuthorisationKind,
    /// The date it took effect (for an IND, the date it went into effect).
    pub start: Date,
    /// The last date it is in effect, when it has one.
    #[serde(default)]
    pub expiry: Option<Date>,
}

/// Something that happened at the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The caller's reference, e.g. the prescription or loss record id.
    pub id: String,
    pub kind: EventKind,
    /// The civil date in the site's time zone (see [`crate::local_date`]).
    pub date: Date,
}

/// What the clocks run from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    #[serde(default)]
    pub authorisations: Vec<Authorisation>,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// Names the rule that set a due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub rule_set: String,
    pub version: u32,
    pub id: String,
    pub source: String,
    pub deadline_source: String,
}

/// A reporting period (both ends inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

/// One report owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueReport {
    pub rule: RuleRef,
    pub name: String,
    pub recipient: String,
    /// The authorisation or event the report is about (its `id`).
    pub subject: String,
    /// The date the clock ran from.
    pub trigger_date: Date,
    /// The period reported on, for periodic reports.
    pub period: Option<Period>,
    pub due: Date,
}

/// The due date of `rule` for a trigger on `trigger_date`. Business-day deadlines need the
/// site's calendar; `None` then is an error naming the rule.
pub fn deadline_for(rule: &ReportRule, trigger_date: Date, calendar: Option<&Calendar>) -> Result<Date, ClockError> {
    let overflow = || ClockError::OutOfRange { date: trigger_date };
    let cal = || {
        calendar.ok_or_else(|| ClockError::NoCalendar {
            jurisdiction: rule.jurisdiction.clone(),
            missing: rule.jurisdiction.clone(),
            available: Vec::new(),
        })
    };
    match rule.deadline {
        Deadline::CalendarDaysAfter { days } => {
            trigger_date.checked_add(i64::from(days).days()).map_err(|_| overflow())
        }
        Deadline::CalendarDaysBefore { days } => {
            trigger_date.checked_sub(i64::from(days).days()).map_err(|_| overflow())
        }
        Deadline::MonthsAfter { months } => {
            trigger_date.checked_add(i64::from(months).months()).map_err(|_| overflow())
        }
        Deadline::BusinessDaysAfter { days } => add_business_days(trigger_date, days, cal()?),
        Deadline::BusinessDaysBefore { days } => sub_business_days(trigger_date, days, cal()?),
    }
}

/// Every report owed at a site in `jurisdiction` whose due date falls in `from..=to`, sorted by
/// due date, then rule id, then subject. Overdue reports are those with `from` in the past.
pub fn due_dates(
    rules: &ReportingRules,
    calendars: &Calendars,
    jurisdiction: &str,
    facts: &Facts,
    from: Date,
    to: Date,
) -> Result<Vec<DueReport>, ClockError> {
    if !rules.jurisdictions.iter().any(|j| j.code == jurisdiction) {
        return Err(ClockError::UnknownJurisdiction {
            code: jurisdiction.to_string(),
            known: rules.jurisdiction_codes(),
        });
    }
    let applicable = rules.applicable(jurisdiction);
    check_facts(&applicable, facts)?;
    // Looked up only when a business-day rule needs it, so a code without a holiday file still
    // gets its calendar-day reports.
    let calendar = calendars.for_jurisdiction(jurisdiction);
    let mut out = Vec::new();
    for rule in applicable {
        let cal = if rule.deadline.needs_calendar() { Some(calendar.as_ref().map_err(Clone::clone)?) } else { None };
        let ctx = Ctx { rules, rule, cal, from, to };
        match &rule.trigger {
            Trigger::Event { event } => {
                for e in facts.events.iter().filter(|e| e.kind == *event) {
                    ctx.push(&mut out, &e.id, e.date, None)?;
                }
            }
            Trigger::AuthorisationStart { authorisation } => {
                for a in of_kind(facts, *authorisation) {
                    ctx.push(&mut out, &a.id, a.start, None)?;
                }
            }
            Trigger::AuthorisationExpiry { authorisation } => {
                for a in of_kind(facts, *authorisation) {
                    if let Some(expiry) = a.expiry {
                        ctx.push(&mut out, &a.id, expiry, Some(Period { start: a.start, end: expiry }))?;
                    }
                }
            }
            Trigger::AuthorisationAnniversary { authorisation } => {
                for a in of_kind(facts, *authorisation) {
                    for k in 1i64.. {
                        let (Ok(anniversary), Ok(begin)) =
                            (a.start.checked_add(k.years()), a.start.checked_add((k - 1).years()))
                        else {
                            break;
                        };
                        if a.expiry.is_some_and(|e| anniversary > e) {
                            break;
                        }
                        let end = day_before(anniversary)?;
                        if ctx.push(&mut out, &a.id, anniversary, Some(Period { start: begin, end }))? == Past::After {
                            break;
                        }
                    }
                }
            }
            Trigger::AuthorisationPeriodEnd { authorisation, months } => {
                for a in of_kind(facts, *authorisation) {
                    for k in 1i64.. {
                        let m = i64::from(*months);
                        // Each period from the start, not from the last period, so month-end
                        // clamping (31 August + 6 months) does not drift.
                        let (Ok(begin), Ok(next)) =
                            (a.start.checked_add((m * (k - 1)).months()), a.start.checked_add((m * k).months()))
                        else {
                            break;
                        };
                        if a.expiry.is_some_and(|e| begin > e) {
                            break;
                        }
                        let mut end = day_before(next)?;
                        let cut = a.expiry.filter(|e| *e < end);
                        if let Some(e) = cut {
                            end = e;
                        }
                        if ctx.push(&mut out, &a.id, end, Some(Period { start: begin, end }))? == Past::After
                            || cut.is_some()
                        {
                            break;
                        }
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (a.due, &a.rule.id, &a.subject).cmp(&(b.due, &b.rule.id, &b.subject)));
    Ok(out)
}

fn of_kind(facts: &Facts, kind: AuthorisationKind) -> impl Iterator<Item = &Authorisation> {
    facts.authorisations.iter().filter(move |a| a.kind == kind)
}

fn day_before(d: Date) -> Result<Date, ClockError> {
    d.checked_sub(1.day()).map_err(|_| ClockError::OutOfRange { date: d })
}

/// Where a due date fell relative to the window.
#[derive(Debug, PartialEq, Eq)]
enum Past {
    Before,
    Within,
    After,
}

struct Ctx<'a> {
    rules: &'a ReportingRules,
    rule: &'a ReportRule,
    cal: Option<&'a Calendar>,
    from: Date,
    to: Date,
}

impl Ctx<'_> {
    /// Adds the report when due in the window. A business-day walk that leaves the calendar is
    /// answered when the direction of the walk proves the due date is outside the window anyway
    /// (walking forward past `to`, or backward before `from`); otherwise it is an error.
    fn push(
        &self,
        out: &mut Vec<DueReport>,
        subject: &str,
        trigger: Date,
        period: Option<Period>,
    ) -> Result<Past, ClockError> {
        let due = match deadline_for(self.rule, trigger, self.cal) {
            Ok(d) => d,
            Err(ClockError::OutsideCalendar { date, .. }) if !self.rule.deadline.is_before() && date > self.to => {
                return Ok(Past::After);
            }
            Err(ClockError::OutsideCalendar { date, .. }) if self.rule.deadline.is_before() && date < self.from => {
                return Ok(Past::Before);
            }
            Err(e) => return Err(e),
        };
        if due < self.from {
            return Ok(Past::Before);
        }
        if due > self.to {
            return Ok(Past::After);
        }
        out.push(DueReport {
            rule: RuleRef {
                rule_set: self.rules.id.clone(),
                version: self.rules.version,
                id: self.rule.id.clone(),
                source: self.rule.source.clone(),
                deadline_source: self.rule.deadline_source.clone(),
            },
            name: self.rule.name.clone(),
            recipient: self.rule.recipient.clone(),
            subject: subject.to_string(),
            trigger_date: trigger,
            period,
            due,
        });
        Ok(Past::Within)
    }
}

/// Facts that would make a clock silently not run are errors: an expiry before the start, or
/// no expiry on an authorisation whose report counts from its expiry.
fn check_facts(applicable: &[&ReportRule], facts: &Facts) -> Result<(), ClockError> {
    let mut v = Vec::new();
    for (i, a) in facts.authorisations.iter().enumerate() {
        if a.id.trim().is_empty() {
            v.push(Violation::new(format!("authorisations[{i}].id"), "required", "id must not be empty"));
        }
        match a.expiry {
            Some(e) if e < a.start => v.push(Violation::new(
                format!("authorisations[{i}].expiry"),
                "range",
                format!("expiry {e} is before start {}", a.start),
            )),
            None => {
                for r in applicable {
                    if r.trigger == (Trigger::AuthorisationExpiry { authorisation: a.kind }) {
                        v.push(Violation::new(
                            format!("authorisations[{i}].expiry"),
                            "required",
                            format!("expiry is required: rule {} counts from it", r.id),
                        ));
                    }
                }
            }
            Some(_) => {}
        }
    }
    for (i, e) in facts.events.iter().enumerate() {
        if e.id.trim().is_empty() {
            v.push(Violation::new(format!("events[{i}].id"), "required", "id must not be empty"));
        }
    }
    if v.is_empty() { Ok(()) } else { Err(ClockError::InvalidFacts(v)) }
}
