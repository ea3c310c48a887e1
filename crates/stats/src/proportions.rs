//! Rates per arm (responders, loss of diagnosis, remission), their
//! difference and the number needed to treat.
//!
//! * Single proportion: Wilson score interval (Wilson 1927; method 3 of
//!   Newcombe 1998, Stat Med 17:857-872), which keeps its coverage near 0 and 1
//!   where the Wald interval fails.
//! * Difference `p_active - p_control`: Newcombe's hybrid score interval
//!   (method 10 of Newcombe 1998, Stat Med 17:873-890), built from the two
//!   Wilson intervals `(l1, u1)`, `(l2, u2)`:
//!   `L = D - sqrt((p1 - l1)^2 + (u2 - p2)^2)`, `U = D + sqrt((u1 - p1)^2 + (p2 - l2)^2)`.
//! * NNT `= 1 / |D|` for a beneficial outcome (positive `D` favours the active
//!   arm). When the interval of `D` excludes 0, the NNT interval is the
//!   reciprocal of its limits; when it includes 0, it runs from NNT(benefit)
//!   `1/U` through infinity to NNT(harm) `1/|L|` (Altman 1998, BMJ 317:1309).

use serde::Serialize;

use crate::AnalysisError;
use crate::dist::z_quantile;

/// A proportion with its Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    /// Number of events.
    pub events: u64,
    /// Number of subjects.
    pub n: u64,
    /// `events / n`.
    pub estimate: f64,
    /// Lower Wilson limit.
    pub lower: f64,
    /// Upper Wilson limit.
    pub upper: f64,
}

/// Whether the active arm does better or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NntDirection {
    /// `D > 0`: number needed to treat for one additional responder.
    Benefit,
    /// `D < 0`: number needed to treat for one fewer responder.
    Harm,
    /// `D = 0`: NNT infinite.
    None,
}

/// Confidence interval of the NNT.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum NntInterval {
    /// The interval of `D` excludes 0: NNT between `lower` and `upper` in the
    /// estimate's direction.
    Bounded {
        /// Smaller NNT.
        lower: f64,
        /// Larger NNT.
        upper: f64,
    },
    /// The interval of `D` includes 0: NNT(benefit) from `benefit` to
    /// infinity, and NNT(harm) from `harm` to infinity.
    Unbounded {
        /// `1 / U` (infinite if `U = 0`).
        benefit: f64,
        /// `1 / |L|` (infinite if `L = 0`).
        harm: f64,
    },
}

/// Number needed to treat.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Nnt {
    /// `1 / |D|` (infinite when `D = 0`; serialised as `null`).
    pub estimate: f64,
    /// Benefit or harm.
    pub direction: NntDirection,
    /// Its interval.
    pub interval: NntInterval,
}

/// Rate difference between the active and the control arm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskDifference {
    /// Active arm.
    pub active: Proportion,
    /// Control arm.
    pub control: Proportion,
    /// `p_active - p_control`.
    pub difference: f64,
    /// Lower Newcombe limit.
    pub lower: f64,
    /// Upper Newcombe limit.
    pub upper: f64,
    /// Number needed to treat.
    pub nnt: Nnt,
}

fn check_level(level: f64) -> Result<f64, AnalysisError> {
    if level > 0.0 && level < 1.0 {
        Ok(z_quantile(0.5 + level / 2.0))
    } else {
        Err(AnalysisError::InvalidInput(format!("confidence level must be in (0, 1), got {level}")))
    }
}

/// `events / n` with its Wilson score interval.
pub fn wilson(events: u64, n: u64, confidence_level: f64) -> Result<Proportion, AnalysisError> {
    let z = check_level(confidence_level)?;
    if n == 0 || events > n {
        return Err(AnalysisError::InvalidInput(format!("proportion {events}/{n} is undefined")));
    }
    let (x, nf) = (events as f64, n as f64);
    let p = x / nf;
    let z2 = z * z;
    let centre = (x + z2 / 2.0) / (nf + z2);
    let half = z * (p * (1.0 - p) * nf + z2 / 4.0).sqrt() / (nf + z2);
    Ok(Proportion { events, n, estimate: p, lower: (centre - half).max(0.0), upper: (centre + half).min(1.0) })
}

/// Difference of two rates with Newcombe's hybrid score interval and the NNT.
pub fn risk_difference(
    active_events: u64,
    active_n: u64,
    control_events: u64,
    control_n: u64,
    confidence_level: f64,
) -> Result<RiskDifference, AnalysisError> {
    let a = wilson(active_events, active_n, confidence_level)?;
    let c = wilson(control_events, control_n, confidence_level)?;
    let d = a.estimate - c.estimate;
    let lower = d - ((a.estimate - a.lower).powi(2) + (c.upper - c.estimate).powi(2)).sqrt();
    let upper = d + ((a.upper - a.estimate).powi(2) + (c.estimate - c.lower).powi(2)).sqrt();
    let direction = if d > 0.0 {
        NntDirection::Benefit
    } else if d < 0.0 {
        NntDirection::Harm
    } else {
        NntDirection::None
    };
    let interval = if lower > 0.0 || upper < 0.0 {
        let (x, y) = (1.0 / lower.abs(), 1.0 / upper.abs());
        NntInterval::Bounded { lower: x.min(y), upper: x.max(y) }
    } else {
        NntInterval::Unbounded { benefit: 1.0 / upper, harm: 1.0 / lower.abs() }
    };
    Ok(RiskDifference {
        active: a,
        control: c,
        difference: d,
        lower,
        upper,
        nnt: Nnt { estimate: 1.0 / d.abs(), direction, interval },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newcombe_1998_examples() {
        // Newcombe 1998a, table II: 81/263, Wilson (method 3) 0.2553 to 0.3662.
        let p = wilson(81, 263, 0.95).unwrap();
        assert!((p.lower - 0.2553).abs() < 5e-5 && (p.upper - 0.3662).abs() < 5e-5, "{p:?}");
        // Newcombe 1998b, table II example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339.
        let r = risk_difference(56, 70, 48, 80, 0.95).unwrap();
        assert!((r.difference - 0.2).abs() < 1e-12);
        assert!((r.lower - 0.0524).abs() < 5e-5 && (r.upper - 0.3339).abs() < 5e-5, "{r:?}");
        assert_eq!(r.nnt.direction, NntDirection::Benefit);
        assert!((r.nnt.estimate - 5.0).abs() < 1e-12);
        match r.nnt.interval {
            NntInterval::Bounded { lower, upper } => {
                assert!((lower - 1.0 / r.upper).abs() < 1e-12 && (upper - 1.0 / r.lower).abs() < 1e-12)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nnt_interval_through_infinity_when_difference_is_not_significant() {
        let r = risk_difference(10, 50, 9, 50, 0.95).unwrap();
        assert!(r.lower < 0.0 && r.upper > 0.0);
        match r.nnt.interval {
            NntInterval::Unbounded { benefit, harm } => {
                assert!((benefit - 1.0 / r.upper).abs() < 1e-12);
                assert!((harm - 1.0 / -r.lower).abs() < 1e-12);
            }
            other => panic!("{other:?}"),
        }
        assert!(wilson(3, 2, 0.95).is_err());
    }
}
