//! Integration tests: the public API only, one test target.

mod cdnow;
mod csv;
mod memory;
mod simulate;
mod summary;
mod support;
