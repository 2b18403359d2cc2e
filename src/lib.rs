//! gclab: Python's memory model, made executable and measurable.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
