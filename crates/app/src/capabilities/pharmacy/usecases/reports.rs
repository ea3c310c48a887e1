//! The inspector's reports of a site's stores (unblinded documents, for the unblinded
//! pharmacist and the operator's command line): perpetual inventory, the dispensing record in
//! the layout of 21 CFR 1304.22(c), chain of custody of a dose, a count sheet, the destruction
//! record with the DEA Form 41 fields, the biennial inventory (21 CFR 1304.11) and the
//! temperature excursions with what became of each lot. Each as JSON and as CSV, from the
//! movements replayed.

use crate::App;
use crate::capabilities::people::domain::Site;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::string_enum;
use super::rules_for;
use crate::capabilities::pharmacy::domain::date;
use catalyst_core::error::Violation;
use catalyst_pharmacy::{
    Detail, Party, ReportContext, TakenAt, biennial_inventory, biennial_inventory_csv, chain_of_custody, count_sheet,
    count_sheet_csv, custody_csv, destruction_record, destruction_record_csv, dispensing_record, dispensing_record_csv,
    perpetual_inventory, perpetual_inventory_csv, temperature_excursions, temperature_excursions_csv,
};
use jiff::civil::Date;
use std::collections::BTreeMap;

string_enum!(
    /// The reports a site's register prints.
    ReportKind {
        PerpetualInventory = "perpetual_inventory",
        DispensingRecord = "dispensing_record",
        ChainOfCustody = "chain_of_custody",
        CountSheet = "count_sheet",
        DestructionRecord = "destruction_record",
        BiennialInventory = "biennial_inventory",
        TemperatureExcursions = "temperature_excursions",
    }
);

impl ReportKind {
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::PerpetualInventory => "Perpetual inventory",
            ReportKind::DispensingRecord => "Dispensing record (21 CFR 1304.22(c))",
            ReportKind::ChainOfCustody => "Chain of custody of a dose",
            ReportKind::CountSheet => "Count sheet",
            ReportKind::DestructionRecord => "Destruction record (DEA Form 41 fields)",
            ReportKind::BiennialInventory => "Biennial inventory (21 CFR 1304.11)",
            ReportKind::TemperatureExcursions => "Temperature excursions",
        }
    }
}

/// What a report is asked for beyond its site.
#[derive(Debug, Clone, Default)]
pub struct ReportParams {
    /// The substance of the dispensing record (default: the first active product's).
    pub substance: Option<String>,
    /// The store of a count sheet.
    pub location_id: Option<String>,
    /// The dose of a chain of custody.
    pub dispense_id: Option<String>,
    /// Whether a count sheet shows the register's units (default yes; a blind count hides them).
    pub show_expected: Option<bool>,
    /// The biennial inventory's date, `YYYY-MM-DD` (site-local; not after today).
    pub as_of: Option<String>,
    /// Whether the biennial inventory is taken as of the `opening` or the `close` of business.
    pub taken_at: Option<String>,
}

/// The biennial inventory's date and moment, each refusal naming its field and the allowed
/// values.
pub fn inventory_moment(params: &ReportParams, today: Date) -> Result<(Date, TakenAt), Vec<Violation>> {
    let mut problems = Vec::new();
    let as_of = match params.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            problems.push(Violation::new("as_of", "required", "as_of is the inventory's date, as YYYY-MM-DD"));
            None
        }
        Some(value) => match date("as_of", value) {
            Ok(d) if d > today => {
                problems.push(Violation::new(
                    "as_of",
                    "not_future",
                    format!("an inventory is taken as of today ({today}) or earlier; got {d}"),
                ));
                None
            }
            Ok(d) => Some(d),
            Err(v) => {
                problems.push(v);
                None
            }
        },
    };
    let taken_at = match params.taken_at.as_deref().map(str::trim).unwrap_or_default() {
        "" => {
            problems.push(Violation::new(
                "taken_at",
                "required",
                format!("taken_at says when the inventory is taken: one of {}", TakenAt::ALL.join(", ")),
            ));
            None
        }
        value => {
            let t = TakenAt::parse(value);
            if t.is_none() {
                problems.push(Violation::one_of("taken_at", value, &TakenAt::ALL));
            }
            t
        }
    };
    match (as_of, taken_at) {
        (Some(d), Some(t)) if problems.is_empty() => Ok((d, t)),
        _ => Err(problems),
    }
}

/// A printed report.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: ReportKind,
    pub site_code: String,
    pub json: serde_json::Value,
    pub csv: String,
}

impl App {
    /// A report of the site's stores, for the unblinded pharmacist.
    pub async fn pharmacy_report(
        &self,
        actor: &Actor,
        site_id: &str,
        kind: ReportKind,
        params: &ReportParams,
    ) -> AppResult<Report> {
        self.authorize(actor, Action::ViewPharmacyContents, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        self.build_report(&site, kind, params).await
    }

    /// The same for the operator's command line (`catalyst pharmacy report`), which holds the
    /// database already.
    pub async fn pharmacy_report_as_operator(&self, site_code: &str, kind: ReportKind, params: &ReportParams) -> AppResult<Report> {
        let site = self.site_by_code(site_code).await?.ok_or_else(|| DomainError::not_found("site", site_code))?;
        self.build_report(&site, kind, params).await
    }

    pub(in crate::capabilities::pharmacy) async fn build_report(
        &self,
        site: &Site,
        kind: ReportKind,
        params: &ReportParams,
    ) -> AppResult<Report> {
        let moment = match kind {
            ReportKind::BiennialInventory => {
                Some(inventory_moment(params, self.local_today(site)).map_err(DomainError::Invalid)?)
            }
            _ => None,
        };
        let snapshot = self.pharmacy_snapshot().await?;
        let catalogue = snapshot.catalogue();
        let stores = snapshot.location_ids_at(&site.id);
        let mut people: Vec<String> = Vec::new();
        for e in &snapshot.entries {
            people.push(e.movement.actor.clone());
            match &e.movement.detail {
                Detail::Waste { witnesses, .. } | Detail::Destroy { witnesses, .. } => people.extend(witnesses.iter().cloned()),
                Detail::Administer { clinician_id, .. } => people.push(clinician_id.clone()),
                Detail::LossOrTheft { discovered_by, .. } => people.push(discovered_by.clone()),
                Detail::ResolveDiscrepancy { signed_by, .. } => people.push(signed_by.clone()),
                Detail::Quarantine { excursion: Some(x), .. } => people.push(x.observed_by.clone()),
                _ => {}
            }
        }
        let mut names = self.names_of(people).await?;
        // A dose's recipient is printed by the participant's code.
        names.extend(self.participant_codes_at(&site.id).await?);
        let mut registrants = BTreeMap::new();
        let mut sites: BTreeMap<String, Site> = BTreeMap::new();
        for l in &snapshot.locations {
            let s = match sites.get(&l.site_id) {
                Some(s) => s.clone(),
                None => {
                    let s = self.site(&l.site_id).await?;
                    sites.insert(s.id.clone(), s.clone());
                    s
                }
            };
            let registration = self.controlled_substance_registration(&s.id, self.local_today(&s)).await?;
            registrants.insert(
                l.id.clone(),
                Party { name: s.name.clone(), address: "(address not recorded in Catalyst)".into(), registration_number: registration },
            );
        }
        let rc = ReportContext { catalogue: &catalogue, zone: &site.time_zone, names: &names, registrants: &registrants };
        let value = |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| AppError::Internal(e.to_string()));
        let (json, csv) = match kind {
            ReportKind::PerpetualInventory => {
                let cards: Vec<_> =
                    perpetual_inventory(&snapshot.entries, &rc).into_iter().filter(|c| stores.contains(&c.location_id)).collect();
                (value(serde_json::to_value(&cards))?, perpetual_inventory_csv(&cards, &rc))
            }
            ReportKind::DispensingRecord => {
                let substance = match &params.substance {
                    Some(s) => s.clone(),
                    None => snapshot
                        .products
                        .iter()
                        .find(|p| !p.placebo)
                        .map(|p| p.substance.clone())
                        .ok_or_else(|| DomainError::invalid("substance", "required", "no active product is registered"))?,
                };
                let record = dispensing_record(&snapshot.entries, &rc, &substance, &stores);
                (value(serde_json::to_value(&record))?, dispensing_record_csv(&record))
            }
            ReportKind::ChainOfCustody => {
                let id = params.dispense_id.as_deref().unwrap_or_default();
                let at_site = snapshot.register.dispenses.get(id).is_some_and(|d| stores.contains(&d.location_id));
                let custody = chain_of_custody(&snapshot.entries, id)
                    .filter(|_| at_site)
                    .ok_or_else(|| DomainError::invalid("dispense_id", "exists", "no dose of this id was dispensed at this site"))?;
                (value(serde_json::to_value(&custody))?, custody_csv(&custody, &rc))
            }
            ReportKind::CountSheet => {
                let id = params.location_id.as_deref().unwrap_or_default();
                if !stores.contains(id) {
                    return Err(DomainError::invalid("location_id", "exists", "name one of this site's stores").into());
                }
                let sheet = count_sheet(&snapshot.register, &catalogue, id, params.show_expected.unwrap_or(true));
                (value(serde_json::to_value(&sheet))?, count_sheet_csv(&sheet))
            }
            ReportKind::DestructionRecord => {
                let record = destruction_record(&snapshot.entries, &rc, &stores);
                (value(serde_json::to_value(&record))?, destruction_record_csv(&record))
            }
            ReportKind::BiennialInventory => {
                let (as_of, taken_at) = moment.ok_or_else(|| AppError::Internal("no inventory date".into()))?;
                let rules = rules_for(&site.jurisdiction)?;
                let inventory = biennial_inventory(&snapshot.entries, &rc, &stores, as_of, taken_at, &rules);
                (value(serde_json::to_value(&inventory))?, biennial_inventory_csv(&inventory))
            }
            ReportKind::TemperatureExcursions => {
                let lines = temperature_excursions(&snapshot.entries, &rc, &stores);
                (value(serde_json::to_value(&lines))?, temperature_excursions_csv(&lines, &rc))
            }
        };
        Ok(Report { kind, site_code: site.code.clone(), json, csv })
    }
}
