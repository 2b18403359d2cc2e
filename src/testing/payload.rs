//! The payload of a harness heap's objects.

/// The payload of every object in a harness heap: its allocation number (or the value
/// an [`Op::SetPayload`](super::Op::SetPayload) wrote), and whether dropping it panics
/// ([`Op::PanicOnDrop`](super::Op::PanicOnDrop)), which is how the harness checks that
/// a payload's panicking `Drop` never costs the heap a reference or a handle.
///
/// The panic is raised with [`std::panic::resume_unwind`] carrying a [`PayloadPanic`],
/// so it does not run the panic hook: random programs that free thousands of such
/// payloads print nothing.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::testing::{Payload, PayloadPanic};
/// let mut heap: Heap<Payload> = Heap::new();
/// let x = heap.alloc(Payload::new(7));
/// heap.payload_mut(x).unwrap().panics_on_drop = true;
/// let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| heap.decref(x)));
/// let panic = unwound.unwrap_err();
/// assert_eq!(panic.downcast_ref::<PayloadPanic>(), Some(&PayloadPanic(7)));
/// assert!(!heap.contains(x));  // freed all the same
/// heap.verify().unwrap();
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Payload {
    /// The allocation number, or the value last written.
    pub value: u64,
    /// Whether dropping it panics.
    pub panics_on_drop: bool,
}

/// What a [`Payload`] that panics on drop unwinds with: its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadPanic(pub u64);

impl Payload {
    /// A payload that drops quietly.
    pub fn new(value: u64) -> Self {
        Payload {
            value,
            panics_on_drop: false,
        }
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        if self.panics_on_drop && !std::thread::panicking() {
            std::panic::resume_unwind(Box::new(PayloadPanic(self.value)));
        }
    }
}
