//! Access pathway: what the jurisdiction allows and whether this programme holds that authority
//! (clinical.md section 7).
//!
//! Why it is part of eligibility: outside an authorised pathway MDMA-AT is not available at all
//! (clinical.md section 2, pitfalls), so a clinically eligible candidate is still ineligible
//! where the programme holds no lawful authority, and needs review when a condition attached
//! to the authority (ethics approval, per-patient authorisation) is not recorded.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::decision::{Evidence, Status};
use crate::record::{Authority, Pathway, ScreeningRecord, YesNoUnknown};
use crate::rules::{PathwayCheck, PathwayOption, Requirement, RuleSet};

/// Pathway assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathwayAssessment {
    /// `met` = the programme holds an authority the jurisdiction allows, with every condition
    /// recorded as satisfied.
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// The jurisdiction rule that applied (exact, country, or `*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Pathways the jurisdiction allows at `as_of`.
    pub allowed: Vec<PathwayOption>,
    /// The pathway that is satisfied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathway: Option<Pathway>,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    pub notes: Vec<String>,
}

fn requirement(a: &Authority, r: Requirement) -> YesNoUnknown {
    match r {
        Requirement::EthicsApproval => a.ethics_approval,
        Requirement::PrescriberIsPsychiatrist => a.prescriber_is_psychiatrist,
        Requirement::PatientAuthorisation => a.patient_authorisation,
        Requirement::AdministeredByAuthorisedPractitioner => a.administered_by_authorised_practitioner,
    }
}

fn find_rule<'a>(rules: &'a RuleSet<PathwayCheck>, jurisdiction: &str) -> Option<&'a crate::rules::Rule<PathwayCheck>> {
    let country = jurisdiction.split('-').next().unwrap_or(jurisdiction);
    let find = |key: &str| {
        rules.rules.iter().find(|r| {
            let PathwayCheck::Jurisdiction { jurisdictions, .. } = &r.params;
            jurisdictions.iter().any(|j| j == key)
        })
    };
    find(jurisdiction).or_else(|| find(country)).or_else(|| find("*"))
}

/// Assess the access pathway.
pub fn assess(record: &ScreeningRecord, as_of: Date, rules: &RuleSet<PathwayCheck>) -> PathwayAssessment {
    let held_ev = Evidence::new("programme.authorities", json!(record.programme.authorities));
    let Some(j) = record.jurisdiction.as_deref() else {
        return PathwayAssessment {
            status: Status::Unknown,
            jurisdiction: None,
            rule_id: None,
            source: None,
            allowed: Vec::new(),
            pathway: None,
            reason: "jurisdiction not recorded".into(),
            evidence: vec![Evidence::new("jurisdiction", json!(null)), held_ev],
            notes: Vec::new(),
        };
    };
    let evidence = vec![Evidence::new("jurisdiction", json!(j)), held_ev];
    let Some(rule) = find_rule(rules, j) else {
        // `RuleSets::check` guarantees a "*" rule; keep a safe answer anyway.
        return PathwayAssessment {
            status: Status::NotMet,
            jurisdiction: Some(j.to_string()),
            rule_id: None,
            source: None,
            allowed: Vec::new(),
            pathway: None,
            reason: format!("no pathway rule for {j}"),
            evidence,
            notes: Vec::new(),
        };
    };
    let PathwayCheck::Jurisdiction { pathways, notes, .. } = &rule.params;
    let mut notes = notes.clone();
    let allowed: Vec<PathwayOption> = pathways
        .iter()
        .filter(|p| {
            let open = p.available_from.is_none_or(|from| from <= as_of);
            if !open {
                notes.push(format!(
                    "{} not available before {}",
                    json!(p.pathway),
                    p.available_from.map(|d| d.to_string()).unwrap_or_default()
                ));
            }
            open
        })
        .cloned()
        .collect();

    let mut unknown: Vec<String> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for (i, a) in record.programme.authorities.iter().enumerate() {
        let Some(opt) = allowed.iter().find(|o| o.pathway == a.pathway) else {
            failed.push(format!("{} is not a pathway in {j}", json!(a.pathway)));
            continue;
        };
        if let Some(until) = a.valid_until
            && until < as_of
        {
            failed.push(format!("programme.authorities[{i}] expired on {until}"));
            continue;
        }
        let missing: Vec<String> = opt
            .requires
            .iter()
            .filter(|r| requirement(a, **r).is_unknown())
            .map(|r| json!(r).as_str().unwrap_or_default().to_string())
            .collect();
        let refused: Vec<String> = opt
            .requires
            .iter()
            .filter(|r| requirement(a, **r).is_no())
            .map(|r| json!(r).as_str().unwrap_or_default().to_string())
            .collect();
        if !refused.is_empty() {
            failed.push(format!("programme.authorities[{i}]: {} is \"no\"", refused.join(", ")));
        } else if !missing.is_empty() {
            unknown.push(format!("programme.authorities[{i}]: {} not recorded", missing.join(", ")));
        } else {
            return PathwayAssessment {
                status: Status::Met,
                jurisdiction: Some(j.to_string()),
                rule_id: Some(rule.id.clone()),
                source: Some(rule.source.clone()),
                allowed,
                pathway: Some(a.pathway),
                reason: format!("programme holds {} with every condition met", json!(a.pathway)),
                evidence,
                notes,
            };
        }
    }
    let allowed_names: Vec<String> =
        allowed.iter().map(|o| json!(o.pathway).as_str().unwrap_or_default().to_string()).collect();
    let (status, reason) = if !unknown.is_empty() {
        (Status::Unknown, unknown.join("; "))
    } else if record.programme.authorities.is_empty() {
        (Status::NotMet, format!("programme holds no authority; {j} allows: {}", allowed_names.join(", ")))
    } else {
        (Status::NotMet, format!("{}; {j} allows: {}", failed.join("; "), allowed_names.join(", ")))
    };
    PathwayAssessment {
        status,
        jurisdiction: Some(j.to_string()),
        rule_id: Some(rule.id.clone()),
        source: Some(rule.source.clone()),
        allowed,
        pathway: None,
        reason,
        evidence,
        notes,
    }
}
