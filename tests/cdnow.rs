//! Integration tests: cdnow.
