//! Times `score_csv` on 1,000,000 generated CAPS-5 rows.
//!
//! Run: `cargo run --release -p catalyst-instruments --example bench_score`
//! The rows come from a fixed-seed linear congruential generator, so every run scores the
//! same data; the CSV is built in memory so the figure measures parsing, validation, scoring
//! and formatting, not disk I/O.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::time::Instant;

use catalyst_instruments::{BatchInstrument, BatchOptions, score_csv};

/// Knuth's MMIX LCG; the high bits are the usable ones.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

fn main() {
    const ROWS: usize = 1_000_000;
    let mut rng = Lcg(0x5eed);
    let mut input = String::with_capacity(ROWS * 70);
    input.push_str("id,criterion_a");
    for n in 1..=20 {
        write!(input, ",item{n}").unwrap();
    }
    input.push_str(",item22,item23,item24,item25,item29,item30\n");
    for i in 0..ROWS {
        write!(input, "P{i:07},{}", rng.next(2)).unwrap();
        for _ in 0..20 {
            write!(input, ",{}", rng.next(5)).unwrap();
        }
        write!(input, ",{}", rng.next(2)).unwrap();
        for _ in 0..5 {
            write!(input, ",{}", rng.next(5)).unwrap();
        }
        input.push('\n');
    }
    let mut output = Vec::with_capacity(ROWS * 50);
    let start = Instant::now();
    let summary = score_csv(BatchInstrument::Caps5, &BatchOptions::default(), input.as_bytes(), &mut output).unwrap();
    let elapsed = start.elapsed();
    let diagnosed = output.split(|&b| b == b'\n').filter(|line| line.windows(6).any(|w| w == b",true,")).count();
    println!(
        "scored {} CAPS-5 rows ({} MB in, {} MB out) in {:.2?} ({:.0} rows/s); {diagnosed} rows with diagnosis",
        summary.rows,
        input.len() / 1_000_000,
        output.len() / 1_000_000,
        elapsed,
        summary.rows as f64 / elapsed.as_secs_f64()
    );
}
