//! Loyalty index (placeholder; being written).
