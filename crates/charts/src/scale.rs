//! Linear scales and "nice" axis ticks.
//!
//! Ticks step by 1, 2 or 5 times a power of ten because those are the
//! numbers people read off an axis without effort (0, 20, 40, 60, 80 rather
//! than 0, 16, 32, ...). Tick values are computed as `index * step`, never
//! by repeated addition, so they do not accumulate floating-point error.

/// Maps a domain interval onto a range interval (e.g. scores onto pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearScale {
    /// Domain start.
    pub d0: f64,
    /// Domain end.
    pub d1: f64,
    /// Range start (the coordinate of `d0`).
    pub r0: f64,
    /// Range end (the coordinate of `d1`).
    pub r1: f64,
}

impl LinearScale {
    /// A scale from `[d0, d1]` onto `[r0, r1]`. Ranges may be reversed, as
    /// for SVG's downward y axis: `LinearScale::new(0.0, 80.0, 250.0, 10.0)`.
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        Self { d0, d1, r0, r1 }
    }

    /// The coordinate of `v`. A degenerate domain maps everything to the
    /// middle of the range rather than dividing by zero.
    pub fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 || !span.is_finite() {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }

    /// Like [`LinearScale::map`] but clamped to the range, and whether the
    /// value had to be clamped (it lay outside the domain).
    pub fn map_clamped(&self, v: f64) -> (f64, bool) {
        let (lo, hi) = if self.d0 <= self.d1 { (self.d0, self.d1) } else { (self.d1, self.d0) };
        let c = v.clamp(lo, hi);
        (self.map(c), c != v)
    }
}

/// A 1-2-5 step that divides `span` into at most `max_ticks - 1` intervals,
/// i.e. yields at most `max_ticks` ticks. Returns 1 for a degenerate span.
pub fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let span = span.abs();
    if !span.is_finite() || span == 0.0 {
        return 1.0;
    }
    let intervals = max_ticks.saturating_sub(1).max(1) as f64;
    let raw = span / intervals;
    let magnitude = 10f64.powf(raw.log10().floor());
    let f = raw / magnitude;
    // A tiny tolerance so 16 / 0.8-style float noise does not bump a step.
    let nice = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Nice tick values inside `[min, max]` (inclusive), at most `max_ticks` of
/// them (at least one when the interval is a point). Arguments may be in
/// either order; non-finite input gives no ticks.
pub fn nice_ticks(min: f64, max: f64, max_ticks: usize) -> Vec<f64> {
    if !min.is_finite() || !max.is_finite() || max_ticks == 0 {
        return Vec::new();
    }
    let (lo, hi) = if min <= max { (min, max) } else { (max, min) };
    if lo == hi {
        return vec![lo];
    }
    let step = nice_step(hi - lo, max_ticks);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).take(max_ticks.max(1)).map(|i| clean(i as f64 * step)).collect()
}

/// Widens `[min, max]` outwards to multiples of a nice step, for automatic
/// axes. A point interval is widened by one unit (or 10% of its magnitude)
/// each side so a single measurement still gets a readable axis.
pub fn nice_domain(min: f64, max: f64, max_ticks: usize) -> (f64, f64) {
    if !min.is_finite() || !max.is_finite() {
        return (0.0, 1.0);
    }
    let (mut lo, mut hi) = if min <= max { (min, max) } else { (max, min) };
    if lo == hi {
        let pad = (lo.abs() * 0.1).max(1.0);
        lo -= pad;
        hi += pad;
    }
    let step = nice_step(hi - lo, max_ticks);
    (clean((lo / step + 1e-9).floor() * step), clean((hi / step - 1e-9).ceil() * step))
}

/// Number of decimals needed to print multiples of `step` exactly.
pub fn step_decimals(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 || step >= 1.0 {
        return 0;
    }
    (-step.log10().floor()).max(0.0) as usize
}

/// Rounds away float noise such as `0.30000000000000004` and negative zero.
fn clean(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 { 0.0 } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_1_2_5() {
        assert_eq!(nice_step(80.0, 6), 20.0);
        assert_eq!(nice_step(80.0, 5), 20.0);
        assert_eq!(nice_step(10.0, 11), 1.0);
        assert_eq!(nice_step(10.0, 6), 2.0);
        assert_eq!(nice_step(1.0, 4), 0.5);
        assert_eq!(nice_step(27.0, 2), 50.0);
        assert_eq!(nice_step(0.0, 5), 1.0);
    }

    #[test]
    fn caps5_range() {
        assert_eq!(nice_ticks(0.0, 80.0, 6), vec![0.0, 20.0, 40.0, 60.0, 80.0]);
        assert_eq!(nice_ticks(80.0, 0.0, 6), vec![0.0, 20.0, 40.0, 60.0, 80.0]);
    }

    #[test]
    fn ticks_have_no_float_noise() {
        let t = nice_ticks(0.0, 1.0, 11);
        assert_eq!(t[3], 0.3);
        assert_eq!(t.len(), 11);
        assert_eq!(nice_ticks(-1.0, 1.0, 5), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    }

    #[test]
    fn ticks_never_exceed_max() {
        for max_ticks in 1..12 {
            for span in [0.3, 1.0, 7.0, 13.0, 99.0, 1234.5] {
                let t = nice_ticks(-span / 3.0, span, max_ticks);
                assert!(t.len() <= max_ticks, "{span} {max_ticks} {t:?}");
                assert!(!t.is_empty());
            }
        }
    }

    #[test]
    fn domain_widens_to_steps() {
        assert_eq!(nice_domain(31.0, 52.0, 6), (30.0, 55.0));
        assert_eq!(nice_domain(52.0, 52.0, 6), (45.0, 60.0));
        assert_eq!(nice_domain(0.0, 0.0, 6), (-1.0, 1.0));
        assert_eq!(nice_domain(f64::NAN, 1.0, 6), (0.0, 1.0));
    }

    #[test]
    fn scale_maps_and_clamps() {
        let s = LinearScale::new(0.0, 80.0, 250.0, 10.0);
        assert_eq!(s.map(0.0), 250.0);
        assert_eq!(s.map(80.0), 10.0);
        assert_eq!(s.map(40.0), 130.0);
        assert_eq!(s.map_clamped(90.0), (10.0, true));
        assert_eq!(s.map_clamped(-5.0), (250.0, true));
        assert_eq!(s.map_clamped(20.0), (190.0, false));
        assert_eq!(LinearScale::new(5.0, 5.0, 0.0, 100.0).map(7.0), 50.0);
    }

    #[test]
    fn decimals_for_steps() {
        assert_eq!(step_decimals(20.0), 0);
        assert_eq!(step_decimals(0.5), 1);
        assert_eq!(step_decimals(0.2), 1);
        assert_eq!(step_decimals(0.05), 2);
    }
}
