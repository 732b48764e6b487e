//! Discounted CLV and customer equity (placeholder; being written).
