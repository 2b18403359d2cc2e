//! `gclab-peers`: the same standard workloads on gclab and on Rust's refcounting and
//! cycle-collecting peers, each measurement in its own child process so that a stack
//! overflow or any other crash becomes a table cell instead of the end of the run.
//!
//! ```text
//! cargo run --release -p gclab-peers -- --n 1000000
//! ```

mod clock;
mod gclab_peer;
mod generic;
mod parent;
mod peers;
mod workload;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use workload::{PEER_WORKLOADS, Recorder, Workload, parse_peer_workload};

/// An implementation under test: one table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Impl {
    /// std `Rc` + `RefCell` (no cycle collector).
    Rc,
    /// `bacon_rajan_cc`.
    BaconRajanCc,
    /// `gcmodule`.
    Gcmodule,
    /// `rust-cc`.
    RustCc,
    /// `dumpster` (`unsync`).
    Dumpster,
    /// gclab's `Heap<()>`.
    Gclab,
    /// gclab's `Heap<(), BaconRajan>`, collecting only when asked.
    GclabBaconRajan,
}

impl Impl {
    /// Every implementation, in column order.
    pub const ALL: [Impl; 7] = [
        Impl::Rc,
        Impl::BaconRajanCc,
        Impl::Gcmodule,
        Impl::RustCc,
        Impl::Dumpster,
        Impl::Gclab,
        Impl::GclabBaconRajan,
    ];

    /// The command-line / protocol name.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Rc => "rc",
            Impl::BaconRajanCc => "bacon_rajan_cc",
            Impl::Gcmodule => "gcmodule",
            Impl::RustCc => "rust_cc",
            Impl::Dumpster => "dumpster",
            Impl::Gclab => "gclab",
            Impl::GclabBaconRajan => "gclab_bacon_rajan",
        }
    }

    /// The column header, with the pinned version.
    pub fn header(self) -> &'static str {
        match self {
            Impl::Rc => "std Rc",
            Impl::BaconRajanCc => "bacon_rajan_cc 0.4.0",
            Impl::Gcmodule => "gcmodule 0.3.3",
            Impl::RustCc => "rust-cc 0.6.2",
            Impl::Dumpster => "dumpster 2.1.0",
            Impl::Gclab => "gclab",
            Impl::GclabBaconRajan => "gclab bacon-rajan:manual",
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "gclab-peers",
    about = "Compare gclab with Rust's refcounting and cycle-collecting peers on the same workloads (ns/object, one child process per run)"
)]
struct Cli {
    #[command(subcommand)]
    child: Option<Child>,

    /// Size of every workload (objects; pairs for dead_cycles).
    #[arg(long, default_value_t = 1_000_000)]
    n: usize,

    /// Size at which `chain` and `ring` are also run, to show which peers overflow the stack
    /// (default: 1000000 when --n is smaller, otherwise --n; 0 turns it off).
    #[arg(long)]
    deep_n: Option<usize>,

    /// Workloads to run (comma-separated): dead_cycles, live, acyclic_churn, chain, ring.
    #[arg(long, value_delimiter = ',', default_values_t = PEER_WORKLOADS.to_vec(), value_parser = parse_peer_workload)]
    workloads: Vec<Workload>,

    /// Implementations to run (comma-separated).
    #[arg(long = "impls", value_delimiter = ',', default_values_t = Impl::ALL.to_vec())]
    impls: Vec<Impl>,

    /// Runs per cell, each in a fresh process; the best is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,

    /// Kill a child after this many seconds and report "timeout".
    #[arg(long, default_value_t = 120)]
    timeout: u64,

    /// Stack size (MiB) of the thread that runs each workload in the child.
    #[arg(long, default_value_t = 8)]
    stack_mib: usize,

    /// Also write every run as CSV to this file.
    #[arg(long)]
    csv: Option<PathBuf>,

    /// Also write the markdown table (with its notes) to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,

    /// Also bisect the longest chain / ring each implementation survives on the stack.
    #[arg(long)]
    probe_depth: bool,

    /// Time the workloads in thread CPU time (`/proc/thread-self/schedstat`) instead of
    /// wall time: for a machine shared with other work, whose load inflates wall time.
    #[arg(long)]
    cpu_time: bool,
}

#[derive(Subcommand, Debug)]
enum Child {
    /// Run one workload on one implementation and print one line per phase (internal).
    #[command(hide = true)]
    Child {
        #[arg(long = "impl")]
        imp: Impl,
        #[arg(long, value_parser = parse_peer_workload)]
        workload: Workload,
        #[arg(long)]
        n: usize,
        #[arg(long, default_value_t = 8)]
        stack_mib: usize,
    },
}

impl std::fmt::Display for Impl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn main() {
    let cli = Cli::parse();
    match cli.child {
        Some(Child::Child {
            imp,
            workload,
            n,
            stack_mib,
        }) => run_child(imp, workload, n, stack_mib),
        None => {
            let deep_n = cli.deep_n.unwrap_or(cli.n.max(1_000_000));
            let config = parent::Config {
                n: cli.n,
                deep_n,
                workloads: dedup(cli.workloads),
                impls: dedup(cli.impls),
                repeat: cli.repeat.max(1),
                timeout: std::time::Duration::from_secs(cli.timeout),
                stack_mib: cli.stack_mib,
                csv: cli.csv,
                markdown: cli.markdown,
                probe_depth: cli.probe_depth,
                cpu_time: cli.cpu_time,
            };
            if let Err(e) = parent::run(&config) {
                eprintln!("gclab-peers: {e}");
                std::process::exit(1);
            }
        }
    }
}

fn dedup<T: Ord + Copy>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

/// Child mode: run the workload on a thread with a known stack size, so the result does
/// not depend on `ulimit -s`. The main thread exits the process once the worker reports
/// `done`, so the peers' thread-local destructors (gcmodule and dumpster collect again on
/// thread exit) never run and never cost time.
fn run_child(imp: Impl, workload: Workload, n: usize, stack_mib: usize) {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name(format!("{imp}-{workload}"))
        .stack_size(stack_mib << 20)
        .spawn(move || {
            let mut rec = Recorder::default();
            match imp {
                Impl::Rc => generic::run::<peers::std_rc::Peer>(workload, n, &mut rec),
                Impl::BaconRajanCc => generic::run::<peers::bacon::Peer>(workload, n, &mut rec),
                Impl::Gcmodule => generic::run::<peers::gcmodule_peer::Peer>(workload, n, &mut rec),
                Impl::RustCc => generic::run::<peers::rust_cc_peer::Peer>(workload, n, &mut rec),
                Impl::Dumpster => generic::run::<peers::dumpster_peer::Peer>(workload, n, &mut rec),
                Impl::Gclab => gclab_peer::run(workload, n, &mut rec),
                Impl::GclabBaconRajan => gclab_peer::run_bacon_rajan(workload, n, &mut rec),
            }
            rec.done();
            let _ = tx.send(());
            // Park until the main thread exits the process.
            loop {
                std::thread::park();
            }
        });
    if let Err(e) = spawned {
        eprintln!("gclab-peers child: cannot spawn worker thread: {e}");
        std::process::exit(2);
    }
    match rx.recv() {
        Ok(()) => std::process::exit(0),
        // The worker panicked (its message is on stderr).
        Err(_) => std::process::exit(101),
    }
}
