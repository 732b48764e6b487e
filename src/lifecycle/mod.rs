//! Lifecycle stages and churn early warning (placeholder; being written).
