#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Properties of business-day arithmetic on the bundled calendars.

mod common;

use catalyst_regulatory::{Calendar, add_business_days, is_business_day, sub_business_days};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;

const CODES: [&str; 6] = ["AU-NSW", "AU-SA", "AU-VIC", "CA-BC", "US", "CA"];

/// Start dates from 20 February 2026 to 31 October 2027, so 30 business days either way stay
/// inside the calendars' coverage.
fn start() -> impl Strategy<Value = Date> {
    (0i64..619).prop_map(|k| date(2026, 2, 20).checked_add(k.days()).unwrap())
}

fn calendar(i: usize) -> Calendar {
    common::cal(CODES[i])
}

proptest! {
    #[test]
    fn result_is_a_business_day(d in start(), n in 0u32..30, c in 0usize..CODES.len()) {
        let cal = calendar(c);
        prop_assert!(is_business_day(add_business_days(d, n, &cal).unwrap(), &cal).unwrap());
        prop_assert!(is_business_day(sub_business_days(d, n, &cal).unwrap(), &cal).unwrap());
    }

    #[test]
    fn strictly_after_for_n_at_least_one(d in start(), n in 1u32..30, c in 0usize..CODES.len()) {
        let cal = calendar(c);
        prop_assert!(add_business_days(d, n, &cal).unwrap() > d);
        prop_assert!(sub_business_days(d, n, &cal).unwrap() < d);
    }

    #[test]
    fn monotone_in_n(d in start(), n in 0u32..29, c in 0usize..CODES.len()) {
        let cal = calendar(c);
        let a = add_business_days(d, n, &cal).unwrap();
        let b = add_business_days(d, n + 1, &cal).unwrap();
        // n = 0 on a non-business day already rolls to the next one, which n = 1 also gives.
        if n == 0 && !is_business_day(d, &cal).unwrap() {
            prop_assert_eq!(a, b);
        } else {
            prop_assert!(a < b);
        }
    }

    #[test]
    fn monotone_in_the_start_date(d in start(), n in 0u32..30, c in 0usize..CODES.len()) {
        let cal = calendar(c);
        let later = d.checked_add(1.day()).unwrap();
        prop_assert!(add_business_days(d, n, &cal).unwrap() <= add_business_days(later, n, &cal).unwrap());
    }

    /// Going back n business days from the n-th after d lands on d, or on the last business day
    /// before it when d is not one.
    #[test]
    fn sub_undoes_add(d in start(), n in 1u32..30, c in 0usize..CODES.len()) {
        let cal = calendar(c);
        let there = add_business_days(d, n, &cal).unwrap();
        prop_assert_eq!(sub_business_days(there, n, &cal).unwrap(), sub_business_days(d, 0, &cal).unwrap());
    }

    /// Exactly n business days lie in (d, add(d, n)].
    #[test]
    fn counts_exactly_n(d in start(), n in 1u32..30, c in 0usize..CODES.len()) {
        let cal = calendar(c);
        let end = add_business_days(d, n, &cal).unwrap();
        let mut count = 0;
        let mut x = d.checked_add(1.day()).unwrap();
        while x <= end {
            if is_business_day(x, &cal).unwrap() { count += 1; }
            x = x.checked_add(1.day()).unwrap();
        }
        prop_assert_eq!(count, n);
    }
}
