//! Staff roles and the staffing rule shared by booking and deviation detection.
//!
//! Role names match `catalyst-core`'s `Role` spellings so callers can map them directly.
//! "Clinician" is any of therapist, physician, site lead (investigator) or independent rater:
//! the people who may administer a clinician-rated instrument or attend a clinical visit.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::protocol::StaffRequirement;

/// A person's role at a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Therapist,
    Physician,
    SiteLead,
    Rater,
    Pharmacist,
    Other,
}

impl StaffRole {
    /// Counts toward a `clinicians = n` requirement.
    pub fn is_clinician(self) -> bool {
        matches!(self, StaffRole::Therapist | StaffRole::Physician | StaffRole::SiteLead | StaffRole::Rater)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Therapist => "therapist",
            StaffRole::Physician => "physician",
            StaffRole::SiteLead => "site_lead",
            StaffRole::Rater => "rater",
            StaffRole::Pharmacist => "pharmacist",
            StaffRole::Other => "other",
        }
    }
}

impl std::fmt::Display for StaffRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a set of people measures up to a [`StaffRequirement`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Staffing {
    /// Distinct people in the therapist role with a current credential.
    pub credentialed_therapists: usize,
    /// Distinct clinicians not counted as credentialed therapists, plus credentialed
    /// therapists beyond the number required.
    pub extra_clinicians: usize,
}

/// Counts distinct people. `people` yields `(person id, role, therapist credential current)`.
/// A person listed twice is counted once (listing someone twice is itself a problem the
/// callers report).
pub(crate) fn staffing<'a>(
    people: impl IntoIterator<Item = (&'a str, StaffRole, bool)>,
    req: StaffRequirement,
) -> Staffing {
    let mut therapists = BTreeSet::new();
    let mut clinicians = BTreeSet::new();
    for (person, role, current) in people {
        if role == StaffRole::Therapist && current {
            therapists.insert(person);
        } else if role.is_clinician() {
            clinicians.insert(person);
        }
    }
    // Someone listed both as credentialed therapist and in another role counts once.
    clinicians.retain(|p| !therapists.contains(p));
    let required = req.therapists as usize;
    let spare = therapists.len().saturating_sub(required);
    Staffing { credentialed_therapists: therapists.len(), extra_clinicians: clinicians.len() + spare }
}
