//! Other covariance structures, ML, the ANCOVA and the CSV error cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_stats::ancova::{AncovaData, ancova};
use catalyst_stats::{
    AnalysisError, CovarianceStructure, EstimationMethod, MmrmData, MmrmFit, MmrmOptions, MmrmSpec, fit_mmrm,
    mmrm_from_csv,
};

const FEV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mmrm/fev_data.csv");

fn fev(covariance: CovarianceStructure, method: EstimationMethod) -> MmrmFit {
    let mut spec = MmrmSpec::new("FEV1", "USUBJID", "AVISIT", "ARMCD");
    spec.covariates = vec!["RACE".into(), "SEX".into()];
    spec.covariance = covariance;
    spec.method = method;
    mmrm_from_csv(std::fs::File::open(FEV).unwrap(), &spec).unwrap()
}

/// Sigma implied by the fit has the structure asked for, and the fit is a
/// stationary point with a positive definite Hessian (else it would have failed).
#[test]
fn cs_and_ar1_have_their_structure_and_nest_below_un() {
    let un = fev(CovarianceStructure::Unstructured, EstimationMethod::Reml);
    let cs = fev(CovarianceStructure::CompoundSymmetry, EstimationMethod::Reml);
    let ar = fev(CovarianceStructure::Ar1, EstimationMethod::Reml);
    for f in [&un, &cs, &ar] {
        assert!(f.convergence.converged && f.convergence.gradient_norm < 1e-4, "{:?}", f.convergence);
    }
    // CS: equal variances, equal covariances; parameters CS and Residual.
    let (cov, res) = (cs.covariance_parameters[0].estimate, cs.covariance_parameters[1].estimate);
    for (a, row) in cs.covariance_matrix.iter().enumerate() {
        for (b, value) in row.iter().enumerate() {
            let expected = if a == b { cov + res } else { cov };
            assert!((value - expected).abs() < 1e-9);
        }
    }
    // AR(1): Sigma[a][b] = s2 rho^|a-b|.
    let (rho, s2) = (ar.covariance_parameters[0].estimate, ar.covariance_parameters[1].estimate);
    assert!(rho.abs() < 1.0);
    for (a, row) in ar.covariance_matrix.iter().enumerate() {
        for (b, value) in row.iter().enumerate() {
            assert!((value - s2 * rho.powi(a.abs_diff(b) as i32)).abs() < 1e-9);
        }
    }
    // CS and AR(1) are special cases of UN: their REML optimum cannot be better.
    let m2 = |f: &MmrmFit| f.fit_statistics.minus2_log_likelihood;
    assert!(m2(&un) < m2(&cs) && m2(&un) < m2(&ar));
    // The fixed-effect design and hence the count of estimates are the same.
    assert_eq!(un.fixed_effects.len(), cs.fixed_effects.len());
}

#[test]
fn ml_variances_are_smaller_than_reml_and_aic_counts_fixed_effects() {
    let reml = fev(CovarianceStructure::Unstructured, EstimationMethod::Reml);
    let ml = fev(CovarianceStructure::Unstructured, EstimationMethod::Ml);
    for v in 0..4 {
        assert!(ml.covariance_matrix[v][v] < reml.covariance_matrix[v][v]);
    }
    let p = ml.fixed_effects.len() as f64;
    assert!((ml.fit_statistics.aic - ml.fit_statistics.minus2_log_likelihood - 2.0 * (10.0 + p)).abs() < 1e-9);
    // ML SEs are smaller (variances biased downwards) but estimates close.
    for (a, b) in ml.fixed_effects.iter().zip(&reml.fixed_effects) {
        assert!((a.estimate.estimate - b.estimate.estimate).abs() < 0.05 * b.estimate.std_error);
    }
}

/// With one visit the MMRM is ordinary least squares, so it must reproduce the
/// ANCOVA exactly: estimate, SE and (Satterthwaite = residual) df.
#[test]
fn ancova_equals_single_visit_mmrm() {
    let text = std::fs::read_to_string(FEV).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let (mut arm, mut change, mut baseline, mut site) = (vec![], vec![], vec![], vec![]);
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if &rec[1] == "VIS4" && !rec[6].is_empty() {
            arm.push(rec[2].to_string());
            baseline.push(rec[5].parse::<f64>().unwrap());
            change.push(rec[6].parse::<f64>().unwrap() - rec[5].parse::<f64>().unwrap());
            site.push(rec[3].to_string());
        }
    }
    let data =
        AncovaData { arm: arm.clone(), change: change.clone(), baseline: baseline.clone(), site: Some(site.clone()) };
    let a = ancova(&data, Some("PBO"), 0.95).unwrap();
    let d = &a.differences[0];
    assert_eq!((d.arm.as_str(), d.reference.as_str()), ("TRT", "PBO"));

    let n = arm.len();
    let mmrm_data = MmrmData {
        response_name: "CHG".into(),
        arm_name: "ARMCD".into(),
        visit_name: "AVISIT".into(),
        subject: (0..n).map(|i| i.to_string()).collect(),
        visit: vec!["VIS4".into(); n],
        arm,
        response: change.into_iter().map(Some).collect(),
        covariates: vec![
            catalyst_stats::Covariate {
                name: "BL".into(),
                values: catalyst_stats::CovariateValues::Continuous(baseline.into_iter().map(Some).collect()),
            },
            catalyst_stats::Covariate {
                name: "SITE".into(),
                values: catalyst_stats::CovariateValues::Categorical(site.into_iter().map(Some).collect()),
            },
        ],
    };
    let options = MmrmOptions { reference_arm: Some("PBO".into()), ..MmrmOptions::default() };
    let m = fit_mmrm(&mmrm_data, &options).unwrap();
    let md = &m.differences[0].estimate;
    assert!((md.estimate - d.estimate.estimate).abs() < 1e-9);
    assert!((md.std_error - d.estimate.std_error).abs() < 1e-7 * d.estimate.std_error);
    assert!((md.df - d.estimate.df).abs() < 1e-5, "{} vs {}", md.df, d.estimate.df);
    assert!((md.p_value - d.estimate.p_value).abs() < 1e-7);
    assert_eq!(a.residual_df, n - 5);
}

fn csv_err(csv: &str, spec: &MmrmSpec) -> AnalysisError {
    mmrm_from_csv(csv.as_bytes(), spec).unwrap_err()
}

#[test]
fn csv_errors_name_what_is_wrong() {
    let spec = MmrmSpec::new("y", "id", "visit", "arm");
    // Unknown column, listing what is there.
    let e = csv_err("id,visit,arm,resp\n1,1,A,2\n", &spec);
    assert_eq!(
        e,
        AnalysisError::UnknownColumn {
            column: "y".into(),
            available: vec!["id".into(), "visit".into(), "arm".into(), "resp".into()]
        }
    );
    assert!(e.to_string().contains("id, visit, arm, resp"));
    // Non-numeric response, naming line, column and value; NA, "." and "" are missing.
    let e = csv_err("id,visit,arm,y\n1,1,A,NA\n1,2,A,.\n2,1,B,\n2,2,B,abc\n", &spec);
    assert_eq!(e, AnalysisError::NonNumericValue { line: 5, column: "y".into(), value: "abc".into() });
    // A single arm.
    let e = csv_err("id,visit,arm,y\n1,1,A,1\n1,2,A,2\n2,1,A,3\n2,2,A,5\n", &spec);
    assert_eq!(e, AnalysisError::SingleArm { arm: "A".into() });
    // A visit with no data.
    let e = csv_err("id,visit,arm,y\n1,1,A,1\n1,2,A,NA\n2,1,B,3\n2,2,B,NA\n", &spec);
    assert_eq!(e, AnalysisError::VisitWithoutData { visit: "2".into() });
    // Empty subject.
    let e = csv_err("id,visit,arm,y\n,1,A,1\n", &spec);
    assert_eq!(e, AnalysisError::MissingValue { line: 2, column: "id".into() });
    // Duplicate visit, subject in two arms.
    let e = csv_err("id,visit,arm,y\n1,1,A,1\n1,1,A,2\n", &spec);
    assert!(matches!(e, AnalysisError::DuplicateVisit { .. }));
    let e = csv_err("id,visit,arm,y\n1,1,A,1\n1,2,B,2\n", &spec);
    assert!(matches!(e, AnalysisError::InconsistentArm { .. }));
    // Too few subjects for the model.
    let e = csv_err("id,visit,arm,y\n1,1,A,1\n1,2,A,2\n2,1,B,3\n2,2,B,5\n", &spec);
    assert!(matches!(e, AnalysisError::TooFewSubjects { .. }), "{e}");
}

#[test]
fn singular_design_names_the_column() {
    // Arm B never observed at visit 2: the interaction column is empty.
    let mut csv = String::from("id,visit,arm,y,x\n");
    for i in 0..12 {
        let arm = if i % 2 == 0 { "A" } else { "B" };
        csv.push_str(&format!("{i},1,{arm},{},{}\n", i as f64 * 0.7 % 3.0, i));
        let y2 = if arm == "A" { format!("{}", i as f64 * 1.3 % 4.0) } else { "NA".into() };
        csv.push_str(&format!("{i},2,{arm},{y2},{i}\n"));
    }
    let spec = MmrmSpec::new("y", "id", "visit", "arm");
    let e = csv_err(&csv, &spec);
    assert_eq!(e, AnalysisError::SingularDesign { column: "arm=B:visit=2".into() });
}

#[test]
fn numeric_visits_are_ordered_numerically_and_reports_render() {
    let mut csv = String::from("id,visit,arm,y,site\n");
    for i in 0..30 {
        let arm = if i % 2 == 0 { "PBO" } else { "ACT" };
        for v in ["10", "2", "1"] {
            let vn: usize = v.parse().unwrap();
            let y = ((i * 7 + vn * 13 + i * i * vn) % 17) as f64 + if arm == "ACT" { 1.5 } else { 0.0 };
            csv.push_str(&format!("{i},{v},{arm},{y},{}\n", ["a", "b", "c"][i % 3]));
        }
    }
    let mut spec = MmrmSpec::new("y", "id", "visit", "arm");
    spec.covariates = vec!["site".into()];
    spec.reference_arm = Some("PBO".into());
    let fit = mmrm_from_csv(csv.as_bytes(), &spec).unwrap();
    assert_eq!(fit.visits, vec!["1", "2", "10"]);
    assert_eq!(fit.arms, vec!["PBO", "ACT"]);
    let text = fit.to_text();
    for needle in ["UN(3,3)", "-2 Res Log Likelihood", "site=b", "ACT - PBO", "Least-squares means"] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    let json = serde_json::to_value(&fit).unwrap();
    assert_eq!(json["covariance_structure"], "un");
    assert!(json["differences"][0]["df"].as_f64().unwrap() > 0.0);
}
