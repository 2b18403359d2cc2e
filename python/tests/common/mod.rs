//! What the interpreter's test binaries share.

use std::path::{Path, PathBuf};

/// The corpus programs (`tests/corpus/*.py`), sorted by name; never empty.
pub fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "empty corpus");
    v
}
