//! The module-cycle check: in a crate, the children of every module must
//! depend on each other without a cycle. Child `a` depends on sibling `b`
//! when any module inside `a` names a path into `b` (`use crate::b::…`,
//! `super::b::…`, or an inline `crate::b::x()`). References between a module
//! and its own ancestors or descendants are not cycles (a parent organises
//! its children), and test modules are left out. Shared vocabulary therefore
//! lives in leaf modules that depend on nothing of their siblings' users.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root (`["tracker", "snapshot"]`).
type ModPath = Vec<String>;

/// Every module of the crate rooted at `lib` and the modules each one names.
struct Crate {
    modules: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

/// Removes comments and the contents of string and char literals.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r'
            && (b.get(i + 1) == Some(&b'#') || b.get(i + 1) == Some(&b'"'))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            let mut hashes = 0;
            let mut j = i + 1;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            j += 1;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            out.push_str("\"\"");
            i = j + close.len();
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            out.push_str("' '");
            i += 3;
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            let mut j = i + 2;
            while j < b.len() && b[j] != b'\'' {
                j += 1;
            }
            out.push_str("' '");
            i = j + 1;
        } else {
            // Multi-byte characters are copied whole.
            let ch = src[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Removes `#[cfg(test)]`-like items: inline test modules and test-only
/// `mod x;` declarations (their bodies and files are not the crate's code).
fn drop_test_items(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(at) = rest.find("#[cfg(") {
        let attr_end = match rest[at..].find(")]") {
            Some(e) => at + e + 2,
            None => break,
        };
        let attr = &rest[at..attr_end];
        let is_test = attr.contains("test") && !attr.contains("not(test");
        out.push_str(&rest[..at]);
        if !is_test {
            out.push_str(attr);
            rest = &rest[attr_end..];
            continue;
        }
        // Skip the item: up to its `;` or its balanced `{ … }`.
        let item = &rest[attr_end..];
        let semi = item.find(';');
        let brace = item.find('{');
        let skip = match (semi, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (_, Some(b)) => {
                let mut depth = 0;
                let mut end = item.len();
                for (k, c) in item[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => s + 1,
            (None, None) => item.len(),
        };
        rest = &item[skip..];
    }
    out.push_str(rest);
    out
}

/// The child modules declared with `mod name;` (file modules).
fn declared_children(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in src.lines() {
        let l = line.trim();
        let l = l
            .strip_prefix("pub(crate) ")
            .or_else(|| l.strip_prefix("pub "))
            .unwrap_or(l);
        if let Some(name) = l.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            if name.chars().all(is_ident) {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// Paths a `use` tree names: `a::{b, c::d}` → `a::b`, `a::c::d`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{p}")))
        .collect()
}

/// Every path the module names, as written (`crate::a::b`, `super::x`, `child::y`).
fn named_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    // `use` declarations.
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at + 4..];
        if before.is_some_and(is_ident) {
            rest = tail;
            continue;
        }
        let end = tail.find(';').unwrap_or(tail.len());
        out.extend(expand_use(&tail[..end]));
        rest = &tail[end..];
    }
    // Inline paths starting with `crate::` or `super::`.
    for start in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().next_back();
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(is_ident(c) || c == ':'))
                .unwrap_or(tail.len());
            if !before.is_some_and(is_ident) {
                out.push(tail[..end].trim_end_matches(':').to_string());
            }
            rest = &tail[end.max(1)..];
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Crate {
    fn load(lib: &Path) -> Result<Crate, String> {
        let mut c = Crate {
            modules: BTreeMap::new(),
        };
        let mut raw: BTreeMap<ModPath, Vec<String>> = BTreeMap::new();
        let dir = lib.parent().ok_or("no source directory")?.to_path_buf();
        c.walk(lib, &dir, Vec::new(), &mut raw)?;
        let all: BTreeSet<ModPath> = raw.keys().cloned().collect();
        for (m, paths) in raw {
            let mut targets = BTreeSet::new();
            for p in paths {
                if let Some(t) = resolve(&all, &m, &p) {
                    targets.insert(t);
                }
            }
            c.modules.insert(m, targets);
        }
        Ok(c)
    }

    fn walk(
        &mut self,
        file: &Path,
        dir: &Path,
        path: ModPath,
        raw: &mut BTreeMap<ModPath, Vec<String>>,
    ) -> Result<(), String> {
        let src = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let code = drop_test_items(&strip(&src));
        for child in declared_children(&code) {
            let candidates = [
                dir.join(format!("{child}.rs")),
                dir.join(&child).join("mod.rs"),
            ];
            let Some(f) = candidates.iter().find(|p| p.exists()) else {
                continue;
            };
            let child_dir: PathBuf = dir.join(&child);
            let mut p = path.clone();
            p.push(child);
            self.walk(f, &child_dir, p, raw)?;
        }
        raw.insert(path, named_paths(&code));
        Ok(())
    }

    /// Cycles among the children of every module, each as the list of the
    /// siblings on it (`a -> b -> a`), with the parent module's path.
    fn cycles(&self) -> Vec<String> {
        let mut found = Vec::new();
        for parent in self.modules.keys() {
            let children: Vec<&ModPath> = self
                .modules
                .keys()
                .filter(|m| m.len() == parent.len() + 1 && m.starts_with(parent))
                .collect();
            let child_of = |m: &ModPath| children.iter().position(|c| m.starts_with(c));
            let mut edges = vec![BTreeSet::new(); children.len()];
            for (m, targets) in &self.modules {
                let Some(a) = child_of(m) else { continue };
                for t in targets {
                    if let Some(b) = child_of(t) {
                        if a != b {
                            edges[a].insert(b);
                        }
                    }
                }
            }
            for cycle in find_cycles(&edges) {
                let names: Vec<String> = cycle.iter().map(|&i| children[i].join("::")).collect();
                found.push(format!("{} -> {}", names.join(" -> "), names[0]));
            }
        }
        found
    }
}

/// Resolves a named path to the deepest module it reaches, from module `at`.
fn resolve(all: &BTreeSet<ModPath>, at: &ModPath, path: &str) -> Option<ModPath> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let first = segs.next()?;
    let mut cur: ModPath = match first {
        "crate" => Vec::new(),
        "super" => at.get(..at.len().checked_sub(1)?)?.to_vec(),
        "self" => at.clone(),
        name => {
            let mut child = at.clone();
            child.push(name.to_string());
            if !all.contains(&child) {
                return None;
            }
            child
        }
    };
    for s in segs {
        if s == "super" {
            cur.pop();
            continue;
        }
        let mut next = cur.clone();
        next.push(s.to_string());
        if all.contains(&next) {
            cur = next;
        } else {
            break;
        }
    }
    Some(cur)
}

/// Elementary cycles, one per strongly connected component of two or more
/// nodes (enough to name the problem), found by depth-first search.
fn find_cycles(edges: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut found = Vec::new();
    let mut reported = vec![false; n];
    for start in 0..n {
        if reported[start] {
            continue;
        }
        // Depth-first search for a path back to `start`.
        let mut stack = vec![(start, edges[start].iter().copied().collect::<Vec<_>>())];
        let mut on_path = vec![false; n];
        on_path[start] = true;
        let mut seen = vec![false; n];
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match next.pop() {
                Some(m) if m == start => {
                    let cycle: Vec<usize> = stack.iter().map(|(k, _)| *k).collect();
                    cycle.iter().for_each(|&k| reported[k] = true);
                    found.push(cycle);
                    break;
                }
                Some(m) if !on_path[m] && !seen[m] => {
                    seen[m] = true;
                    on_path[m] = true;
                    stack.push((m, edges[m].iter().copied().collect()));
                }
                Some(_) => {}
                None => {
                    on_path[node] = false;
                    stack.pop();
                }
            }
        }
    }
    found
}

/// The module cycles of the crate whose root file is `lib` (empty: none).
pub fn check(lib: &Path) -> Result<Vec<String>, String> {
    Ok(Crate::load(lib)?.cycles())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_expand() {
        assert_eq!(
            expand_use("crate::{a::X, b::{c::Y, Z}}"),
            ["crate::a::X", "crate::b::c::Y", "crate::b::Z"]
        );
        assert_eq!(expand_use("super::storage::key"), ["super::storage::key"]);
    }

    #[test]
    fn comments_strings_and_test_modules_do_not_count() {
        let src = "use crate::a::X; // crate::b\nfn f() { let s = \"crate::c\"; crate::d::g(); }\n#[cfg(test)]\nmod tests { use crate::e; }\n";
        let code = drop_test_items(&strip(src));
        assert_eq!(named_paths(&code), ["crate::a::X", "crate::d::g"]);
    }

    /// A crate written to disk with a cycle between two siblings is caught,
    /// and the same crate without the back edge passes.
    #[test]
    fn a_sibling_cycle_is_found() {
        let dir = std::env::temp_dir().join(format!("iob-cycles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("b")).unwrap();
        std::fs::write(dir.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
        std::fs::write(dir.join("a.rs"), "use crate::b::inner::Y;\n").unwrap();
        std::fs::write(dir.join("b.rs"), "mod inner;\n").unwrap();
        std::fs::write(dir.join("b/inner.rs"), "pub fn y() { crate::a::x(); }\n").unwrap();
        let found = check(&dir.join("lib.rs")).unwrap();
        assert_eq!(found, ["a -> b -> a"]);
        std::fs::write(dir.join("b/inner.rs"), "pub fn y() {}\n").unwrap();
        assert!(check(&dir.join("lib.rs")).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
