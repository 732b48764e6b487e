//! Integration tests for rfm_segment (being written).
