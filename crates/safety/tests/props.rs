#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Properties of the clocks: no deadline before its start, and the 7-day report is always due
//! before the 15-day report from the same start, in every zone.

mod common;

use catalyst_core::time::Timestamp;
use catalyst_safety::{Expected, Pathway, SaeFacts, Seriousness, clocks_for};
use common::{calendars, reporting, zone};
use proptest::prelude::*;

const ZONES: [(&str, &str); 4] = [
    ("America/New_York", "US"),
    ("Australia/Sydney", "AU-NSW"),
    ("Australia/Adelaide", "AU-SA"),
    ("America/Los_Angeles", "US"),
];

// 2026-01-01 to 2027-12-31 in microseconds.
const FROM: i64 = 1_767_225_600_000_000;
const TO: i64 = 1_830_297_600_000_000;

proptest! {
    #[test]
    fn deadlines_never_precede_their_start_and_seven_days_beat_fifteen(
        aware in FROM..TO,
        lag in 0i64..(10 * 86_400_000_000),
        which in 0usize..ZONES.len(),
        death in any::<bool>(),
        pending in any::<bool>(),
    ) {
        let (z, code) = ZONES[which];
        let seriousness = if death { Seriousness { death: true, ..Seriousness::default() } }
            else { Seriousness { life_threatening: true, ..Seriousness::default() } };
        let f = SaeFacts {
            event_id: "AE".into(),
            seriousness,
            suspected: true,
            expectedness: if pending { None } else { Some(Expected::Unexpected) },
            site_aware_at: Timestamp::from_micros(aware),
            sponsor_first_knowledge_at: Some(Timestamp::from_micros(aware + lag)),
            urgent_safety_measure_at: None,
            follow_ups: Vec::new(),
            submissions: Vec::new(),
            zone: zone(z),
        };
        let clocks = clocks_for(&f, Pathway::SponsoredTrial, code, &reporting(), &calendars()).unwrap();
        prop_assert_eq!(clocks.len(), 3);
        for c in &clocks {
            prop_assert!(c.deadline.unwrap() >= c.started_at.unwrap(), "{} {:?}", c.rule_id, c);
        }
        let seven = clocks.iter().find(|c| c.rule_id.ends_with("_7_day")).unwrap();
        let fifteen = clocks.iter().find(|c| c.rule_id.ends_with("_15_day")).unwrap();
        prop_assert_eq!(seven.started_at, fifteen.started_at);
        prop_assert!(seven.deadline < fifteen.deadline);
        prop_assert_eq!((fifteen.due_date.unwrap() - seven.due_date.unwrap()).get_days(), 8);
        // A 7-calendar-day deadline is at least 7 days after its start (started at the end of
        // day 0) and less than 8 (started at its first instant), either way, plus the hour a site-local day
        // gains when the clocks go back.
        let span = seven.deadline.unwrap().micros() - seven.started_at.unwrap().micros();
        let day = 86_400_000_000;
        prop_assert!((7 * day - 3_600_000_000..8 * day + 3_600_000_000).contains(&span), "{}", span);
        // The site's 24 hours are exactly 24 hours.
        let site = clocks.iter().find(|c| c.rule_id.ends_with("site_to_sponsor")).unwrap();
        prop_assert_eq!(site.deadline.unwrap().micros() - aware, 24 * 3_600_000_000);
    }
}
