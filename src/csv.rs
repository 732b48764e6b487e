//! Reading transaction logs from CSV (placeholder: being written).
