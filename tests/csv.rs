//! Integration tests: csv.
