#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every validation rule, with the exact line it reports.

mod common;

use catalyst_protocol::{Protocol, ProtocolError, Protocols, VisitKind};
use common::{BASE, with_lines};

fn errors(text: &str) -> ProtocolError {
    match Protocol::from_toml("t.toml", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

/// Exactly one problem, on `line`, whose message contains `needle`.
fn one(changes: &[(usize, &str)], line: usize, needle: &str) {
    let e = errors(&with_lines(changes));
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].line, line, "{e}");
    assert!(e.problems[0].message.contains(needle), "{e}");
}

#[test]
fn base_fixture_is_valid_and_lines_are_where_tests_expect() {
    let p = Protocol::from_toml("t.toml", BASE).unwrap();
    assert_eq!(p.visits().len(), 3);
    let lines: Vec<&str> = BASE.lines().collect();
    assert_eq!(lines[38], r#"id = "e1""#);
    assert_eq!(lines[53], "dose = { initial_mg = 120 }");
}

#[test]
fn unknown_visit_type() {
    one(&[(40, r#"type = "expx""#)], 40, r#"visit "e1": unknown visit type "expx""#);
}

#[test]
fn unknown_visit_kind() {
    one(&[(17, r#"kind = "dosing""#)], 17, r#"unknown visit kind "dosing""#);
}

#[test]
fn unknown_phase() {
    one(&[(33, r#"phase = "prep""#)], 33, r#"visit "p1": unknown phase "prep""#);
}

#[test]
fn window_ending_before_it_starts() {
    one(&[(44, "window = [-3, 1]")], 44, "window [-3, 1] ends before it starts");
}

#[test]
fn window_not_containing_target() {
    one(&[(44, "window = [-1, 3]")], 44, "does not contain the target date");
}

#[test]
fn anchor_unknown() {
    one(&[(42, r#"anchor = "nope""#)], 42, r#"anchor "nope" is neither "baseline" nor a visit id"#);
}

#[test]
fn anchor_later_visit() {
    one(&[(34, r#"anchor = "e1""#), (42, r#"anchor = "baseline""#)], 34, r#"anchor "e1" is a later visit"#);
}

#[test]
fn anchor_cycle() {
    one(&[(42, r#"anchor = "e2""#)], 42, "anchor cycle e1 -> e2 -> e1");
}

#[test]
fn anchor_on_itself_is_a_cycle() {
    one(&[(42, r#"anchor = "e1""#)], 42, "anchor cycle e1 -> e1");
}

#[test]
fn duplicate_visit_id() {
    one(&[(48, r#"id = "e1""#)], 48, r#"duplicate visit id "e1" (first defined on line 39)"#);
}

#[test]
fn duplicate_phase_id() {
    one(
        &[(11, r#"id = "preparation""#), (41, r#"phase = "preparation""#), (50, r#"phase = "preparation""#)],
        11,
        "duplicate phase id",
    );
}

#[test]
fn duplicate_visit_type_id() {
    let e = errors(&with_lines(&[(22, r#"id = "prep""#)]));
    let lines: Vec<usize> = e.problems.iter().map(|p| p.line).collect();
    // The duplicate, and the two visits that now name a type that does not exist.
    assert_eq!(lines, vec![22, 40, 49], "{e}");
    assert!(e.problems[0].message.contains(r#"duplicate visit type id "prep" (first defined on line 15)"#));
}

#[test]
fn experimental_without_dose_plan() {
    one(&[(54, "")], 49, r#"experimental visit "e2" has no dose plan"#);
}

#[test]
fn dose_plan_on_non_experimental_visit() {
    one(&[(37, "dose = { initial_mg = 80 }")], 37, r#"visit "p1" is not an experimental session"#);
}

#[test]
fn supplemental_window_ending_before_it_starts() {
    one(
        &[(45, "dose = { initial_mg = 80, supplemental_mg = 40, supplemental_window_minutes = [150, 90] }")],
        45,
        "supplemental window [150, 90] minutes ends before it starts",
    );
}

#[test]
fn supplemental_window_after_session_end() {
    one(
        &[(45, "dose = { initial_mg = 80, supplemental_mg = 40, supplemental_window_minutes = [90, 500] }")],
        45,
        "after the end of the 480-minute session",
    );
}

#[test]
fn supplemental_without_window() {
    one(
        &[(54, "dose = { initial_mg = 120, supplemental_mg = 60 }")],
        54,
        "supplemental_mg needs supplemental_window_minutes",
    );
}

#[test]
fn zero_initial_dose() {
    one(&[(54, "dose = { initial_mg = 0 }")], 54, "initial_mg must be a positive number of milligrams, got 0");
}

#[test]
fn negative_supplemental_dose() {
    one(
        &[(45, "dose = { initial_mg = 80, supplemental_mg = -40, supplemental_window_minutes = [90, 150] }")],
        45,
        "supplemental_mg must be a positive number",
    );
}

#[test]
fn dose_on_its_own_lines_reports_the_value_line() {
    let text = with_lines(&[(
        45,
        "[visits.dose]\ninitial_mg = 80\nsupplemental_mg = 40\nsupplemental_window_minutes = [150, 90]",
    )]);
    let e = errors(&text);
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].line, 48, "{e}");
}

#[test]
fn zero_duration() {
    one(&[(18, "duration_minutes = 0")], 18, r#"visit type "prep": duration_minutes must be greater than zero"#);
}

#[test]
fn experimental_with_one_therapist() {
    one(&[(26, "staff = { therapists = 1 }")], 26, "requires therapists = 1; the programme rule is at least 2");
}

#[test]
fn experimental_with_no_staff_reports_kind_line() {
    one(&[(26, "")], 24, "requires therapists = 0");
}

#[test]
fn unknown_key_in_visit_type() {
    one(&[(27, "overnite = true")], 27, "unknown field `overnite`");
}

#[test]
fn unknown_key_at_top_level() {
    one(&[(5, r#"author = "x""#)], 5, "unknown field `author`");
}

#[test]
fn unknown_key_in_dose() {
    one(&[(54, "dose = { initial_mg = 120, booster_mg = 60 }")], 54, "unknown field `booster_mg`");
}

#[test]
fn wrong_type() {
    one(&[(35, r#"offset_days = "7""#)], 35, "invalid type");
}

#[test]
fn negative_duration_is_a_type_error_on_its_line() {
    one(&[(25, "duration_minutes = -480")], 25, "");
}

#[test]
fn syntax_error() {
    // Reported where the parser notices: the same line for a malformed value...
    let e = errors(&with_lines(&[(36, "window = [0 2]")]));
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].line, 36, "{e}");
    assert!(!e.problems[0].message.is_empty(), "{e}");
    // ...and at the next table header for an array left open.
    let e = errors(&with_lines(&[(36, "window = [0, 2")]));
    assert_eq!(e.problems[0].line, 38, "{e}");
}

#[test]
fn duplicate_key_is_a_syntax_error_on_its_line() {
    one(&[(37, "offset_days = 1")], 37, "duplicate key");
}

#[test]
fn negative_offset_from_a_visit() {
    let e = errors(&with_lines(&[(52, "offset_days = -1")]));
    let lines: Vec<usize> = e.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![52, 52], "{e}");
    assert!(e.problems[0].message.contains("before the visit it is anchored on"));
    assert!(e.problems[1].message.contains("falls on day 6 of the course, before the previous visit \"e1\" (day 7)"));
}

#[test]
fn visits_out_of_course_order() {
    one(
        &[(51, r#"anchor = "baseline""#), (52, "offset_days = 3")],
        52,
        r#"visit "e2" falls on day 3 of the course, before the previous visit "e1" (day 7)"#,
    );
}

#[test]
fn phases_out_of_order() {
    one(&[(50, r#"phase = "preparation""#)], 50, "follows a visit in the later phase \"treatment\"");
}

#[test]
fn reserved_baseline_id() {
    let e = errors(&with_lines(&[(31, r#"id = "baseline""#), (42, r#"anchor = "baseline""#)]));
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].line, 31);
    assert!(e.problems[0].message.contains("reserved"));
}

#[test]
fn bad_id_characters() {
    one(&[(1, r#"id = "MAPP 1""#)], 1, "protocol id \"MAPP 1\" must be");
}

#[test]
fn version_must_be_positive() {
    one(&[(2, "version = 0")], 2, "version must be a positive whole number, got 0");
}

#[test]
fn no_visits() {
    let text: String = "visits = []\n".to_string() + &BASE.lines().take(29).collect::<Vec<_>>().join("\n");
    let e = errors(&text);
    assert!(e.problems.iter().any(|p| p.message.contains("at least one visit")), "{e}");
}

#[test]
fn missing_key_is_reported() {
    let e = errors(&with_lines(&[(43, "")]));
    assert_eq!(e.problems.len(), 1, "{e}");
    assert!(e.problems[0].message.contains("missing field `offset_days`"), "{e}");
    // The table that lacks the key: its [[visits]] header.
    assert_eq!(e.problems[0].line, 38, "{e}");
}

#[test]
fn all_problems_are_reported_sorted_with_file_and_line() {
    let e = errors(&with_lines(&[
        (54, "dose = { initial_mg = -1 }"),
        (18, "duration_minutes = 0"),
        (33, r#"phase = "nope""#),
    ]));
    let shown = e.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 3, "{shown}");
    assert!(lines[0].starts_with("t.toml:18: "), "{shown}");
    assert!(lines[1].starts_with("t.toml:33: "), "{shown}");
    assert!(lines[2].starts_with("t.toml:54: "), "{shown}");
}

#[test]
fn builtin_protocols_follow_their_sources() {
    let reg = Protocols::builtin().unwrap();
    let ids: Vec<(String, u32)> = reg.list().iter().map(|p| (p.id().to_string(), p.version())).collect();
    assert_eq!(ids, vec![("mapp1".to_string(), 1), ("seed001".to_string(), 1)]);
    for p in reg.list() {
        let count = |k: VisitKind| p.visits().iter().filter(|v| p.visit_type(&v.visit_type).unwrap().kind == k).count();
        assert_eq!(count(VisitKind::Preparation), 3, "{}", p.id());
        assert_eq!(count(VisitKind::Experimental), 3, "{}", p.id());
        assert_eq!(count(VisitKind::Integration), 9, "{}", p.id());
        for v in p.visits() {
            let t = p.visit_type(&v.visit_type).unwrap();
            match t.kind {
                VisitKind::Experimental => {
                    assert_eq!(t.duration_minutes, 480);
                    assert!(t.overnight);
                    assert!(t.staff.therapists >= 2);
                }
                VisitKind::Preparation | VisitKind::Integration => assert_eq!(t.duration_minutes, 90),
                _ => {}
            }
        }
        assert!(!p.citations().is_empty());
    }
    let doses = |id: &str| -> Vec<(f64, f64, u32, u32)> {
        reg.latest(id)
            .unwrap()
            .visits()
            .iter()
            .filter_map(|v| v.dose)
            .map(|d| {
                let s = d.supplemental.unwrap();
                (d.initial_mg, s.mg, s.from_minutes, s.to_minutes)
            })
            .collect()
    };
    assert_eq!(doses("mapp1"), vec![(80.0, 40.0, 90, 150), (120.0, 60.0, 90, 150), (120.0, 60.0, 90, 150)]);
    assert_eq!(doses("seed001"), vec![(125.0, 62.5, 105, 135); 3]);
}

#[test]
fn registry_versions() {
    let mut reg = Protocols::builtin().unwrap();
    assert!(reg.get("mapp1", 2).is_none());
    let amended = catalyst_protocol::protocol::BUILTIN_SOURCES[0].1.replace("version = 1", "version = 2");
    reg.insert(Protocol::from_toml("mapp1.v2.toml", &amended).unwrap()).unwrap();
    assert_eq!(reg.latest("mapp1").unwrap().version(), 2);
    assert_eq!(reg.get("mapp1", 1).unwrap().version(), 1);
    assert_eq!(reg.latest("seed001").unwrap().version(), 1);
    assert!(reg.latest("mapp").is_none());
    assert!(reg.latest("mapp10").is_none());
    let again = Protocol::from_toml("x", &amended).unwrap();
    assert!(matches!(reg.insert(again), Err(catalyst_protocol::RegistryError::Duplicate { version: 2, .. })));
    assert_eq!(reg.list().len(), 3);
}
