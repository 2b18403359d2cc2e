//! The `Rc`-shaped peers: std `Rc`, `bacon_rajan_cc`, `gcmodule`, `rust-cc` and `dumpster`.
//!
//! Every peer uses the same node shape, `struct Node { next: RefCell<Option<Ptr<Node>>> }`
//! (one edge, stored inline), and a root `struct Root { items: Vec<Ptr<Node>> }`. Each node's
//! `Drop` bumps a thread-local counter (one TLS increment, the same for every peer) so the
//! child can check that a collection freed exactly what it should.

use std::cell::RefCell;

use crate::generic::RcLike;
use crate::workload::count_drop;

/// std `Rc` + `RefCell`: no cycle collector; cycles are broken by hand.
pub mod std_rc {
    use super::*;
    use std::rc::Rc;

    pub struct Node {
        next: RefCell<Option<Rc<Node>>>,
    }

    impl Drop for Node {
        fn drop(&mut self) {
            count_drop();
        }
    }

    pub struct Peer;

    impl RcLike for Peer {
        type P = Rc<Node>;
        type Root = Rc<Vec<Rc<Node>>>;
        const COLLECTS: bool = false;

        fn node(next: Option<Self::P>) -> Self::P {
            Rc::new(Node {
                next: RefCell::new(next),
            })
        }

        fn set_next(p: &Self::P, next: Option<Self::P>) {
            let old = p.next.replace(next);
            drop(old);
        }

        fn root(items: Vec<Self::P>) -> Self::Root {
            Rc::new(items)
        }

        fn collect() {}
    }
}

/// `bacon_rajan_cc`: synchronous Bacon–Rajan trial deletion over a thread-local buffer of
/// possible roots. It never collects on its own, so nothing needs switching off.
pub mod bacon {
    use super::*;
    use bacon_rajan_cc::{Cc, Trace, Tracer, collect_cycles};

    pub struct Node {
        next: RefCell<Option<Cc<Node>>>,
    }

    impl Trace for Node {
        fn trace(&self, tracer: &mut Tracer) {
            self.next.trace(tracer);
        }
    }

    impl Drop for Node {
        fn drop(&mut self) {
            count_drop();
        }
    }

    pub struct Root {
        items: Vec<Cc<Node>>,
    }

    impl Trace for Root {
        fn trace(&self, tracer: &mut Tracer) {
            self.items.trace(tracer);
        }
    }

    pub struct Peer;

    impl RcLike for Peer {
        type P = Cc<Node>;
        type Root = Cc<Root>;
        const COLLECTS: bool = true;

        fn node(next: Option<Self::P>) -> Self::P {
            Cc::new(Node {
                next: RefCell::new(next),
            })
        }

        fn set_next(p: &Self::P, next: Option<Self::P>) {
            let old = p.next.replace(next);
            drop(old);
        }

        fn root(items: Vec<Self::P>) -> Self::Root {
            Cc::new(Root { items })
        }

        fn collect() {
            collect_cycles();
        }
    }
}

/// `gcmodule`: CPython-style collection (update_refs / subtract_refs / mark reachable) over a
/// thread-local linked list of every tracked object. It has no automatic collection at all.
pub mod gcmodule_peer {
    use super::*;
    use gcmodule::{Cc, Trace, Tracer};

    pub struct Node {
        next: RefCell<Option<Cc<Node>>>,
    }

    impl Trace for Node {
        fn trace(&self, tracer: &mut Tracer) {
            self.next.trace(tracer);
        }

        // A recursive type: must say so by hand (the default would recurse forever through
        // `RefCell<Option<Cc<Node>>>::is_type_tracked`).
        fn is_type_tracked() -> bool {
            true
        }
    }

    impl Drop for Node {
        fn drop(&mut self) {
            count_drop();
        }
    }

    pub struct Root {
        items: Vec<Cc<Node>>,
    }

    impl Trace for Root {
        fn trace(&self, tracer: &mut Tracer) {
            self.items.trace(tracer);
        }

        fn is_type_tracked() -> bool {
            true
        }
    }

    pub struct Peer;

    impl RcLike for Peer {
        type P = Cc<Node>;
        type Root = Cc<Root>;
        const COLLECTS: bool = true;

        fn node(next: Option<Self::P>) -> Self::P {
            Cc::new(Node {
                next: RefCell::new(next),
            })
        }

        fn set_next(p: &Self::P, next: Option<Self::P>) {
            let old = p.next.replace(next);
            drop(old);
        }

        fn root(items: Vec<Self::P>) -> Self::Root {
            Cc::new(Root { items })
        }

        fn collect() {
            gcmodule::collect_thread_cycles();
        }
    }
}

/// `rust-cc`: iterative trial deletion over a thread-local list of possible cycles, with
/// automatic collections triggered by allocated bytes; switched off through `config`.
pub mod rust_cc_peer {
    use super::*;
    use rust_cc::{Cc, Finalize, Trace};

    // rust-cc's derive forbids a `Drop` on the traced type itself (it emits an empty one),
    // so the drop counter is a zero-sized field the collector ignores.
    #[derive(Trace, Finalize)]
    pub struct Node {
        next: RefCell<Option<Cc<Node>>>,
        #[rust_cc(ignore)]
        _tally: Tally,
    }

    pub struct Tally;

    impl Drop for Tally {
        fn drop(&mut self) {
            count_drop();
        }
    }

    #[derive(Trace, Finalize)]
    pub struct Root {
        items: Vec<Cc<Node>>,
    }

    pub struct Peer;

    impl RcLike for Peer {
        type P = Cc<Node>;
        type Root = Cc<Root>;
        const COLLECTS: bool = true;

        fn setup() {
            rust_cc::config::config(|c| c.set_auto_collect(false))
                .expect("rust-cc config is accessible");
        }

        fn node(next: Option<Self::P>) -> Self::P {
            Cc::new(Node {
                next: RefCell::new(next),
                _tally: Tally,
            })
        }

        fn set_next(p: &Self::P, next: Option<Self::P>) {
            let old = p.next.replace(next);
            drop(old);
        }

        fn root(items: Vec<Self::P>) -> Self::Root {
            Cc::new(Root { items })
        }

        fn collect() {
            rust_cc::collect_cycles();
        }
    }
}

/// `dumpster` (`unsync`): a "dirty" hash map of allocations whose count was decremented, swept
/// by a DFS over the reference graph; automatic sweeps are governed by a collect condition,
/// replaced here by one that never fires.
pub mod dumpster_peer {
    use super::*;
    use dumpster::Trace;
    use dumpster::unsync::{CollectInfo, Gc, collect, set_collect_condition};

    #[derive(Trace)]
    pub struct Node {
        next: RefCell<Option<Gc<Node>>>,
    }

    impl Drop for Node {
        fn drop(&mut self) {
            count_drop();
        }
    }

    #[derive(Trace)]
    pub struct Root {
        items: Vec<Gc<Node>>,
    }

    fn never(_: &CollectInfo) -> bool {
        false
    }

    pub struct Peer;

    impl RcLike for Peer {
        type P = Gc<Node>;
        type Root = Gc<Root>;
        const COLLECTS: bool = true;

        fn setup() {
            set_collect_condition(never);
        }

        fn node(next: Option<Self::P>) -> Self::P {
            Gc::new(Node {
                next: RefCell::new(next),
            })
        }

        fn set_next(p: &Self::P, next: Option<Self::P>) {
            let old = p.next.replace(next);
            drop(old);
        }

        fn root(items: Vec<Self::P>) -> Self::Root {
            Gc::new(Root { items })
        }

        fn collect() {
            collect();
        }
    }
}
