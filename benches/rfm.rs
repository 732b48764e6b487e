//! Criterion benches for rfm (being written).
fn main() {}
