//! RFM: recency, frequency and monetary scoring (FORMULAS.md section 2).

mod bin;
mod segment;
mod values;

pub use bin::*;
pub use segment::*;
pub use values::{Monetary, RfmScore, RfmValues};
