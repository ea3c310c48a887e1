//! The guided screening form: every field of the screening record as ordinary inputs, with
//! repeating rows for therapies, medications, readings and authorities. Field names are paths
//! into the record (`trauma_therapy.0.sessions`), so turning the form into the record is one
//! generic step and the engine's errors name the same paths the form shows.

use maud::{Markup, html};
use serde_json::{Map, Value};

const YES_NO_UNKNOWN: &[&str] = &["unknown", "yes", "no"];
const PSYCHIATRIC: &[&str] = &[
    "psychotic_disorder",
    "bipolar_i",
    "bipolar_ii",
    "dissociative_identity_disorder",
    "eating_disorder_active_purging",
    "mdd_with_psychotic_features",
    "major_depressive_disorder",
    "borderline_personality_disorder",
    "antisocial_personality_disorder",
    "personality_disorder_named_by_protocol",
    "alcohol_use_disorder_current",
    "substance_use_disorder_current",
    "generalised_anxiety_disorder",
    "panic_disorder",
    "obsessive_compulsive_disorder",
    "adhd",
];
const MEDICAL: &[&str] = &[
    "uncontrolled_hypertension",
    "controlled_hypertension",
    "arrhythmia_history",
    "qt_prolongation",
    "cardiovascular_disease",
    "cerebrovascular_disease",
    "hepatic_impairment",
    "renal_impairment",
    "seizure_disorder",
    "hyponatraemia_history",
    "diabetes",
    "glaucoma",
];

/// Integer fields, by their last path segment; other numeric fields are decimals.
const INTEGERS: &[&str] = &["duration_months", "total", "sessions", "weeks", "systolic", "diastolic", "times"];
const DECIMALS: &[&str] = &["amount", "qtc_ms", "alt_x_uln", "ast_x_uln"];

/// Repeating sections: name, rows shown, and the field that makes a row count (a row whose key
/// field is empty is an unused row, whatever its defaulted selects say).
const ROWS: &[(&str, usize, &str)] = &[
    ("trauma_therapy", 4, "type"),
    ("medication_trials", 5, "drug"),
    ("current_medications", 5, "drug"),
    ("substance_use", 3, "substance"),
    ("blood_pressure", 4, "systolic"),
    ("programme.authorities", 2, "pathway"),
];

/// The value at a dotted path; numeric segments index arrays (or the rows of a form being built).
fn at<'a>(record: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(record, |v, key| {
        let found = match v {
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            other => other.get(key),
        };
        found.unwrap_or(&Value::Null)
    })
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn select(name: &str, label: &str, options: &[&str], record: &Value) -> Markup {
    let current = shown(at(record, name));
    html! { label { (label) select name=(name) {
        @for o in options { option value=(o) selected[current == *o] { (o.replace('_', " ")) } }
    } } }
}

fn input(name: &str, label: &str, kind: &str, record: &Value) -> Markup {
    html! { label { (label) input type=(kind) name=(name) value=(shown(at(record, name))) step=[(kind == "number").then_some("any")]; } }
}

/// "unknown" (null), "none" ([]) or "listed" for an optional list.
fn list_state(record: &Value, key: &str) -> &'static str {
    match at(record, key) {
        Value::Null => "unknown",
        Value::Array(a) if a.is_empty() => "none",
        _ => "listed",
    }
}

fn list_select(key: &str, label: &str, record: &Value) -> Markup {
    let state = list_state(record, key);
    html! { label { (label) select name={(key) ".state"} {
        @for (v, text) in [("unknown", "not recorded"), ("none", "none"), ("listed", "as listed below")] { option value=(v) selected[state == v] { (text) } }
    } } }
}

fn checkboxes(key: &str, options: &[&str], record: &Value) -> Markup {
    let chosen: Vec<String> = at(record, key).as_array().map(|a| a.iter().map(shown).collect()).unwrap_or_default();
    html! { div.choices { @for o in options {
        label.choice { input type="checkbox" name=(key) value=(o) checked[chosen.iter().any(|c| c == o)]; " " (o.replace('_', " ")) }
    } } }
}

pub fn guided_form(action: &str, preview: &str, record: &Value) -> Markup {
    let rows = |key: &str| ROWS.iter().find(|(k, _, _)| *k == key).map(|(_, n, _)| *n).unwrap_or(0);
    html! {
        form.stack.screening.guided method="post" action=(action) data-preview=(preview) {
            fieldset { legend { "Person" }
                (input("date_of_birth", "Date of birth", "date", record))
                (select("sex_at_birth", "Sex at birth", &["unknown", "female", "male", "intersex"], record))
            }
            fieldset { legend { "PTSD" }
                (select("ptsd.diagnosis", "DSM-5 PTSD diagnosis confirmed", YES_NO_UNKNOWN, record))
                (input("ptsd.duration_months", "Duration (months)", "number", record))
                (input("ptsd.onset_on", "Onset", "date", record))
                (input("caps5.total", "CAPS-5 total at screening (0–80)", "number", record))
                (input("caps5.assessed_on", "CAPS-5 date", "date", record))
                (select("nightmares", "Persistent nightmares", YES_NO_UNKNOWN, record))
            }
            fieldset { legend { "Trauma-focused therapy" }
                (list_select("trauma_therapy", "History", record))
                table { thead { tr { th { "Type" } th { "Sessions" } th { "Completed" } th { "Ended" } th { "With optimised medication" } } }
                    tbody { @for i in 0..rows("trauma_therapy") { tr {
                        td { select name={"trauma_therapy." (i) ".type"} aria-label={"Therapy " (i + 1) " type"} { option value="" {} @for t in ["pe", "cpt", "emdr", "other"] { option value=(t) selected[shown(at(record, &format!("trauma_therapy.{i}.type"))) == t] { (t.to_uppercase()) } } } }
                        td { input type="number" name={"trauma_therapy." (i) ".sessions"} aria-label={"Therapy " (i + 1) " sessions"} value=(shown(at(record, &format!("trauma_therapy.{i}.sessions")))); }
                        td { select name={"trauma_therapy." (i) ".completed"} aria-label={"Therapy " (i + 1) " completed"} { option value="" {} @for v in ["true", "false"] { option value=(v) selected[shown(at(record, &format!("trauma_therapy.{i}.completed"))) == v] { (if v == "true" { "yes" } else { "no" }) } } } }
                        td { input type="date" name={"trauma_therapy." (i) ".ended_on"} aria-label={"Therapy " (i + 1) " ended"} value=(shown(at(record, &format!("trauma_therapy.{i}.ended_on")))); }
                        td { select name={"trauma_therapy." (i) ".with_optimised_medication"} aria-label={"Therapy " (i + 1) " with medication"} { option value="" {} @for v in YES_NO_UNKNOWN { option value=(v) selected[shown(at(record, &format!("trauma_therapy.{i}.with_optimised_medication"))) == *v] { (v) } } } }
                    } } }
                }
                (select("specialised_programme_referral", "Referred to a specialised PTSD programme", YES_NO_UNKNOWN, record))
            }
            fieldset { legend { "Medication trials for PTSD" }
                (list_select("medication_trials", "History", record))
                table { thead { tr { th { "Drug" } th { "Daily dose" } th { "Unit" } th { "Weeks" } th { "Outcome" } th { "Ended" } } }
                    tbody { @for i in 0..rows("medication_trials") { tr {
                        td { input name={"medication_trials." (i) ".drug"} aria-label={"Trial " (i + 1) " drug"} value=(shown(at(record, &format!("medication_trials.{i}.drug")))); }
                        td { input type="number" step="any" name={"medication_trials." (i) ".daily_dose.amount"} aria-label={"Trial " (i + 1) " dose"} value=(shown(at(record, &format!("medication_trials.{i}.daily_dose.amount")))); }
                        td { input name={"medication_trials." (i) ".daily_dose.unit"} aria-label={"Trial " (i + 1) " unit"} size="4" value=(shown(at(record, &format!("medication_trials.{i}.daily_dose.unit")))); }
                        td { input type="number" name={"medication_trials." (i) ".weeks"} aria-label={"Trial " (i + 1) " weeks"} value=(shown(at(record, &format!("medication_trials.{i}.weeks")))); }
                        td { select name={"medication_trials." (i) ".outcome"} aria-label={"Trial " (i + 1) " outcome"} { option value="" {} @for v in ["remission", "partial", "no_response", "not_tolerated"] { option value=(v) selected[shown(at(record, &format!("medication_trials.{i}.outcome"))) == v] { (v.replace('_', " ")) } } } }
                        td { input type="date" name={"medication_trials." (i) ".ended_on"} aria-label={"Trial " (i + 1) " ended"} value=(shown(at(record, &format!("medication_trials.{i}.ended_on")))); }
                    } } }
                }
            }
            fieldset { legend { "Current and recent medications" }
                (list_select("current_medications", "Medications", record))
                table { thead { tr { th { "Drug" } th { "Daily dose" } th { "Unit" } th { "Last dose" } th { "Still taking" } } }
                    tbody { @for i in 0..rows("current_medications") {
                        @let last = shown(at(record, &format!("current_medications.{i}.last_dose")));
                        tr {
                            td { input name={"current_medications." (i) ".drug"} aria-label={"Medication " (i + 1) " drug"} value=(shown(at(record, &format!("current_medications.{i}.drug")))); }
                            td { input type="number" step="any" name={"current_medications." (i) ".daily_dose.amount"} aria-label={"Medication " (i + 1) " dose"} value=(shown(at(record, &format!("current_medications.{i}.daily_dose.amount")))); }
                            td { input name={"current_medications." (i) ".daily_dose.unit"} aria-label={"Medication " (i + 1) " unit"} size="4" value=(shown(at(record, &format!("current_medications.{i}.daily_dose.unit")))); }
                            td { input type="date" name={"current_medications." (i) ".last_dose"} aria-label={"Medication " (i + 1) " last dose"} value=(if last == "still_taking" { String::new() } else { last.clone() }); }
                            td { input type="checkbox" name={"current_medications." (i) ".still_taking"} value="yes" aria-label={"Medication " (i + 1) " still taking"} checked[last == "still_taking"]; }
                        }
                    } }
                }
            }
            fieldset { legend { "Psychiatric conditions" }
                (select("psychiatric_conditions.state", "Assessed", &["not_assessed", "assessed"], &status_record(record, "psychiatric_conditions")))
                (checkboxes("psychiatric_conditions", PSYCHIATRIC, record))
            }
            fieldset { legend { "Medical" }
                (select("medical_conditions.state", "Assessed", &["not_assessed", "assessed"], &status_record(record, "medical_conditions")))
                (checkboxes("medical_conditions", MEDICAL, record))
                table { thead { tr { th { "Systolic" } th { "Diastolic" } th { "Measured" } } }
                    tbody { @for i in 0..rows("blood_pressure") { tr {
                        td { input type="number" name={"blood_pressure." (i) ".systolic"} aria-label={"Reading " (i + 1) " systolic"} value=(shown(at(record, &format!("blood_pressure.{i}.systolic")))); }
                        td { input type="number" name={"blood_pressure." (i) ".diastolic"} aria-label={"Reading " (i + 1) " diastolic"} value=(shown(at(record, &format!("blood_pressure.{i}.diastolic")))); }
                        td { input type="date" name={"blood_pressure." (i) ".measured_on"} aria-label={"Reading " (i + 1) " date"} value=(shown(at(record, &format!("blood_pressure.{i}.measured_on")))); }
                    } } }
                }
                (input("qtc_ms", "QTc (ms)", "number", record))
                (select("arrhythmia_history", "History of arrhythmia", YES_NO_UNKNOWN, record))
                (input("liver_function.alt_x_uln", "ALT (× upper limit of normal)", "number", record))
                (input("liver_function.ast_x_uln", "AST (× upper limit of normal)", "number", record))
                (input("liver_function.measured_on", "Liver tests date", "date", record))
            }
            fieldset { legend { "Pregnancy and lactation" }
                (select("reproductive.can_become_pregnant", "Can become pregnant", YES_NO_UNKNOWN, record))
                (select("reproductive.pregnant", "Pregnant", YES_NO_UNKNOWN, record))
                (select("reproductive.lactating", "Lactating", YES_NO_UNKNOWN, record))
            }
            fieldset { legend { "Substances and suicide risk" }
                (list_select("substance_use", "Current substance use", record))
                table { thead { tr { th { "Substance" } th { "Frequency" } } }
                    tbody { @for i in 0..rows("substance_use") { tr {
                        td { select name={"substance_use." (i) ".substance"} aria-label={"Substance " (i + 1)} { option value="" {} @for v in ["alcohol", "cannabis", "tobacco", "cocaine", "amphetamines", "opioids", "hallucinogens", "other"] { option value=(v) selected[shown(at(record, &format!("substance_use.{i}.substance"))) == v] { (v) } } } }
                        td { select name={"substance_use." (i) ".frequency"} aria-label={"Substance " (i + 1) " frequency"} { option value="" {} @for v in ["none", "less_than_monthly", "monthly", "weekly", "daily"] { option value=(v) selected[shown(at(record, &format!("substance_use.{i}.frequency"))) == v] { (v.replace('_', " ")) } } } }
                    } } }
                }
                (select("prior_mdma_use.used", "Prior ecstasy/MDMA use", YES_NO_UNKNOWN, record))
                (input("prior_mdma_use.times", "Times used", "number", record))
                (select("cssrs_risk", "C-SSRS risk", &["", "none", "low", "moderate", "high"], record))
            }
            fieldset { legend { "Programme authorities" }
                table { thead { tr { th { "Pathway" } th { "Reference" } th { "Ethics approval" } th { "Psychiatrist prescriber" } th { "Patient authorisation" } } }
                    tbody { @for i in 0..rows("programme.authorities") { tr {
                        td { select name={"programme.authorities." (i) ".pathway"} aria-label={"Authority " (i + 1) " pathway"} { option value="" {} @for v in ["us_ind_trial", "us_expanded_access", "au_authorised_prescriber", "ca_special_access", "clinical_trial"] { option value=(v) selected[shown(at(record, &format!("programme.authorities.{i}.pathway"))) == v] { (v.replace('_', " ")) } } } }
                        td { input name={"programme.authorities." (i) ".reference"} aria-label={"Authority " (i + 1) " reference"} value=(shown(at(record, &format!("programme.authorities.{i}.reference")))); }
                        @for f in ["ethics_approval", "prescriber_is_psychiatrist", "patient_authorisation"] {
                            td { select name={"programme.authorities." (i) "." (f)} aria-label={"Authority " (i + 1) " " (f.replace('_', " "))} { @for v in YES_NO_UNKNOWN { option value=(v) selected[shown(at(record, &format!("programme.authorities.{i}.{f}"))) == *v] { (v) } } } }
                        }
                    } } }
                }
            }
            div { button type="submit" name="action" value="evaluate" { "Evaluate" } " "
                  button.secondary type="submit" name="action" value="save" { "Save screening" } }
        }
    }
}

/// A record stand-in that says whether a closed list was assessed (present) or not (null).
fn status_record(record: &Value, key: &str) -> Value {
    let state = if at(record, key).is_null() { "not_assessed" } else { "assessed" };
    let mut map = Map::new();
    map.insert(key.to_owned(), serde_json::json!({"state": state}));
    Value::Object(map)
}

fn typed(key: &str, value: &str) -> Value {
    let last = key.rsplit('.').next().unwrap_or(key);
    if INTEGERS.contains(&last) {
        if let Ok(n) = value.parse::<i64>() {
            return Value::from(n);
        }
    } else if DECIMALS.contains(&last) {
        if let Some(n) = value.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Value::Number(n);
        }
    } else if last == "completed" && matches!(value, "true" | "false") {
        return Value::Bool(value == "true");
    }
    // Anything else, or a number that does not parse, goes in as text: the engine names the path.
    Value::from(value.to_owned())
}

fn set(root: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else { return };
    if rest.is_empty() {
        root.insert((*first).to_owned(), value);
        return;
    }
    let child = root.entry((*first).to_owned()).or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(map) = child {
        set(map, rest, value);
    }
}

/// What the form says that the record could not: a row with cells filled but not its key field,
/// a list marked "none" with rows in it, or "as listed below" with none. Refused with the field
/// named rather than dropped.
pub fn form_problems(fields: &[(String, String)]) -> Vec<catalyst_core::Violation> {
    let value_of =
        |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let mut problems = Vec::new();
    for (key, n, key_field) in ROWS {
        let mut rows_used = 0;
        for i in 0..*n {
            let prefix = format!("{key}.{i}.");
            // Selects that start on "unknown" say nothing until changed.
            let filled = fields.iter().any(|(name, v)| {
                name.starts_with(&prefix)
                    && !name.ends_with(".still_taking")
                    && !v.trim().is_empty()
                    && v.trim() != "unknown"
            });
            let keyed = !value_of(&format!("{prefix}{key_field}")).is_empty();
            if filled && !keyed {
                problems.push(catalyst_core::Violation::new(
                    format!("{prefix}{key_field}"),
                    "required",
                    format!("row {} of {} has entries but no {key_field}", i + 1, key.replace('_', " ")),
                ));
            }
            if keyed {
                rows_used += 1;
            }
        }
        match value_of(&format!("{key}.state")).as_str() {
            "none" if rows_used > 0 => problems.push(catalyst_core::Violation::new(
                format!("{key}.state"),
                "consistent",
                format!("{} is marked none but has rows", key.replace('_', " ")),
            )),
            "listed" if rows_used == 0 => problems.push(catalyst_core::Violation::new(
                format!("{key}.state"),
                "consistent",
                format!("{} is marked as listed but no row is filled in", key.replace('_', " ")),
            )),
            _ => {}
        }
    }
    problems
}

/// Builds the screening record from the guided form's fields.
pub fn record_from(fields: &[(String, String)]) -> Value {
    let mut root = Map::new();
    let value_of =
        |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    for (name, value) in fields {
        let value = value.trim();
        if value.is_empty() || name.ends_with(".state") || name == "action" || name.ends_with(".still_taking") {
            continue;
        }
        if name == "psychiatric_conditions" || name == "medical_conditions" {
            continue;
        }
        let path: Vec<&str> = name.split('.').collect();
        set(&mut root, &path, typed(name, value));
    }
    // Rows become arrays of the rows whose key field is filled in.
    for (key, n, key_field) in ROWS {
        let path: Vec<&str> = key.split('.').collect();
        let state = value_of(&format!("{key}.state"));
        let built = Value::Object(root.clone());
        let mut rows = Vec::new();
        for i in 0..*n {
            if let Value::Object(mut row) = at(&built, &format!("{key}.{i}")).clone() {
                if *key == "current_medications" && value_of(&format!("{key}.{i}.still_taking")) == "yes" {
                    row.insert("last_dose".into(), Value::from("still_taking"));
                }
                if row.contains_key(*key_field) {
                    rows.push(Value::Object(row));
                }
            }
        }
        let always_listed = *key == "programme.authorities" || *key == "blood_pressure";
        let list = match state.as_str() {
            _ if always_listed || !rows.is_empty() || state == "listed" => Value::Array(rows),
            "none" => Value::Array(Vec::new()),
            _ => Value::Null,
        };
        set(&mut root, &path, list);
    }
    for key in ["psychiatric_conditions", "medical_conditions"] {
        let chosen: Vec<Value> = fields.iter().filter(|(n, _)| n == key).map(|(_, v)| Value::from(v.clone())).collect();
        let assessed = value_of(&format!("{key}.state")) == "assessed" || !chosen.is_empty();
        root.insert(key.to_owned(), if assessed { Value::Array(chosen) } else { Value::Null });
    }
    if !root.contains_key("programme") {
        root.insert("programme".into(), serde_json::json!({"authorities": []}));
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn fields_become_the_record_with_types_and_rows() {
        let record = record_from(&f(&[
            ("ptsd.diagnosis", "yes"),
            ("ptsd.duration_months", "96"),
            ("trauma_therapy.state", "listed"),
            ("trauma_therapy.0.type", "cpt"),
            ("trauma_therapy.0.sessions", "12"),
            ("trauma_therapy.0.completed", "true"),
            ("trauma_therapy.1.type", ""),
            ("medication_trials.state", "none"),
            ("current_medications.state", "listed"),
            ("current_medications.0.drug", "sertraline"),
            ("current_medications.0.still_taking", "yes"),
            ("psychiatric_conditions.state", "assessed"),
            ("medical_conditions", "diabetes"),
            ("qtc_ms", "431.5"),
            ("caps5.total", "forty"),
        ]));
        assert_eq!(record["ptsd"]["duration_months"], 96);
        assert_eq!(record["trauma_therapy"].as_array().unwrap().len(), 1);
        assert_eq!(record["trauma_therapy"][0]["sessions"], 12);
        assert_eq!(record["trauma_therapy"][0]["completed"], true);
        assert_eq!(record["medication_trials"], serde_json::json!([]));
        assert_eq!(record["current_medications"][0]["last_dose"], "still_taking");
        assert_eq!(record["psychiatric_conditions"], serde_json::json!([]));
        assert_eq!(record["medical_conditions"], serde_json::json!(["diabetes"]));
        assert_eq!(record["qtc_ms"], 431.5);
        assert_eq!(record["caps5"]["total"], "forty", "left as text for the engine to reject by path");
        assert!(record.get("substance_use").is_some_and(Value::is_null), "not recorded stays unknown");
    }

    #[test]
    fn half_filled_rows_and_contradictory_lists_are_named() {
        let problems = form_problems(&f(&[
            ("current_medications.state", "listed"),
            ("current_medications.0.daily_dose.amount", "50"),
            ("trauma_therapy.state", "none"),
            ("trauma_therapy.0.type", "cpt"),
            ("medication_trials.state", "listed"),
            ("programme.authorities.0.ethics_approval", "unknown"),
        ]));
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "trauma_therapy.state",
                "medication_trials.state",
                "current_medications.0.drug",
                "current_medications.state"
            ]
        );
    }

    #[test]
    fn the_form_shows_a_record_it_was_given() {
        let record: Value = serde_json::from_str(include_str!("../../../../../docs/screening/eligible.json")).unwrap();
        let html = guided_form("/x", "/y", &record).into_string();
        assert!(html.contains(r#"aria-label="Therapy 1 sessions" value="12""#), "{html}");
        assert!(html.contains(r#"value="cpt" selected"#));
    }
}
