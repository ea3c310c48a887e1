#![allow(dead_code, clippy::unwrap_used)]
use catalyst_regulatory::{Calendar, Calendars, ReportingRules};
use jiff::civil::Date;

pub fn d(s: &str) -> Date {
    s.parse().unwrap()
}

pub fn rules() -> ReportingRules {
    ReportingRules::builtin().unwrap()
}

pub fn calendars() -> Calendars {
    Calendars::builtin().unwrap()
}

pub fn cal(code: &str) -> Calendar {
    calendars().for_jurisdiction(code).unwrap()
}

/// The bundled rules plus a programme rule that runs from an authorisation's start.
pub fn rules_json_with_start_rule() -> String {
    let extra = r#"{ "id": "us_test_start", "jurisdiction": "US", "name": "test", "recipient": "test",
      "content": "test", "trigger": { "kind": "authorisation_start", "authorisation": "fda_ind" },
      "deadline": { "kind": "business_days_after", "days": 1 },
      "source": "programme-defined default: test", "deadline_source": "programme-defined default: test" },
    "#;
    catalyst_regulatory::rules::BUILTIN_JSON.replacen("\"rules\": [", &format!("\"rules\": [{extra}"), 1)
}
