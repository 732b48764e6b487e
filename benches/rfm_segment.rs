//! Criterion benches for rfm segments (being written).
fn main() {}
