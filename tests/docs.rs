//! The documentation stands alone: no source file points readers to the
//! specification document the crate does not ship, and every link to a
//! section of a module's `spec` page names a heading that exists.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The unshipped document, spelled so that this file does not match itself
/// if it is ever moved under `src/`.
const UNSHIPPED: &str = concat!("FORMULAS", ".md");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// rustdoc's heading id: alphanumerics, `-` and `_` kept (ASCII lowercased),
/// ASCII whitespace turned into `-`, everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(if c.is_ascii() {
                    c.to_ascii_lowercase()
                } else {
                    c
                })
            } else if c.is_ascii_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The heading ids of a `spec.rs` page: its `//!` lines starting with `#`,
/// outside code fences. A repeated id is an error (rustdoc would suffix it).
fn heading_ids(spec: &Path) -> BTreeSet<String> {
    let text = fs::read_to_string(spec).expect("spec page");
    let mut ids = BTreeSet::new();
    let mut in_fence = false;
    for line in text.lines() {
        let Some(doc) = line.trim_start().strip_prefix("//!") else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        if doc.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || !doc.starts_with('#') {
            continue;
        }
        let title = doc.trim_start_matches('#').trim().replace('`', "");
        let id = slug(&title);
        assert!(
            !id.is_empty(),
            "{}: empty heading id for {doc:?}",
            spec.display()
        );
        assert!(
            ids.insert(id.clone()),
            "{}: heading id {id:?} repeats",
            spec.display()
        );
    }
    ids
}

#[test]
fn no_source_file_cites_the_unshipped_specification() {
    let mut hits = Vec::new();
    for dir in ["src", "cli/src"] {
        for file in rust_files(&root().join(dir)) {
            let text = fs::read_to_string(&file).expect("source file");
            for (i, line) in text.lines().enumerate() {
                if line.contains(UNSHIPPED) {
                    hits.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "cite the module's spec page (crate::MODULE::spec#section) instead:\n{}",
        hits.join("\n")
    );
}

#[test]
fn every_spec_link_names_an_existing_heading() {
    let src = root().join("src");
    // Module name -> heading ids of src/<module>/spec.rs.
    let mut specs = BTreeMap::new();
    for file in rust_files(&src) {
        if file.file_name().is_some_and(|n| n == "spec.rs") {
            let module = file.parent().and_then(Path::file_name).expect("module dir");
            specs.insert(module.to_string_lossy().into_owned(), heading_ids(&file));
        }
    }
    assert!(specs.len() >= 7, "spec pages found: {:?}", specs.keys());

    let mut bad = Vec::new();
    let mut links = 0;
    for file in rust_files(&src) {
        let text = fs::read_to_string(&file).expect("source file");
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let path: String = rest
                    .chars()
                    .take_while(|c| {
                        c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '#' || *c == '-'
                    })
                    .collect();
                let Some((module, tail)) = path.split_once("::spec") else {
                    continue;
                };
                if !(tail.is_empty() || tail.starts_with('#')) {
                    continue; // e.g. `crate::x::special`
                }
                links += 1;
                let place = format!("{}:{}", file.display(), i + 1);
                match (specs.get(module), tail.strip_prefix('#')) {
                    (None, _) => bad.push(format!("{place}: no src/{module}/spec.rs for {path}")),
                    (Some(ids), Some(anchor)) if !ids.contains(anchor) => {
                        bad.push(format!("{place}: no heading #{anchor} in {module}::spec"))
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(links > 100, "only {links} spec links found");
    assert!(bad.is_empty(), "broken spec links:\n{}", bad.join("\n"));

    // The README's module table points at the spec pages on docs.rs.
    let readme = fs::read_to_string(root().join("README.md")).expect("README");
    for (at, _) in readme.match_indices("/customer_value/") {
        let module: String = readme[at + "/customer_value/".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let after = &readme[at + "/customer_value/".len() + module.len()..];
        if after.starts_with("/spec/") {
            assert!(
                specs.contains_key(&module),
                "README links a missing {module}::spec"
            );
        }
    }
}

#[test]
fn heading_ids_follow_rustdoc() {
    assert_eq!(slug("BG/NBD probability alive"), "bgnbd-probability-alive");
    assert_eq!(
        slug("Gamma-Gamma expected spend"),
        "gamma-gamma-expected-spend"
    );
    assert_eq!(slug("L2 penalty"), "l2-penalty");
    assert_eq!(slug("Berger and Nasr case 1"), "berger-and-nasr-case-1");
}
