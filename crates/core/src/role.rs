//! Roles: what a person may do is decided by the roles they hold (see `policy`).

use crate::string_enum;

string_enum!(
    /// What a person may do is decided by their roles (see `policy`).
    Role {
        Administrator = "administrator",
        SiteLead = "site_lead",
        Therapist = "therapist",
        Physician = "physician",
        Pharmacist = "pharmacist",
        Rater = "rater",
        Monitor = "monitor",
        Coder = "coder",
        Participant = "participant",
    }
);

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::SiteLead => "Site lead (investigator)",
            Role::Therapist => "Therapist",
            Role::Physician => "Physician",
            Role::Pharmacist => "Pharmacist",
            Role::Rater => "Independent rater",
            Role::Monitor => "Monitor / auditor",
            Role::Coder => "Medical coder",
            Role::Participant => "Participant",
        }
    }

    /// Roles whose work spans sites may be granted for all sites at once.
    pub fn may_span_sites(self) -> bool {
        matches!(self, Role::Administrator | Role::Rater | Role::Monitor | Role::Coder)
    }

    /// Administration is system-wide and never tied to a site.
    pub fn is_system_only(self) -> bool {
        matches!(self, Role::Administrator)
    }
}
