//! Batch scoring of research CSV files (the core of `catalyst score <instrument> [FILE]`).
//!
//! All or nothing: the whole input is validated before anything is written, so a consumer
//! never receives a partial file that looks complete. Output rows are buffered in memory and
//! written only when every row is valid; otherwise the error lists every bad cell (1-based
//! data row, id, column, value and the rule broken).
//!
//! Rows are scored with the same validation and scoring code as single responses
//! ([`crate::InstrumentDefinition::score`]), using the latest built-in definition version.
//! Duplicate ids are allowed: research exports often hold several visits per participant, and
//! the output keeps input order one-to-one so rows can be matched back by position.

use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::definition::{DefinitionError, InstrumentDefinition, InstrumentId, Instruments};
use crate::response::Answer;
use crate::scoring::caps5::Dissociative;
use crate::scoring::{Score, ScoreError, ScoreOptions};

/// Instruments that can be batch-scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchInstrument {
    /// CAPS-5.
    Caps5,
    /// PCL-5.
    Pcl5,
    /// Sheehan Disability Scale.
    Sds,
    /// C-SSRS screener.
    Cssrs,
    /// PHQ-9.
    Phq9,
}

impl BatchInstrument {
    /// Every batch instrument, in CLI order.
    pub const ALL: [Self; 5] = [Self::Caps5, Self::Pcl5, Self::Sds, Self::Cssrs, Self::Phq9];

    /// The CLI name.
    pub fn as_str(self) -> &'static str {
        self.instrument().as_str()
    }

    /// The instrument scored.
    pub fn instrument(self) -> InstrumentId {
        match self {
            Self::Caps5 => InstrumentId::Caps5,
            Self::Pcl5 => InstrumentId::Pcl5,
            Self::Sds => InstrumentId::Sds,
            Self::Cssrs => InstrumentId::Cssrs,
            Self::Phq9 => InstrumentId::Phq9,
        }
    }

    /// The output columns.
    pub fn output_columns(self) -> &'static [&'static str] {
        match self {
            Self::Caps5 => &[
                "id",
                "total",
                "b",
                "c",
                "d",
                "e",
                "b_count",
                "c_count",
                "d_count",
                "e_count",
                "diagnosis",
                "dissociative",
            ],
            Self::Pcl5 => &["id", "total", "b", "c", "d", "e", "provisional_cutpoint", "provisional_dsm"],
            Self::Sds => &["id", "total", "impaired"],
            Self::Cssrs => &["id", "risk"],
            Self::Phq9 => &["id", "total", "severity", "item9_flag"],
        }
    }
}

impl fmt::Display for BatchInstrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given is not a batch instrument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown instrument {0:?}; expected one of caps5, pcl5, sds, cssrs, phq9")]
pub struct UnknownBatchInstrument(pub String);

impl FromStr for BatchInstrument {
    type Err = UnknownBatchInstrument;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|i| i.as_str() == s).ok_or_else(|| UnknownBatchInstrument(s.to_owned()))
    }
}

/// Options for a batch run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOptions {
    /// Scoring options (the PCL-5 cut-point; default 33).
    pub scoring: ScoreOptions,
}

/// What a successful run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    /// Instrument scored.
    pub instrument: BatchInstrument,
    /// Definition version used.
    pub version: String,
    /// Data rows scored (= output rows after the header).
    pub rows: u64,
}

/// One invalid cell (or row) of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based data row number (the header is not counted).
    pub row: u64,
    /// The row's id as given (may be empty when the id itself is the problem).
    pub id: String,
    /// Column name, or `*` for a problem with the whole row.
    pub column: String,
    /// The cell as given.
    pub value: String,
    /// The rule broken, with the allowed values.
    pub rule: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {} (id {:?}), column {}, value {:?}: {}", self.row, self.id, self.column, self.value, self.rule)
    }
}

/// The header is not exactly the required columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderError {
    /// The accepted headers (CAPS-5 accepts two: with and without items 29-30).
    pub expected: Vec<Vec<String>>,
    /// The header found (empty for empty input).
    pub found: Vec<String>,
    /// Required columns that are absent.
    pub missing: Vec<String>,
    /// Columns that are not part of the format.
    pub unknown: Vec<String>,
    /// Columns given more than once.
    pub duplicated: Vec<String>,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.found.is_empty() {
            f.write_str("header: the input is empty")?;
        } else {
            f.write_str("header: columns do not match")?;
            let lists = [("missing", &self.missing), ("unknown", &self.unknown), ("duplicated", &self.duplicated)];
            let mut any = false;
            for (what, list) in lists {
                if !list.is_empty() {
                    write!(f, "; {what} columns: {}", list.join(", "))?;
                    any = true;
                }
            }
            if !any {
                f.write_str("; columns are out of order")?;
            }
        }
        for (i, header) in self.expected.iter().enumerate() {
            let lead = if i == 0 { "; expected exactly" } else { " or" };
            write!(f, "{lead}: {}", header.join(","))?;
        }
        Ok(())
    }
}

/// Why a batch run wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The header is wrong (boxed: it is much larger than the other variants).
    #[error("{0}")]
    Header(Box<HeaderError>),
    /// Some rows are invalid; `errors` lists every bad cell.
    #[error("{}", format_rows(.errors, *.rows_with_errors, *.rows_read))]
    InvalidRows {
        /// Every problem found, in input order.
        errors: Vec<RowError>,
        /// Number of distinct rows with at least one problem.
        rows_with_errors: u64,
        /// Data rows read.
        rows_read: u64,
    },
    /// An option is not allowed (for example a PCL-5 cut-point above 80).
    #[error("{0}")]
    Option(ScoreError),
    /// A built-in definition failed to load.
    #[error("{0}")]
    Definition(#[from] DefinitionError),
    /// The input could not be read as CSV.
    #[error("reading CSV input: {0}")]
    Read(#[from] csv::Error),
    /// The output could not be written.
    #[error("writing output: {0}")]
    Write(#[from] std::io::Error),
}

fn format_rows(errors: &[RowError], rows_with_errors: u64, rows_read: u64) -> String {
    let mut out =
        format!("{} invalid value(s) in {rows_with_errors} of {rows_read} row(s); nothing was written", errors.len());
    for e in errors {
        out.push('\n');
        out.push_str(&e.to_string());
    }
    out
}

/// Reads a CSV of `instrument` answers from `input` and, when every row is valid, writes one
/// scored row per input row, in input order, to `output`. See `docs/instruments.md` for the
/// column formats. On any error nothing at all is written to `output`.
pub fn score_csv<R: Read, W: Write>(
    instrument: BatchInstrument,
    options: &BatchOptions,
    input: R,
    mut output: W,
) -> Result<BatchSummary, BatchError> {
    let registry = Instruments::builtin()?;
    let definition = registry.latest(instrument.instrument()).ok_or_else(|| DefinitionError::Invalid {
        id: instrument.instrument(),
        version: String::new(),
        message: "no built-in definition".to_owned(),
    })?;
    let effective = definition.effective_options(&options.scoring).map_err(BatchError::Option)?;

    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut record = csv::ByteRecord::new();
    let header: Vec<String> = if reader.read_byte_record(&mut record)? {
        record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect()
    } else {
        Vec::new()
    };
    let columns = match_header(definition, &header).map_err(|e| BatchError::Header(Box::new(e)))?;

    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer.write_record(instrument.output_columns())?;
    let mut answers: Vec<Option<Answer>> = vec![None; definition.items.len()];
    let mut errors = Vec::new();
    let mut rows_with_errors = 0_u64;
    let mut row = 0_u64;
    while reader.read_byte_record(&mut record)? {
        row += 1;
        let before = errors.len();
        let skip_output = !errors.is_empty();
        score_row(
            definition,
            &effective,
            &header,
            &columns,
            &record,
            row,
            &mut answers,
            &mut errors,
            skip_output,
            &mut writer,
        )?;
        if errors.len() > before {
            rows_with_errors += 1;
        }
    }
    if !errors.is_empty() {
        return Err(BatchError::InvalidRows { errors, rows_with_errors, rows_read: row });
    }
    let buffer = writer.into_inner().map_err(|e| e.into_error())?;
    output.write_all(&buffer)?;
    output.flush()?;
    Ok(BatchSummary { instrument, version: definition.version.clone(), rows: row })
}

/// Checks the header against the accepted layouts and returns, for each data column after
/// `id`, the position of its item in the definition.
fn match_header(def: &InstrumentDefinition, header: &[String]) -> Result<Vec<usize>, HeaderError> {
    let all: Vec<&str> = def.items.iter().map(|i| i.id.as_str()).collect();
    let required: Vec<&str> = def.items.iter().filter(|i| i.required).map(|i| i.id.as_str()).collect();
    let mut layouts = vec![all];
    if required.len() < layouts[0].len() {
        layouts.push(required);
    }
    let layouts: Vec<Vec<String>> =
        layouts.into_iter().map(|items| std::iter::once("id").chain(items).map(str::to_owned).collect()).collect();
    if let Some(layout) = layouts.iter().find(|l| *l == header) {
        return Ok(layout[1..].iter().filter_map(|c| def.items.iter().position(|i| &i.id == c)).collect());
    }
    // Diagnose against the closest layout.
    let distance = |l: &Vec<String>| {
        l.iter().filter(|c| !header.contains(c)).count() + header.iter().filter(|c| !l.contains(c)).count()
    };
    let closest = layouts.iter().min_by_key(|l| distance(l)).cloned().unwrap_or_default();
    let mut duplicated: Vec<String> = Vec::new();
    for (i, c) in header.iter().enumerate() {
        if header[..i].contains(c) && !duplicated.contains(c) {
            duplicated.push(c.clone());
        }
    }
    Err(HeaderError {
        missing: closest.iter().filter(|c| !header.contains(c)).cloned().collect(),
        unknown: header.iter().filter(|c| !layouts.iter().any(|l| l.contains(c))).cloned().collect(),
        duplicated,
        found: header.to_vec(),
        expected: layouts,
    })
}

/// Parses one cell. Blank = unanswered; `yes`, `no`, `na` and plain decimal integers map to
/// their answers; anything else is kept as text so validation reports it with the allowed
/// values (strict: no trimming, no case folding, no signs).
fn parse_cell(raw: &[u8]) -> Option<Answer> {
    match raw {
        b"" => None,
        b"yes" => Some(Answer::Yes),
        b"no" => Some(Answer::No),
        b"na" => Some(Answer::NotApplicable),
        digits if digits.len() <= 9 && digits.iter().all(u8::is_ascii_digit) => {
            Some(Answer::Integer(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0'))))
        }
        other => Some(Answer::Text(String::from_utf8_lossy(other).into_owned())),
    }
}

#[allow(clippy::too_many_arguments)]
fn score_row(
    def: &InstrumentDefinition,
    effective: &crate::scoring::Effective,
    header: &[String],
    columns: &[usize],
    record: &csv::ByteRecord,
    row: u64,
    answers: &mut [Option<Answer>],
    errors: &mut Vec<RowError>,
    skip_output: bool,
    writer: &mut csv::Writer<Vec<u8>>,
) -> Result<(), BatchError> {
    let raw_id = record.get(0).unwrap_or_default();
    let id = String::from_utf8_lossy(raw_id);
    let row_error = |column: &str, value: &str, rule: String| RowError {
        row,
        id: id.clone().into_owned(),
        column: column.to_owned(),
        value: value.to_owned(),
        rule,
    };
    if record.len() != header.len() {
        errors.push(row_error("*", "", format!("expected {} fields, found {}", header.len(), record.len())));
        return Ok(());
    }
    let mut bad_id = false;
    if raw_id.is_empty() {
        errors.push(row_error("id", "", "missing; every row needs an id".to_owned()));
        bad_id = true;
    } else if std::str::from_utf8(raw_id).is_err() {
        errors.push(row_error("id", &id, "must be valid UTF-8".to_owned()));
        bad_id = true;
    }
    for (field, &item) in record.iter().skip(1).zip(columns) {
        answers[item] = parse_cell(field);
    }
    match def.score_answers(answers, effective) {
        Ok(score) if !bad_id && !skip_output => write_row(writer, raw_id, &score)?,
        Ok(_) => {}
        Err(problems) => {
            for problem in problems {
                let column = problem.item();
                let value = header
                    .iter()
                    .position(|h| h == column)
                    .and_then(|i| record.get(i))
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                errors.push(row_error(column, &value, problem.rule()));
            }
        }
    }
    Ok(())
}

/// Formats an unsigned integer without allocating.
fn digits(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

fn bool_field(b: bool) -> &'static [u8] {
    if b { b"true" } else { b"false" }
}

fn write_row(writer: &mut csv::Writer<Vec<u8>>, id: &[u8], score: &Score) -> Result<(), csv::Error> {
    let mut buf = [0_u8; 10];
    writer.write_field(id)?;
    match score {
        Score::Caps5(s) => {
            let c = &s.clusters;
            for n in [s.total, c.b.severity, c.c.severity, c.d.severity, c.e.severity] {
                writer.write_field(digits(n, &mut buf))?;
            }
            for n in [c.b.present, c.c.present, c.d.present, c.e.present] {
                writer.write_field(digits(n, &mut buf))?;
            }
            writer.write_field(bool_field(s.diagnosis))?;
            writer.write_field(match s.dissociative_subtype {
                Dissociative::NotAssessed => &b""[..],
                Dissociative::Present => b"true",
                Dissociative::Absent => b"false",
            })?;
        }
        Score::Pcl5(s) => {
            let c = &s.clusters;
            for n in [s.total, c.b.severity, c.c.severity, c.d.severity, c.e.severity] {
                writer.write_field(digits(n, &mut buf))?;
            }
            writer.write_field(bool_field(s.provisional_cutpoint))?;
            writer.write_field(bool_field(s.provisional_dsm))?;
        }
        Score::Sds(s) => {
            writer.write_field(digits(s.total, &mut buf))?;
            writer.write_field(bool_field(s.impaired))?;
        }
        Score::Cssrs(s) => writer.write_field(s.risk.as_str())?,
        Score::Phq9(s) => {
            writer.write_field(digits(s.total, &mut buf))?;
            writer.write_field(s.severity.as_str())?;
            writer.write_field(bool_field(s.item9_flag))?;
        }
        // Not a batch instrument; `score_csv` only loads batch instruments' definitions.
        Score::DailyCheckin(_) => {}
    }
    writer.write_record(None::<&[u8]>)
}
