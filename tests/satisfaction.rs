//! Integration tests for satisfaction (being written).
