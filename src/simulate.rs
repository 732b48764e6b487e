//! Simulated transaction logs (placeholder: being written).
