//! Criterion benches for differentiate (being written).
fn main() {}
