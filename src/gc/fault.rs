//! Deliberate collector bugs (feature `testing` only), injected with
//! [`Heap::inject_fault`] to show that the harness in `gclab::testing` catches broken
//! collectors. A test-only wrapper around [`Generational`]'s `move_unreachable` pass:
//! without the feature, neither the [`Fault`] type, nor the field that holds one, nor
//! the branch that reads it exist.

use crate::gc::Generational;
use crate::gc::collect::Fault;
use crate::gc::trial::{TENTATIVELY_UNREACHABLE, drop_moved_back, move_unreachable};
use crate::heap::Heap;
use crate::object::ObjId;

impl<T> Heap<T, Generational> {
    /// Injects a deliberate collector bug (or removes it with `None`), so a test can show
    /// that the harness catches a broken collector.
    ///
    /// # Examples
    /// ```
    /// use gclab::{Fault, Heap};
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.inject_fault(Some(Fault::SkipSubtractForOneEdge));
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.collect_full().collected, 0); // the bug keeps the garbage cycle
    /// heap.inject_fault(None);
    /// assert_eq!(heap.collect_full().collected, 1);
    /// ```
    pub fn inject_fault(&mut self, fault: Option<Fault>) {
        self.gc.fault = fault;
    }

    /// The `move_unreachable` pass of a collection of generation `gen_no`, through the
    /// injected fault if one is set. Returns whether `unreachable` may hold objects
    /// moved back.
    #[inline(always)]
    pub(crate) fn move_unreachable_pass(
        &self,
        young: &mut Vec<ObjId>,
        gen_no: u8,
        unreachable: &mut Vec<ObjId>,
    ) -> bool {
        match self.gc.fault {
            None => move_unreachable(&self.objects, young, |y: u8| y <= gen_no, unreachable),
            Some(fault) => {
                self.faulty_move_unreachable(fault, young, gen_no, unreachable);
                true
            }
        }
    }

    /// `move_unreachable` with an injected [`Fault`](crate::gc::Fault) (only the test
    /// harness ever sets one).
    fn faulty_move_unreachable(
        &self,
        fault: Fault,
        young: &mut Vec<ObjId>,
        gen_no: u8,
        unreachable: &mut Vec<ObjId>,
    ) {
        let member = |y: u8| y <= gen_no;
        if fault == Fault::SkipSubtractForOneEdge {
            // Undo the first subtraction: as if subtract_refs had skipped that edge.
            if let Some(t) = young
                .iter()
                .flat_map(|&id| self.objects[id].edges())
                .find(|&t| member(self.objects.at(t).space()))
            {
                let obj = self.objects.at(t);
                obj.set_gc_refs(obj.gc_refs() + 1);
            }
        }
        let mut after_subtract = slotmap::SecondaryMap::new();
        for &id in young.iter() {
            after_subtract.insert(id, self.objects[id].gc_refs());
        }
        if move_unreachable(&self.objects, young, member, unreachable) {
            drop_moved_back(&self.objects, unreachable);
        }
        if fault == Fault::ForgetOneReachable
            && let Some(i) = young.iter().position(|&id| after_subtract[id] == 0)
        {
            let id = young.remove(i);
            self.objects[id].set_gc_refs(TENTATIVELY_UNREACHABLE);
            unreachable.push(id);
        }
    }
}
