//! The validated protocol model and the registry of protocol versions.
//!
//! A [`Protocol`] can only be obtained through [`Protocol::from_toml`], which validates it, so
//! every other module may rely on its invariants: ids are unique, every visit names a known
//! visit type and phase, anchors point at earlier visits, windows contain their target,
//! experimental sessions (and only they) carry a dose plan and require at least two therapists.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::validate;

/// The smallest number of credentialed therapists an experimental (dosing) session may have.
///
/// Programme rule from clinical.md section 1 (seed 001; FDA's proposed REMS: at least two
/// providers on site for the whole session). Protocols may ask for more, never fewer.
pub const MIN_THERAPISTS_EXPERIMENTAL: u32 = 2;

/// What a visit is for. Decides which rules apply (dose plans only on `Experimental`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    Screening,
    Preparation,
    Experimental,
    Integration,
    Assessment,
    FollowUp,
}

impl VisitKind {
    /// The spelling used in protocol files.
    pub fn as_str(self) -> &'static str {
        match self {
            VisitKind::Screening => "screening",
            VisitKind::Preparation => "preparation",
            VisitKind::Experimental => "experimental",
            VisitKind::Integration => "integration",
            VisitKind::Assessment => "assessment",
            VisitKind::FollowUp => "follow_up",
        }
    }

    /// Parses the file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "screening" => VisitKind::Screening,
            "preparation" => VisitKind::Preparation,
            "experimental" => VisitKind::Experimental,
            "integration" => VisitKind::Integration,
            "assessment" => VisitKind::Assessment,
            "follow_up" => VisitKind::FollowUp,
            _ => return None,
        })
    }

    /// All kinds, for error messages.
    pub const ALL: [VisitKind; 6] = [
        VisitKind::Screening,
        VisitKind::Preparation,
        VisitKind::Experimental,
        VisitKind::Integration,
        VisitKind::Assessment,
        VisitKind::FollowUp,
    ];
}

impl fmt::Display for VisitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Staff a visit needs.
///
/// `therapists`: distinct people with the therapist role whose credential is current on the
/// visit date. `clinicians`: further distinct people with any clinical role (therapist,
/// physician, site lead, rater), in addition to the therapists counted above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StaffRequirement {
    pub therapists: u32,
    pub clinicians: u32,
}

/// A course phase, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phase {
    pub id: String,
    pub label: String,
}

/// A kind of visit and what it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitType {
    pub id: String,
    pub label: String,
    pub kind: VisitKind,
    pub duration_minutes: u32,
    pub staff: StaffRequirement,
    /// The participant stays overnight after the visit (MAPP1 experimental sessions).
    pub overnight: bool,
    /// Instrument ids (as in `catalyst-instruments`, e.g. `caps5`) to administer at the visit.
    pub instruments: Vec<String>,
}

/// What a visit's target date is counted from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The participant's baseline date (day 0 of the course).
    Baseline,
    /// An earlier visit: its actual date when known, else its target date.
    Visit(String),
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anchor::Baseline => f.write_str("baseline"),
            Anchor::Visit(id) => f.write_str(id),
        }
    }
}

/// Days allowed before and after the target date; the window is
/// `target - early_days ..= target + late_days`. Both are >= 0 once validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub early_days: i32,
    pub late_days: i32,
}

/// The optional supplemental ("booster") dose: offered, and may be declined or withheld.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SupplementalDose {
    pub mg: f64,
    /// Earliest time after the initial dose, in minutes (inclusive).
    pub from_minutes: u32,
    /// Latest time after the initial dose, in minutes (inclusive).
    pub to_minutes: u32,
}

/// The dose plan of an experimental session.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DosePlan {
    pub initial_mg: f64,
    pub supplemental: Option<SupplementalDose>,
}

/// One visit of the course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    pub id: String,
    pub visit_type: String,
    pub phase: String,
    pub anchor: Anchor,
    pub offset_days: i32,
    pub window: Window,
    pub dose: Option<DosePlan>,
}

/// A validated treatment protocol (one version of it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Protocol {
    pub(crate) id: String,
    pub(crate) version: u32,
    pub(crate) title: String,
    pub(crate) citations: Vec<String>,
    pub(crate) phases: Vec<Phase>,
    pub(crate) visit_types: Vec<VisitType>,
    pub(crate) visits: Vec<Visit>,
}

impl Protocol {
    /// Parses and validates a protocol file. `source_name` (usually the file name) is only
    /// used in error messages.
    pub fn from_toml(source_name: &str, text: &str) -> Result<Protocol, ProtocolError> {
        validate::parse(source_name, text)
    }

    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn citations(&self) -> &[String] {
        &self.citations
    }
    pub fn phases(&self) -> &[Phase] {
        &self.phases
    }
    pub fn visit_types(&self) -> &[VisitType] {
        &self.visit_types
    }
    /// The visits in course order.
    pub fn visits(&self) -> &[Visit] {
        &self.visits
    }
    pub fn visit_type(&self, id: &str) -> Option<&VisitType> {
        self.visit_types.iter().find(|t| t.id == id)
    }
    pub fn visit(&self, id: &str) -> Option<&Visit> {
        self.visits.iter().find(|v| v.id == id)
    }
    pub fn phase(&self, id: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.id == id)
    }
}

/// One problem found while loading a protocol file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line of the offending value.
    pub line: usize,
    pub message: String,
}

/// Every problem found in a protocol file. `Display` prints one `FILE:LINE: reason` per line,
/// sorted by line, the format editors and CI logs understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ProtocolError {
    pub source_name: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}: {}", self.source_name, p.line, p.message)?;
        }
        Ok(())
    }
}

/// Why a protocol could not be added to a registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("protocol {id} version {version} is already registered; an amendment needs a new version")]
    Duplicate { id: String, version: u32 },
    #[error(transparent)]
    Invalid(#[from] ProtocolError),
}

/// The built-in protocol files, embedded at compile time: `(file name, text)`.
pub const BUILTIN_SOURCES: [(&str, &str); 2] = [
    ("mapp1.v1.toml", include_str!("builtin/mapp1.v1.toml")),
    ("seed001.v1.toml", include_str!("builtin/seed001.v1.toml")),
];

/// Protocol versions by `(id, version)`. An amendment is a new version of the same id; old
/// versions stay available so a participant's course can keep the version it started under.
#[derive(Debug, Clone, Default)]
pub struct Protocols {
    by_key: BTreeMap<(String, u32), Protocol>,
}

impl Protocols {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The protocols shipped with Catalyst (`mapp1`, `seed001`).
    pub fn builtin() -> Result<Protocols, RegistryError> {
        let mut reg = Protocols::new();
        for (name, text) in BUILTIN_SOURCES {
            reg.insert(Protocol::from_toml(name, text)?)?;
        }
        Ok(reg)
    }

    /// Adds a protocol version; refuses to replace an existing `(id, version)`.
    pub fn insert(&mut self, protocol: Protocol) -> Result<(), RegistryError> {
        let key = (protocol.id.clone(), protocol.version);
        if self.by_key.contains_key(&key) {
            return Err(RegistryError::Duplicate { id: key.0, version: key.1 });
        }
        self.by_key.insert(key, protocol);
        Ok(())
    }

    pub fn get(&self, id: &str, version: u32) -> Option<&Protocol> {
        self.by_key.get(&(id.to_string(), version))
    }

    /// The highest version of `id`.
    pub fn latest(&self, id: &str) -> Option<&Protocol> {
        self.by_key.range((id.to_string(), 0)..=(id.to_string(), u32::MAX)).next_back().map(|(_, p)| p)
    }

    /// Every protocol version, ordered by id then version.
    pub fn list(&self) -> Vec<&Protocol> {
        self.by_key.values().collect()
    }
}
