//! Integration tests: simulate.
