//! The on-disk protocol format: TOML, deserialised into these structs.
//!
//! Every field that validation may complain about is wrapped in [`Spanned`] so that the error
//! can name the line of the offending value, not just the visit or the file. All tables deny
//! unknown keys: a misspelt key (`ofset_days`) is an error, never a silently ignored setting.
//! These structs are the raw, unchecked shape; `validate` turns them into a
//! [`crate::Protocol`].

use serde::Deserialize;
use toml::Spanned;

/// A whole protocol file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProtocolFile {
    pub id: Spanned<String>,
    pub version: Spanned<i64>,
    pub title: Spanned<String>,
    #[serde(default)]
    pub citations: Vec<String>,
    pub phases: Vec<PhaseFile>,
    pub visit_types: Vec<VisitTypeFile>,
    pub visits: Vec<VisitFile>,
}

/// One phase of the course (`preparation`, `treatment`, `follow_up`), in course order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhaseFile {
    pub id: Spanned<String>,
    pub label: String,
}

/// A kind of visit and what it needs: length, staff, overnight stay, instruments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitTypeFile {
    pub id: Spanned<String>,
    pub label: String,
    pub kind: Spanned<String>,
    pub duration_minutes: Spanned<u32>,
    #[serde(default)]
    pub staff: StaffFile,
    #[serde(default)]
    pub overnight: bool,
    #[serde(default)]
    pub instruments: Vec<String>,
}

/// Required staff. Absent keys mean zero.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StaffFile {
    pub therapists: Option<Spanned<u32>>,
    pub clinicians: Option<Spanned<u32>>,
}

/// One visit of the course, in course order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitFile {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub visit_type: Spanned<String>,
    pub phase: Spanned<String>,
    pub anchor: Spanned<String>,
    pub offset_days: Spanned<i32>,
    /// `[early_days, late_days]`: the window runs from target - early to target + late.
    pub window: Spanned<(i32, i32)>,
    pub dose: Option<DoseFile>,
}

/// The dose plan of an experimental session.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DoseFile {
    pub initial_mg: Spanned<f64>,
    pub supplemental_mg: Option<Spanned<f64>>,
    /// `[from, to]` minutes after the initial dose.
    pub supplemental_window_minutes: Option<Spanned<(i64, i64)>>,
}
