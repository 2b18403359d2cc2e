//! Tests of crate-private helpers: each runs the check of the same name in
//! `gclab::testing::internals` (the crate has no `#[cfg(test)]` unit tests; see there).

use gclab::testing::internals;

#[test]
fn escape_handles_quotes_backslashes_and_newlines() {
    internals::escape_handles_quotes_backslashes_and_newlines();
}

#[test]
fn gcbench_trees_have_the_binary_tree_shape() {
    internals::gcbench_trees_have_the_binary_tree_shape();
}
