//! Plain-text rendering of an MMRM fit (`--format text`).

use std::fmt::Write;

use super::{Estimate, MmrmFit};
use crate::text::{Table, fmt_num, fmt_p};

fn estimate_cells(e: &Estimate) -> Vec<String> {
    vec![
        fmt_num(e.estimate),
        fmt_num(e.std_error),
        format!("{:.1}", e.df),
        format!("{:.2}", e.t_value),
        fmt_p(e.p_value),
        fmt_num(e.lower),
        fmt_num(e.upper),
    ]
}

const ESTIMATE_HEADER: [&str; 7] = ["Estimate", "SE", "DF", "t", "p", "Lower", "Upper"];

impl MmrmFit {
    /// Human-readable report: model, covariance parameters, fit statistics,
    /// fixed effects, LS means and treatment differences.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let pct = self.confidence_level * 100.0;
        let _ = writeln!(
            out,
            "MMRM of {} ({} , {})",
            self.response,
            self.covariance_structure,
            match self.method {
                super::EstimationMethod::Reml => "REML",
                super::EstimationMethod::Ml => "ML",
            }
        );
        let _ = writeln!(
            out,
            "{} subjects, {} observations used ({} rows not used), {} missingness patterns",
            self.n_subjects, self.n_observations, self.n_rows_dropped, self.n_patterns
        );
        let _ = writeln!(
            out,
            "Converged: {} after {} iterations (gradient norm {:.2e})\n",
            if self.convergence.converged { "yes" } else { "no" },
            self.convergence.iterations,
            self.convergence.gradient_norm
        );

        let _ = writeln!(out, "Covariance parameters");
        let mut t = Table::new(&["Parameter", "Estimate", "SE", &format!("{pct:.0}% Lower"), "Upper"]);
        for c in &self.covariance_parameters {
            t.row(vec![c.name.clone(), fmt_num(c.estimate), fmt_num(c.std_error), fmt_num(c.lower), fmt_num(c.upper)]);
        }
        out.push_str(&t.render());

        let fs = &self.fit_statistics;
        let label = match self.method {
            super::EstimationMethod::Reml => "-2 Res Log Likelihood",
            super::EstimationMethod::Ml => "-2 Log Likelihood",
        };
        let _ = writeln!(out, "\nFit statistics");
        let _ = writeln!(out, "  {label:<24}{:.4}", fs.minus2_log_likelihood);
        let _ = writeln!(out, "  {:<24}{:.4}", "AIC", fs.aic);
        let _ = writeln!(out, "  {:<24}{:.4}", "AICC", fs.aicc);
        let _ = writeln!(out, "  {:<24}{:.4}", "BIC", fs.bic);
        if let Some(p) = fs.null_model_p {
            let _ = writeln!(
                out,
                "  Null model LRT: chi-square {:.2} on {} df, p {}",
                fs.null_model_chi_square,
                fs.null_model_df,
                fmt_p(p)
            );
        }

        let _ = writeln!(out, "\nFixed effects");
        let mut header = vec!["Effect"];
        header.extend(ESTIMATE_HEADER);
        let mut t = Table::new(&header);
        for f in &self.fixed_effects {
            let mut row = vec![f.name.clone()];
            row.extend(estimate_cells(&f.estimate));
            t.row(row);
        }
        out.push_str(&t.render());

        let _ = writeln!(out, "\nLeast-squares means ({pct:.0}% CI)");
        let mut header = vec!["Visit", "Arm"];
        header.extend(ESTIMATE_HEADER);
        let mut t = Table::new(&header);
        for m in &self.lsmeans {
            let mut row = vec![m.visit.clone(), m.arm.clone()];
            row.extend(estimate_cells(&m.estimate));
            t.row(row);
        }
        out.push_str(&t.render());

        let _ = writeln!(out, "\nTreatment differences ({pct:.0}% CI)");
        let mut header = vec!["Visit", "Comparison"];
        header.extend(ESTIMATE_HEADER);
        let mut t = Table::new(&header);
        for d in &self.differences {
            let mut row = vec![d.visit.clone(), format!("{} - {}", d.arm, d.reference)];
            row.extend(estimate_cells(&d.estimate));
            t.row(row);
        }
        out.push_str(&t.render());
        out
    }
}
