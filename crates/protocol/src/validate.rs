//! Loading and checking a protocol file.
//!
//! Parsing happens in two steps: `toml` checks syntax and shape (types, unknown keys, missing
//! keys) and reports the span of the offending text; then [`check`] applies the clinical and
//! structural rules, reporting the line of the offending value through `Spanned` fields. All
//! semantic problems are collected, not just the first, so one run fixes a whole file.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use crate::format::{DoseFile, ProtocolFile, VisitFile};
use crate::protocol::{
    Anchor, DosePlan, MIN_THERAPISTS_EXPERIMENTAL, Phase, Problem, Protocol, ProtocolError, StaffRequirement,
    SupplementalDose, Visit, VisitKind, VisitType, Window,
};

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

struct Collector<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Collector<'_> {
    fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let line = line_of(self.text, span.start);
        self.problems.push(Problem { line, message: message.into() });
    }
}

/// Parses and validates; see the module documentation.
pub(crate) fn parse(source_name: &str, text: &str) -> Result<Protocol, ProtocolError> {
    let file: ProtocolFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            return Err(ProtocolError {
                source_name: source_name.to_string(),
                problems: vec![Problem { line, message: e.message().trim().to_string() }],
            });
        }
    };
    let mut c = Collector { text, problems: Vec::new() };
    let protocol = check(file, &mut c);
    if c.problems.is_empty() {
        Ok(protocol)
    } else {
        // Stable sort keeps the order problems were found in within one line.
        c.problems.sort_by_key(|p| p.line);
        Err(ProtocolError { source_name: source_name.to_string(), problems: c.problems })
    }
}

/// Ids are used in URLs, file names and anchors: keep them to a safe alphabet.
fn check_id(c: &mut Collector<'_>, what: &str, id: &Spanned<String>) {
    let s = id.get_ref();
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '-');
    if !ok {
        c.at(id.span(), format!("{what} id {s:?} must be 1-64 characters of lower-case letters, digits, '_' or '-'"));
    }
}

fn check_unique<'a>(c: &mut Collector<'_>, what: &str, ids: impl Iterator<Item = &'a Spanned<String>>) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for id in ids {
        let line = line_of(c.text, id.span().start);
        if let Some(first) = seen.get(id.get_ref().as_str()) {
            let first = *first;
            c.at(id.span(), format!("duplicate {what} id {:?} (first defined on line {first})", id.get_ref()));
        } else {
            seen.insert(id.get_ref(), line);
        }
    }
}

fn check(file: ProtocolFile, c: &mut Collector<'_>) -> Protocol {
    check_id(c, "protocol", &file.id);
    let version = match u32::try_from(*file.version.get_ref()) {
        Ok(v) if v >= 1 => v,
        _ => {
            c.at(
                file.version.span(),
                format!("version must be a positive whole number, got {}", file.version.get_ref()),
            );
            0
        }
    };
    if file.title.get_ref().trim().is_empty() {
        c.at(file.title.span(), "title must not be empty");
    }

    // Phases.
    for p in &file.phases {
        check_id(c, "phase", &p.id);
    }
    check_unique(c, "phase", file.phases.iter().map(|p| &p.id));
    let phase_order: BTreeMap<&str, usize> = file
        .phases
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.get_ref().as_str(), i))
        .rev() // first definition wins for duplicates
        .collect();

    // Visit types.
    let mut types: Vec<VisitType> = Vec::new();
    for t in &file.visit_types {
        check_id(c, "visit type", &t.id);
        let kind = match VisitKind::parse(t.kind.get_ref()) {
            Some(k) => Some(k),
            None => {
                let all: Vec<&str> = VisitKind::ALL.iter().map(|k| k.as_str()).collect();
                c.at(
                    t.kind.span(),
                    format!("unknown visit kind {:?}; expected one of {}", t.kind.get_ref(), all.join(", ")),
                );
                None
            }
        };
        if *t.duration_minutes.get_ref() == 0 {
            c.at(
                t.duration_minutes.span(),
                format!("visit type {:?}: duration_minutes must be greater than zero", t.id.get_ref()),
            );
        }
        let therapists = t.staff.therapists.as_ref().map(|s| *s.get_ref()).unwrap_or(0);
        let clinicians = t.staff.clinicians.as_ref().map(|s| *s.get_ref()).unwrap_or(0);
        if kind == Some(VisitKind::Experimental) && therapists < MIN_THERAPISTS_EXPERIMENTAL {
            let span = t.staff.therapists.as_ref().map(|s| s.span()).unwrap_or_else(|| t.kind.span());
            c.at(
                span,
                format!(
                    "experimental visit type {:?} requires therapists = {therapists}; the programme \
                     rule is at least {MIN_THERAPISTS_EXPERIMENTAL} credentialed therapists for the whole session",
                    t.id.get_ref()
                ),
            );
        }
        types.push(VisitType {
            id: t.id.get_ref().clone(),
            label: t.label.clone(),
            kind: kind.unwrap_or(VisitKind::Assessment),
            duration_minutes: *t.duration_minutes.get_ref(),
            staff: StaffRequirement { therapists, clinicians },
            overnight: t.overnight,
            instruments: t.instruments.clone(),
        });
    }
    check_unique(c, "visit type", file.visit_types.iter().map(|t| &t.id));
    let type_by_id: BTreeMap<&str, &VisitType> = types.iter().rev().map(|t| (t.id.as_str(), t)).collect();

    // Visits.
    check_unique(c, "visit", file.visits.iter().map(|v| &v.id));
    let index_of: BTreeMap<&str, usize> =
        file.visits.iter().enumerate().rev().map(|(i, v)| (v.id.get_ref().as_str(), i)).collect();
    // Nominal day of each visit (no actual dates), when computable; used for the order rule.
    let mut day: Vec<Option<i64>> = Vec::with_capacity(file.visits.len());
    let mut visits = Vec::with_capacity(file.visits.len());
    let mut prev_phase: Option<(usize, &str)> = None;
    let mut prev_day: Option<(i64, &str)> = None;
    for (i, v) in file.visits.iter().enumerate() {
        check_id(c, "visit", &v.id);
        if v.id.get_ref() == "baseline" {
            c.at(v.id.span(), "visit id \"baseline\" is reserved for the course baseline used by anchors");
        }
        let vt = type_by_id.get(v.visit_type.get_ref().as_str()).copied();
        if vt.is_none() {
            c.at(
                v.visit_type.span(),
                format!("visit {:?}: unknown visit type {:?}", v.id.get_ref(), v.visit_type.get_ref()),
            );
        }
        match phase_order.get(v.phase.get_ref().as_str()) {
            None => c.at(v.phase.span(), format!("visit {:?}: unknown phase {:?}", v.id.get_ref(), v.phase.get_ref())),
            Some(&p) => {
                if let Some((pp, pid)) = prev_phase
                    && p < pp
                {
                    c.at(
                        v.phase.span(),
                        format!(
                            "visit {:?} is in phase {:?} but follows a visit in the later phase {pid:?}; phases run in order",
                            v.id.get_ref(),
                            v.phase.get_ref()
                        ),
                    );
                }
                prev_phase = Some((p, v.phase.get_ref().as_str()));
            }
        }

        let anchor = check_anchor(c, &file.visits, &index_of, i, v);
        let offset = *v.offset_days.get_ref();
        if matches!(anchor, Some(Anchor::Visit(_))) && offset < 0 {
            c.at(
                v.offset_days.span(),
                format!(
                    "visit {:?}: offset_days = {offset} would place it before the visit it is anchored on; \
                     only visits anchored on baseline may have a negative offset",
                    v.id.get_ref()
                ),
            );
        }
        let d = match &anchor {
            Some(Anchor::Baseline) => Some(i64::from(offset)),
            Some(Anchor::Visit(a)) => {
                index_of.get(a.as_str()).and_then(|&j| day.get(j).copied().flatten()).map(|d| d + i64::from(offset))
            }
            None => None,
        };
        if let (Some(d), Some((pd, pid))) = (d, prev_day)
            && d < pd
        {
            c.at(
                v.offset_days.span(),
                format!(
                    "visit {:?} falls on day {d} of the course, before the previous visit {pid:?} (day {pd}); \
                     list visits in course order",
                    v.id.get_ref()
                ),
            );
        }
        if let Some(d) = d {
            prev_day = Some((d, v.id.get_ref().as_str()));
        }
        day.push(d);

        let (early, late) = *v.window.get_ref();
        if i64::from(early) + i64::from(late) < 0 {
            c.at(
                v.window.span(),
                format!(
                    "visit {:?}: window [{early}, {late}] ends before it starts \
                     (early_days + late_days is negative)",
                    v.id.get_ref()
                ),
            );
        } else if early < 0 || late < 0 {
            c.at(
                v.window.span(),
                format!(
                    "visit {:?}: window [{early}, {late}] does not contain the target date; \
                     early and late days must be 0 or more",
                    v.id.get_ref()
                ),
            );
        }

        let dose = check_dose(c, v, vt);
        visits.push(Visit {
            id: v.id.get_ref().clone(),
            visit_type: v.visit_type.get_ref().clone(),
            phase: v.phase.get_ref().clone(),
            anchor: anchor.unwrap_or(Anchor::Baseline),
            offset_days: offset,
            window: Window { early_days: early, late_days: late },
            dose,
        });
    }
    if file.visits.is_empty() {
        c.problems.push(Problem { line: 1, message: "a protocol needs at least one visit ([[visits]])".to_string() });
    }

    Protocol {
        id: file.id.get_ref().clone(),
        version,
        title: file.title.get_ref().clone(),
        citations: file.citations,
        phases: file.phases.iter().map(|p| Phase { id: p.id.get_ref().clone(), label: p.label.clone() }).collect(),
        visit_types: types,
        visits,
    }
}

/// Anchors must name `baseline` or an earlier visit; a later visit is refused (and, if it leads
/// back here, reported as a cycle).
fn check_anchor(
    c: &mut Collector<'_>,
    visits: &[VisitFile],
    index_of: &BTreeMap<&str, usize>,
    i: usize,
    v: &VisitFile,
) -> Option<Anchor> {
    let a = v.anchor.get_ref();
    if a == "baseline" {
        return Some(Anchor::Baseline);
    }
    let id = v.id.get_ref();
    let Some(&j) = index_of.get(a.as_str()) else {
        c.at(v.anchor.span(), format!("visit {id:?}: anchor {a:?} is neither \"baseline\" nor a visit id"));
        return None;
    };
    if j < i {
        return Some(Anchor::Visit(a.clone()));
    }
    // Follow the chain from the anchor: does it come back to this visit?
    let mut path = vec![id.clone(), a.clone()];
    let mut seen = BTreeSet::new();
    let mut cur = j;
    let mut cycle = j == i;
    while !cycle && seen.insert(cur) {
        let next = visits[cur].anchor.get_ref();
        match index_of.get(next.as_str()) {
            Some(&k) => {
                path.push(next.clone());
                if k == i {
                    cycle = true;
                }
                cur = k;
            }
            None => break,
        }
    }
    if cycle {
        c.at(v.anchor.span(), format!("visit {id:?}: anchor cycle {}", path.join(" -> ")));
    } else {
        c.at(
            v.anchor.span(),
            format!(
                "visit {id:?}: anchor {a:?} is a later visit; a visit may only be anchored on baseline or an earlier visit"
            ),
        );
    }
    None
}

fn check_dose(c: &mut Collector<'_>, v: &VisitFile, vt: Option<&VisitType>) -> Option<DosePlan> {
    let id = v.id.get_ref();
    let experimental = vt.map(|t| t.kind == VisitKind::Experimental);
    let Some(dose) = &v.dose else {
        if experimental == Some(true) {
            c.at(
                v.visit_type.span(),
                format!("experimental visit {id:?} has no dose plan ([visits.dose] with initial_mg)"),
            );
        }
        return None;
    };
    if experimental == Some(false) {
        c.at(
            dose.initial_mg.span(),
            format!(
                "visit {id:?} is not an experimental session (type {:?}) but has a dose plan",
                v.visit_type.get_ref()
            ),
        );
    }
    let DoseFile { initial_mg, supplemental_mg, supplemental_window_minutes } = dose;
    positive_mg(c, id, "initial_mg", initial_mg);
    let supplemental = match (supplemental_mg, supplemental_window_minutes) {
        (None, None) => None,
        (Some(mg), None) => {
            positive_mg(c, id, "supplemental_mg", mg);
            c.at(mg.span(), format!("visit {id:?}: supplemental_mg needs supplemental_window_minutes = [from, to]"));
            None
        }
        (None, Some(w)) => {
            c.at(w.span(), format!("visit {id:?}: supplemental_window_minutes given without supplemental_mg"));
            None
        }
        (Some(mg), Some(w)) => {
            positive_mg(c, id, "supplemental_mg", mg);
            let (from, to) = *w.get_ref();
            let duration = vt.map(|t| i64::from(t.duration_minutes));
            if from < 0 || to < 0 {
                c.at(
                    w.span(),
                    format!("visit {id:?}: supplemental window [{from}, {to}] minutes must not be negative"),
                );
                None
            } else if to < from {
                c.at(
                    w.span(),
                    format!("visit {id:?}: supplemental window [{from}, {to}] minutes ends before it starts"),
                );
                None
            } else if let Some(d) = duration
                && to > d
            {
                c.at(
                    w.span(),
                    format!(
                        "visit {id:?}: supplemental window ends {to} minutes after the initial dose, \
                         after the end of the {d}-minute session"
                    ),
                );
                None
            } else {
                Some(SupplementalDose {
                    mg: *mg.get_ref(),
                    from_minutes: u32::try_from(from).unwrap_or(0),
                    to_minutes: u32::try_from(to).unwrap_or(0),
                })
            }
        }
    };
    Some(DosePlan { initial_mg: *initial_mg.get_ref(), supplemental })
}

fn positive_mg(c: &mut Collector<'_>, id: &str, key: &str, mg: &Spanned<f64>) {
    let v = *mg.get_ref();
    if !(v.is_finite() && v > 0.0) {
        c.at(mg.span(), format!("visit {id:?}: {key} must be a positive number of milligrams, got {v}"));
    }
}
