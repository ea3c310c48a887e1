#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests: schedules keep their protocol's windows, order and anchors; accepted
//! bookings always have two distinct credentialed therapists; folding is lossless; a course run
//! exactly by the plan has no deviations.

use std::collections::{BTreeMap, BTreeSet};

use catalyst_protocol::ics::fold_line;
use catalyst_protocol::{
    Anchor, AssessmentRecord, BookingContext, BookingRequest, Credential, CredentialRules, DoseGiven, Protocol,
    Protocols, StaffAssignment, StaffPresent, StaffRole, VisitRecord, check_booking, credential_status,
    detect_deviations, schedule,
};
use jiff::ToSpan;
use jiff::civil::{Date, date, time};
use jiff::tz::TimeZone;
use proptest::prelude::*;
use proptest::sample::Index;

const ZONES: [&str; 4] = ["UTC", "America/New_York", "Australia/Sydney", "Europe/London"];

/// One generated visit: anchor (None = baseline, else an earlier visit), extra days after the
/// previous visit, window, experimental or not.
type GenVisit = (Option<Index>, i32, i32, i32, bool);

fn gen_visits() -> impl Strategy<Value = (i32, Vec<GenVisit>)> {
    (-30i32..30, prop::collection::vec((any::<Option<Index>>(), 0i32..30, 0i32..10, 0i32..10, any::<bool>()), 1..12))
}

/// Builds a protocol text whose nominal days never decrease (so validation must accept it).
fn protocol_text(first_offset: i32, visits: &[GenVisit]) -> String {
    let mut t = String::from(
        "id = \"gen\"\nversion = 1\ntitle = \"Generated\"\n\
         [[phases]]\nid = \"treatment\"\nlabel = \"Treatment\"\n\
         [[visit_types]]\nid = \"exp\"\nlabel = \"Experimental\"\nkind = \"experimental\"\nduration_minutes = 480\nstaff = { therapists = 2 }\n\
         [[visit_types]]\nid = \"int\"\nlabel = \"Integration\"\nkind = \"integration\"\nduration_minutes = 90\n",
    );
    let mut days: Vec<i32> = Vec::new();
    for (i, (pick, extra, early, late, exp)) in visits.iter().enumerate() {
        let (anchor, anchor_day) = match pick {
            Some(ix) if i > 0 => {
                let j = ix.index(i);
                (format!("v{j}"), days[j])
            }
            _ => ("baseline".to_string(), 0),
        };
        let offset = if i == 0 { first_offset - anchor_day } else { days[i - 1] - anchor_day + extra };
        days.push(anchor_day + offset);
        t.push_str(&format!(
            "[[visits]]\nid = \"v{i}\"\ntype = \"{}\"\nphase = \"treatment\"\nanchor = \"{anchor}\"\noffset_days = {offset}\nwindow = [{early}, {late}]\n",
            if *exp { "exp" } else { "int" }
        ));
        if *exp {
            t.push_str("dose = { initial_mg = 80, supplemental_mg = 40, supplemental_window_minutes = [90, 150] }\n");
        }
    }
    t
}

fn baseline_from(n: i32) -> Date {
    date(2000, 1, 1).checked_add(n.days()).unwrap()
}

proptest! {
    #[test]
    fn schedules_respect_windows_order_and_anchors(
        (first, visits) in gen_visits(),
        day in 0i32..(365 * 80),
        zone_ix in 0usize..ZONES.len(),
        actual_picks in prop::collection::vec((any::<bool>(), 0u32..1000), 12),
    ) {
        let text = protocol_text(first, &visits);
        let p = Protocol::from_toml("gen.toml", &text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let tz = TimeZone::get(ZONES[zone_ix]).unwrap();
        let baseline = baseline_from(day);
        let nine = time(9, 0, 0, 0);

        // Without actual dates: targets never decrease in course order.
        let nominal = schedule(&p, baseline, &tz, nine, &BTreeMap::new()).unwrap();
        for w in nominal.windows(2) {
            prop_assert!(w[0].target <= w[1].target, "{} {} > {} {}", w[0].id, w[0].target, w[1].id, w[1].target);
        }

        // Actual dates chosen inside each visit's window as it stands when the visit happens.
        let mut actual: BTreeMap<String, Date> = BTreeMap::new();
        for (i, (happened, pick)) in actual_picks.iter().enumerate().take(p.visits().len()) {
            if !happened { continue; }
            let s = schedule(&p, baseline, &tz, nine, &actual).unwrap();
            let v = &s[i];
            let span = v.window_start.until(v.window_end).unwrap().get_days();
            let d = v.window_start.checked_add(i64::from(*pick as i32 % (span + 1)).days()).unwrap();
            actual.insert(v.id.clone(), d);
        }
        let s = schedule(&p, baseline, &tz, nine, &actual).unwrap();
        prop_assert_eq!(s.len(), p.visits().len());
        for (i, v) in s.iter().enumerate() {
            let pv = &p.visits()[i];
            prop_assert_eq!(v.order, i + 1);
            prop_assert_eq!(&v.id, &pv.id);
            // Anchor: the baseline, or the anchor's actual date if known, else its target.
            let expect_anchor = match &pv.anchor {
                Anchor::Baseline => baseline,
                Anchor::Visit(a) => {
                    let j = s.iter().position(|x| &x.id == a).unwrap();
                    prop_assert!(j < i);
                    actual.get(a).copied().unwrap_or(s[j].target)
                }
            };
            prop_assert_eq!(v.anchor_date, expect_anchor);
            prop_assert_eq!(v.target, expect_anchor.checked_add(i64::from(pv.offset_days).days()).unwrap());
            if matches!(pv.anchor, Anchor::Visit(_)) {
                prop_assert!(v.target >= v.anchor_date);
            }
            // Window around the target.
            prop_assert!(v.window_start <= v.target && v.target <= v.window_end);
            prop_assert_eq!(v.target.until(v.window_end).unwrap().get_days(), pv.window.late_days);
            prop_assert_eq!(v.window_start.until(v.target).unwrap().get_days(), pv.window.early_days);
            if let Some(a) = actual.get(&v.id) {
                prop_assert!(v.in_window(*a));
            }
            // Planned local start: 09:00 on the target date in the site zone.
            prop_assert_eq!(v.planned_start.date(), v.target);
            prop_assert_eq!(v.planned_start.time(), nine);
            prop_assert_eq!(v.planned_start.time_zone(), &tz);
            prop_assert_eq!(v.planned_end.timestamp().as_second() - v.planned_start.timestamp().as_second(), i64::from(v.duration_minutes) * 60);
        }
    }
}

/// A generated credential, relative to the session date.
type GenCred = (bool, u32, Option<i32>, Option<i32>);

fn make_cred(on: Date, (trained, sessions, cert, ethics): GenCred) -> Credential {
    Credential {
        training_completed_on: trained.then(|| on.checked_sub(100.days()).unwrap()),
        supervised_sessions: sessions,
        certified_until: cert.map(|d| on.checked_add(d.days()).unwrap()),
        ethics_attested_on: ethics.map(|d| on.checked_add(d.days()).unwrap()),
    }
}

const ROLES: [StaffRole; 6] = [
    StaffRole::Therapist,
    StaffRole::Therapist,
    StaffRole::Therapist,
    StaffRole::Physician,
    StaffRole::Rater,
    StaffRole::Pharmacist,
];

proptest! {
    #[test]
    fn accepted_experimental_booking_has_two_distinct_credentialed_therapists(
        creds in prop::collection::vec(
            // Biased so roughly a third are current and both outcomes occur often.
            (
                prop::bool::weighted(0.9),
                0u32..6,
                prop::option::weighted(0.9, -10i32..60),
                prop::option::weighted(0.9, -380i32..5),
            ),
            6,
        ),
        assigned in prop::collection::vec((0usize..6, 0usize..ROLES.len()), 0..7),
        visit_ix in 0usize..3,
    ) {
        let p = Protocols::builtin().unwrap().latest("mapp1").unwrap().clone();
        let tz = TimeZone::get("Australia/Sydney").unwrap();
        let s = schedule(&p, date(2026, 3, 2), &tz, time(9, 0, 0, 0), &BTreeMap::new()).unwrap();
        let exps: Vec<_> = s.iter().filter(|v| v.dose.is_some()).collect();
        let v = exps[visit_ix];
        let on = v.target;
        let rules = CredentialRules::default();
        let people: Vec<String> = (0..6).map(|i| format!("p{i}")).collect();
        let credentials: BTreeMap<String, Credential> = people
            .iter()
            .zip(&creds)
            .map(|(id, c)| (id.clone(), make_cred(on, *c)))
            .collect();
        let staff: Vec<StaffAssignment> = assigned
            .iter()
            .map(|(who, role)| StaffAssignment { person: people[*who].clone(), role: ROLES[*role] })
            .collect();
        let req = BookingRequest::for_visit(v, "room", staff.clone());
        let ctx = BookingContext { zone: tz, credentials: credentials.clone(), rules: rules.clone(), bookings: vec![] };
        let result = check_booking(&req, &ctx);

        // Independent recount.
        let current: BTreeSet<&str> = staff
            .iter()
            .filter(|a| a.role == StaffRole::Therapist && credential_status(&credentials[&a.person], on, &rules).is_current())
            .map(|a| a.person.as_str())
            .collect();
        let distinct: BTreeSet<&str> = staff.iter().map(|a| a.person.as_str()).collect();
        let no_duplicates = distinct.len() == staff.len();
        if result.is_ok() {
            prop_assert!(current.len() >= 2, "accepted with {:?}", staff);
            prop_assert!(no_duplicates);
        }
        // And nothing else can refuse this booking (in window, free room, nobody busy).
        prop_assert_eq!(result.is_ok(), current.len() >= 2 && no_duplicates);
    }

    #[test]
    fn folding_is_lossless_and_bounded(s in "\\PC{0,300}") {
        let mut out = String::new();
        fold_line(&s, &mut out);
        prop_assert!(out.ends_with("\r\n"));
        for l in out.trim_end_matches("\r\n").split("\r\n") {
            prop_assert!(l.len() <= 75);
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        prop_assert_eq!(unfolded, s);
    }

    #[test]
    fn a_course_run_by_the_plan_has_no_deviations_and_a_late_one_is_caught(
        picks in prop::collection::vec(0u32..1000, 22),
        late_ix in 0usize..22,
        late_by in 1i32..20,
    ) {
        let p = Protocols::builtin().unwrap().latest("mapp1").unwrap().clone();
        let tz = TimeZone::UTC;
        let baseline = date(2026, 1, 5);
        let nine = time(9, 0, 0, 0);
        let mut actual = BTreeMap::new();
        for (i, pick) in picks.iter().enumerate() {
            let s = schedule(&p, baseline, &tz, nine, &actual).unwrap();
            let v = &s[i];
            let span = v.window_start.until(v.window_end).unwrap().get_days();
            let mut d = v.window_start.checked_add(i64::from(*pick as i32 % (span + 1)).days()).unwrap();
            if i == late_ix {
                d = v.window_end.checked_add(late_by.days()).unwrap();
            }
            actual.insert(v.id.clone(), d);
        }
        let s = schedule(&p, baseline, &tz, nine, &actual).unwrap();
        let mut records = Vec::new();
        let mut assessments = Vec::new();
        for v in &s {
            let on = actual[&v.id];
            let at = on.to_zoned(tz.clone()).unwrap().timestamp();
            let doses = match v.dose {
                None => vec![],
                Some(d) => {
                    let sup = d.supplemental.unwrap();
                    vec![
                        DoseGiven { mg: d.initial_mg, at },
                        DoseGiven { mg: sup.mg, at: at.checked_add(i64::from(sup.from_minutes).minutes()).unwrap() },
                    ]
                }
            };
            records.push(VisitRecord {
                visit_id: v.id.clone(),
                date: on,
                attended: true,
                staff: vec![
                    StaffPresent { person: "a".into(), role: StaffRole::Therapist, credential_current: true },
                    StaffPresent { person: "b".into(), role: StaffRole::Therapist, credential_current: true },
                ],
                doses,
            });
            for i in &v.visit_type.instruments {
                assessments.push(AssessmentRecord { visit_id: v.id.clone(), instrument: i.clone() });
            }
        }
        let today = date(2028, 1, 1);
        let d = detect_deviations(&s, &records, &assessments, today);
        prop_assert_eq!(d.len(), 1, "{:?}", d);
        prop_assert_eq!(&d[0].visit_id, &s[late_ix].id);
        prop_assert_eq!(d[0].kind, catalyst_protocol::DeviationKind::OutOfWindow);
    }
}

/// Guards the generator above: with these weights both outcomes must be common, or the
/// property would be vacuous.
#[test]
fn booking_generator_produces_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let strat = (
        prop::bool::weighted(0.9),
        0u32..6,
        prop::option::weighted(0.9, -10i32..60),
        prop::option::weighted(0.9, -380i32..5),
    );
    let mut runner = TestRunner::deterministic();
    let on = date(2026, 4, 1);
    let rules = CredentialRules::default();
    let current = (0..1000)
        .filter(|_| {
            let c = strat.new_tree(&mut runner).unwrap().current();
            credential_status(&make_cred(on, c), on, &rules).is_current()
        })
        .count();
    assert!((150..700).contains(&current), "{current} of 1000 current");
}
