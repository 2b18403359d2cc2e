//! Heap snapshots: the `gclab-snapshot/1` JSON format, import and export.
