//! Integration tests for clv (being written).
