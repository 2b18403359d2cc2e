//! Long release chains on the main thread's default stack (issue 12): a chain of 10^6
//! objects whose finalizers each release the next object, and a plain chain of 10^7
//! objects (10^6 in debug builds, to keep `cargo test` quick). Runs without the test
//! harness, so it is the process's main thread; prints the plain `N passed, N failed`
//! closing line.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use gclab::{Heap, ObjId};

fn finalizer_chain(n: u32) -> Result<(), String> {
    let mut heap: Heap<u32> = Heap::new();
    heap.disable();
    let ran = Rc::new(Cell::new(0u32));
    let ids: Vec<ObjId> = (0..n).map(|i| heap.alloc(i)).collect();
    for i in 0..n as usize {
        let next = ids.get(i + 1).copied();
        let ran = ran.clone();
        heap.set_finalizer(ids[i], move |h, _| {
            ran.set(ran.get() + 1);
            if let Some(next) = next {
                h.decref(next).unwrap();
            }
        })
        .map_err(|e| e.to_string())?;
    }
    heap.decref(ids[0]).map_err(|e| e.to_string())?;
    if ran.get() != n || !heap.is_empty() {
        return Err(format!(
            "{} finalizers ran, {} objects left",
            ran.get(),
            heap.len()
        ));
    }
    heap.verify().map_err(|e| e.to_string())
}

fn plain_chain(n: u32) -> Result<(), String> {
    let mut heap: Heap<()> = Heap::new();
    let head = heap.alloc(());
    let mut last = head;
    for _ in 1..n {
        let next = heap.alloc(());
        heap.link(last, next).map_err(|e| e.to_string())?;
        heap.decref(next).map_err(|e| e.to_string())?;
        last = next;
    }
    heap.decref(head).map_err(|e| e.to_string())?;
    if heap.is_empty() {
        Ok(())
    } else {
        Err(format!("{} objects left", heap.len()))
    }
}

/// A named check.
type Check = (&'static str, Box<dyn Fn() -> Result<(), String>>);

fn main() {
    let plain = if cfg!(debug_assertions) {
        1_000_000
    } else {
        10_000_000
    };
    let tests: [Check; 2] = [
        (
            "a_million_chained_finalizers_free_on_the_main_thread",
            Box::new(|| finalizer_chain(1_000_000)),
        ),
        (
            "a_long_plain_chain_frees_on_the_main_thread",
            Box::new(move || plain_chain(plain)),
        ),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        let start = Instant::now();
        match test() {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok ({:.2?})", start.elapsed());
            }
            Err(e) => {
                failed += 1;
                println!("test {name} ... FAILED: {e}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
