//! PHQ-9 scoring (Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606, PMID 11556941;
//! clinical.md section 4): total of items 1-9 (0-27); severity bands minimal 0-4, mild 5-9,
//! moderate 10-14, moderately severe 15-19, severe 20-27; any answer above 0 on item 9
//! (thoughts of death or self-harm) raises a flag that needs same-day follow-up
//! (Catalyst policy, clinical.md section 4).

use serde::{Deserialize, Serialize};

use super::{Values, to_u32};
use crate::definition::{ItemRef, Resolver};
use crate::response::AnswerProblem;

/// A PHQ-9 severity band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phq9Severity {
    /// 0-4.
    Minimal,
    /// 5-9.
    Mild,
    /// 10-14.
    Moderate,
    /// 15-19.
    ModeratelySevere,
    /// 20-27.
    Severe,
}

impl Phq9Severity {
    /// The name used in data and CSV output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minimal => "minimal",
            Self::Mild => "mild",
            Self::Moderate => "moderate",
            Self::ModeratelySevere => "moderately_severe",
            Self::Severe => "severe",
        }
    }
}

/// One severity band, inclusive at both ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lowest total in the band.
    pub min: u32,
    /// Highest total in the band.
    pub max: u32,
    /// The band.
    pub severity: Phq9Severity,
}

/// PHQ-9 scoring parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phq9Rules {
    /// Items summed for the total.
    pub total_items: Vec<ItemRef>,
    /// Bands, ascending, covering every possible total without gaps.
    pub bands: Vec<Band>,
    /// The item whose positive answer needs same-day follow-up.
    pub flag_item: ItemRef,
    /// Flag when the item is at least this.
    pub flag_min: i64,
}

/// A PHQ-9 result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Phq9Score {
    /// Total (0-27).
    pub total: u32,
    /// Severity band.
    pub severity: Phq9Severity,
    /// Item 9 answered above 0: same-day follow-up needed.
    pub item9_flag: bool,
}

impl Phq9Rules {
    pub(crate) fn resolve(&mut self, r: &Resolver<'_>) -> Result<(), String> {
        for item in &mut self.total_items {
            r.resolve_integer(item, 0, 3, true)?;
        }
        r.resolve_integer(&mut self.flag_item, 0, 3, true)?;
        let max_total = u32::try_from(self.total_items.len() * 3).unwrap_or(u32::MAX);
        let mut next = 0;
        for band in &self.bands {
            if band.min != next || band.max < band.min {
                return Err(format!("PHQ-9 bands must be contiguous from 0; gap or overlap at {}", band.min));
            }
            next = band.max + 1;
        }
        if next != max_total + 1 {
            return Err(format!("PHQ-9 bands must end at the maximum total {max_total}"));
        }
        Ok(())
    }

    pub(crate) fn compute(&self, values: Values<'_>) -> Result<Phq9Score, Vec<AnswerProblem>> {
        let total = to_u32(values.sum(&self.total_items).map_err(|e| vec![e])?);
        let item9_flag = values.int(&self.flag_item).map_err(|e| vec![e])? >= self.flag_min;
        // Bands cover 0..=max without gaps (checked on load), so a band always matches.
        let severity =
            self.bands.iter().find(|b| (b.min..=b.max).contains(&total)).map_or(Phq9Severity::Severe, |b| b.severity);
        Ok(Phq9Score { total, severity, item9_flag })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::InstrumentId;
    use crate::response::AnswerProblem;
    use crate::scoring::Score;
    use crate::scoring::test_support::{numbered, problems, score};

    /// Items 1-8 carry the total (item 9 stays 0 so the flag is not involved).
    fn phq(total: i64) -> Phq9Score {
        let mut items = [0; 9];
        let mut left = total;
        for item in items.iter_mut().take(8) {
            *item = left.min(3);
            left -= *item;
        }
        if left > 0 {
            items[8] = left;
        }
        match score(&numbered(InstrumentId::Phq9, &items)).unwrap() {
            Score::Phq9(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn band_edges() {
        use Phq9Severity::*;
        let cases = [
            (0, Minimal),
            (4, Minimal),
            (5, Mild),
            (9, Mild),
            (10, Moderate),
            (14, Moderate),
            (15, ModeratelySevere),
            (19, ModeratelySevere),
            (20, Severe),
            (24, Severe),
        ];
        for (total, band) in cases {
            let s = phq(total);
            assert_eq!((s.total, s.severity), (u32::try_from(total).unwrap(), band));
            assert!(!s.item9_flag);
        }
    }

    #[test]
    fn maximum_total_and_item9_flag() {
        let s = match score(&numbered(InstrumentId::Phq9, &[3; 9])).unwrap() {
            Score::Phq9(s) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!((s.total, s.severity, s.item9_flag), (27, Phq9Severity::Severe, true));
        let s = match score(&numbered(InstrumentId::Phq9, &[0, 0, 0, 0, 0, 0, 0, 0, 1])).unwrap() {
            Score::Phq9(s) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!((s.total, s.severity, s.item9_flag), (1, Phq9Severity::Minimal, true));
    }

    #[test]
    fn out_of_range_and_missing() {
        let found = problems(&numbered(InstrumentId::Phq9, &[0, 4, 0, 0, 0, 0, 0, 0]));
        assert_eq!(
            found,
            vec![
                AnswerProblem::NotAllowed {
                    item: "item2".to_owned(),
                    value: "4".to_owned(),
                    allowed: "0-3".to_owned()
                },
                AnswerProblem::Missing { item: "item9".to_owned(), asked_because_yes: None, allowed: "0-3".to_owned() },
            ]
        );
    }
}
