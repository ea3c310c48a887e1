#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The documented examples in `docs/screening/` evaluate to their documented decisions and
//! outputs, and the schemas there are the ones the crate serves.

use catalyst_screening::{DecisionKind, input_schema, output_schema, screen_json};
use jiff::civil::Date;

/// The evaluation date used by every documented example.
const AS_OF: Date = jiff::civil::date(2026, 3, 1);

const EXAMPLES: [(&str, &str, &str, DecisionKind); 4] = [
    (
        "eligible",
        include_str!("../../../docs/screening/eligible.json"),
        include_str!("../../../docs/screening/eligible.expected.json"),
        DecisionKind::Eligible,
    ),
    (
        "eligible_after_washout",
        include_str!("../../../docs/screening/eligible_after_washout.json"),
        include_str!("../../../docs/screening/eligible_after_washout.expected.json"),
        DecisionKind::EligibleAfterWashout,
    ),
    (
        "ineligible",
        include_str!("../../../docs/screening/ineligible.json"),
        include_str!("../../../docs/screening/ineligible.expected.json"),
        DecisionKind::Ineligible,
    ),
    (
        "needs_review",
        include_str!("../../../docs/screening/needs_review.json"),
        include_str!("../../../docs/screening/needs_review.expected.json"),
        DecisionKind::NeedsReview,
    ),
];

#[test]
fn each_example_evaluates_to_its_documented_decision_and_output() {
    for (name, input, expected, kind) in EXAMPLES {
        let out = screen_json(input, AS_OF).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(got["decision"], serde_json::to_value(kind).unwrap(), "{name}");
        let want: serde_json::Value = serde_json::from_str(expected).unwrap();
        assert_eq!(got, want, "{name}: output differs from {name}.expected.json");
    }
}

#[test]
fn docs_schemas_are_the_served_schemas() {
    let doc_in: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/screening/input.schema.json")).unwrap();
    let doc_out: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/screening/output.schema.json")).unwrap();
    assert_eq!(doc_in, serde_json::from_str::<serde_json::Value>(&input_schema()).unwrap());
    assert_eq!(doc_out, serde_json::from_str::<serde_json::Value>(&output_schema()).unwrap());
}

/// Prints the current outputs (used to regenerate the `.expected.json` files after a
/// deliberate rule change: `cargo test -p catalyst-screening --test examples -- --ignored --nocapture`).
#[test]
#[ignore]
fn print_outputs() {
    for (name, input, _, _) in EXAMPLES {
        let out = screen_json(input, AS_OF).unwrap_or_else(|e| e.to_string());
        println!("=====BEGIN {name}\n{out}\n=====END");
    }
}

#[test]
fn input_schema_describes_every_record_field() {
    let schema: serde_json::Value = serde_json::from_str(&input_schema()).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let props: std::collections::BTreeSet<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
    // The eligible example sets every top-level field except age_years.
    let example: serde_json::Value = serde_json::from_str(EXAMPLES[0].1).unwrap();
    let mut fields: std::collections::BTreeSet<String> = example.as_object().unwrap().keys().cloned().collect();
    fields.insert("age_years".into());
    assert_eq!(props, fields);
    let out: serde_json::Value = serde_json::from_str(&output_schema()).unwrap();
    let want: serde_json::Value = serde_json::from_str(EXAMPLES[1].2).unwrap();
    let out_props: std::collections::BTreeSet<String> =
        out["properties"].as_object().unwrap().keys().cloned().collect();
    let got: std::collections::BTreeSet<String> = want.as_object().unwrap().keys().cloned().collect();
    assert_eq!(out_props, got);
}
