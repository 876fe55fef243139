//! `xtask docs` regenerates every generated file; `xtask check` fails on a
//! stale one; `xtask cycles` fails on a module cycle in the core or the shell.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() -> ExitCode {
    let root = root();
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = match command.as_str() {
        "docs" => iob_xtask::generated::write_all(&root).map(|changed| {
            for p in &changed {
                println!("regenerated {p}");
            }
            if changed.is_empty() {
                println!("every generated file is current");
            }
            true
        }),
        "check" => iob_xtask::generated::stale(&root).map(|stale| {
            for p in &stale {
                eprintln!("{p} is stale: run `make docs`");
            }
            stale.is_empty()
        }),
        "cycles" => ["src/lib.rs", "web/src/lib.rs"]
            .iter()
            .map(|lib| iob_xtask::cycles::check(&root.join(lib)).map(|c| (lib, c)))
            .collect::<Result<Vec<_>, _>>()
            .map(|all| {
                for (lib, cycles) in &all {
                    for c in cycles {
                        eprintln!("{lib}: module cycle {c}");
                    }
                }
                all.iter().all(|(_, c)| c.is_empty())
            }),
        _ => Err("usage: xtask docs | check | cycles".into()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
