//! Outcome data for the demo: a course of measurements that shows what the charts, endpoints
//! and alerts look like. Answers go through the same validation and scoring as any other.

use crate::App;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::{AppError, AppResult};
use crate::capabilities::outcomes::usecases::AssessmentInput;
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use crate::capabilities::outcomes::domain::RecordingMode;
use crate::capabilities::people::domain::Participant;
use catalyst_instruments::InstrumentId;
use serde_json::{Map, Value, json};

fn items(prefix: &str, values: &[i64]) -> Map<String, Value> {
    values.iter().enumerate().map(|(i, v)| (format!("{prefix}{}", i + 1), Value::from(*v))).collect()
}

/// CAPS-5 answers: criterion A met, 20 symptom ratings, duration and distress items.
fn caps5(symptoms: [i64; 20], dissociation: [i64; 2]) -> Map<String, Value> {
    let mut answers = items("item", &symptoms);
    answers.insert("criterion_a".into(), 1.into());
    answers.insert("item22".into(), 1.into());
    for (item, value) in
        [("item23", 3), ("item24", 3), ("item25", 2), ("item29", dissociation[0]), ("item30", dissociation[1])]
    {
        answers.insert(item.into(), value.into());
    }
    answers
}

struct Planned {
    instrument: InstrumentId,
    timepoint: &'static str,
    days_ago: i64,
    mode: RecordingMode,
    answers: Map<String, Value>,
}

pub(crate) fn seed<'a>(app: &'a App, by: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_outcomes(by))
}

impl App {
    async fn demo_assessment(
        &self,
        participant: &Participant,
        by: &AuditActor,
        recorded_by: &str,
        plan: Planned,
    ) -> AppResult<()> {
        let site = self.site(&participant.site_id).await?;
        let date = self
            .local_today(&site)
            .checked_sub(jiff::Span::new().days(plan.days_ago))
            .map_err(|e| DomainError::invalid("administered_on", "date", e.to_string()))?;
        let input = AssessmentInput {
            instrument: plan.instrument.as_str().to_owned(),
            version: None,
            timepoint: plan.timepoint.to_owned(),
            administered_on: date.to_string(),
            answers: plan.answers,
        };
        // Sample data, seeded at its timepoints directly rather than through the course's rules.
        self.store_assessment(by.clone(), recorded_by, plan.mode, participant, plan.instrument, &input, None).await?;
        Ok(())
    }

    /// Measurements for three demo participants, and one open safety alert at Boston.
    async fn seed_demo_outcomes(&self, by: &AuditActor) -> AppResult<()> {
        let rater = self.user_by_username("rater").await?.map(|u| u.id).unwrap_or_default();
        let participant = |code: &'static str| async move {
            let found = self.participant_by_code(code).await?;
            found.ok_or_else(|| AppError::from(DomainError::not_found("participant", code)))
        };
        use InstrumentId::*;
        use RecordingMode::*;

        // SYD-0007, in integration after two sessions: CAPS-5 falling, PCL-5 and PHQ-9 following.
        let p: Participant = participant("SYD-0007").await?;
        let courses = [
            (
                Caps5,
                "baseline",
                110,
                IndependentRater,
                caps5([3, 3, 2, 3, 3, 3, 2, 2, 2, 3, 2, 3, 2, 2, 2, 2, 1, 3, 2, 2], [1, 0]),
            ),
            (
                Caps5,
                "after_session_1",
                60,
                IndependentRater,
                caps5([2, 2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2, 1, 2, 1, 2, 1, 2, 2, 1], [0, 0]),
            ),
            (
                Caps5,
                "after_session_2",
                25,
                IndependentRater,
                caps5([1, 1, 1, 2, 1, 1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2, 1, 1], [0, 0]),
            ),
            (
                Pcl5,
                "baseline",
                112,
                StaffOnBehalf,
                items("item", &[3, 3, 3, 3, 2, 3, 3, 2, 2, 3, 3, 3, 2, 3, 2, 2, 1, 3, 3, 2]),
            ),
            (
                Pcl5,
                "after_session_1",
                61,
                SelfReport,
                items("item", &[2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1, 2, 1, 2, 2, 1]),
            ),
            (
                Pcl5,
                "after_session_2",
                26,
                SelfReport,
                items("item", &[1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1, 0, 2, 1, 1]),
            ),
            (Phq9, "baseline", 112, StaffOnBehalf, items("item", &[2, 2, 3, 2, 1, 2, 2, 1, 0])),
            (Phq9, "after_session_2", 26, SelfReport, items("item", &[1, 1, 2, 1, 0, 1, 1, 0, 0])),
            (Sds, "baseline", 112, StaffOnBehalf, json_map(json!({"work": 7, "social": 8, "family": 6}))),
            (Sds, "after_session_2", 26, SelfReport, json_map(json!({"work": 4, "social": 5, "family": 3}))),
            (Cssrs, "baseline", 110, Clinician, json_map(json!({"q1": "yes", "q2": "no", "q6": "no"}))),
        ];
        for (instrument, timepoint, days_ago, mode, answers) in courses {
            let recorded_by = if mode == IndependentRater { rater.clone() } else { by.id.clone() };
            self.demo_assessment(&p, by, &recorded_by, Planned { instrument, timepoint, days_ago, mode, answers })
                .await?;
        }

        // The portal participant at Sydney: baseline questionnaires and three weeks of check-ins.
        let own: Participant = participant("SYD-0005").await?;
        let baseline = [
            (Pcl5, "baseline", 21, items("item", &[3, 3, 2, 3, 3, 3, 2, 3, 2, 3, 2, 3, 3, 2, 3, 2, 1, 3, 3, 3])),
            (Pcl5, "unscheduled", 2, items("item", &[2, 3, 2, 2, 2, 3, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 1, 3, 2, 2])),
            (Phq9, "baseline", 21, items("item", &[2, 2, 2, 2, 1, 2, 1, 1, 0])),
        ];
        for (instrument, timepoint, days_ago, answers) in baseline {
            let plan = Planned { instrument, timepoint, days_ago, mode: SelfReport, answers };
            self.demo_assessment(&own, by, &by.id, plan).await?;
        }
        for days_ago in 1..=20 {
            if days_ago % 6 == 0 {
                continue; // days without a check-in show as gaps
            }
            let better = (20 - days_ago) / 7;
            let answers = json_map(json!({
                "sleep": (1 + better).min(4), "work": if days_ago % 7 == 0 { json!("na") } else { json!((1 + better).min(4)) },
                "relationships": (2 + better / 2).min(4), "avoidance": (6 - 2 * better).max(0), "irritability": (4 - better).max(0),
                "substance_use": i64::from(days_ago % 5 == 0), "routines_kept": (2 + 2 * better).min(10),
                "went_differently": if days_ago == 3 { json!("Walked past the car park instead of the long way round") } else { Value::Null },
            }));
            self.demo_assessment(
                &own,
                by,
                &by.id,
                Planned { instrument: DailyCheckin, timepoint: "daily", days_ago, mode: SelfReport, answers },
            )
            .await?;
        }

        // BOS-0004 reported thoughts of death on yesterday's PHQ-9: an alert the site has not yet seen.
        let bos: Participant = participant("BOS-0004").await?;
        self.demo_assessment(
            &bos,
            by,
            &by.id,
            Planned {
                instrument: Phq9,
                timepoint: "after_session_1",
                days_ago: 1,
                mode: SelfReport,
                answers: items("item", &[1, 2, 1, 1, 0, 2, 1, 0, 1]),
            },
        )
        .await?;
        Ok(())
    }
}

fn json_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
