//! Deterministic, accessible SVG charts rendered on the server.
//!
//! Charts are plain `String`s of SVG so pages can inline them without any
//! client-side script. Every chart:
//!
//! * is pure: no I/O, clock or randomness, and the same input always gives
//!   byte-identical output (numbers use a fixed number of decimals, never
//!   `-0.0`, `NaN` or `inf`);
//! * uses presentation attributes only (no `style`, no CSS, no script) so it
//!   passes the pages' Content-Security-Policy;
//! * has `role="img"` and `aria-labelledby` pointing at a `<title>` and a
//!   `<desc>` that summarises the data in words (the text alternative);
//! * scales to the container (`viewBox` plus `width="100%"`);
//! * separates series by dash pattern and marker shape as well as by colour
//!   (see [`palette`]).
//!
//! Charts: [`time_series`], [`heat_strip`] and [`forest_plot`]. Helpers:
//! [`day_ticks`], [`format_day`], [`nice_ticks`].
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod dates;
pub mod forest;
pub mod heat_strip;
pub mod palette;
pub mod scale;
pub mod svg;
pub mod time_series;

#[cfg(test)]
mod test_support;

pub use dates::{civil_from_days, day_ticks, days_from_civil, format_day, format_day_long};
pub use forest::{ForestPlot, ForestRow, forest_plot};
pub use heat_strip::{Direction, HeatRow, HeatStrip, heat_strip};
pub use scale::{LinearScale, nice_domain, nice_step, nice_ticks};
pub use time_series::{EventMarker, Series, Threshold, TimeSeriesChart, XKind, YRange, time_series};
