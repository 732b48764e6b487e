//! Criterion benches for clv (being written).
fn main() {}
