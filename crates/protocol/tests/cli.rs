#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The text behind `catalyst protocol check FILE` and `catalyst protocol list`.

mod common;

use catalyst_protocol::{check_protocol_text, list_builtin};
use common::{BASE, with_lines};
use jiff::civil::date;

#[test]
fn check_prints_a_schedule_table() {
    let out = check_protocol_text("t.toml", BASE, date(2026, 1, 5)).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "t version 1: Test");
    assert_eq!(lines[1], "Sample schedule for baseline 2026-01-05");
    assert_eq!(lines.len(), 3 + 3);
    // e1: p1 (2026-01-05) + 7 days; e2: e1 + 28 days.
    assert!(
        lines[4].contains("e1") && lines[4].contains("2026-01-12") && lines[4].contains("80 mg + 40 mg at 90-150 min"),
        "{out}"
    );
    assert!(lines[5].contains("2026-02-09  2026-02-02 .. 2026-02-16") && lines[5].ends_with("120 mg"), "{out}");
}

#[test]
fn check_reports_file_and_line_for_every_problem() {
    let text = with_lines(&[(40, r#"type = "expx""#), (18, "duration_minutes = 0")]);
    let err = check_protocol_text("bad.toml", &text, date(2026, 1, 5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad.toml:18: visit type \"prep\": duration_minutes must be greater than zero\n\
         bad.toml:40: visit \"e1\": unknown visit type \"expx\""
    );
}

#[test]
fn list_shows_the_builtin_protocols() {
    let out = list_builtin();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("mapp1      v1    22 visits  "), "{out}");
    assert!(lines[1].starts_with("seed001    v1    22 visits  "), "{out}");
}
