//! Writing pictures: `.dot` always, `.svg` when Graphviz is installed.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use super::{DotOptions, GraphError, HeapGraph};

/// The files [`render`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The DOT file (always written).
    pub dot: PathBuf,
    /// The SVG file, when Graphviz's `dot` is on the `PATH`.
    pub svg: Option<PathBuf>,
}

/// Warns, once per process, that Graphviz is missing.
static DOT_MISSING: Once = Once::new();

/// Writes `graph` as DOT to `path` with its extension set to `.dot`, and, when
/// Graphviz's `dot` is on the `PATH`, renders it to the same path with extension `.svg`
/// (`dot -Tsvg`). When `dot` is missing, says so once per process on stderr and returns
/// with `svg: None`: that is not an error.
///
/// # Errors
/// [`GraphError::Write`] when the DOT file cannot be written,
/// [`GraphError::DotLaunch`] when `dot` exists but cannot be started,
/// [`GraphError::DotFailed`] when it fails; each names the file.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph::{self, DotOptions, ExportOptions};
///
/// let mut heap: Heap<&str> = Heap::new();
/// let x = heap.alloc("x");
/// heap.set_var("x", x).unwrap();
/// let g = graph::export(&heap, &ExportOptions::default());
/// let dir = std::env::temp_dir().join(format!("gclab-render-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let out = graph::render(&g, &DotOptions::default(), dir.join("heap")).unwrap();
/// assert_eq!(out.dot, dir.join("heap.dot"));
/// assert!(out.dot.exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn render(
    graph: &HeapGraph,
    options: &DotOptions,
    path: impl AsRef<Path>,
) -> Result<Rendered, GraphError> {
    render_dot(&graph.to_dot(options), path)
}

/// As [`render`], for DOT text already produced (e.g. by [`HeapGraph::to_dot`]).
///
/// # Errors
/// As [`render`].
pub fn render_dot(dot: &str, path: impl AsRef<Path>) -> Result<Rendered, GraphError> {
    let path = path.as_ref();
    let dot_path = path.with_extension("dot");
    let svg_path = path.with_extension("svg");
    std::fs::write(&dot_path, dot).map_err(|source| GraphError::Write {
        path: dot_path.clone(),
        source,
    })?;
    let output = Command::new("dot")
        .arg("-Tsvg")
        .arg(&dot_path)
        .arg("-o")
        .arg(&svg_path)
        .output();
    match output {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            DOT_MISSING.call_once(|| {
                eprintln!(
                    "gclab: graphviz `dot` is not on the PATH; writing .dot files only (first: {})",
                    dot_path.display()
                );
            });
            Ok(Rendered {
                dot: dot_path,
                svg: None,
            })
        }
        Err(source) => Err(GraphError::DotLaunch {
            path: dot_path,
            source,
        }),
        Ok(out) if !out.status.success() => Err(GraphError::DotFailed {
            path: dot_path,
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }),
        Ok(_) => Ok(Rendered {
            dot: dot_path,
            svg: Some(svg_path),
        }),
    }
}
