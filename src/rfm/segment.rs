//! RFM segments (placeholder; being written).
