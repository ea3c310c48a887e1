//! Validation against SAS PROC MIXED (shared/data/mmrm/sas_un_reml_fev.txt):
//! FEV1 ~ ARMCD * AVISIT + RACE + SEX, REPEATED AVISIT / SUBJECT=USUBJID TYPE=UN, REML,
//! DDFM=SATTERTHWAITE. Every number SAS prints for covariance parameters, fit
//! statistics, fixed effects, LS means, their differences and the slices is
//! compared.
//!
//! Two comparisons are made, because SAS stopped its Newton iterations at its
//! default relative criterion (1e-8): its -2 REML log-likelihood 3386.44987722
//! is 6e-6 above the optimum we reach (3386.44987116), so its estimates carry
//! optimisation error of up to ~1e-4 relative, i.e. up to about one unit in
//! the last printed digit.
//!
//! * `Mode::SasPoint`: the covariance is held at the values SAS prints
//!   (`PARMS / NOITER` equivalent). Everything downstream (GLS estimates,
//!   SEs, LS means, Satterthwaite DFs, CIs, p-values, the -2 REML LL itself)
//!   must then agree with SAS to half a unit in the last printed digit: this
//!   checks the numerics independently of optimiser tolerances.
//!   The one exception: the confidence limits of the covariance parameters
//!   depend on the Hessian at the *rounded* printed estimates and may differ
//!   by one unit in the last digit.
//! * `Mode::Optimum`: our own converged fit, which must reach a -2 REML LL no
//!   larger than SAS's and agree with every printed number to within one unit
//!   in its last printed digit or 0.001 standard errors of the quantity,
//!   whichever is larger (t values and p values: 0.001 absolute; DFs: within 1
//!   of SAS's rounded integer): SAS's optimisation error, not ours.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_stats::{MmrmFit, MmrmSpec, fit_mmrm, read_mmrm_csv};

const FEV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mmrm/fev_data.csv");

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    SasPoint,
    Optimum,
}

/// SAS's UN(i,j) index i (1-based) is its i-th AVISIT level: VIS2, VIS3, VIS4, VIS1
/// (VIS1 was ordered last to make it the reference). Our visits are VIS1..VIS4.
fn sas_to_ours(i: usize) -> usize {
    i % 4
}

/// SAS's printed covariance parameter estimates as a matrix in our visit order.
fn sas_sigma() -> Vec<Vec<f64>> {
    let printed = [
        ((1, 1), 26.5692),
        ((2, 1), 2.7851),
        ((2, 2), 14.8970),
        ((3, 1), 7.4790),
        ((3, 2), 0.9017),
        ((3, 3), 95.5528),
        ((4, 1), 14.3982),
        ((4, 2), 4.9744),
        ((4, 3), 13.3731),
        ((4, 4), 40.5509),
    ];
    let mut s = vec![vec![0.0; 4]; 4];
    for ((i, j), v) in printed {
        let (a, b) = (sas_to_ours(i), sas_to_ours(j));
        s[a][b] = v;
        s[b][a] = v;
    }
    s
}

fn fit(mode: Mode) -> MmrmFit {
    let file = std::fs::File::open(FEV).expect("fev_data.csv (shared/ must be a sibling of the repo)");
    let mut spec = MmrmSpec::new("FEV1", "USUBJID", "AVISIT", "ARMCD");
    spec.covariates = vec!["RACE".into(), "SEX".into()];
    spec.reference_arm = Some("PBO".into());
    // SAS's references in the reference run: PBO, VIS1, Asian, Male.
    spec.reference_levels = vec![("RACE".into(), "Asian".into()), ("SEX".into(), "Male".into())];
    let data = read_mmrm_csv(file, &spec).expect("read");
    let mut options = spec.options();
    if mode == Mode::SasPoint {
        options.fixed_covariance = Some(sas_sigma());
    }
    fit_mmrm(&data, &options).expect("fit")
}

/// Number of decimals of a printed SAS number.
fn decimals(printed: &str) -> i32 {
    printed.split_once('.').map_or(0, |(_, d)| d.len() as i32)
}

/// Collects comparisons of one kind of quantity and reports the worst.
struct Comparison {
    label: String,
    mode: Mode,
    /// (what, |diff| in half-units of the last printed digit, relative diff).
    rows: Vec<(String, f64, f64)>,
    failures: Vec<String>,
}

impl Comparison {
    fn new(label: &str, mode: Mode) -> Self {
        Comparison { label: label.into(), mode, rows: vec![], failures: vec![] }
    }

    /// `scale`: the standard error of the quantity (1 for t and p values),
    /// used only by `Mode::Optimum`; `slack`: allowed multiple of half a unit
    /// in the last printed digit in `Mode::SasPoint`.
    fn check_with(&mut self, what: &str, ours: f64, printed: &str, scale: f64, slack: f64) {
        let sas: f64 = printed.parse().unwrap();
        let half_ulp = 0.5 * 10f64.powi(-decimals(printed));
        let err = (ours - sas).abs();
        let rel = if sas != 0.0 { err / sas.abs() } else { err };
        self.rows.push((what.to_string(), err / half_ulp, rel));
        let allowed = match self.mode {
            Mode::SasPoint => slack * half_ulp * (1.0 + 1e-9) + 1e-12,
            Mode::Optimum if decimals(printed) == 0 => 1.0 + half_ulp,
            Mode::Optimum => (2.0 * half_ulp).max(1e-3 * scale),
        };
        if err > allowed {
            self.failures.push(format!("{what}: ours {ours} vs SAS {printed} (diff {err:.3e}, allowed {allowed:.3e})"));
        }
    }

    fn check(&mut self, what: &str, ours: f64, printed: &str, scale: f64) {
        self.check_with(what, ours, printed, scale, 1.0);
    }

    fn finish(self) {
        let max_ulp = self.rows.iter().map(|w| w.1).fold(0.0, f64::max);
        let max_rel = self.rows.iter().map(|w| w.2).fold(0.0, f64::max);
        eprintln!(
            "[{:?}] {}: {} numbers, max |diff| {max_ulp:.3} half-units of the last printed digit, max relative diff {max_rel:.2e}",
            self.mode,
            self.label,
            self.rows.len()
        );
        assert!(self.failures.is_empty(), "[{:?}] {}:\n{}", self.mode, self.label, self.failures.join("\n"));
    }
}

fn covariance_parameters(mode: Mode) {
    let f = fit(mode);
    // Cov Parm, Estimate, Lower, Upper (SAS index order; see `sas_to_ours`).
    let sas = [
        ((1, 1), "26.5692", "21.2242", "34.2340"),
        ((2, 1), "2.7851", "-1.2137", "6.7838"),
        ((2, 2), "14.8970", "11.8032", "19.3965"),
        ((3, 1), "7.4790", "-1.6955", "16.6534"),
        ((3, 2), "0.9017", "-7.0667", "8.8701"),
        ((3, 3), "95.5528", "75.9677", "123.87"),
        ((4, 1), "14.3982", "8.0430", "20.7533"),
        ((4, 2), "4.9744", "-0.06856", "10.0174"),
        ((4, 3), "13.3731", "-1.2381", "27.9843"),
        ((4, 4), "40.5509", "32.3836", "52.2687"),
    ];
    assert_eq!(f.covariance_parameters.len(), sas.len());
    let mut est = Comparison::new("covariance parameters", mode);
    let mut ci = Comparison::new("covariance parameter CIs", mode);
    for ((i, j), e, lo, hi) in sas {
        let (a, b) = (sas_to_ours(i), sas_to_ours(j));
        let ours = format!("UN({},{})", a.max(b) + 1, a.min(b) + 1);
        let c = f.covariance_parameters.iter().find(|c| c.name == ours).unwrap();
        let what = format!("SAS UN({i},{j}) = our {ours}");
        est.check(&what, c.estimate, e, c.std_error);
        // The chi-square limits of a variance move faster than the estimate
        // (the upper one by about upper/estimate per unit); scale by the CI's
        // half-width rather than the SE.
        let half_width = (c.upper - c.lower) / 2.0;
        ci.check_with(&format!("{what} lower"), c.lower, lo, half_width, 2.0);
        ci.check_with(&format!("{what} upper"), c.upper, hi, half_width, 2.0);
    }
    est.finish();
    ci.finish();

    let mut fs = Comparison::new("fit statistics", mode);
    // The iteration history prints -2 Res Log Like to 8 decimals. At the SAS
    // point, the covariance parameters are the printed (rounded) ones, which
    // moves the objective by far less than the printed precision of the
    // statistics below but not necessarily below 5e-9, hence only the
    // summary statistics are compared there.
    let m2ll = f.fit_statistics.minus2_log_likelihood;
    match mode {
        Mode::Optimum => {
            assert!(m2ll <= 3386.44987722, "our optimum {m2ll} must not be worse than SAS's");
            assert!((m2ll - 3386.44987722).abs() < 1e-5, "-2 REML LL {m2ll}");
        }
        Mode::SasPoint => assert!((m2ll - 3386.44987722).abs() < 1e-6, "-2 REML LL at SAS's estimates: {m2ll}"),
    }
    fs.check("-2 REML LL", m2ll, "3386.4", 1.0);
    fs.check("AIC", f.fit_statistics.aic, "3406.4", 1.0);
    fs.check("AICC", f.fit_statistics.aicc, "3406.9", 1.0);
    fs.check("BIC", f.fit_statistics.bic, "3439.4", 1.0);
    fs.check("null model LRT chi-square", f.fit_statistics.null_model_chi_square, "149.52", 1.0);
    assert_eq!(f.fit_statistics.null_model_df, 9);
    fs.finish();
}

fn fixed_effects(mode: Mode) {
    let f = fit(mode);
    // name, estimate, SE, DF, t, p (None: SAS prints <.0001).
    let sas = [
        ("Intercept", "30.7774", "0.8865", "219", "34.72", None),
        ("ARMCD=TRT", "3.7745", "1.0741", "146", "3.51", Some("0.0006")),
        ("AVISIT=VIS2", "4.8396", "0.8016", "144", "6.04", None),
        ("AVISIT=VIS3", "10.3422", "0.8227", "156", "12.57", None),
        ("AVISIT=VIS4", "15.0537", "1.3129", "138", "11.47", None),
        ("ARMCD=TRT:AVISIT=VIS2", "-0.04231", "1.1292", "139", "-0.04", Some("0.9702")),
        ("ARMCD=TRT:AVISIT=VIS3", "-0.6939", "1.1876", "158", "-0.58", Some("0.5599")),
        ("ARMCD=TRT:AVISIT=VIS4", "0.6240", "1.8510", "130", "0.34", Some("0.7366")),
        ("RACE=Black or African American", "1.5305", "0.6244", "169", "2.45", Some("0.0153")),
        ("RACE=White", "5.6436", "0.6656", "157", "8.48", None),
        ("SEX=Female", "0.3262", "0.5319", "166", "0.61", Some("0.5406")),
    ];
    assert_eq!(f.fixed_effects.len(), sas.len());
    let mut e = Comparison::new("fixed effect estimates", mode);
    let mut se = Comparison::new("fixed effect SEs", mode);
    let mut df = Comparison::new("fixed effect Satterthwaite DFs", mode);
    let mut t = Comparison::new("fixed effect t values", mode);
    let mut p = Comparison::new("fixed effect p values", mode);
    for (fe, (name, est, s, d, tv, pv)) in f.fixed_effects.iter().zip(sas) {
        assert_eq!(fe.name, name);
        let sd = fe.estimate.std_error;
        e.check(name, fe.estimate.estimate, est, sd);
        se.check(name, sd, s, sd);
        df.check(name, fe.estimate.df, d, 1.0);
        t.check(name, fe.estimate.t_value, tv, 1.0);
        match pv {
            Some(pv) => p.check(name, fe.estimate.p_value, pv, 1.0),
            None => assert!(fe.estimate.p_value < 1e-4, "{name}: SAS prints <.0001"),
        }
    }
    for c in [e, se, df, t, p] {
        c.finish();
    }
}

fn lsmeans(mode: Mode) {
    let f = fit(mode);
    // visit, arm, estimate, SE, DF, t, lower, upper (all p < .0001)
    let sas = [
        ("VIS2", "TRT", "41.9037", "0.6023", "144", "69.57", "40.7131", "43.0942"),
        ("VIS2", "PBO", "38.1715", "0.6117", "147", "62.40", "36.9626", "39.3803"),
        ("VIS3", "TRT", "46.7546", "0.5086", "130", "91.92", "45.7484", "47.7608"),
        ("VIS3", "PBO", "43.6740", "0.4617", "130", "94.58", "42.7605", "44.5875"),
        ("VIS4", "TRT", "52.7841", "1.1877", "133", "44.44", "50.4347", "55.1334"),
        ("VIS4", "PBO", "48.3855", "1.1886", "134", "40.71", "46.0346", "50.7364"),
        ("VIS1", "TRT", "37.1063", "0.7626", "143", "48.66", "35.5990", "38.6137"),
        ("VIS1", "PBO", "33.3318", "0.7554", "148", "44.13", "31.8391", "34.8245"),
    ];
    assert_eq!(f.lsmeans.len(), sas.len());
    let mut e = Comparison::new("LS means", mode);
    let mut se = Comparison::new("LS mean SEs", mode);
    let mut df = Comparison::new("LS mean DFs", mode);
    let mut t = Comparison::new("LS mean t values", mode);
    let mut ci = Comparison::new("LS mean CIs", mode);
    for (visit, arm, est, s, d, tv, lo, hi) in sas {
        let m = f.lsmeans.iter().find(|m| m.visit == visit && m.arm == arm).unwrap();
        let name = format!("{visit} {arm}");
        let sd = m.estimate.std_error;
        e.check(&name, m.estimate.estimate, est, sd);
        se.check(&name, sd, s, sd);
        df.check(&name, m.estimate.df, d, 1.0);
        t.check(&name, m.estimate.t_value, tv, 1.0);
        ci.check(&name, m.estimate.lower, lo, sd);
        ci.check(&name, m.estimate.upper, hi, sd);
        assert!(m.estimate.p_value < 1e-4);
    }
    for c in [e, se, df, t, ci] {
        c.finish();
    }
}

/// visit, arm, _visit, _arm, estimate, SE, DF, t, p (None: <.0001), lower, upper.
type DiffRow<'a> =
    (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str, Option<&'a str>, &'a str, &'a str);

fn lsmean_differences(mode: Mode) {
    let f = fit(mode);
    // visit, arm, _visit, _arm, estimate, SE, DF, t, p (None: <.0001), lower, upper
    #[rustfmt::skip]
    let sas: [DiffRow; 28] = [
        ("VIS2","TRT","VIS2","PBO","3.7322","0.8588","145","4.35",None,"2.0348","5.4296"),
        ("VIS2","TRT","VIS3","TRT","-4.8509","0.7440","148","-6.52",None,"-6.3211","-3.3808"),
        ("VIS2","TRT","VIS3","PBO","-1.7703","0.7589","258","-2.33",Some("0.0204"),"-3.2648","-0.2759"),
        ("VIS2","TRT","VIS4","TRT","-10.8804","1.2704","147","-8.56",None,"-13.3911","-8.3698"),
        ("VIS2","TRT","VIS4","PBO","-6.4819","1.3327","199","-4.86",None,"-9.1099","-3.8539"),
        ("VIS2","TRT","VIS1","TRT","4.7973","0.7949","133","6.03",None,"3.2250","6.3697"),
        ("VIS2","TRT","VIS1","PBO","8.5719","0.9661","257","8.87",None,"6.6694","10.4743"),
        ("VIS2","PBO","VIS3","TRT","-8.5831","0.7988","270","-10.75",None,"-10.1557","-7.0106"),
        ("VIS2","PBO","VIS3","PBO","-5.5025","0.7221","158","-7.62",None,"-6.9287","-4.0763"),
        ("VIS2","PBO","VIS4","TRT","-14.6126","1.3363","199","-10.93",None,"-17.2478","-11.9775"),
        ("VIS2","PBO","VIS4","PBO","-10.2141","1.2765","154","-8.00",None,"-12.7358","-7.6924"),
        ("VIS2","PBO","VIS1","TRT","1.0651","0.9785","256","1.09",Some("0.2774"),"-0.8618","2.9920"),
        ("VIS2","PBO","VIS1","PBO","4.8396","0.8016","144","6.04",None,"3.2551","6.4241"),
        ("VIS3","TRT","VIS3","PBO","3.0806","0.6896","131","4.47",None,"1.7164","4.4448"),
        ("VIS3","TRT","VIS4","TRT","-6.0295","1.2837","148","-4.70",None,"-8.5663","-3.4927"),
        ("VIS3","TRT","VIS4","PBO","-1.6309","1.2946","182","-1.26",Some("0.2094"),"-4.1854","0.9235"),
        ("VIS3","TRT","VIS1","TRT","9.6483","0.8569","161","11.26",None,"7.9560","11.3405"),
        ("VIS3","TRT","VIS1","PBO","13.4228","0.9132","248","14.70",None,"11.6242","15.2214"),
        ("VIS3","PBO","VIS4","TRT","-9.1101","1.2747","172","-7.15",None,"-11.6262","-6.5940"),
        ("VIS3","PBO","VIS4","PBO","-4.7116","1.2636","149","-3.73",Some("0.0003"),"-7.2086","-2.2145"),
        ("VIS3","PBO","VIS1","TRT","6.5677","0.8922","228","7.36",None,"4.8097","8.3256"),
        ("VIS3","PBO","VIS1","PBO","10.3422","0.8227","156","12.57",None,"8.7171","11.9672"),
        ("VIS4","TRT","VIS4","PBO","4.3985","1.6805","133","2.62",Some("0.0099"),"1.0746","7.7225"),
        ("VIS4","TRT","VIS1","TRT","15.6778","1.3047","121","12.02",None,"13.0949","18.2607"),
        ("VIS4","TRT","VIS1","PBO","19.4523","1.4078","225","13.82",None,"16.6782","22.2263"),
        ("VIS4","PBO","VIS1","TRT","11.2792","1.4128","228","7.98",None,"8.4955","14.0630"),
        ("VIS4","PBO","VIS1","PBO","15.0537","1.3129","138","11.47",None,"12.4578","17.6496"),
        ("VIS1","TRT","VIS1","PBO","3.7745","1.0741","146","3.51",Some("0.0006"),"1.6517","5.8974"),
    ];
    let mut e = Comparison::new("LS mean differences", mode);
    let mut se = Comparison::new("LS mean difference SEs", mode);
    let mut df = Comparison::new("LS mean difference DFs", mode);
    let mut t = Comparison::new("LS mean difference t values", mode);
    let mut p = Comparison::new("LS mean difference p values", mode);
    let mut ci = Comparison::new("LS mean difference CIs", mode);
    for (v1, a1, v2, a2, est, s, d, tv, pv, lo, hi) in sas {
        let r = f.lsmean_difference((a1, v1), (a2, v2)).unwrap();
        let name = format!("{v1} {a1} - {v2} {a2}");
        let sd = r.std_error;
        e.check(&name, r.estimate, est, sd);
        se.check(&name, sd, s, sd);
        df.check(&name, r.df, d, 1.0);
        t.check(&name, r.t_value, tv, 1.0);
        ci.check(&name, r.lower, lo, sd);
        ci.check(&name, r.upper, hi, sd);
        match pv {
            Some(pv) => p.check(&name, r.p_value, pv, 1.0),
            None => assert!(r.p_value < 1e-4, "{name}: SAS prints <.0001"),
        }
    }
    for c in [e, se, df, t, p, ci] {
        c.finish();
    }

    // The per-visit treatment differences the fit reports are the same
    // contrasts; SAS's slice F tests are their squared t values.
    let slices =
        [("VIS2", "18.89", "145"), ("VIS3", "19.96", "131"), ("VIS4", "6.85", "133"), ("VIS1", "12.35", "146")];
    let mut fv = Comparison::new("effect slices (F, DF)", mode);
    for (visit, fval, d) in slices {
        let diff = f.differences.iter().find(|x| x.visit == visit).unwrap();
        assert_eq!((diff.arm.as_str(), diff.reference.as_str()), ("TRT", "PBO"));
        // F = t^2: an error of 0.001 in t moves F by about 2 |t| 0.001.
        fv.check(visit, diff.estimate.t_value.powi(2), fval, 2.0 * diff.estimate.t_value.abs());
        fv.check(visit, diff.estimate.df, d, 1.0);
    }
    fv.finish();
}

#[test]
fn sas_point_covariance_parameters_and_likelihood() {
    covariance_parameters(Mode::SasPoint);
}

#[test]
fn sas_point_fixed_effects() {
    fixed_effects(Mode::SasPoint);
}

#[test]
fn sas_point_lsmeans() {
    lsmeans(Mode::SasPoint);
}

#[test]
fn sas_point_lsmean_differences() {
    lsmean_differences(Mode::SasPoint);
}

#[test]
fn optimum_covariance_parameters_and_likelihood() {
    covariance_parameters(Mode::Optimum);
}

#[test]
fn optimum_fixed_effects() {
    fixed_effects(Mode::Optimum);
}

#[test]
fn optimum_lsmeans() {
    lsmeans(Mode::Optimum);
}

#[test]
fn optimum_lsmean_differences() {
    lsmean_differences(Mode::Optimum);
}
