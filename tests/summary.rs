//! Integration tests: summary.
