//! Criterion benches for loyalty (being written).
fn main() {}
