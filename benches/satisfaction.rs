//! Criterion benches for satisfaction (being written).
fn main() {}
