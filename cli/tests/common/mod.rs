//! Helpers shared by the command line's process tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

/// The shared data sets (`$CUSTOMER_VALUE_DATA`, or `../shared/data` beside
/// the workspace), or `None` with a note when they are absent; under CI
/// their absence is a failure.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
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

/// A fresh, empty scratch folder `cv-{suite}-{pid}-{name}` under the
/// system's temporary directory.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cv-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
