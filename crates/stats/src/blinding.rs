//! Blinding indices from an end-of-treatment guess questionnaire.
//!
//! The input is a 3 x 2 table: rows are the guess (active, placebo, don't
//! know), columns the actual arm (active, placebo).
//!
//! * **Bang's index** (Bang, Ni & Davis 2004, Control Clin Trials 25:143-156),
//!   per arm: `BI = (correct - incorrect) / n`, `n` including "don't know";
//!   `-1` all incorrect, `0` random guessing (or all "don't know"), `1` all
//!   correct. With `p1`, `p2` the proportions guessing active and placebo in
//!   the arm, `Var(BI) = [p1(1-p1) + p2(1-p2) + 2 p1 p2] / n` (the
//!   multinomial variance of `p1 - p2`, Bang 2004 section 3), normal CI.
//! * **James' index** (James, Bloch, Lee, Kraemer & Fuller 1996, Stat Med
//!   15:1421-1434), overall: `BI = [1 + P_dk + (1 - P_dk) kappa_d] / 2`, where
//!   `kappa_d` is the weighted disagreement kappa among those who guessed,
//!   with weights 0 for a correct and 0.5 for an incorrect guess (the default
//!   of the paper, "don't know" entering through `P_dk`). `0` all correct,
//!   `0.5` random guessing, `1` all "don't know" (by definition, James 1996
//!   p. 1425) or all incorrect in equally sized arms (with unequal arms, all
//!   incorrect gives less than 1 because kappa is chance-corrected). The variance is equation (6) of James
//!   1996, transcribed as in the R package `BI` (Schwartz & Mercaldo), which
//!   reproduces the published CRISP example (Bang 2004 table 7: Bang 0.206 and
//!   0.014, James 0.748).

use std::fmt::Write;

use serde::Serialize;

use crate::AnalysisError;
use crate::dist::z_quantile;
use crate::text::{Table, fmt_num};

/// A respondent's guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// Guessed the active treatment.
    Active,
    /// Guessed placebo.
    Placebo,
    /// Did not know.
    DontKnow,
}

/// Counts of guesses per actual arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ArmGuesses {
    /// Guessed active.
    pub guessed_active: u64,
    /// Guessed placebo.
    pub guessed_placebo: u64,
    /// Don't know.
    pub dont_know: u64,
}

impl ArmGuesses {
    /// Respondents in the arm.
    pub fn n(&self) -> u64 {
        self.guessed_active + self.guessed_placebo + self.dont_know
    }
}

/// The 3 x 2 guess table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct GuessTable {
    /// Respondents actually on active treatment.
    pub active: ArmGuesses,
    /// Respondents actually on placebo.
    pub placebo: ArmGuesses,
}

/// An index with its standard error and confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IndexEstimate {
    /// The index.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// Lower confidence limit (normal approximation).
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// Bang's index per arm and James' index overall. An index is `None` where
/// it is undefined (no respondent in the arm; for James, no guess at all in
/// an arm or a zero expected disagreement).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlindingReport {
    /// The counts analysed.
    pub counts: GuessTable,
    /// Confidence level of the intervals.
    pub confidence_level: f64,
    /// Bang's index among those on active treatment.
    pub bang_active: Option<IndexEstimate>,
    /// Bang's index among those on placebo.
    pub bang_placebo: Option<IndexEstimate>,
    /// James' index.
    pub james: Option<IndexEstimate>,
}

fn with_ci(estimate: f64, std_error: f64, z: f64) -> IndexEstimate {
    IndexEstimate { estimate, std_error, lower: estimate - z * std_error, upper: estimate + z * std_error }
}

/// Bang's index of one arm; `correct` is the count guessing the arm's own
/// treatment.
fn bang(correct: u64, incorrect: u64, n: u64, z: f64) -> Option<IndexEstimate> {
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let (p1, p2) = (correct as f64 / n, incorrect as f64 / n);
    let var = (p1 * (1.0 - p1) + p2 * (1.0 - p2) + 2.0 * p1 * p2) / n;
    Some(with_ci(p1 - p2, var.sqrt(), z))
}

/// James' index with the default weights (0 correct, 0.5 incorrect).
fn james(t: &GuessTable, z: f64) -> Option<IndexEstimate> {
    // x[i][j]: guess i (active, placebo), arm j (active, placebo).
    let x =
        [[t.active.guessed_active, t.placebo.guessed_active], [t.active.guessed_placebo, t.placebo.guessed_placebo]];
    let dk = [t.active.dont_know, t.placebo.dont_know];
    let total = t.active.n() + t.placebo.n();
    if total == 0 {
        return None;
    }
    if x.iter().flatten().all(|&c| c == 0) {
        // Everyone answered "don't know": complete blinding by definition.
        return Some(with_ci(1.0, 0.0, z));
    }
    // Disagreement weights: 0 correct (i == j), 0.5 incorrect.
    let w = |i: usize, j: usize| if i == j { 0.0 } else { 0.5 };
    let nt = total as f64;
    let p = |i: usize, j: usize| x[i][j] as f64 / nt;
    let row = |i: usize| p(i, 0) + p(i, 1);
    // Proportion of the whole sample in arm j who guessed (not "don't know").
    let col = |j: usize| p(0, j) + p(1, j);
    let pdk = (dk[0] + dk[1]) as f64 / nt;
    let q = 1.0 - pdk;

    let (mut pdo, mut pde) = (0.0, 0.0);
    for i in 0..2 {
        for j in 0..2 {
            pdo += w(i, j) * p(i, j) / q;
            pde += w(i, j) * row(i) * col(j) / (q * q);
        }
    }
    if pde <= 0.0 {
        return None;
    }
    let kd = (pdo - pde) / pde;
    let denom = 4.0 * (pde * q * q).powi(2);
    let mut num = 0.0;
    for i in 0..2 {
        for j in 0..2 {
            let extra: f64 = (0..2).map(|r| w(r, j) * row(r) + w(i, r) * col(r)).sum();
            num += p(i, j) * q * q * (q * w(i, j) - (1.0 + kd) * extra).powi(2);
        }
    }
    let v1 = num / denom;
    let v2 = pdk * q - q * (1.0 + kd) * (pdk + q * (1.0 + kd) / 4.0);
    let var = (v1 + v2) / nt;
    let estimate = (1.0 + pdk + q * kd) / 2.0;
    Some(with_ci(estimate, var.max(0.0).sqrt(), z))
}

impl GuessTable {
    /// Adds one respondent.
    pub fn add(&mut self, actually_active: bool, guess: Guess) {
        let arm = if actually_active { &mut self.active } else { &mut self.placebo };
        match guess {
            Guess::Active => arm.guessed_active += 1,
            Guess::Placebo => arm.guessed_placebo += 1,
            Guess::DontKnow => arm.dont_know += 1,
        }
    }

    /// Computes both indices with intervals at `confidence_level`.
    pub fn report(&self, confidence_level: f64) -> Result<BlindingReport, AnalysisError> {
        if !(confidence_level > 0.0 && confidence_level < 1.0) {
            return Err(AnalysisError::InvalidInput(format!(
                "confidence level must be in (0, 1), got {confidence_level}"
            )));
        }
        let z = z_quantile(0.5 + confidence_level / 2.0);
        Ok(BlindingReport {
            counts: *self,
            confidence_level,
            bang_active: bang(self.active.guessed_active, self.active.guessed_placebo, self.active.n(), z),
            bang_placebo: bang(self.placebo.guessed_placebo, self.placebo.guessed_active, self.placebo.n(), z),
            james: james(self, z),
        })
    }
}

impl BlindingReport {
    /// Human-readable report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let c = &self.counts;
        let _ = writeln!(out, "Guess table (rows: guess, columns: actual arm)");
        let mut t = Table::new(&["Guess", "Active", "Placebo"]);
        t.row(vec!["active".into(), c.active.guessed_active.to_string(), c.placebo.guessed_active.to_string()]);
        t.row(vec!["placebo".into(), c.active.guessed_placebo.to_string(), c.placebo.guessed_placebo.to_string()]);
        t.row(vec!["don't know".into(), c.active.dont_know.to_string(), c.placebo.dont_know.to_string()]);
        out.push_str(&t.render());
        let pct = self.confidence_level * 100.0;
        let _ = writeln!(out, "\nBlinding indices ({pct:.0}% CI, normal approximation)");
        let mut t = Table::new(&["Index", "Estimate", "SE", "Lower", "Upper"]);
        for (name, e) in [
            ("Bang, active arm", self.bang_active),
            ("Bang, placebo arm", self.bang_placebo),
            ("James, overall", self.james),
        ] {
            match e {
                Some(e) => t.row(vec![
                    name.into(),
                    fmt_num(e.estimate),
                    fmt_num(e.std_error),
                    fmt_num(e.lower),
                    fmt_num(e.upper),
                ]),
                None => t.row(vec![name.into(), "undefined".into()]),
            }
        }
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\nBang: -1 all incorrect, 0 random guessing, 1 all correct (per arm).\n\
             James: 0 all correct, 0.5 random guessing, 1 all incorrect or all don't know."
        );
        out
    }
}
