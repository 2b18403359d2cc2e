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

#[test]
fn freed_ids_stay_rejected_after_their_slot_is_reused() {
    internals::freed_ids_stay_rejected_after_their_slot_is_reused();
}

#[test]
fn order_descending_handles_monotone_rotated_and_dense_lists() {
    internals::order_descending_handles_monotone_rotated_and_dense_lists();
}

#[test]
fn edges_keep_order_through_push_insert_remove() {
    internals::edges_keep_order_through_push_insert_remove();
}

#[test]
fn a_free_slot_is_rejected_by_every_accessor() {
    internals::a_free_slot_is_rejected_by_every_accessor();
}

#[test]
fn a_new_record_says_whether_its_body_holds_edges() {
    internals::a_new_record_says_whether_its_body_holds_edges();
}

#[test]
fn move_unreachable_variants_agree_with_cpythons_list_algorithm() {
    internals::move_unreachable_variants_agree_with_cpythons_list_algorithm();
}
