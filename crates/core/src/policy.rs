//! Who may do what: a pure function of the actor's grants, the action and the resource.
//!
//! Least privilege: administrators run the system but see no clinical records; monitors read
//! but never write, save the sponsor's expectedness call on an adverse event; independent raters see only what an assessment needs (later capabilities
//! project their views accordingly); participants see only their own records.

use crate::role::Role;
use serde::Serialize;

/// How an instrument must be administered, which decides who may record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeClass {
    /// CAPS-5: entered only by a blinded independent rater (MAPP2 used a central pool of
    /// blinded raters; clinical.md section 5).
    IndependentRating,
    /// PCL-5, SDS, PHQ-9, daily check-in: the participant, or staff on their behalf.
    SelfReport,
    /// C-SSRS screener: clinicians or raters, or the participant's own self-report.
    SafetyScreen,
}

/// A role held at one site or at all sites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    /// `None` means every site.
    pub site_id: Option<String>,
}

/// The authenticated person making a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
    /// Participant records that are this person's own (their portal).
    pub own_participants: Vec<String>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Sites where the actor holds any role (`None` entries mean all sites).
    pub fn site_scopes(&self) -> impl Iterator<Item = Option<&str>> {
        self.grants.iter().map(|g| g.site_id.as_deref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ViewDashboard,
    ManageSites,
    ViewSite,
    ManageUsers,
    ViewUsers,
    GrantRole(Role),
    RevokeSessions,
    ViewParticipants,
    ViewParticipant,
    CreateParticipant,
    UpdateParticipant,
    SignRecord,
    ViewAuditTrail,
    VerifyAudit,
    /// Change programme-wide settings (e.g. endpoint definitions).
    ManageSettings,
    /// See where a participant is in treatment (stage, sessions). Blinded raters may not.
    ViewTreatment,
    /// See every outcome measure of a participant.
    ViewOutcomes,
    /// See the independent ratings (CAPS-5) only: what a blinded rater needs.
    ViewRatings,
    RecordOutcome(OutcomeClass),
    AcknowledgeAlert,
    /// See visits, appointments and the calendar. Blinded raters may not: sessions reveal treatment.
    ViewSchedule,
    /// Enrol on a protocol, book, reschedule, record attendance.
    ManageSchedule,
    ViewCredentials,
    ManageCredentials,
    ViewDeviations,
    RecordDeviation,
    /// Enter screening records and see eligibility decisions.
    Screen,
    /// Confirm or override an eligibility decision (the investigator).
    ConfirmEligibility,
    /// Publish consent document versions.
    ManageConsentDocuments,
    /// Give or withdraw consent (the participant), or witness it (site staff).
    Consent,
    /// Create a participant's portal account.
    CreatePortalAccount,
    /// See a site's authorisations (approvals, registrations, per-patient authorisations).
    ViewAuthorisations,
    /// Record or revoke a site's authorisations (its lead).
    ManageAuthorisations,
    /// Prescribe MDMA for a participant (an authorised prescriber: physician or site lead),
    /// or cancel one's prescription.
    Prescribe,
    /// Decide, as a physician and signed, that a participant's dosing session may have more
    /// than its prescription allows (the dispensing limit is then the decision's).
    DecideDoseAbovePrescription,
    /// See a participant's prescriptions (who dispenses, doses or oversees them).
    ViewPrescriptions,
    /// Sign off (or record a finding against) an item of the site's readiness checklist.
    ManageReadiness,
    /// See a site's controlled-substance stores: locations, balances, the register and the
    /// doses dispensed, in the blinded view (kit numbers and units) unless the actor may also
    /// see the contents.
    ViewPharmacy,
    /// See what the stock is (product, lot, strength, mg) and print the inspector's reports:
    /// the unblinded pharmacist.
    ViewPharmacyContents,
    /// Receive, transfer, dispense, count, destroy, quarantine and return stock, and keep the
    /// catalogue (products, lots, kits, stores and their key holders): the pharmacist.
    ManagePharmacy,
    /// Give a dispensed dose to the participant, or waste part of it with witnesses: the
    /// session team (who of them may administer where is the jurisdiction's rule, as data).
    AdministerDose,
    /// See a site's adverse events, checklists, gaps and serious-event reporting clocks: the
    /// clinical team and the monitor. Not the blinded rater (events can reveal treatment), not
    /// the pharmacist (least privilege: dispensing needs none of it).
    ViewAdverseEvents,
    /// Record an adverse event or a solicited checklist, or correct an event's details (its
    /// onset, end, severity, outcome and the like): the session team.
    RecordAdverseEvent,
    /// Assess an event's relatedness to the drug and to the therapy, and its seriousness: the
    /// investigator (physician or site lead).
    AssessAdverseEvent,
    /// Call an event expected or unexpected against the reference safety information: the
    /// sponsor's call. No sponsor role exists yet, so the sponsor's medical monitor holds it
    /// through the monitor role (the one thing a monitor writes).
    AssessExpectedness,
    /// Mark a serious event's report that the site sends (to the sponsor, or without one to the
    /// regulator and ethics committee) sent to its recipient, with the reference (stops its
    /// clock): the investigator (site lead or physician).
    MarkSafetyReportSent,
    /// Mark a report that the sponsor sends to a regulator (an IND or TGA safety report) sent:
    /// the sponsor's, held by the monitor role while no sponsor role exists.
    MarkSponsorReportSent,
    /// Tell the site how one feels between sessions, and read one's own reports: the participant
    /// (a clinician reviews each report: `RecordAdverseEvent`).
    ReportHowIFeel,
    /// Map adverse events' terms to a loaded coding dictionary (and see the terms and words to
    /// code, nothing else of the participant): the medical coder.
    CodeAdverseEvents,
    /// Load a coding dictionary file the programme holds a licence for (MedDRA or another):
    /// the administrator (it is the running of the programme, not clinical data).
    ManageCodingDictionaries,
}

impl Action {
    pub fn name(self) -> String {
        match self {
            Action::GrantRole(role) => format!("grant_role:{role}"),
            Action::RecordOutcome(class) => format!(
                "record_outcome:{}",
                serde_json::to_value(class).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            ),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{other:?}")),
        }
    }
}

/// What the action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// System-wide records: sites, accounts, the system chain.
    System,
    Site {
        site_id: &'a str,
    },
    Participant {
        site_id: &'a str,
        participant_id: &'a str,
    },
    User {
        user_id: &'a str,
    },
}

impl Resource<'_> {
    fn site(&self) -> Option<&str> {
        match self {
            Resource::Site { site_id } | Resource::Participant { site_id, .. } => Some(site_id),
            Resource::System | Resource::User { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Denial {
    pub action: String,
    pub reason: String,
}

/// Allows the action when any one of the actor's grants allows it.
pub fn authorize(actor: &Actor, action: Action, resource: Resource<'_>) -> Result<(), Denial> {
    let self_service =
        matches!((action, resource), (Action::RevokeSessions, Resource::User { user_id }) if user_id == actor.user_id);
    if self_service || actor.grants.iter().any(|grant| grant_allows(actor, grant, action, resource)) {
        return Ok(());
    }
    let roles: Vec<String> = actor
        .grants
        .iter()
        .map(|g| match &g.site_id {
            Some(site) => format!("{} at site {site}", g.role),
            None => format!("{} at all sites", g.role),
        })
        .collect();
    let held = if roles.is_empty() { "no role".to_owned() } else { roles.join(", ") };
    Err(Denial { action: action.name(), reason: format!("{held} does not permit {}", action.name()) })
}

/// Whether the actor may do `action` somewhere: system-wide, or at some site one of their
/// grants covers. This is the navigation's question ("show the People link?"), answered by the
/// same rules as every other.
pub fn allowed_somewhere(actor: &Actor, action: Action) -> bool {
    // An all-site grant covers any site; this stands for one (site ids are UUIDs).
    const ANY_SITE: &str = "(any site)";
    actor.grants.iter().any(|grant| {
        let site_id = grant.site_id.as_deref().unwrap_or(ANY_SITE);
        grant_allows(actor, grant, action, Resource::System)
            || grant_allows(actor, grant, action, Resource::Site { site_id })
    })
}

fn grant_allows(actor: &Actor, grant: &Grant, action: Action, resource: Resource<'_>) -> bool {
    use Action::*;
    use Role::*;
    // A site-scoped grant covers only its own site; an all-site grant covers every site.
    let in_scope = match (resource.site(), grant.site_id.as_deref()) {
        (Some(site), Some(granted)) => site == granted,
        (Some(_), None) => true,
        (None, granted) => granted.is_none(),
    };
    let own_participant = matches!(resource, Resource::Participant { participant_id, .. }
        if actor.own_participants.iter().any(|p| p == participant_id));

    let at_site = in_scope && resource.site().is_some();
    match (grant.role, action) {
        (_, ViewDashboard) => true,

        (Administrator, ManageSites | ManageUsers | ViewUsers | VerifyAudit | ManageSettings) => true,
        (Administrator, ViewCredentials | ManageCredentials) => resource.site().is_some(),
        (Administrator, ManageConsentDocuments) => true,
        (Administrator, ViewSite | ViewAuditTrail | GrantRole(_) | RevokeSessions) => true,
        (Administrator, ManageCodingDictionaries) => true,
        (Administrator, _) => false,

        (SiteLead, GrantRole(Therapist | Physician | Pharmacist | Participant)) => at_site,
        (SiteLead, ViewUsers | ViewAuditTrail | ViewCredentials | ManageCredentials | ConfirmEligibility) => at_site,
        (
            SiteLead | Therapist | Physician,
            ViewSite | ViewParticipants | ViewParticipant | CreateParticipant | UpdateParticipant | SignRecord,
        ) => at_site,
        (SiteLead | Therapist | Physician, ViewTreatment | ViewOutcomes | ViewRatings | AcknowledgeAlert) => at_site,
        (SiteLead | Therapist | Physician, ViewSchedule | ManageSchedule | ViewDeviations | RecordDeviation) => at_site,
        (SiteLead | Therapist | Physician, Screen | Consent | CreatePortalAccount) => at_site,
        (SiteLead, ManageAuthorisations | ManageReadiness) => at_site,
        (SiteLead | Physician, Prescribe) => at_site,
        (Physician, DecideDoseAbovePrescription) => at_site,
        (SiteLead | Therapist | Physician, ViewPrescriptions) => at_site,
        (SiteLead | Therapist | Physician, ViewAuthorisations) => at_site,
        (SiteLead, ViewPharmacy) => at_site,
        (SiteLead | Therapist | Physician, AdministerDose) => at_site,
        (SiteLead | Therapist | Physician, RecordOutcome(OutcomeClass::SelfReport | OutcomeClass::SafetyScreen)) => {
            at_site
        }
        (SiteLead | Therapist | Physician, ViewAdverseEvents | RecordAdverseEvent) => at_site,
        (SiteLead | Physician, AssessAdverseEvent | MarkSafetyReportSent) => at_site,
        (SiteLead | Therapist | Physician, _) => false,

        (Pharmacist, ViewSite | ViewParticipants | ViewParticipant | SignRecord | ViewTreatment) => at_site,
        (Pharmacist, ViewSchedule | ViewDeviations | RecordDeviation | ViewAuthorisations | ViewPrescriptions) => {
            at_site
        }
        // The unblinded role: the stock's contents are theirs alone.
        (Pharmacist, ViewPharmacy | ViewPharmacyContents | ManagePharmacy) => at_site,
        (Pharmacist, _) => false,

        // The independent rater sees what an assessment needs and nothing that could unblind.
        (Rater, ViewSite | ViewParticipants | ViewParticipant | SignRecord | ViewRatings) => at_site,
        (Rater, RecordOutcome(OutcomeClass::IndependentRating | OutcomeClass::SafetyScreen)) => at_site,
        (Rater, _) => false,

        (Monitor, ViewSite | ViewUsers | ViewParticipants | ViewParticipant | ViewAuditTrail) => in_scope,
        (
            Monitor,
            ViewTreatment | ViewOutcomes | ViewRatings | ViewSchedule | ViewDeviations | ViewCredentials
            | ViewAuthorisations | ViewPrescriptions | ViewPharmacy | ViewAdverseEvents,
        ) => at_site,
        // The sponsor's medical monitor: expectedness and the sponsor's own reports to
        // regulators are the sponsor's (no sponsor role yet).
        (Monitor, AssessExpectedness | MarkSponsorReportSent) => at_site,
        // Verification reads every chain: only a monitor of all sites may run it.
        (Monitor, VerifyAudit) => grant.site_id.is_none(),
        (Monitor, _) => false,

        // The medical coder sees the terms to code and the dictionaries, nothing of treatment.
        (Coder, ViewSite | CodeAdverseEvents) => at_site,
        (Coder, _) => false,

        (Participant, ViewParticipant | SignRecord | ViewTreatment | ViewOutcomes | ViewRatings | ViewSchedule) => {
            own_participant
        }
        (
            Participant,
            RecordOutcome(OutcomeClass::SelfReport | OutcomeClass::SafetyScreen) | Consent | ReportHowIFeel,
        ) => own_participant,
        (Participant, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    const OWN: &str = "site-own";
    const OTHER: &str = "site-other";

    fn actor(role: Role, site: Option<&str>) -> Actor {
        Actor {
            user_id: "u-actor".into(),
            display_name: "A".into(),
            grants: vec![Grant { role, site_id: site.map(str::to_owned) }],
            own_participants: if role == Role::Participant { vec!["p-own".into()] } else { vec![] },
        }
    }

    /// Resources each expectation is tested against, by short name.
    fn resource(name: &str) -> Resource<'static> {
        match name {
            "system" => Resource::System,
            "own-site" => Resource::Site { site_id: OWN },
            "other-site" => Resource::Site { site_id: OTHER },
            "own-participant" => Resource::Participant { site_id: OWN, participant_id: "p-own" },
            "site-participant" => Resource::Participant { site_id: OWN, participant_id: "p-else" },
            "other-participant" => Resource::Participant { site_id: OTHER, participant_id: "p-far" },
            "self" => Resource::User { user_id: "u-actor" },
            "other-user" => Resource::User { user_id: "u-else" },
            _ => panic!("unknown resource {name}"),
        }
    }

    const ACTIONS: &[(&str, Action)] = &[
        ("dashboard", ViewDashboard),
        ("manage_sites", ManageSites),
        ("view_site", ViewSite),
        ("manage_users", ManageUsers),
        ("view_users", ViewUsers),
        ("grant_admin", GrantRole(Role::Administrator)),
        ("grant_lead", GrantRole(Role::SiteLead)),
        ("grant_therapist", GrantRole(Role::Therapist)),
        ("grant_physician", GrantRole(Role::Physician)),
        ("grant_pharmacist", GrantRole(Role::Pharmacist)),
        ("grant_rater", GrantRole(Role::Rater)),
        ("grant_monitor", GrantRole(Role::Monitor)),
        ("grant_participant", GrantRole(Role::Participant)),
        ("revoke_sessions", RevokeSessions),
        ("view_participants", ViewParticipants),
        ("view_participant", ViewParticipant),
        ("create_participant", CreateParticipant),
        ("update_participant", UpdateParticipant),
        ("sign", SignRecord),
        ("audit_trail", ViewAuditTrail),
        ("verify_audit", VerifyAudit),
        ("settings", ManageSettings),
        ("treatment", ViewTreatment),
        ("outcomes", ViewOutcomes),
        ("ratings", ViewRatings),
        ("rate", RecordOutcome(OutcomeClass::IndependentRating)),
        ("self_report", RecordOutcome(OutcomeClass::SelfReport)),
        ("safety_screen", RecordOutcome(OutcomeClass::SafetyScreen)),
        ("ack_alert", AcknowledgeAlert),
        ("schedule", ViewSchedule),
        ("book", ManageSchedule),
        ("credentials", ViewCredentials),
        ("manage_credentials", ManageCredentials),
        ("deviations", ViewDeviations),
        ("record_deviation", RecordDeviation),
        ("screen", Screen),
        ("confirm_eligibility", ConfirmEligibility),
        ("consent_documents", ManageConsentDocuments),
        ("consent", Consent),
        ("portal_account", CreatePortalAccount),
        ("authorisations", ViewAuthorisations),
        ("manage_authorisations", ManageAuthorisations),
        ("prescribe", Prescribe),
        ("dose_above_prescription", DecideDoseAbovePrescription),
        ("prescriptions", ViewPrescriptions),
        ("manage_readiness", ManageReadiness),
        ("pharmacy", ViewPharmacy),
        ("pharmacy_contents", ViewPharmacyContents),
        ("manage_pharmacy", ManagePharmacy),
        ("administer", AdministerDose),
        ("adverse_events", ViewAdverseEvents),
        ("record_adverse_event", RecordAdverseEvent),
        ("assess_adverse_event", AssessAdverseEvent),
        ("assess_expectedness", AssessExpectedness),
        ("mark_safety_report_sent", MarkSafetyReportSent),
        ("mark_sponsor_report_sent", MarkSponsorReportSent),
        ("report_how_i_feel", ReportHowIFeel),
        ("code_adverse_events", CodeAdverseEvents),
        ("manage_coding_dictionaries", ManageCodingDictionaries),
        ("grant_coder", GrantRole(Role::Coder)),
    ];

    /// The full policy as a table written out by hand: for each (role, scope), the exact set of
    /// (action @ resource) pairs allowed. Every other pair in the cross product must be denied.
    const ALLOWED: &[(&str, &[&str])] = &[
        (
            "administrator@all",
            &[
                "consent_documents@system",
                "credentials@own-site",
                "credentials@other-site",
                "manage_credentials@own-site",
                "manage_credentials@other-site",
                "settings@system",
                "dashboard@system",
                "manage_sites@system",
                "view_site@own-site",
                "view_site@other-site",
                "manage_users@system",
                "view_users@system",
                "view_users@own-site",
                "view_users@other-site",
                "grant_admin@system",
                "grant_admin@own-site",
                "grant_admin@other-site",
                "grant_lead@system",
                "grant_lead@own-site",
                "grant_lead@other-site",
                "grant_therapist@system",
                "grant_therapist@own-site",
                "grant_therapist@other-site",
                "grant_physician@system",
                "grant_physician@own-site",
                "grant_physician@other-site",
                "grant_pharmacist@system",
                "grant_pharmacist@own-site",
                "grant_pharmacist@other-site",
                "grant_monitor@system",
                "grant_monitor@own-site",
                "grant_monitor@other-site",
                "grant_rater@system",
                "grant_rater@own-site",
                "grant_rater@other-site",
                "grant_coder@system",
                "grant_coder@own-site",
                "grant_coder@other-site",
                "manage_coding_dictionaries@system",
                "grant_participant@system",
                "grant_participant@own-site",
                "grant_participant@other-site",
                "revoke_sessions@self",
                "revoke_sessions@other-user",
                "audit_trail@system",
                "audit_trail@own-site",
                "audit_trail@other-site",
                "verify_audit@system",
            ],
        ),
        (
            "site_lead@own",
            &[
                "adverse_events@own-site",
                "adverse_events@own-participant",
                "adverse_events@site-participant",
                "record_adverse_event@own-site",
                "record_adverse_event@own-participant",
                "record_adverse_event@site-participant",
                "assess_adverse_event@own-participant",
                "assess_adverse_event@site-participant",
                "mark_safety_report_sent@own-participant",
                "mark_safety_report_sent@site-participant",
                "pharmacy@own-site",
                "administer@own-site",
                "prescribe@own-participant",
                "prescribe@site-participant",
                "prescriptions@own-participant",
                "prescriptions@site-participant",
                "manage_readiness@own-site",
                "authorisations@own-site",
                "manage_authorisations@own-site",
                "screen@own-site",
                "screen@own-participant",
                "screen@site-participant",
                "confirm_eligibility@own-site",
                "confirm_eligibility@own-participant",
                "confirm_eligibility@site-participant",
                "consent@own-site",
                "consent@own-participant",
                "consent@site-participant",
                "portal_account@own-site",
                "portal_account@own-participant",
                "portal_account@site-participant",
                "schedule@own-site",
                "schedule@own-participant",
                "schedule@site-participant",
                "book@own-site",
                "book@own-participant",
                "book@site-participant",
                "deviations@own-site",
                "deviations@own-participant",
                "deviations@site-participant",
                "record_deviation@own-site",
                "record_deviation@own-participant",
                "record_deviation@site-participant",
                "credentials@own-site",
                "manage_credentials@own-site",
                "treatment@own-site",
                "treatment@own-participant",
                "treatment@site-participant",
                "outcomes@own-participant",
                "outcomes@site-participant",
                "ratings@own-participant",
                "ratings@site-participant",
                "self_report@own-participant",
                "self_report@site-participant",
                "safety_screen@own-participant",
                "safety_screen@site-participant",
                "ack_alert@own-participant",
                "ack_alert@site-participant",
                "dashboard@system",
                "view_site@own-site",
                "view_users@own-site",
                "grant_therapist@own-site",
                "grant_physician@own-site",
                "grant_pharmacist@own-site",
                "grant_participant@own-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "create_participant@own-site",
                "update_participant@own-participant",
                "update_participant@site-participant",
                "sign@own-participant",
                "sign@site-participant",
                "audit_trail@own-site",
            ],
        ),
        (
            "therapist@own",
            &[
                "adverse_events@own-site",
                "adverse_events@own-participant",
                "adverse_events@site-participant",
                "record_adverse_event@own-site",
                "record_adverse_event@own-participant",
                "record_adverse_event@site-participant",
                "administer@own-site",
                "prescriptions@own-participant",
                "prescriptions@site-participant",
                "authorisations@own-site",
                "screen@own-site",
                "screen@own-participant",
                "screen@site-participant",
                "consent@own-site",
                "consent@own-participant",
                "consent@site-participant",
                "portal_account@own-site",
                "portal_account@own-participant",
                "portal_account@site-participant",
                "schedule@own-site",
                "schedule@own-participant",
                "schedule@site-participant",
                "book@own-site",
                "book@own-participant",
                "book@site-participant",
                "deviations@own-site",
                "deviations@own-participant",
                "deviations@site-participant",
                "record_deviation@own-site",
                "record_deviation@own-participant",
                "record_deviation@site-participant",
                "treatment@own-site",
                "treatment@own-participant",
                "treatment@site-participant",
                "outcomes@own-participant",
                "outcomes@site-participant",
                "ratings@own-participant",
                "ratings@site-participant",
                "self_report@own-participant",
                "self_report@site-participant",
                "safety_screen@own-participant",
                "safety_screen@site-participant",
                "ack_alert@own-participant",
                "ack_alert@site-participant",
                "dashboard@system",
                "view_site@own-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "create_participant@own-site",
                "update_participant@own-participant",
                "update_participant@site-participant",
                "sign@own-participant",
                "sign@site-participant",
            ],
        ),
        (
            "physician@own",
            &[
                "adverse_events@own-site",
                "adverse_events@own-participant",
                "adverse_events@site-participant",
                "record_adverse_event@own-site",
                "record_adverse_event@own-participant",
                "record_adverse_event@site-participant",
                "assess_adverse_event@own-participant",
                "assess_adverse_event@site-participant",
                "mark_safety_report_sent@own-participant",
                "mark_safety_report_sent@site-participant",
                "administer@own-site",
                "prescribe@own-participant",
                "prescribe@site-participant",
                "dose_above_prescription@own-participant",
                "dose_above_prescription@site-participant",
                "prescriptions@own-participant",
                "prescriptions@site-participant",
                "authorisations@own-site",
                "screen@own-site",
                "screen@own-participant",
                "screen@site-participant",
                "consent@own-site",
                "consent@own-participant",
                "consent@site-participant",
                "portal_account@own-site",
                "portal_account@own-participant",
                "portal_account@site-participant",
                "schedule@own-site",
                "schedule@own-participant",
                "schedule@site-participant",
                "book@own-site",
                "book@own-participant",
                "book@site-participant",
                "deviations@own-site",
                "deviations@own-participant",
                "deviations@site-participant",
                "record_deviation@own-site",
                "record_deviation@own-participant",
                "record_deviation@site-participant",
                "treatment@own-site",
                "treatment@own-participant",
                "treatment@site-participant",
                "outcomes@own-participant",
                "outcomes@site-participant",
                "ratings@own-participant",
                "ratings@site-participant",
                "self_report@own-participant",
                "self_report@site-participant",
                "safety_screen@own-participant",
                "safety_screen@site-participant",
                "ack_alert@own-participant",
                "ack_alert@site-participant",
                "dashboard@system",
                "view_site@own-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "create_participant@own-site",
                "update_participant@own-participant",
                "update_participant@site-participant",
                "sign@own-participant",
                "sign@site-participant",
            ],
        ),
        (
            "pharmacist@own",
            &[
                "pharmacy@own-site",
                "pharmacy_contents@own-site",
                "manage_pharmacy@own-site",
                "prescriptions@own-participant",
                "prescriptions@site-participant",
                "authorisations@own-site",
                "schedule@own-site",
                "schedule@own-participant",
                "schedule@site-participant",
                "deviations@own-site",
                "deviations@own-participant",
                "deviations@site-participant",
                "record_deviation@own-site",
                "record_deviation@own-participant",
                "record_deviation@site-participant",
                "treatment@own-site",
                "treatment@own-participant",
                "treatment@site-participant",
                "dashboard@system",
                "view_site@own-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "sign@own-participant",
                "sign@site-participant",
            ],
        ),
        (
            "rater@own",
            &[
                "ratings@own-participant",
                "ratings@site-participant",
                "rate@own-participant",
                "rate@site-participant",
                "safety_screen@own-participant",
                "safety_screen@site-participant",
                "dashboard@system",
                "view_site@own-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "sign@own-participant",
                "sign@site-participant",
            ],
        ),
        (
            "coder@own",
            &["code_adverse_events@own-site", "dashboard@system", "revoke_sessions@self", "view_site@own-site"],
        ),
        (
            "coder@all",
            &[
                "code_adverse_events@own-site",
                "code_adverse_events@other-site",
                "dashboard@system",
                "revoke_sessions@self",
                "view_site@own-site",
                "view_site@other-site",
            ],
        ),
        (
            "rater@all",
            &[
                "ratings@own-participant",
                "ratings@site-participant",
                "ratings@other-participant",
                "rate@own-participant",
                "rate@site-participant",
                "rate@other-participant",
                "safety_screen@own-participant",
                "safety_screen@site-participant",
                "safety_screen@other-participant",
                "dashboard@system",
                "view_site@own-site",
                "view_site@other-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participants@other-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "view_participant@other-participant",
                "sign@own-participant",
                "sign@site-participant",
                "sign@other-participant",
            ],
        ),
        (
            "monitor@own",
            &[
                "adverse_events@own-site",
                "adverse_events@own-participant",
                "adverse_events@site-participant",
                "assess_expectedness@own-participant",
                "assess_expectedness@site-participant",
                "mark_sponsor_report_sent@own-participant",
                "mark_sponsor_report_sent@site-participant",
                "pharmacy@own-site",
                "prescriptions@own-participant",
                "prescriptions@site-participant",
                "authorisations@own-site",
                "schedule@own-site",
                "schedule@own-participant",
                "schedule@site-participant",
                "deviations@own-site",
                "deviations@own-participant",
                "deviations@site-participant",
                "credentials@own-site",
                "treatment@own-site",
                "treatment@own-participant",
                "treatment@site-participant",
                "outcomes@own-participant",
                "outcomes@site-participant",
                "ratings@own-participant",
                "ratings@site-participant",
                "dashboard@system",
                "view_site@own-site",
                "view_users@own-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "audit_trail@own-site",
            ],
        ),
        (
            "monitor@all",
            &[
                "adverse_events@own-site",
                "adverse_events@own-participant",
                "adverse_events@site-participant",
                "adverse_events@other-site",
                "adverse_events@other-participant",
                "assess_expectedness@own-participant",
                "assess_expectedness@site-participant",
                "assess_expectedness@other-participant",
                "mark_sponsor_report_sent@own-participant",
                "mark_sponsor_report_sent@site-participant",
                "mark_sponsor_report_sent@other-participant",
                "pharmacy@own-site",
                "pharmacy@other-site",
                "prescriptions@own-participant",
                "prescriptions@site-participant",
                "prescriptions@other-participant",
                "authorisations@own-site",
                "authorisations@other-site",
                "schedule@own-site",
                "schedule@own-participant",
                "schedule@site-participant",
                "schedule@other-site",
                "schedule@other-participant",
                "deviations@own-site",
                "deviations@own-participant",
                "deviations@site-participant",
                "deviations@other-site",
                "deviations@other-participant",
                "credentials@own-site",
                "credentials@other-site",
                "treatment@own-site",
                "treatment@other-site",
                "treatment@own-participant",
                "treatment@site-participant",
                "treatment@other-participant",
                "outcomes@own-participant",
                "outcomes@site-participant",
                "outcomes@other-participant",
                "ratings@own-participant",
                "ratings@site-participant",
                "ratings@other-participant",
                "dashboard@system",
                "view_site@own-site",
                "view_site@other-site",
                "view_users@system",
                "view_users@own-site",
                "view_users@other-site",
                "revoke_sessions@self",
                "view_participants@own-site",
                "view_participants@other-site",
                "view_participant@own-participant",
                "view_participant@site-participant",
                "view_participant@other-participant",
                "audit_trail@system",
                "audit_trail@own-site",
                "audit_trail@other-site",
                "verify_audit@system",
            ],
        ),
        (
            "participant@own",
            &[
                "consent@own-participant",
                "schedule@own-participant",
                "treatment@own-participant",
                "outcomes@own-participant",
                "ratings@own-participant",
                "self_report@own-participant",
                "safety_screen@own-participant",
                "report_how_i_feel@own-participant",
                "dashboard@system",
                "revoke_sessions@self",
                "view_participant@own-participant",
                "sign@own-participant",
            ],
        ),
    ];

    /// Each action is tested against the resources it can meaningfully apply to.
    fn resources_for(action: Action) -> &'static [&'static str] {
        match action {
            ViewDashboard | ManageSites | ManageUsers | VerifyAudit | ManageSettings | ManageConsentDocuments => {
                &["system"]
            }
            ViewSite | ViewParticipants | CreateParticipant => &["own-site", "other-site"],
            ViewUsers | GrantRole(_) | ViewAuditTrail => &["system", "own-site", "other-site"],
            RevokeSessions => &["self", "other-user"],
            ViewParticipant | UpdateParticipant | SignRecord | ViewOutcomes | ViewRatings | RecordOutcome(_)
            | AcknowledgeAlert => &["own-participant", "site-participant", "other-participant"],
            ViewTreatment | ViewSchedule | ManageSchedule | ViewDeviations | RecordDeviation | Screen
            | ConfirmEligibility | Consent | CreatePortalAccount => {
                &["own-site", "other-site", "own-participant", "site-participant", "other-participant"]
            }
            ViewCredentials | ManageCredentials | ViewAuthorisations | ManageAuthorisations | ManageReadiness
            | ViewPharmacy | ViewPharmacyContents | ManagePharmacy | AdministerDose => &["own-site", "other-site"],
            Prescribe | DecideDoseAbovePrescription | ViewPrescriptions => {
                &["own-participant", "site-participant", "other-participant"]
            }
            ViewAdverseEvents | RecordAdverseEvent => {
                &["own-site", "other-site", "own-participant", "site-participant", "other-participant"]
            }
            CodeAdverseEvents => &["own-site", "other-site"],
            ManageCodingDictionaries => &["system"],
            AssessAdverseEvent | AssessExpectedness | MarkSafetyReportSent | MarkSponsorReportSent | ReportHowIFeel => {
                &["own-participant", "site-participant", "other-participant"]
            }
        }
    }

    #[test]
    fn policy_table_covers_every_role_action_and_scope() {
        let mut checked = 0;
        for (who, allowed) in ALLOWED {
            let (role, scope) = who.split_once('@').unwrap();
            let role = Role::parse("role", role).unwrap();
            let actor = actor(role, if scope == "all" { None } else { Some(OWN) });
            for (action_name, action) in ACTIONS {
                for res in resources_for(*action) {
                    let key = format!("{action_name}@{res}");
                    let expected = allowed.contains(&key.as_str());
                    let got = authorize(&actor, *action, resource(res)).is_ok();
                    assert_eq!(got, expected, "{who}: {key} expected {}", if expected { "allow" } else { "deny" });
                    checked += 1;
                }
            }
            for entry in *allowed {
                let (action_name, _) = entry.split_once('@').unwrap();
                assert!(ACTIONS.iter().any(|(n, _)| *n == action_name), "{who}: unknown action in table: {entry}");
            }
        }
        // Every role appears in the table.
        for role in Role::ALL {
            assert!(ALLOWED.iter().any(|(who, _)| who.starts_with(&format!("{role}@"))), "{role} missing from table");
        }
        assert!(checked > 300);
    }

    #[test]
    fn no_grants_means_nothing_but_own_sessions() {
        let nobody =
            Actor { user_id: "u-actor".into(), display_name: "N".into(), grants: vec![], own_participants: vec![] };
        assert!(authorize(&nobody, ViewDashboard, Resource::System).is_err());
        assert!(authorize(&nobody, RevokeSessions, Resource::User { user_id: "u-actor" }).is_ok());
        let denial = authorize(&nobody, ManageSites, Resource::System).unwrap_err();
        assert_eq!(denial.action, "manage_sites");
        assert!(denial.reason.contains("no role"));
    }

    #[test]
    fn grants_combine() {
        let mut a = actor(Role::Therapist, Some(OWN));
        assert!(authorize(&a, ViewParticipants, Resource::Site { site_id: OTHER }).is_err());
        a.grants.push(Grant { role: Role::Physician, site_id: Some(OTHER.into()) });
        assert!(authorize(&a, ViewParticipants, Resource::Site { site_id: OTHER }).is_ok());
    }

    #[test]
    fn allowed_somewhere_answers_the_navigation_by_role_and_scope() {
        // (role, site-scoped, view sites, view users, view audit trail)
        let table = [
            (Role::Administrator, false, true, true, true),
            (Role::SiteLead, true, true, true, true),
            (Role::Therapist, true, true, false, false),
            (Role::Physician, true, true, false, false),
            (Role::Pharmacist, true, true, false, false),
            (Role::Rater, true, true, false, false),
            (Role::Rater, false, true, false, false),
            (Role::Monitor, true, true, true, true),
            (Role::Monitor, false, true, true, true),
            (Role::Participant, true, false, false, false),
        ];
        for (role, scoped, sites, users, audit) in table {
            let who = actor(role, scoped.then_some(OWN));
            assert_eq!(allowed_somewhere(&who, ViewSite), sites, "{role} sites");
            assert_eq!(allowed_somewhere(&who, ViewUsers), users, "{role} users");
            assert_eq!(allowed_somewhere(&who, ViewAuditTrail), audit, "{role} audit");
        }
        let nobody = Actor { user_id: "u".into(), display_name: "N".into(), grants: vec![], own_participants: vec![] };
        assert!(!allowed_somewhere(&nobody, ViewDashboard));
    }
}
