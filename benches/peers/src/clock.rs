//! The clock the workloads are timed with: wall time (`std::time::Instant`) by default, or
//! the running thread's CPU time (`--cpu-time`: the first field of
//! `/proc/thread-self/schedstat`, nanoseconds on a CPU), which a machine shared with
//! other work does not inflate. The parent selects it for its children with the
//! environment variable [`CPU_TIME_ENV`].

use std::sync::OnceLock;
use std::time::Duration;

/// Set to `1` in a child's environment to time its phases in thread CPU time.
pub const CPU_TIME_ENV: &str = "GCLAB_PEERS_CPU_TIME";

/// Whether this process times in CPU time (read once).
fn cpu_time() -> bool {
    static CPU: OnceLock<bool> = OnceLock::new();
    *CPU.get_or_init(|| std::env::var(CPU_TIME_ENV).is_ok_and(|v| v == "1"))
}

/// Nanoseconds the calling thread has run, or `None` where the kernel does not say.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// A point in time on the selected clock (a drop-in for `std::time::Instant` here).
#[derive(Debug, Clone, Copy)]
pub enum Instant {
    /// Wall time.
    Wall(std::time::Instant),
    /// The thread's CPU time, in nanoseconds.
    Cpu(u64),
}

impl Instant {
    /// Now, on the selected clock (wall time when CPU time cannot be read).
    pub fn now() -> Instant {
        if cpu_time()
            && let Some(ns) = thread_cpu_ns()
        {
            return Instant::Cpu(ns);
        }
        Instant::Wall(std::time::Instant::now())
    }

    /// Time since `self` on the same clock.
    pub fn elapsed(&self) -> Duration {
        match *self {
            Instant::Wall(t) => t.elapsed(),
            Instant::Cpu(start) => {
                Duration::from_nanos(thread_cpu_ns().unwrap_or(start).saturating_sub(start))
            }
        }
    }
}
