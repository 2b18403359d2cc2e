//! The core's layering: the files below the heap never import it (issue "A collector
//! seam": no import circle among the core files). `ARCHITECTURE.md` ("Layers") explains
//! the order; this test keeps it.

use std::fs;

/// The `crate::…` modules a source file imports in its `use` declarations (doc comments
/// and doc links are not imports).
fn imports(path: &str) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut out = Vec::new();
    let mut in_use = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("//") {
            continue;
        }
        if line.starts_with("use ")
            || line.starts_with("pub use ")
            || line.starts_with("pub(crate) use ")
        {
            in_use = true;
        }
        if in_use {
            out.push(line.to_owned());
            if line.ends_with(';') {
                in_use = false;
            }
        }
    }
    out
}

fn assert_never_imports(path: &str, forbidden: &[&str]) {
    for line in imports(path) {
        for f in forbidden {
            assert!(
                !line.contains(f),
                "{path} imports `{f}` (`{line}`): it sits below that layer"
            );
        }
    }
}

#[test]
fn the_object_store_and_weak_table_import_nothing_above_them() {
    assert_never_imports("src/object.rs", &["crate::"]);
    assert_never_imports("src/error.rs", &["crate::heap", "crate::gc", "crate::weak"]);
    assert_never_imports("src/weak.rs", &["crate::heap", "crate::gc", "Heap"]);
    assert_never_imports("src/store.rs", &["crate::heap", "crate::gc", "crate::weak"]);
}

#[test]
fn the_collector_mechanism_does_not_import_the_heap() {
    for path in [
        "src/gc/cx.rs",
        "src/gc/mechanism/trial.rs",
        "src/gc/collect.rs",
        "src/gc/mod.rs",
        "src/gc/mechanism/mark_alive.rs",
        "src/gc/registry.rs",
    ] {
        assert_never_imports(path, &["crate::heap", "Heap"]);
    }
    // The context sits below trial deletion, which works on it.
    assert_never_imports("src/gc/cx.rs", &["crate::gc", "super::"]);
}

#[test]
fn the_heap_imports_only_the_seam_from_the_collector() {
    // The heap sees strategies through the trait, the context and the report types;
    // it names `Generational` only as its default type parameter. The policy files
    // (generational, gc_module, pipeline, fault and every other strategy) sit above it.
    for entry in fs::read_dir("src/heap").expect("src/heap exists") {
        let path = entry.expect("readable entry").path();
        let path = path.to_str().expect("utf-8 path").to_owned();
        let mut forbidden = vec![
            "gc::generational",
            "gc::gc_module",
            "gc::pipeline",
            "gc::fault",
            "gc::mechanism",
            "gc::registry",
        ];
        // `Heap::new` and `Heap::with_config` build the default strategy from its
        // configuration: only the construction file names `GcConfig`.
        if !path.ends_with("construct.rs") {
            forbidden.push("GcConfig");
        }
        assert_never_imports(&path, &forbidden);
    }
}

/// A file split into its top-level `use` declarations (column 0; a nested module's or a
/// function's own `use` lines are indented and left out), each as one string, and the
/// rest of its lines (comments removed). A declaration under `#[cfg(doc)]` only serves
/// doc links: it is no dependency, and left out.
fn split_uses(text: &str) -> (Vec<String>, String) {
    let (mut uses, mut code) = (Vec::new(), String::new());
    let mut current: Option<String> = None;
    let (mut doc_only, mut after_cfg_doc) = (false, false);
    for line in text.lines() {
        if current.is_none() && line.trim() == "#[cfg(doc)]" {
            after_cfg_doc = true;
            continue;
        }
        if let Some(decl) = &mut current {
            decl.push_str(line.trim());
        } else if let Some(rest) = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
        {
            current = Some(rest.to_owned());
            doc_only = after_cfg_doc;
        } else {
            after_cfg_doc = false;
            if !line.trim_start().starts_with("//") {
                code.push_str(line);
                code.push('\n');
            }
            continue;
        }
        if line.trim_end().ends_with(';') {
            let mut decl = current.take().expect("a declaration is open");
            decl.pop();
            if !doc_only {
                uses.push(decl);
            }
            after_cfg_doc = false;
        }
    }
    (uses, code)
}

/// Flattens a use tree (`a::{b, c::{d, e as f}}`) into its paths, each a list of
/// segments (an alias and `self` leaf are dropped: `a::{self}` is `a`).
fn flatten(tree: &str) -> Vec<Vec<String>> {
    fn split_top(s: &str) -> Vec<&str> {
        let (mut depth, mut start, mut parts) = (0, 0, Vec::new());
        for (i, c) in s.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&s[start..]);
        parts
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
    let tree = tree.trim();
    let (prefix, rest) = match tree.find('{') {
        Some(open) => (&tree[..open], Some(&tree[open + 1..tree.len() - 1])),
        None => (tree, None),
    };
    let head: Vec<String> = prefix
        .split("::")
        .map(|s| s.split(" as ").next().unwrap_or(s).trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    match rest {
        None => vec![head],
        Some(inner) => split_top(inner)
            .into_iter()
            .flat_map(flatten)
            .map(|tail| {
                let mut path = head.clone();
                path.extend(tail.into_iter().filter(|s| s != "self"));
                path
            })
            .collect(),
    }
}

/// One folder of `src/`: its `.rs` files by module name (`mod.rs` or `lib.rs` is the
/// folder's own module, named by `front`), their text, and the module path of the folder.
struct Folder {
    /// The folder's module path below `crate` (empty for `src/`).
    module: Vec<String>,
    /// The front file: `mod.rs`, or `lib.rs` for `src/`.
    front: String,
    /// File stem → text.
    files: std::collections::BTreeMap<String, String>,
    /// The subfolders' names (modules outside this folder's files).
    dirs: std::collections::BTreeSet<String>,
}

impl Folder {
    fn read(dir: &std::path::Path, module: Vec<String>) -> Folder {
        let mut files = std::collections::BTreeMap::new();
        let mut dirs = std::collections::BTreeSet::new();
        for entry in fs::read_dir(dir).expect("a readable folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8");
                dirs.insert(name.to_owned());
            } else if path.extension().is_some_and(|e| e == "rs") {
                let stem = path.file_stem().and_then(|s| s.to_str()).expect("utf-8");
                files.insert(
                    stem.to_owned(),
                    fs::read_to_string(&path).expect("readable"),
                );
            }
        }
        let front = if module.is_empty() { "lib" } else { "mod" }.to_owned();
        Folder {
            module,
            front,
            files,
            dirs,
        }
    }

    /// The file a name imported from the folder's module is defined in: a file of that
    /// name (a child module), the child the front file re-exports it from, or the front
    /// file itself; `None` for a subfolder or what the front file re-exports from one.
    fn defining_file(&self, name: &str) -> Option<String> {
        if self.dirs.contains(name) {
            return None;
        }
        if self.files.contains_key(name) && name != self.front {
            return Some(name.to_owned());
        }
        let front = &self.files[&self.front];
        for decl in split_uses(front).0 {
            for path in flatten(&decl) {
                if path.len() >= 2 && path.last().map(String::as_str) == Some(name) {
                    if self.files.contains_key(&path[0]) {
                        return Some(path[0].clone());
                    }
                    if self.dirs.contains(&path[0]) {
                        return None;
                    }
                }
            }
        }
        Some(self.front.clone())
    }

    /// The files of this folder that `file` imports from. A re-export (`pub use`) of
    /// the front file counts only where the file itself uses the name: a facade line
    /// alone is not a dependency.
    fn imports_of(&self, file: &str) -> std::collections::BTreeSet<String> {
        let (uses, code) = split_uses(&self.files[file]);
        let mut out = std::collections::BTreeSet::new();
        for decl in uses {
            for path in flatten(&decl) {
                // The path's segments after the folder's module, if it names something
                // in this folder.
                let rest: &[String] = match path.first().map(String::as_str) {
                    Some("super") if file != self.front => &path[1..],
                    Some("self") => &path[1..],
                    Some("crate") if path[1..].starts_with(&self.module) => {
                        &path[1 + self.module.len()..]
                    }
                    Some(first) if file == self.front && self.files.contains_key(first) => &path,
                    _ => continue,
                };
                let Some(name) = rest.first() else { continue };
                let target = if rest.len() > 1 && self.files.contains_key(name) {
                    name.clone()
                } else {
                    match self.defining_file(name) {
                        Some(file) => file,
                        None => continue,
                    }
                };
                let reexport = file == self.front && target != self.front;
                let used = || {
                    let leaf = path.last().expect("a path has a segment");
                    code.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == leaf)
                };
                if target != file && (!reexport || used()) {
                    out.insert(target);
                }
            }
        }
        out
    }

    /// The import circles among the folder's files: each strongly connected set of
    /// two or more files (every file in it imports, through the others, every other),
    /// with the imports inside it, as `a.rs → b.rs` lines.
    fn circles(&self) -> Vec<(Vec<String>, Vec<String>)> {
        use std::collections::{BTreeMap, BTreeSet};
        let graph: BTreeMap<&str, BTreeSet<String>> = self
            .files
            .keys()
            .map(|f| (f.as_str(), self.imports_of(f)))
            .collect();
        let reach = |from: &str| {
            let mut seen = BTreeSet::new();
            let mut todo = vec![from.to_owned()];
            while let Some(node) = todo.pop() {
                for next in &graph[node.as_str()] {
                    if seen.insert(next.clone()) {
                        todo.push(next.clone());
                    }
                }
            }
            seen
        };
        let reaches: BTreeMap<&str, BTreeSet<String>> =
            graph.keys().map(|&f| (f, reach(f))).collect();
        let mut done = BTreeSet::new();
        let mut out = Vec::new();
        for (&file, reached) in &reaches {
            if done.contains(file) {
                continue;
            }
            let set: Vec<String> = reached
                .iter()
                .filter(|other| reaches[other.as_str()].contains(file))
                .cloned()
                .collect();
            if set.len() < 2 {
                continue;
            }
            done.extend(set.iter().cloned());
            let edges = set
                .iter()
                .flat_map(|a| {
                    graph[a.as_str()]
                        .iter()
                        .filter(|b| set.contains(b))
                        .map(move |b| format!("{a}.rs → {b}.rs"))
                })
                .collect();
            out.push((set, edges));
        }
        out
    }
}

/// Every folder of `src/` (recursively), with its module path.
fn folders() -> Vec<(String, Folder)> {
    let mut out = Vec::new();
    let mut todo = vec![(std::path::PathBuf::from("src"), Vec::new())];
    while let Some((dir, module)) = todo.pop() {
        for entry in fs::read_dir(&dir).expect("a readable folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8");
                let mut sub: Vec<String> = module.clone();
                sub.push(name.to_owned());
                todo.push((path, sub));
            }
        }
        let name = dir.to_str().expect("utf-8 path").to_owned();
        out.push((name, Folder::read(&dir, module)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Import circles that were there before this check and are not fixed yet, by folder and
/// files: each is allowed exactly as listed (another circle in the same folder, or one
/// more file in it, still fails). Remove an entry once its circle is gone.
const KNOWN_CIRCLES: &[(&str, &[&str])] = &[];

#[test]
fn no_folder_of_src_has_an_import_circle_among_its_files() {
    let mut found = Vec::new();
    let mut known_seen = Vec::new();
    for (name, folder) in folders() {
        for (files, edges) in folder.circles() {
            let known = KNOWN_CIRCLES
                .iter()
                .any(|(dir, known)| *dir == name && files == *known);
            if known {
                known_seen.push(name.clone());
            } else {
                found.push(format!("{name}/: {}", edges.join(", ")));
            }
        }
    }
    assert!(
        found.is_empty(),
        "import circles among the files of a folder:\n{}",
        found.join("\n")
    );
    for (dir, files) in KNOWN_CIRCLES {
        if !known_seen.iter().any(|d| d == dir) {
            eprintln!(
                "note: the known circle {dir}/ {files:?} is gone: remove it from KNOWN_CIRCLES"
            );
        }
    }
}

/// The files of every strategy folder (`src/gc/<name>/`, every folder of `src/gc` but
/// the shared `mechanism`), recursively.
fn strategy_files() -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = Vec::new();
    for entry in fs::read_dir("src/gc").expect("src/gc exists") {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() && !path.ends_with("mechanism") {
            todo.push(path);
        }
    }
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir).expect("a readable folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.to_str().expect("utf-8 path").to_owned());
            }
        }
    }
    out.sort();
    out
}

/// The crate-private items of the heap and of the seam's own types, read from their
/// sources: `(functions, fields)`, each a name declared `pub(crate)` (or `pub(super)`)
/// in `src/heap/`, `src/gc/cx.rs` or `src/gc/mechanism/`. A strategy reaches none of
/// them: what it needs is public.
fn crate_private_items() -> (Vec<String>, Vec<String>) {
    let mut files = vec!["src/gc/cx.rs".to_owned()];
    for dir in ["src/heap", "src/gc/mechanism"] {
        for entry in fs::read_dir(dir).expect("the folder exists") {
            let path = entry.expect("a readable entry").path();
            files.push(path.to_str().expect("utf-8 path").to_owned());
        }
    }
    let (mut fns, mut fields) = (Vec::new(), Vec::new());
    for path in files {
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        for line in text.lines() {
            let line = line.trim();
            let Some(rest) = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub(super) "))
            else {
                continue;
            };
            let ident = |s: &str| -> String {
                s.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            };
            if let Some(name) = rest.strip_prefix("fn ") {
                fns.push(ident(name));
            } else if rest.contains(':') && !rest.starts_with("use ") && !rest.starts_with("const ")
            {
                let name = ident(rest);
                if !name.is_empty() && rest[name.len()..].trim_start().starts_with(':') {
                    fields.push(name);
                }
            }
        }
    }
    fns.sort();
    fns.dedup();
    fields.sort();
    fields.dedup();
    (fns, fields)
}

/// `text` without its comments (line comments and doc comments; no strategy file uses
/// block comments).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` has `.name` as a method call (`.name(`, `call`) or a field access
/// (`.name` followed by neither `(` nor an identifier character).
fn uses_member(code: &str, name: &str, call: bool) -> bool {
    let needle = format!(".{name}");
    code.match_indices(&needle).any(|(i, _)| {
        // A member access follows an expression (`x.`, `f().`, `a[i].`), not a range
        // (`..gc`).
        let before = code[..i].chars().next_back();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ')' || c == ']') {
            return false;
        }
        let rest = &code[i + needle.len()..];
        let next = rest.chars().next();
        if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            return false;
        }
        let is_call = rest.trim_start().starts_with('(') || rest.starts_with("::<");
        is_call == call
    })
}

#[test]
fn strategies_use_only_the_public_seam() {
    // Issue 23: every strategy is written against the same public seam (`Cx`/`Objects`,
    // `CycleCollector`, the mechanism's public entry points), so a table of strategies
    // compares algorithms, not privileges. A strategy folder therefore
    // - imports nothing of the heap's, the store's or the object header's modules (the
    //   root re-exports `Heap` and `ObjId`);
    // - names no crate-private function or field of the heap, the context or the
    //   mechanism;
    // - has no `impl … Heap` block, except the user-facing methods of a heap built
    //   with that strategy (`gc_module.rs`: Generational's Python `gc`-module surface,
    //   Incremental's `collect_increment`), which the same rules hold to the public API.
    let files = strategy_files();
    assert!(
        files.iter().any(|f| f.ends_with("generational/mod.rs")),
        "no strategy folder found: {files:?}"
    );
    let (fns, fields) = crate_private_items();
    assert!(
        fns.iter().any(|f| f == "process_unreachable") && fields.iter().any(|f| f == "gc"),
        "the heap's crate-private items were not found: {fns:?} {fields:?}"
    );
    let mut found = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        for line in imports(path) {
            for module in [
                "crate::heap",
                "crate::store",
                "crate::object",
                "crate::weak",
            ] {
                if line.contains(module) {
                    found.push(format!("{path} imports `{module}` (`{line}`)"));
                }
            }
        }
        let code = code_of(&text);
        for name in &fns {
            if uses_member(&code, name, true) {
                found.push(format!("{path} calls the crate-private `{name}`"));
            }
        }
        for name in &fields {
            if uses_member(&code, name, false) {
                found.push(format!("{path} reads the crate-private field `{name}`"));
            }
        }
        if !path.ends_with("gc_module.rs") {
            for line in code.lines() {
                let l = line.trim_start();
                if l.starts_with("impl") && l.contains("Heap<") {
                    found.push(format!("{path} implements on the heap: `{l}`"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "strategies reaching past the public seam:\n{}",
        found.join("\n")
    );
}

/// Every `.rs` file under `dir`, depth first, in name order.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a readable entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The library's unit tests are not built (`[lib] test = false` in `Cargo.toml`: a unit
/// test compiles the whole library a second time, with `cfg(test)`), so a `#[test]` or
/// a `#[cfg(test)]` under `src/` would never run: this test fails on one instead. A
/// test goes in `tests/suite/`, through `gclab::testing::internals` when it needs a
/// crate-private item.
#[test]
fn the_library_has_no_unit_tests_that_would_never_run() {
    let mut files = Vec::new();
    rust_files(std::path::Path::new("src"), &mut files);
    assert!(files.len() > 10, "src/ holds the library's files");
    let mut found = Vec::new();
    for path in files {
        let text =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if code.contains("#[test]") || code.contains("cfg(test)") {
                found.push(format!("{}:{}: {}", path.display(), n + 1, code));
            }
        }
    }
    assert!(
        found.is_empty(),
        "unit tests in src/, which `cargo test` does not build (move them to tests/suite/):\n{}",
        found.join("\n")
    );
}
