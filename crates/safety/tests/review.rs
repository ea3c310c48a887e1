#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Solicited checklists and their gaps, the CIOMS I fields, DSMB listings and incidence tables,
//! and the dashboard signals.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use catalyst_safety::{
    AdverseEvent, Answers, CheckPoints, ChecklistInput, CiomsFacts, Outcome, Pathway, Presence, Reply, SaeFacts,
    SessionTimes, Severity, TermAnswer, When, checklist_from, cioms_i, clocks_for, event_from, incidence_csv,
    incidence_table, listing, listing_csv, missing_checks, signals,
};
use common::{World, calendars, d, input, reporting, t, terms, zone};

fn points() -> CheckPoints {
    CheckPoints::builtin().unwrap()
}

fn all_absent() -> Vec<TermAnswer> {
    terms().solicited().map(|x| TermAnswer { term: x.id.clone(), answer: Presence::Absent, reason: None }).collect()
}

fn checklist(answers: Answers) -> ChecklistInput {
    ChecklistInput {
        session_id: "S-1".into(),
        participant_id: "P-001".into(),
        clinician_id: "dr-lee".into(),
        recorded_at: t("2026-03-10T12:00:00Z"),
        answers,
        questions: BTreeMap::new(),
    }
}

fn rules(v: &[catalyst_safety::Violation]) -> Vec<(&str, &str)> {
    v.iter().map(|x| (x.field.as_str(), x.rule.as_str())).collect()
}

#[test]
fn every_solicited_term_is_answered_one_by_one() {
    let p = points();
    let during = p.get("during_session").unwrap();
    let mut answers = all_absent();
    answers.iter_mut().find(|a| a.term == "euphoria").unwrap().answer = Presence::Present;
    let c = checklist_from(&checklist(Answers::Each(answers)), &terms(), during).unwrap();
    assert_eq!(c.answers.len(), terms().solicited().count());
    assert_eq!(c.present(), vec!["euphoria"]);
    // One blanket "none", as a word or as a pseudo-term, is refused.
    let err = checklist_from(&checklist(Answers::Blanket("none".into())), &terms(), during).unwrap_err();
    assert_eq!(rules(&err), vec![("answers", "each_term")]);
    let none = vec![TermAnswer { term: "None".into(), answer: Presence::Absent, reason: None }];
    let err = checklist_from(&checklist(Answers::Each(none)), &terms(), during).unwrap_err();
    assert_eq!(err[0].rule, "each_term");
    assert!(err.iter().any(|v| v.field == "answers.euphoria" && v.rule == "required"));
    // JSON: a string for the whole list is the blanket answer.
    let json = serde_json::json!({ "session_id": "S-1", "participant_id": "P-001", "clinician_id": "dr-lee",
        "recorded_at": 0, "answers": "none" });
    let parsed: ChecklistInput = serde_json::from_value(json).unwrap();
    assert_eq!(parsed.answers, Answers::Blanket("none".into()));
    // Missing terms are named; not asked needs a reason; duplicates and unsolicited terms refused.
    let mut some = all_absent();
    some.retain(|a| a.term != "dissociation" && a.term != "fever");
    some[0].answer = Presence::NotAsked;
    some.push(some[1].clone());
    some.push(TermAnswer { term: "insomnia".into(), answer: Presence::Present, reason: None });
    let err = checklist_from(&checklist(Answers::Each(some)), &terms(), during).unwrap_err();
    let n = terms().solicited().count() - 2;
    assert_eq!(
        rules(&err),
        vec![
            ("answers[0].reason", "required"),
            (format!("answers[{n}].term").as_str(), "unique"),
            (format!("answers[{}].term", n + 1).as_str(), "not_on_checklist"),
            ("answers.dissociation", "required"),
            ("answers.fever", "required"),
        ]
    );
}

#[test]
fn not_asked_needs_a_reason_in_words_and_is_never_clean() {
    let p = points();
    let during = p.get("during_session").unwrap();
    let not_asked = |reason: &str| {
        let mut all = all_absent();
        for a in &mut all {
            a.answer = Presence::NotAsked;
            a.reason = Some(reason.into());
        }
        checklist(Answers::Each(all))
    };
    let err = checklist_from(&not_asked("."), &terms(), during).unwrap_err();
    assert_eq!(err.len(), terms().solicited().count());
    assert!(err.iter().all(|v| v.rule == "words"), "{err:?}");
    let c = checklist_from(&not_asked(" participant asleep "), &terms(), during).unwrap();
    assert_eq!(c.not_asked().len(), terms().solicited().count());
    assert!(c.present().is_empty());
    assert_eq!(c.answers[0].reason.as_deref(), Some("participant asleep"));
    // A reason belongs to a term not asked only.
    let mut answers = all_absent();
    answers[0].reason = Some("asked twice".into());
    let err = checklist_from(&checklist(Answers::Each(answers)), &terms(), during).unwrap_err();
    assert_eq!(rules(&err), vec![("answers[0].reason", "only_for_not_asked")]);
}

#[test]
fn the_seven_day_visit_asks_about_non_medical_mdma_use() {
    let p = points();
    let day7 = p.get("day_7").unwrap();
    let err = checklist_from(&checklist(Answers::Each(all_absent())), &terms(), day7).unwrap_err();
    assert_eq!(rules(&err), vec![("questions.non_medical_mdma_use", "required")]);
    let mut c = checklist(Answers::Each(all_absent()));
    c.questions.insert("non_medical_mdma_use".into(), Reply::No);
    assert!(checklist_from(&c, &terms(), day7).is_ok());
    // And a point that does not ask it refuses an answer to it.
    let err = checklist_from(&c, &terms(), p.get("session_end").unwrap()).unwrap_err();
    assert_eq!(rules(&err), vec![("questions.non_medical_mdma_use", "unknown_question")]);
}

#[test]
fn a_session_without_its_checklists_is_a_gap() {
    let p = points();
    let sessions = vec![
        SessionTimes {
            session_id: "S-1".into(),
            participant_id: "P-001".into(),
            started_at: t("2026-03-10T00:00:00Z"),
            ended_at: Some(t("2026-03-10T08:00:00Z")),
        },
        SessionTimes {
            session_id: "S-2".into(),
            participant_id: "P-002".into(),
            started_at: t("2026-03-11T00:00:00Z"),
            ended_at: None,
        },
    ];
    let during =
        checklist_from(&checklist(Answers::Each(all_absent())), &terms(), p.get("during_session").unwrap()).unwrap();
    let gaps = missing_checks(&p, &sessions, &[during], t("2026-03-11T12:00:00Z"));
    let got: Vec<(&str, &str, String)> =
        gaps.iter().map(|g| (g.session_id.as_str(), g.point.as_str(), g.due_at.to_rfc3339())).collect();
    assert_eq!(
        got,
        vec![
            ("S-1", "session_end", "2026-03-10T10:00:00Z".into()),
            ("S-2", "during_session", "2026-03-11T08:00:00Z".into()),
        ]
    );
    // The next-day visit falls due 36 hours after the end; day 7 by 8 days after the start.
    let later = missing_checks(&p, &sessions, &[], t("2026-03-18T00:00:00Z"));
    let s1: Vec<&str> = later.iter().filter(|g| g.session_id == "S-1").map(|g| g.point.as_str()).collect();
    assert_eq!(s1, vec!["during_session", "session_end", "next_day_integration", "day_7"]);
}

fn event(id: &str, participant: &str, term: &str, severity: Severity, serious: bool) -> AdverseEvent {
    let w = World::new("Australia/Sydney");
    let mut i = input();
    i.participant_id = participant.into();
    i.term = term.into();
    i.severity = severity;
    if serious {
        i.serious = true;
        i.seriousness.hospitalisation = true;
    }
    event_from(id, &i, &w.facts("2026-03-12T00:00:00Z")).unwrap()
}

#[test]
fn cioms_fields_come_from_the_event_and_the_facts() {
    let e = event("AE-1", "P-001", "hypertension", Severity::Severe, true);
    let facts = CiomsFacts {
        patient_code: "P-001".into(),
        country: "AU".into(),
        age_years: Some(41),
        sex: "F".into(),
        suspect_drug: "MDMA hydrochloride (midomafetamine) capsules".into(),
        daily_dose: "120 mg + 60 mg supplemental".into(),
        route: "oral".into(),
        indication: "PTSD".into(),
        therapy_from: Some(d("2026-03-10")),
        therapy_to: Some(d("2026-03-10")),
        dechallenge: "not applicable".into(),
        rechallenge: "not applicable".into(),
        concomitant_drugs: "none".into(),
        relevant_history: "=cmd|' /C calc'!A0".into(),
        manufacturer: "Sponsor Pty Ltd".into(),
        control_number: "SP-2026-001".into(),
        date_received: Some(d("2026-03-11")),
        report_source: "study".into(),
        report_date: d("2026-03-12"),
        report_type: "initial".into(),
        reporter: "Dr A Lee, investigator".into(),
    };
    let form = cioms_i(&e, &facts, &zone("Australia/Sydney"));
    assert!(form.hospitalisation && !form.patient_died && !form.life_threatening);
    assert_eq!(form.reaction_onset, "2026-03-11 01:00 AEDT");
    assert!(form.description.starts_with("Hypertension (raised blood pressure) (reported: \"my head is pounding\")"));
    assert_eq!(form.therapy_duration_days, Some(1));
    let fields = form.fields();
    assert_eq!(fields[0], ("1. Patient initials (code)", "P-001".to_string()));
    assert!(fields.contains(&("8-12. Involved or prolonged inpatient hospitalisation", "X".to_string())));
    assert!(fields.contains(&("Causality, drug (investigator)", "probable".to_string())));
    let csv = form.to_csv();
    assert!(csv.contains("23. Other relevant history,'=cmd|' /C calc'!A0\n"), "{csv}");
}

#[test]
fn listings_and_incidence_are_blinded_unless_given_an_allocation() {
    let mut e3 = event("AE-3", "P-002", "euphoria", Severity::Moderate, false);
    e3.details.verbatim = "@SUM(1+1) felt amazing".into();
    let events = vec![
        event("AE-1", "P-001", "euphoria", Severity::Mild, false),
        event("AE-2", "P-001", "euphoria", Severity::Severe, true),
        e3,
        event("AE-4", "P-003", "headache", Severity::Mild, false),
    ];
    let z = zone("Australia/Sydney");
    let rows = listing(&events, &terms(), &z, None).unwrap();
    assert!(rows.iter().all(|r| r.arm.is_none()));
    let csv = listing_csv(&rows);
    assert!(!csv.contains("arm"));
    assert!(csv.contains(",'@SUM(1+1) felt amazing,"), "{csv}");

    let participants: BTreeSet<String> = ["P-001", "P-002", "P-003", "P-004"].map(String::from).into();
    let table = incidence_table(&events, &terms(), &participants, None).unwrap();
    assert_eq!(table.columns.len(), 1);
    assert_eq!(table.columns[0].participants, 4);
    let euphoria = &table.rows.iter().find(|r| r.term == "euphoria").unwrap().cells[0];
    assert_eq!((euphoria.participants, euphoria.events), (2, 3));
    assert_eq!((euphoria.worst_mild, euphoria.worst_moderate, euphoria.worst_severe), (0, 1, 1));
    assert_eq!((euphoria.serious, euphoria.related_to_drug, euphoria.related_to_therapy), (1, 2, 0));
    assert!(!incidence_csv(&table).contains("arm"));

    let alloc: BTreeMap<String, String> =
        [("P-001", "A"), ("P-002", "B"), ("P-003", "B"), ("P-004", "A")].map(|(p, a)| (p.into(), a.into())).into();
    let table = incidence_table(&events, &terms(), &participants, Some(&alloc)).unwrap();
    assert_eq!(
        table.columns.iter().map(|c| (c.arm.clone().unwrap(), c.participants)).collect::<Vec<_>>(),
        vec![("A".into(), 2), ("B".into(), 2)]
    );
    let euphoria = &table.rows.iter().find(|r| r.term == "euphoria").unwrap().cells;
    assert_eq!((euphoria[0].participants, euphoria[1].participants), (1, 1));
    assert!(incidence_csv(&table).starts_with("term,label,category,arm,"));
    assert_eq!(listing(&events, &terms(), &z, Some(&alloc)).unwrap()[0].arm.as_deref(), Some("A"));
    // An allocation missing a participant is refused rather than counted in the wrong arm.
    let mut partial = alloc.clone();
    partial.remove("P-004");
    let err = incidence_table(&events, &terms(), &participants, Some(&partial)).unwrap_err();
    assert_eq!((err[0].field.as_str(), err[0].rule.as_str()), ("participants", "no_arm"));
    // An event of someone not counted is refused.
    let few: BTreeSet<String> = ["P-001"].map(String::from).into();
    assert!(incidence_table(&events, &terms(), &few, None).is_err());
}

#[test]
fn dashboard_signals() {
    let serious = event("AE-1", "P-001", "hypertension", Severity::Severe, true);
    let mut closed = event("AE-2", "P-001", "headache", Severity::Mild, false);
    closed.details.outcome = Some(Outcome::Recovered);
    let mut dated = event("AE-3", "P-002", "nausea", Severity::Mild, false);
    dated.details.onset = When::Date(d("2026-03-10"));
    let z = zone("Australia/Sydney");
    let mut f = SaeFacts::of(&serious, z.clone());
    f.sponsor_first_knowledge_at = Some(t("2026-03-10T20:00:00Z"));
    let clocks = clocks_for(&f, Pathway::SponsoredTrial, "AU-NSW", &reporting(), &calendars()).unwrap();
    // Site aware 10 March 15:00 UTC: its 24 hours end 11 March 15:00 UTC.
    let s = signals(&[serious.clone(), closed.clone(), dated.clone()], &clocks, &[], &z, t("2026-03-11T00:00:00Z"));
    assert_eq!(s.open_serious, vec!["AE-1"]);
    assert_eq!(s.clocks_due_soon.iter().map(|c| c.rule_id.as_str()).collect::<Vec<_>>(), vec!["au_site_to_sponsor"]);
    assert!(s.clocks_overdue.is_empty());
    assert!(s.without_outcome.is_empty());
    let later = signals(&[serious, closed, dated], &clocks, &[], &z, t("2026-04-09T14:00:00Z"));
    // Both running clocks are overdue by then: the site's, and the provisional 15-day TGA clock
    // (expectedness outstanding), oldest first.
    let overdue: Vec<&str> = later.clocks_overdue.iter().map(|c| c.rule_id.as_str()).collect();
    assert_eq!(overdue, vec!["au_site_to_sponsor", "au_tga_15_day"]);
    assert!(later.clocks_overdue[1].provisional.is_some());
    // 30 days after onset: AE-1's instant passed on 9 April 14:00 UTC; AE-3's date (10 March,
    // Sydney) reaches 9 April only when Sydney's date does (9 April 00:00 AEST is 8 April 14:00 UTC).
    assert_eq!(later.without_outcome, vec!["AE-1", "AE-3"]);
}
