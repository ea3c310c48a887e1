//! Civil (proleptic Gregorian) dates from day numbers, and date axis ticks.
//!
//! Charts take days since 1970-01-01 as plain `i64` so this crate needs no
//! date library and no time zone: the caller has already decided which
//! calendar day a measurement belongs to. The conversions are Howard
//! Hinnant's `civil_from_days` / `days_from_civil` algorithms
//! (<https://howardhinnant.github.io/date_algorithms.html>), exact for the
//! whole `i64`-day range we can meet in practice.

const MONTHS_SHORT: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Day numbers are clamped to this magnitude (about 3 billion years) so
/// absurd input cannot overflow the arithmetic.
pub const MAX_ABS_DAY: i64 = 1 << 40;

/// `(year, month 1..=12, day 1..=31)` of day number `z` (0 = 1970-01-01).
/// `z` is clamped to `±MAX_ABS_DAY`.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z.clamp(-MAX_ABS_DAY, MAX_ABS_DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number (0 = 1970-01-01) of a civil date; `month` 1..=12, `day`
/// 1..=31 (out-of-range days roll over like the algorithm's arithmetic;
/// out-of-range months and years beyond ±2^32 are clamped).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year.clamp(-(1 << 32), 1 << 32);
    let month = i64::from(month.clamp(1, 12));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = if month > 2 { month - 3 } else { month + 9 }; // [0, 11]
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Short date for axes and cells: `"5 Jan 2026"`.
pub fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{d} {} {y}", MONTHS_SHORT[(m - 1) as usize])
}

/// Long date for text alternatives, read well by screen readers:
/// `"5 January 2026"`.
pub fn format_day_long(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{d} {} {y}", MONTHS_LONG[(m - 1) as usize])
}

/// ISO 8601 date: `"2026-01-05"`.
pub fn iso_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Tick spacing candidates, finest first.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Every `n` days, on day numbers divisible by `n`.
    Days(i64),
    /// Every `n` weeks, on Mondays.
    Weeks(i64),
    /// Every `n` months, on the 1st, in months whose index is divisible by `n`.
    Months(i64),
    /// Every `n` years, on 1 January of years divisible by `n`.
    Years(i64),
}

/// Up to `max_ticks` date ticks between `min_day` and `max_day` (inclusive),
/// labelled `"5 Jan"`, with the year added on the first tick and whenever
/// the year changes (`"2 Feb 2026"`, ..., `"4 Jan 2027"`).
///
/// The spacing is the finest of 1 or 2 days, 1 or 2 weeks (Mondays), 1, 2,
/// 3 or 6 months (1st of the month) or 1, 2, 5, 10, ... years (1 January)
/// that fits. Arguments may be in either order; `max_ticks == 0` gives no
/// ticks, and a single day gives one tick.
pub fn day_ticks(min_day: i64, max_day: i64, max_ticks: usize) -> Vec<(i64, String)> {
    if max_ticks == 0 {
        return Vec::new();
    }
    let (a, b) = (min_day.clamp(-MAX_ABS_DAY, MAX_ABS_DAY), max_day.clamp(-MAX_ABS_DAY, MAX_ABS_DAY));
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    if lo == hi {
        return label(vec![lo]);
    }
    let mut steps = vec![
        Step::Days(1),
        Step::Days(2),
        Step::Weeks(1),
        Step::Weeks(2),
        Step::Months(1),
        Step::Months(2),
        Step::Months(3),
        Step::Months(6),
    ];
    let mut years = 1i64;
    // Up to 10^10 years, far beyond MAX_ABS_DAY.
    for _ in 0..11 {
        steps.push(Step::Years(years));
        steps.push(Step::Years(years * 2));
        steps.push(Step::Years(years * 5));
        years *= 10;
    }
    for step in steps {
        if let Some(days) = ticks_for(step, lo, hi, max_ticks)
            && !days.is_empty()
        {
            return label(days);
        }
    }
    // Unreachable in practice (the year steps grow without bound), but
    // never panic: fall back to the end points.
    label(vec![lo, hi].into_iter().take(max_ticks).collect())
}

/// Tick days for `step` in `[lo, hi]`, or `None` if there would be more
/// than `max` (generation stops early so huge ranges stay cheap).
fn ticks_for(step: Step, lo: i64, hi: i64, max: usize) -> Option<Vec<i64>> {
    let mut out = Vec::new();
    let push = |d: i64, out: &mut Vec<i64>| -> bool {
        out.push(d);
        out.len() <= max
    };
    match step {
        Step::Days(n) | Step::Weeks(n) => {
            let (n, offset) = match step {
                // 1970-01-05 (day 4) was a Monday.
                Step::Weeks(_) => (n * 7, 4),
                _ => (n, 0),
            };
            if (hi - lo) / n > max as i64 + 1 {
                return None;
            }
            let mut d = lo + (offset - lo).rem_euclid(n);
            while d <= hi {
                if !push(d, &mut out) {
                    return None;
                }
                d += n;
            }
        }
        Step::Months(n) => {
            let (y, m, _) = civil_from_days(lo);
            let mut index = y * 12 + i64::from(m) - 1; // months since year 0
            if (hi - lo) / (28 * n) > max as i64 + 1 {
                return None;
            }
            loop {
                if index.rem_euclid(n) == 0 {
                    let d = days_from_civil(index.div_euclid(12), (index.rem_euclid(12) + 1) as u32, 1);
                    if d > hi {
                        break;
                    }
                    if d >= lo && !push(d, &mut out) {
                        return None;
                    }
                }
                index += 1;
            }
        }
        Step::Years(n) => {
            if n <= 0 || (hi - lo) / 366 / n > max as i64 + 1 {
                return None;
            }
            let (y, _, _) = civil_from_days(lo);
            let mut year = y + (-y).rem_euclid(n);
            loop {
                let d = days_from_civil(year, 1, 1);
                if d > hi {
                    break;
                }
                if d >= lo && !push(d, &mut out) {
                    return None;
                }
                year += n;
            }
        }
    }
    Some(out)
}

fn label(days: Vec<i64>) -> Vec<(i64, String)> {
    let mut prev_year = None;
    days.into_iter()
        .map(|d| {
            let (y, m, day) = civil_from_days(d);
            let month = MONTHS_SHORT[(m - 1) as usize];
            let text = if prev_year == Some(y) { format!("{day} {month}") } else { format!("{day} {month} {y}") };
            prev_year = Some(y);
            (d, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20454), (2026, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(days_from_civil(2024, 2, 29), 19782);
        assert_eq!(civil_from_days(19782), (2024, 2, 29));
        assert_eq!(civil_from_days(19783), (2024, 3, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        assert_eq!(format_day(20458), "5 Jan 2026");
        assert_eq!(format_day_long(20458), "5 January 2026");
        assert_eq!(iso_date(20458), "2026-01-05");
    }

    #[test]
    fn round_trips() {
        for z in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn weekly_ticks_on_mondays_across_year_boundary() {
        // 15 Dec 2025 (Monday) to 19 Jan 2026.
        let lo = days_from_civil(2025, 12, 15);
        let hi = days_from_civil(2026, 1, 19);
        let t = day_ticks(lo, hi, 6);
        let labels: Vec<&str> = t.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(labels, ["15 Dec 2025", "22 Dec", "29 Dec", "5 Jan 2026", "12 Jan", "19 Jan"]);
        assert!(t.iter().all(|(d, _)| (d + 3).rem_euclid(7) == 0));
    }

    #[test]
    fn daily_ticks_include_leap_day() {
        let lo = days_from_civil(2024, 2, 27);
        let t = day_ticks(lo, lo + 3, 10);
        let labels: Vec<&str> = t.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(labels, ["27 Feb 2024", "28 Feb", "29 Feb", "1 Mar"]);
    }

    #[test]
    fn monthly_and_yearly_ticks() {
        let lo = days_from_civil(2026, 1, 5);
        let hi = days_from_civil(2026, 4, 20);
        let t = day_ticks(lo, hi, 6);
        let labels: Vec<&str> = t.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(labels, ["1 Feb 2026", "1 Mar", "1 Apr"]);
        let t = day_ticks(0, days_from_civil(2026, 1, 1), 6);
        let labels: Vec<&str> = t.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(labels, ["1 Jan 1970", "1 Jan 1980", "1 Jan 1990", "1 Jan 2000", "1 Jan 2010", "1 Jan 2020"]);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(day_ticks(0, 10, 0).is_empty());
        assert_eq!(day_ticks(20458, 20458, 5), vec![(20458, "5 Jan 2026".to_string())]);
        assert_eq!(day_ticks(10, 0, 20).len(), 11);
        assert!(day_ticks(i64::MIN, i64::MAX, 6).len() <= 6);
        assert!(!day_ticks(i64::MIN, i64::MAX, 6).is_empty());
        let _ = civil_from_days(i64::MAX);
        let _ = days_from_civil(i64::MIN, 99, 99);
    }
}
