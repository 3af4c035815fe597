//! Prints a shipcast scenario of a seeded random schedule network, for benchmarks and load tests.
//!
//! ```text
//! cargo run --release --example gen_network -- --tasks 1000 --seed 7 > /tmp/net.toml
//! ```
//!
//! Defaults: `--tasks 1000 --seed 7`. The network's shape is described in `benches/common/mod.rs`,
//! which `benches/engine.rs` shares so that it benchmarks exactly this network.

#[path = "../benches/common/mod.rs"]
mod network;

use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: gen_network [--tasks N] [--seed S] > scenario.toml";

fn parse_args() -> Result<(usize, u64), String> {
    let (mut tasks, mut seed) = (1000usize, 7u64);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag, None),
        };
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs a value"))?;
        match name.as_str() {
            "--tasks" => tasks = value.parse().map_err(|e| format!("--tasks {value}: {e}"))?,
            "--seed" => seed = value.parse().map_err(|e| format!("--seed {value}: {e}"))?,
            _ => return Err(format!("unknown argument `{name}`")),
        }
    }
    if tasks == 0 {
        return Err("--tasks must be at least 1".into());
    }
    Ok((tasks, seed))
}

fn main() -> ExitCode {
    let (tasks, seed) = match parse_args() {
        Ok(a) => a,
        Err(msg) if msg.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("error: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = network::generate(tasks, seed).to_toml(seed);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the scenario: {e}");
            ExitCode::FAILURE
        }
    }
}
