//! IDIC differentiation (placeholder; being written).
