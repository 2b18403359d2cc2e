//! The standard workloads, their phases, and the child-side recorder that prints one
//! machine-readable line per phase.

use std::cell::Cell;
use std::io::Write;
use std::time::Duration;

/// The standard workloads: gclab's one list, shared with `gclab-perf`.
pub use gclab::workloads::Workload;

/// The workloads the peers run (the first five of [`Workload::ALL`]; the others need a
/// generational collector or a `gc` module the peers do not have).
pub const PEER_WORKLOADS: [Workload; 5] = [
    Workload::DeadCycles,
    Workload::Live,
    Workload::AcyclicChurn,
    Workload::Chain,
    Workload::Ring,
];

/// Parses a workload name for the command line, accepting only [`PEER_WORKLOADS`].
pub fn parse_peer_workload(s: &str) -> Result<Workload, String> {
    let w: Workload = s.parse().map_err(|e| format!("{e}"))?;
    if PEER_WORKLOADS.contains(&w) {
        Ok(w)
    } else {
        let names: Vec<&str> = PEER_WORKLOADS.iter().map(|w| w.name()).collect();
        Err(format!(
            "{w} is a gclab-perf workload that the peers do not run; they run {}",
            names.join(", ")
        ))
    }
}

/// What the peers comparison needs to know of a workload beyond its name.
pub trait PeerWorkload {
    /// The phases this workload reports, in order, with what the time is divided by
    /// (none for a workload the peers do not run).
    fn phases(self) -> &'static [(&'static str, &'static str)];
    /// Whether the workload recurses as deep as n in naive implementations; these run at
    /// `--deep-n` as well.
    fn is_deep(&self) -> bool;
}

impl PeerWorkload for Workload {
    fn phases(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Workload::DeadCycles => &[
                (
                    "build",
                    "2n objects allocated and linked, references dropped",
                ),
                ("collect", "one full collection freeing 2n objects"),
            ],
            Workload::Live => &[
                ("build", "n objects in n/2 cycles under one root"),
                (
                    "collect",
                    "one full collection over n live objects, freeing none",
                ),
            ],
            Workload::AcyclicChurn => &[(
                "churn",
                "n allocations of a one-edge node, each dropped at once",
            )],
            Workload::Chain => &[
                ("build", "n-long chain built"),
                ("drop", "chain dropped from its head, n objects freed"),
            ],
            Workload::Ring => &[
                ("build", "n-long ring built"),
                ("collect", "one full collection freeing the n-object ring"),
            ],
            Workload::YoungVsOld | Workload::Gcbench | Workload::Rings21 | Workload::Dag => &[],
        }
    }

    fn is_deep(&self) -> bool {
        matches!(self, Workload::Chain | Workload::Ring)
    }
}

thread_local! {
    /// Number of peer nodes dropped, counted by each peer's `Node::drop`, so that every
    /// child checks its collector really freed what the workload says it frees.
    static DROPS: Cell<u64> = const { Cell::new(0) };
}

/// Called from each peer node's `Drop`.
#[inline(always)]
pub fn count_drop() {
    DROPS.with(|d| d.set(d.get() + 1));
}

/// Nodes dropped so far in this thread.
pub fn drops() -> u64 {
    DROPS.with(Cell::get)
}

/// Prints the child protocol. One line per event, written and flushed at once so that a
/// later crash does not lose the phases already measured:
///
/// ```text
/// phase <name> ok <nanos> <objects> [manual]
/// phase <name> na <reason_without_spaces>
/// check fail <message>
/// done
/// ```
pub struct Recorder {
    out: std::io::Stdout,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            out: std::io::stdout(),
        }
    }
}

impl Recorder {
    fn line(&mut self, s: &str) {
        let mut lock = self.out.lock();
        // If the parent went away there is nobody to report to; ignore.
        let _ = writeln!(lock, "{s}");
        let _ = lock.flush();
    }

    /// A measured phase: `elapsed` over `objects` objects.
    pub fn phase(&mut self, name: &str, elapsed: Duration, objects: u64) {
        self.line(&format!("phase {name} ok {} {objects}", elapsed.as_nanos()));
    }

    /// A measured phase that is not a collection but the manual work a program without a
    /// cycle collector does instead (std `Rc`: break one edge per cycle by hand).
    pub fn manual_phase(&mut self, name: &str, elapsed: Duration, objects: u64) {
        self.line(&format!(
            "phase {name} ok {} {objects} manual",
            elapsed.as_nanos()
        ));
    }

    /// A phase this implementation cannot do; `reason` is shown in the table.
    pub fn not_applicable(&mut self, name: &str, reason: &str) {
        self.line(&format!("phase {name} na {}", reason.replace(' ', "_")));
    }

    /// Checks a postcondition; a failure is reported and makes the parent distrust the run.
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.line(&format!("check fail {}", what()));
        }
    }

    /// Checks that exactly `expected` peer nodes were dropped since `before`.
    pub fn check_drops(&mut self, before: u64, expected: u64, phase: &str) {
        let got = drops() - before;
        self.check(got == expected, || {
            format!("{phase}: freed {got} objects, expected {expected}")
        });
    }

    /// End of the child's work.
    pub fn done(&mut self) {
        self.line("done");
    }
}
