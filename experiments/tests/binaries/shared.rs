//! `gclab::experiment`, what the experiment binaries share (the core crate's feature
//! `cli`, which this package turns on): closed pipes, tables and counts.

use std::io::{self, ErrorKind};

use gclab::experiment::{Table, is_closed_pipe, parse_count};

#[test]
fn closed_pipe_is_recognised_through_context() {
    let e = anyhow::Error::from(io::Error::from(ErrorKind::BrokenPipe)).context("writing");
    assert!(is_closed_pipe(&e));
    let e = anyhow::Error::from(io::Error::from(ErrorKind::NotFound)).context("reading");
    assert!(!is_closed_pipe(&e));
}

#[test]
fn table_widths_follow_the_widest_cell() {
    let mut t = Table::new(["a", "b"]).right_align(&[1]);
    t.row(["µµµ", "1"]);
    t.row(["x", "100"]);
    assert_eq!(t.to_string(), "a      b\nµµµ    1\nx    100\n");
}

#[test]
fn counts_parse() {
    assert_eq!(parse_count("1_000"), Ok(1000));
    assert!(parse_count("1.5").is_err());
    assert!(parse_count("").is_err());
}
