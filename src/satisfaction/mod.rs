//! Customer satisfaction (placeholder; being written).
