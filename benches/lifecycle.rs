//! Criterion benches for lifecycle (being written).
fn main() {}
