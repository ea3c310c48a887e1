#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! iCalendar text: structure, escaping, folding.

use catalyst_protocol::ics::{escape_text, fold_line};
use catalyst_protocol::{IcsEvent, ics_calendar};
use jiff::Timestamp;

fn event() -> IcsEvent {
    IcsEvent {
        uid: "booking-1@catalyst.example".into(),
        dtstamp: "2026-01-02T08:00:00Z".parse::<Timestamp>().unwrap(),
        start: "2026-03-08T13:00:00.5Z".parse::<Timestamp>().unwrap(),
        end: "2026-03-08T21:00:00Z".parse::<Timestamp>().unwrap(),
        summary: "Experimental session; room A, floor 2".into(),
        location: Some("Site 1\\North".into()),
        description: Some("Line one\nLine two\r\nLine three".into()),
    }
}

#[test]
fn calendar_structure_and_values() {
    let text = ics_calendar("Catalyst: site 1", &[event()]);
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "bare LF in output");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines,
        vec![
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Catalyst//catalyst-protocol//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Catalyst: site 1",
            "BEGIN:VEVENT",
            "UID:booking-1@catalyst.example",
            "DTSTAMP:20260102T080000Z",
            "DTSTART:20260308T130000Z",
            "DTEND:20260308T210000Z",
            "SUMMARY:Experimental session\\; room A\\, floor 2",
            "LOCATION:Site 1\\\\North",
            "DESCRIPTION:Line one\\nLine two\\nLine three",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    );
}

#[test]
fn escaping() {
    assert_eq!(escape_text(r"a,b;c\d"), r"a\,b\;c\\d");
    assert_eq!(escape_text("x\ny\r\nz\rw"), r"x\ny\nz\nw");
    assert_eq!(escape_text("bell\u{7}"), "bell");
}

#[test]
fn long_lines_fold_at_75_octets_without_splitting_characters() {
    let mut e = event();
    e.description = Some("é".repeat(100)); // 200 octets
    let text = ics_calendar("x", &[e]);
    for l in text.split("\r\n") {
        assert!(l.len() <= 75, "{} octets: {l}", l.len());
    }
    let start = text.find("DESCRIPTION:").unwrap();
    let folded = &text[start..];
    let first = folded.split("\r\n").next().unwrap();
    // "DESCRIPTION:" is 12 octets; 31 two-octet characters fit (74), a 32nd would make 76.
    assert_eq!(first.len(), 74);
    // Unfolding (remove CRLF + one space) restores the line.
    let unfolded = text.replace("\r\n ", "");
    assert!(unfolded.contains(&format!("DESCRIPTION:{}\r\n", "é".repeat(100))));
}

#[test]
fn fold_exact_boundaries() {
    let mut out = String::new();
    fold_line(&"a".repeat(75), &mut out);
    assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
    let mut out = String::new();
    fold_line(&"a".repeat(76), &mut out);
    assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
    let mut out = String::new();
    fold_line(&"a".repeat(75 + 74 + 1), &mut out);
    assert_eq!(out, format!("{}\r\n {}\r\n a\r\n", "a".repeat(75), "a".repeat(74)));
}

#[test]
fn uid_cannot_break_the_line() {
    let mut e = event();
    e.uid = "x\r\nATTENDEE:evil".into();
    let text = ics_calendar("x", &[e]);
    assert!(text.contains("UID:xATTENDEE:evil\r\n"));
    assert!(!text.contains("\r\nATTENDEE"));
}
