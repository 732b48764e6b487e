//! Integration tests for lifecycle (being written).
