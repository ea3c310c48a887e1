//! Screening, eligibility decisions and informed consent. The gates they open for treatment
//! are answered in `interface.rs`.

mod consent;
mod screening;

pub use consent::ConsentStatus;
