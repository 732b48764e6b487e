//! RFM binning (placeholder; being written).
