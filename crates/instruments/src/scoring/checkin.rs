//! Daily check-in (seed 000, "What to track": "sleep, work, relationships, avoidance,
//! irritability, substances, routines, and the moments where the old pattern still wins";
//! "Progress should be visible in behavior ... Small counts if it's real and repeatable").
//!
//! There is no published total: the domains run in different directions and on different
//! scales, so adding them would mean nothing. "Scoring" a check-in validates it and returns a
//! typed record that trend views and endpoints can read field by field. The scales (see the
//! definition file and docs/instruments.md) are Catalyst's own, kept small so that a daily
//! answer takes seconds.

use serde::{Deserialize, Serialize};

use super::{Values, to_u32};
use crate::definition::{AnswerSpec, ItemRef, Resolver};
use crate::response::{Answer, AnswerProblem};

/// Which item holds each check-in field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinRules {
    /// Sleep quality last night (ordinal).
    pub sleep: ItemRef,
    /// Got through work/study or usual tasks (ordinal, may be not applicable).
    pub work: ItemRef,
    /// Connection with people who matter (ordinal).
    pub relationships: ItemRef,
    /// Times avoided a reminder, place, person or task (count).
    pub avoidance: ItemRef,
    /// Times irritability boiled over (count).
    pub irritability: ItemRef,
    /// Drinks or other non-prescribed substance uses (count).
    pub substance_use: ItemRef,
    /// Planned routines kept (count).
    pub routines_kept: ItemRef,
    /// "What went differently today" (optional text).
    pub went_differently: ItemRef,
    /// "When the old pattern still won" (optional text).
    pub old_pattern_won: ItemRef,
}

/// A validated daily check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckinRecord {
    /// Sleep quality (0 very poor - 4 very good).
    pub sleep: u32,
    /// Work/usual tasks (0 not at all - 4 fully); `None` when not applicable (no work planned).
    pub work: Option<u32>,
    /// Relationships (0 withdrew or fought - 4 close).
    pub relationships: u32,
    /// Avoidance count.
    pub avoidance: u32,
    /// Irritability count.
    pub irritability: u32,
    /// Substance-use count.
    pub substance_use: u32,
    /// Routines kept.
    pub routines_kept: u32,
    /// What went differently today.
    pub went_differently: Option<String>,
    /// When the old pattern still won.
    pub old_pattern_won: Option<String>,
}

fn is_integer(d: &crate::definition::ItemDefinition) -> bool {
    d.required && matches!(d.answer, AnswerSpec::Integer { min: 0, .. })
}

fn is_optional_text(d: &crate::definition::ItemDefinition) -> bool {
    !d.required && matches!(d.answer, AnswerSpec::Text { .. })
}

impl CheckinRules {
    pub(crate) fn resolve(&mut self, r: &Resolver<'_>) -> Result<(), String> {
        let integers = [
            &mut self.sleep,
            &mut self.work,
            &mut self.relationships,
            &mut self.avoidance,
            &mut self.irritability,
            &mut self.substance_use,
            &mut self.routines_kept,
        ];
        for item in integers {
            r.resolve_where(item, "a required integer item from 0", is_integer)?;
        }
        for item in [&mut self.went_differently, &mut self.old_pattern_won] {
            r.resolve_where(item, "an optional text item", is_optional_text)?;
        }
        Ok(())
    }

    pub(crate) fn compute(&self, values: Values<'_>) -> Result<CheckinRecord, Vec<AnswerProblem>> {
        let int = |item: &ItemRef| values.int(item).map(to_u32).map_err(|e| vec![e]);
        let text = |item: &ItemRef| match values.get(item) {
            Some(Answer::Text(t)) => Some(t.clone()),
            _ => None,
        };
        Ok(CheckinRecord {
            sleep: int(&self.sleep)?,
            work: match values.get(&self.work) {
                Some(Answer::NotApplicable) => None,
                _ => Some(int(&self.work)?),
            },
            relationships: int(&self.relationships)?,
            avoidance: int(&self.avoidance)?,
            irritability: int(&self.irritability)?,
            substance_use: int(&self.substance_use)?,
            routines_kept: int(&self.routines_kept)?,
            went_differently: text(&self.went_differently),
            old_pattern_won: text(&self.old_pattern_won),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::InstrumentId;
    use crate::response::Response;
    use crate::scoring::Score;
    use crate::scoring::test_support::{problems, score};

    fn day() -> Response {
        [
            ("sleep", 3),
            ("work", 4),
            ("relationships", 2),
            ("avoidance", 1),
            ("irritability", 0),
            ("substance_use", 2),
            ("routines_kept", 3),
        ]
        .into_iter()
        .fold(Response::new(InstrumentId::DailyCheckin, "1"), |r, (k, v)| r.with(k, Answer::Integer(v)))
    }

    #[test]
    fn record_keeps_every_field() {
        let r = day()
            .with("work", Answer::NotApplicable)
            .with("went_differently", Answer::Text("called my sister before it blew up".to_owned()));
        let Score::DailyCheckin(rec) = score(&r).unwrap() else { panic!() };
        assert_eq!(
            rec,
            CheckinRecord {
                sleep: 3,
                work: None,
                relationships: 2,
                avoidance: 1,
                irritability: 0,
                substance_use: 2,
                routines_kept: 3,
                went_differently: Some("called my sister before it blew up".to_owned()),
                old_pattern_won: None,
            }
        );
    }

    #[test]
    fn invalid_check_in_is_not_computable() {
        let mut r = day().with("sleep", Answer::Integer(5)).with("old_pattern_won", Answer::Text("x".repeat(281)));
        r.answers.remove("routines_kept");
        let found = problems(&r);
        let items: Vec<&str> = found.iter().map(AnswerProblem::item).collect();
        assert_eq!(items, ["sleep", "routines_kept", "old_pattern_won"]);
        assert_eq!(found[2].rule(), "text of 281 characters is longer than the maximum 280");
    }
}
