//! Integration tests for rfm (being written).
