//! Text output for `catalyst protocol check FILE` and `catalyst protocol list`.
//!
//! The binary reads the file and prints; these functions do the rest, so the output can be
//! tested without a process.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use crate::protocol::{DosePlan, Problem, Protocol, ProtocolError, Protocols};
use crate::schedule::schedule;

fn dose_text(d: &Option<DosePlan>) -> String {
    match d {
        None => String::new(),
        Some(p) => match p.supplemental {
            None => format!("{} mg", p.initial_mg),
            Some(s) => format!("{} mg + {} mg at {}-{} min", p.initial_mg, s.mg, s.from_minutes, s.to_minutes),
        },
    }
}

/// A human-readable table of `protocol`'s visits for a participant with `baseline`.
pub fn schedule_table(protocol: &Protocol, baseline: Date) -> Result<String, String> {
    let visits = schedule(protocol, baseline, &TimeZone::UTC, Time::constant(9, 0, 0, 0), &BTreeMap::new())
        .map_err(|e| e.to_string())?;
    let mut out = String::new();
    let _ = writeln!(out, "{} version {}: {}", protocol.id(), protocol.version(), protocol.title());
    let _ = writeln!(out, "Sample schedule for baseline {baseline}");
    let _ = writeln!(
        out,
        "{:>3}  {:<20} {:<22} {:<12} {:<20} {:>6}  {:<10}  {:<23}  {:>5}  Dose",
        "#", "Visit", "Type", "Phase", "Anchor", "Offset", "Target", "Window", "Min"
    );
    for v in &visits {
        let _ = writeln!(
            out,
            "{:>3}  {:<20} {:<22} {:<12} {:<20} {:>+6}  {:<10}  {:<23}  {:>5}  {}",
            v.order,
            v.id,
            v.visit_type.id,
            v.phase,
            v.anchor.to_string(),
            v.offset_days,
            v.target.to_string(),
            format!("{} .. {}", v.window_start, v.window_end),
            v.duration_minutes,
            dose_text(&v.dose)
        );
    }
    Ok(out)
}

/// Validates a protocol file and, if valid, returns its sample schedule for
/// `sample_baseline`. The error's `Display` has one `FILE:LINE: reason` line per problem.
pub fn check_protocol_text(source_name: &str, text: &str, sample_baseline: Date) -> Result<String, ProtocolError> {
    let p = Protocol::from_toml(source_name, text)?;
    schedule_table(&p, sample_baseline).map_err(|message| ProtocolError {
        source_name: source_name.to_string(),
        problems: vec![Problem { line: 1, message }],
    })
}

/// One line per built-in protocol version.
pub fn list_builtin() -> String {
    match Protocols::builtin() {
        Err(e) => format!("built-in protocols failed to load: {e}\n"),
        Ok(reg) => {
            let mut out = String::new();
            for p in reg.list() {
                let _ =
                    writeln!(out, "{:<10} v{:<3} {:>3} visits  {}", p.id(), p.version(), p.visits().len(), p.title());
            }
            out
        }
    }
}
