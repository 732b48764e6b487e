//! Integration tests for differentiate (being written).
