//! iCalendar (RFC 5545) export of bookings, for staff calendars.
//!
//! The text is built by hand: it is small, and the rules that matter are few: CRLF line ends,
//! lines folded at 75 octets (never inside a UTF-8 character), TEXT values escaped, times in
//! UTC with `Z` so no VTIMEZONE is needed. DTSTAMP is a parameter because this crate reads no
//! clock. Only what the caller passes is written: keep health information out of SUMMARY and
//! DESCRIPTION (use the visit type label, not the participant's name or condition).

use jiff::Timestamp;

use crate::schedule::ScheduledVisit;

/// One VEVENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Globally unique and stable across exports, e.g. `booking-123@catalyst.example`.
    pub uid: String,
    /// When this export was made (the caller's clock).
    pub dtstamp: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
}

impl IcsEvent {
    /// An event for a scheduled visit at its planned time. The summary is the visit type label
    /// and the visit id only: no participant details.
    pub fn for_visit(visit: &ScheduledVisit, uid: &str, dtstamp: Timestamp) -> IcsEvent {
        IcsEvent {
            uid: uid.to_string(),
            dtstamp,
            start: visit.planned_start.timestamp(),
            end: visit.planned_end.timestamp(),
            summary: format!("{} ({})", visit.visit_type.label, visit.id),
            location: None,
            description: None,
        }
    }
}

/// Escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma, newline.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT.
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at 75 octets: continuation lines start with a space, which counts
/// toward their 75. Splits only at character boundaries. Appends CRLF after each piece.
pub fn fold_line(line: &str, out: &mut String) {
    let mut budget = 75;
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > budget {
            out.push_str("\r\n ");
            budget = 74;
            used = 0;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// UID is not TEXT but must still be one line: drop control characters.
fn one_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// A complete VCALENDAR with one VEVENT per event.
pub fn ics_calendar(name: &str, events: &[IcsEvent]) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold_line(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Catalyst//catalyst-protocol//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", one_line(&e.uid)));
        line(format!("DTSTAMP:{}", utc(e.dtstamp)));
        line(format!("DTSTART:{}", utc(e.start)));
        line(format!("DTEND:{}", utc(e.end)));
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        if let Some(l) = &e.location {
            line(format!("LOCATION:{}", escape_text(l)));
        }
        if let Some(d) = &e.description {
            line(format!("DESCRIPTION:{}", escape_text(d)));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}
