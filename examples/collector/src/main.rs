//! `iob-collector`: serve, or the operator tools `dump`, `simulate`, `bench`.

use std::io::Write;
use std::process::ExitCode;

use iob_collector::bench::{self, BenchOptions};
use iob_collector::config::{Config, StorageKind};
use iob_collector::server;
use iob_collector::simulate::{self, SimOptions};
use iob_collector::storage::{scan_file, Filter, PageView};

const USAGE: &str = "\
usage:
  iob-collector --site SITE=ORIGIN[,ORIGIN..] [--listen 127.0.0.1:8080] [--db iob.sqlite]
                [--storage sqlite|clickhouse --clickhouse-url http://127.0.0.1:8123 [--clickhouse-db iob]
                 [--clickhouse-user U --clickhouse-password P] [--clickhouse-flush-ms 100]]
                [--read-token TOKEN] [--k 5] [--retention-days 760] [--body-limit 2048]
                [--rate 50 --burst 200] [--serve PREFIX=DIR ..] [--config FILE]
  iob-collector dump --db FILE
  iob-collector dump --clickhouse-url URL [--clickhouse-db iob]
  iob-collector simulate [--url http://127.0.0.1:8080] [--site demo] [--origin URL] [--visitors 300]
                [--days 14] [--seed 42] [--connections 4] [--ldp clicks:20,engaged [--ldp-epsilon 1]]
  iob-collector bench [--url http://127.0.0.1:8080] [--site demo] [--origin URL] [--seconds 5]
                [--connections 32] [--rate REQ_PER_SEC]
";

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start runtime: {e}"))
}

fn serve(args: &[String]) -> Result<(), String> {
    let cfg = Config::from_args(args).map_err(|e| format!("{e}\n\n{USAGE}"))?;
    let storage = server::open_storage(&cfg)?;
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("iob-collector listening on http://{addr}");
        let _ = std::io::stdout().flush();
        server::run(cfg, storage, listener, server::shutdown_signal())
            .await
            .map_err(|e| format!("server error: {e}"))
    })
}

/// Prints every stored page view as one JSON object per line, from a
/// SQLite file (`--db`) or a ClickHouse database (`--clickhouse-url`,
/// `--clickhouse-db`).
fn dump(args: &[String]) -> Result<(), String> {
    let mut cfg = Config::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let key = arg.strip_prefix("--").unwrap_or("");
        if ![
            "db",
            "clickhouse-url",
            "clickhouse-db",
            "clickhouse-user",
            "clickhouse-password",
        ]
        .contains(&key)
        {
            return Err(format!("dump: unexpected argument {arg:?}\n\n{USAGE}"));
        }
        let value = it
            .next()
            .ok_or_else(|| format!("dump: --{key} needs a value"))?;
        cfg.apply(key, value).map_err(|e| e.to_string())?;
        if key == "clickhouse-url" {
            cfg.storage = StorageKind::ClickHouse;
        }
    }
    let filter = Filter {
        site: None,
        from_day: None,
        to_day: None,
        path: None,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut result = Ok(());
    let mut print = |v: PageView| {
        let mut row = serde_json::to_value(&v).unwrap_or_default();
        row["day"] = iob_collector::days::format_day(v.day()).into();
        if result.is_ok() {
            result = writeln!(out, "{row}");
        }
    };
    match cfg.storage {
        StorageKind::Sqlite => {
            if !args.iter().any(|a| a == "--db") {
                return Err(format!(
                    "dump: expected --db FILE or --clickhouse-url URL\n\n{USAGE}"
                ));
            }
            if !cfg.db.exists() {
                return Err(format!("no database at {}", cfg.db.display()));
            }
            scan_file(&cfg.db, &filter, &mut print).map_err(|e| e.to_string())?;
        }
        StorageKind::ClickHouse => {
            let storage = server::open_storage(&cfg)?;
            let scanned = storage.scan(&filter, &mut print);
            storage.close();
            scanned.map_err(|e| e.to_string())?;
        }
    }
    result.and_then(|()| out.flush()).map_err(|e| e.to_string())
}

fn simulate(args: &[String]) -> Result<(), String> {
    let opts = SimOptions::from_args(args)?;
    let s = runtime()?.block_on(simulate::run(&opts))?;
    println!(
        "simulate: {} visitors, {} payloads: {} accepted, {} retried after 429/503, {} failed",
        s.visitors, s.payloads, s.accepted, s.retried, s.failed
    );
    if s.failed > 0 {
        return Err(format!("{} payloads were rejected", s.failed));
    }
    Ok(())
}

fn bench(args: &[String]) -> Result<(), String> {
    let opts = BenchOptions::from_args(args)?;
    let r = runtime()?.block_on(bench::run(&opts))?;
    let mode = match opts.rate {
        Some(rate) => format!("fixed {rate} req/s"),
        None => "max throughput".into(),
    };
    println!(
        "bench {mode}: {:.0} payloads/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; ok {}, rejected {}, errors {}; {} connections, {:.1} s",
        r.throughput(),
        r.percentile_ms(0.5),
        r.percentile_ms(0.99),
        r.percentile_ms(1.0),
        r.ok,
        r.rejected,
        r.errors,
        opts.connections,
        r.elapsed.as_secs_f64()
    );
    if r.ok == 0 {
        return Err("no request succeeded".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dump") => dump(&args[1..]),
        Some("simulate") => simulate(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => serve(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iob-collector: {e}");
            ExitCode::from(2)
        }
    }
}
