//! Batch CSV scoring: exact output for good files, every error and no output for bad ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_instruments::batch::{HeaderError, UnknownBatchInstrument};
use catalyst_instruments::{BatchError, BatchInstrument, BatchOptions, RowError, ScoreOptions, score_csv};

fn caps_header(dissociative: bool) -> String {
    let mut h = String::from("id,criterion_a");
    for n in 1..=20 {
        h.push_str(&format!(",item{n}"));
    }
    h.push_str(",item22,item23,item24,item25");
    if dissociative {
        h.push_str(",item29,item30");
    }
    h
}

fn join(values: &[i64]) -> String {
    values.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// id, criterion A, symptom items, item 22, items 23-25 (and 29-30 when given).
fn caps_row(id: &str, a: i64, items: [i64; 20], f: i64, g: [i64; 3], d: Option<[i64; 2]>) -> String {
    let mut row = format!("{id},{a},{},{f},{}", join(&items), join(&g));
    if let Some(d) = d {
        row.push_str(&format!(",{}", join(&d)));
    }
    row
}

const MINIMAL: [i64; 20] = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0];

fn run(instrument: BatchInstrument, options: &BatchOptions, input: &str) -> Result<String, Box<(BatchError, Vec<u8>)>> {
    let mut out = Vec::new();
    match score_csv(instrument, options, input.as_bytes(), &mut out) {
        Ok(summary) => {
            let text = String::from_utf8(out).unwrap();
            assert_eq!(summary.rows, text.lines().count() as u64 - 1);
            assert_eq!(summary.version, "1");
            Ok(text)
        }
        Err(e) => Err(Box::new((e, out))),
    }
}

fn ok(instrument: BatchInstrument, input: &str) -> String {
    run(instrument, &BatchOptions::default(), input).unwrap_or_else(|b| panic!("{}", b.0))
}

/// Runs a file that must fail and checks that nothing at all was written.
fn fail(instrument: BatchInstrument, options: &BatchOptions, input: &str) -> BatchError {
    match run(instrument, options, input) {
        Ok(text) => panic!("expected an error, got {text}"),
        Err(boxed) => {
            let (e, out) = *boxed;
            assert!(out.is_empty(), "output written on error: {:?}", String::from_utf8_lossy(&out));
            e
        }
    }
}

fn row_errors(e: BatchError) -> Vec<RowError> {
    match e {
        BatchError::InvalidRows { errors, .. } => errors,
        other => panic!("expected row errors, got {other}"),
    }
}

fn err(row: u64, id: &str, column: &str, value: &str, rule: &str) -> RowError {
    RowError { row, id: id.to_owned(), column: column.to_owned(), value: value.to_owned(), rule: rule.to_owned() }
}

#[test]
fn caps5_good_file_without_dissociative_items() {
    let mut short_d = MINIMAL;
    short_d[8] = 1;
    let input = [
        caps_header(false),
        caps_row("P01", 1, [2; 20], 1, [2, 0, 0], None),
        caps_row("P02", 1, short_d, 1, [2, 0, 0], None),
        caps_row("\"P,03\"", 0, [0; 20], 0, [0, 0, 0], None),
        caps_row("P01", 1, MINIMAL, 1, [0, 0, 2], None),
    ]
    .join("\n");
    assert_eq!(
        ok(BatchInstrument::Caps5, &input),
        "id,total,b,c,d,e,b_count,c_count,d_count,e_count,diagnosis,dissociative\n\
         P01,40,10,4,14,12,5,2,7,6,true,\n\
         P02,11,2,2,3,4,1,1,1,2,false,\n\
         \"P,03\",0,0,0,0,0,0,0,0,0,false,\n\
         P01,12,2,2,4,4,1,1,2,2,true,\n"
    );
}

#[test]
fn caps5_good_file_with_dissociative_items() {
    let input = [
        caps_header(true),
        caps_row("D1", 1, [2; 20], 1, [2, 0, 0], Some([2, 0])),
        caps_row("D2", 1, [2; 20], 1, [2, 0, 0], Some([1, 1])),
        caps_row("D3", 0, [2; 20], 1, [2, 0, 0], Some([4, 4])),
        caps_row("D4", 1, MINIMAL, 1, [2, 0, 0], Some([0, 2])),
    ]
    .join("\r\n");
    assert_eq!(
        ok(BatchInstrument::Caps5, &input),
        "id,total,b,c,d,e,b_count,c_count,d_count,e_count,diagnosis,dissociative\n\
         D1,40,10,4,14,12,5,2,7,6,true,true\n\
         D2,40,10,4,14,12,5,2,7,6,true,false\n\
         D3,40,10,4,14,12,5,2,7,6,false,false\n\
         D4,12,2,2,4,4,1,1,2,2,true,true\n"
    );
}

fn pcl_input() -> String {
    let header = (1..=20).map(|n| format!("item{n}")).collect::<Vec<_>>().join(",");
    let t33 = [4, 4, 4, 4, 4, 4, 4, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let t32 = [4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    format!("id,{header}\nA,{}\nB,{}\nC,{}\nD,{}\n", join(&[2; 20]), join(&t33), join(&t32), join(&MINIMAL))
}

#[test]
fn pcl5_good_file_default_and_custom_cutpoint() {
    assert_eq!(
        ok(BatchInstrument::Pcl5, &pcl_input()),
        "id,total,b,c,d,e,provisional_cutpoint,provisional_dsm\n\
         A,40,10,4,14,12,true,true\n\
         B,33,20,8,5,0,true,false\n\
         C,32,20,8,4,0,false,false\n\
         D,12,2,2,4,4,false,true\n"
    );
    let options = BatchOptions { scoring: ScoreOptions { pcl5_cutpoint: Some(32) } };
    let text = run(BatchInstrument::Pcl5, &options, &pcl_input()).unwrap();
    assert!(text.contains("\nC,32,20,8,4,0,true,false\n"), "{text}");
}

#[test]
fn pcl5_cutpoint_above_maximum_is_rejected() {
    let options = BatchOptions { scoring: ScoreOptions { pcl5_cutpoint: Some(81) } };
    let e = fail(BatchInstrument::Pcl5, &options, &pcl_input());
    assert_eq!(e.to_string(), "option pcl5_cutpoint = 81 not allowed; allowed: 0-80");
}

#[test]
fn sds_good_file_with_not_applicable_work() {
    let input = "id,work,social,family\nS1,4,4,4\nS2,na,5,0\nS3,10,10,10\nS4,na,3,4\n";
    assert_eq!(ok(BatchInstrument::Sds, input), "id,total,impaired\nS1,12,false\nS2,5,true\nS3,30,true\nS4,7,false\n");
}

const CSSRS_HEADER: &str = "id,q1,q2,q3,q4,q5,q6,q6_past_3_months";

#[test]
fn cssrs_good_file_every_level() {
    let input = format!(
        "{CSSRS_HEADER}\nC1,no,no,,,,no,\nC2,yes,no,,,,no,\nC3,yes,yes,yes,no,no,no,\n\
         C4,yes,yes,no,yes,no,no,\nC5,no,no,,,,yes,no\nC6,no,no,,,,yes,yes\nC7,yes,yes,no,no,yes,no,\n"
    );
    assert_eq!(
        ok(BatchInstrument::Cssrs, &input),
        "id,risk\nC1,none\nC2,low\nC3,moderate\nC4,high\nC5,moderate\nC6,high\nC7,high\n"
    );
}

#[test]
fn cssrs_skip_logic_violations_are_all_listed() {
    let input =
        format!("{CSSRS_HEADER}\nok,no,no,,,,no,\nX1,yes,no,yes,,,no,\nX2,yes,yes,no,,no,yes,\nX3,Yes,no,,,,no,yes\n");
    let errors = row_errors(fail(BatchInstrument::Cssrs, &BatchOptions::default(), &input));
    assert_eq!(
        errors,
        vec![
            err(2, "X1", "q3", "yes", "must be blank: skip logic skips it because q2 is no"),
            err(3, "X2", "q4", "", "missing; required because q2 is yes (skip logic), allowed: yes or no"),
            err(
                3,
                "X2",
                "q6_past_3_months",
                "",
                "missing; required because q6 is yes (skip logic), allowed: yes or no"
            ),
            err(4, "X3", "q1", "Yes", "allowed: yes or no"),
            err(4, "X3", "q6_past_3_months", "yes", "must be blank: skip logic skips it because q6 is no"),
        ]
    );
}

#[test]
fn phq9_good_file_band_edges_and_flag() {
    let input = "id,item1,item2,item3,item4,item5,item6,item7,item8,item9\n\
                 Q1,0,0,0,0,1,1,1,1,0\nQ2,1,1,1,1,0,0,0,0,1\nQ3,3,3,3,3,3,3,3,3,3\nQ4,2,2,2,2,2,2,2,0,0\n";
    assert_eq!(
        ok(BatchInstrument::Phq9, input),
        "id,total,severity,item9_flag\nQ1,4,minimal,false\nQ2,5,mild,true\nQ3,27,severe,true\nQ4,14,moderate,false\n"
    );
}

#[test]
fn bad_caps5_file_lists_every_error_and_writes_nothing() {
    let mut bad2 = [2; 20];
    bad2[2] = 5;
    let mut bad3 = MINIMAL;
    bad3[6] = 9;
    let row3 = caps_row("", 1, bad3, 1, [2, 0, 0], None).replacen(",9,", ",x,", 1);
    let row5 = caps_row("P05", 1, MINIMAL, 1, [2, 0, 0], None).replacen(",0,0,0,0,2,2", ",,0,0,0,2,2", 1);
    let input = [
        caps_header(false),
        caps_row("P01", 1, [2; 20], 1, [2, 0, 0], None),
        caps_row("P02", 1, bad2, 2, [2, 0, 0], None),
        row3,
        "P04,1,2,2".to_owned(),
        row5,
        caps_row("P06", 1, [2; 20], 1, [2, 0, 0], None),
    ]
    .join("\n");
    let e = fail(BatchInstrument::Caps5, &BatchOptions::default(), &input);
    let BatchError::InvalidRows { ref errors, rows_with_errors, rows_read } = e else { panic!("{e}") };
    assert_eq!((rows_with_errors, rows_read), (4, 6));
    assert_eq!(
        errors,
        &vec![
            err(2, "P02", "item3", "5", "allowed: 0-4"),
            err(2, "P02", "item22", "2", "allowed: 0-1"),
            err(3, "", "id", "", "missing; every row needs an id"),
            err(3, "", "item7", "x", "allowed: 0-4"),
            err(4, "P04", "*", "", "expected 26 fields, found 4"),
            err(5, "P05", "item11", "", "missing; required, allowed: 0-4"),
        ]
    );
    let text = e.to_string();
    assert!(text.starts_with("6 invalid value(s) in 4 of 6 row(s); nothing was written\n"), "{text}");
    assert!(text.contains("\nrow 2 (id \"P02\"), column item3, value \"5\": allowed: 0-4\n"), "{text}");
}

fn header_error(instrument: BatchInstrument, input: &str) -> HeaderError {
    match fail(instrument, &BatchOptions::default(), input) {
        BatchError::Header(h) => *h,
        other => panic!("expected header error, got {other}"),
    }
}

#[test]
fn header_missing_and_unknown_columns_are_named() {
    let h = header_error(BatchInstrument::Sds, "id,work,socail,family,extra\nS1,1,2,3,4\n");
    assert_eq!(h.missing, ["social"]);
    assert_eq!(h.unknown, ["socail", "extra"]);
    assert_eq!(
        h.to_string(),
        "header: columns do not match; missing columns: social; unknown columns: socail, extra; \
         expected exactly: id,work,social,family"
    );
}

#[test]
fn header_order_duplicates_and_empty_input() {
    let h = header_error(BatchInstrument::Sds, "id,social,work,family\n");
    assert!(h.missing.is_empty() && h.unknown.is_empty());
    assert!(h.to_string().contains("columns are out of order"), "{h}");
    let h = header_error(BatchInstrument::Sds, "id,work,social,family,work\n");
    assert_eq!(h.duplicated, ["work"]);
    let h = header_error(BatchInstrument::Sds, "");
    assert!(h.to_string().starts_with("header: the input is empty"), "{h}");
    // CAPS-5 accepts two layouts; a header with only item29 is diagnosed against the full one.
    let h = header_error(BatchInstrument::Caps5, &format!("{},item29\n", caps_header(false)));
    assert_eq!(h.missing, ["item30"]);
    assert_eq!(h.expected.len(), 2);
}

#[test]
fn header_only_file_gives_header_only_output() {
    assert_eq!(ok(BatchInstrument::Sds, "id,work,social,family\n"), "id,total,impaired\n");
}

#[test]
fn utf8_bom_before_header_is_accepted() {
    let text = ok(BatchInstrument::Sds, "\u{feff}id,work,social,family\nS1,1,2,3\n");
    assert_eq!(text, "id,total,impaired\nS1,6,false\n");
}

#[test]
fn instrument_names_parse() {
    for i in BatchInstrument::ALL {
        assert_eq!(i.as_str().parse::<BatchInstrument>(), Ok(i));
    }
    assert_eq!("gad7".parse::<BatchInstrument>(), Err(UnknownBatchInstrument("gad7".to_owned())));
}
