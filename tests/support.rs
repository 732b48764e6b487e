//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The shared data folder: `$CUSTOMER_VALUE_DATA`, else `../shared/data`
/// beside the crate. `None` (after printing why) when it is absent, so a
/// plain clone of the crate still passes its tests. Under CI (`CI` set) a
/// missing folder fails instead, so the data-set tests can't silently stop
/// running.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the data folder {} is missing",
            dir.display()
        );
        eprintln!(
            "skipped: data folder {} not found (set CUSTOMER_VALUE_DATA to run the data-set tests)",
            dir.display()
        );
        None
    }
}
