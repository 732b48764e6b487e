//! Integration tests: the public API only, one test target.

mod cdnow;
mod clv;
mod csv;
mod differentiate;
mod memory;
mod rfm;
mod rfm_pandas;
mod rfm_segment;
mod simulate;
mod summary;
mod support;
