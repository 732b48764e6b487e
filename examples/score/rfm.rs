//! `score rfm` (being written).

use crate::Failure;

pub fn run(_parser: &mut lexopt::Parser) -> Result<(), Failure> {
    Err(Failure::Usage("not available yet".into()))
}
