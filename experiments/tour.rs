//! The gclab tour (minimal version: the seed walkthrough).

use gclab::Heap;

fn main() {
    let mut heap: Heap<&str> = Heap::new();
    for (name, payload) in [("x", "42"), ("y", "'hello'"), ("z", "[1, 2, 3]")] {
        let obj = heap.alloc_atomic(payload);
        heap.set_var(name, obj).expect("fresh object");
        heap.decref(obj).expect("we hold it");
        println!(
            "{name} = {payload:<10} id({name}) = {}",
            heap.id(obj).expect("alive")
        );
    }
}
