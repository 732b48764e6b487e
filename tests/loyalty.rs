//! Integration tests for loyalty (being written).
