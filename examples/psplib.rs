//! The resource-constrained scheduler against published PSPLIB optima (single-mode RCPSP).
//!
//! usage: psplib DIR OPTIMUM_CSV
//!
//! Reads every `.sm` instance of DIR (e.g. j30: 480 instances), schedules it with fixed
//! durations by shipcast's serial schedule-generation scheme (priority: latest start, then file
//! order), and prints the mean and worst gap of the makespan to the optimum, and how many hit
//! it. It also checks that without resources each makespan equals the file's MPM-Time. The
//! instances are read by shipcast's own importer, through `tests/common/psplib.rs`.

#[path = "../tests/common/psplib.rs"]
mod psplib;

use std::collections::HashMap;

use shipcast::engine::{Config, Probes, simulate_with};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 || args[0] == "--help" {
        eprintln!("usage: psplib DIR OPTIMUM_CSV");
        std::process::exit(2);
    }
    let optima: HashMap<String, f64> = std::fs::read_to_string(&args[1])
        .expect("optimum CSV")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (name, opt) = l.split_once(',')?;
            Some((name.to_string(), opt.trim().parse().ok()?))
        })
        .collect();
    let mut names: Vec<_> = std::fs::read_dir(&args[0])
        .expect("instance directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sm"))
        .collect();
    names.sort();
    let (mut sum, mut worst, mut worst_name, mut hits, mut n) = (0.0, 0.0, String::new(), 0, 0);
    let started = std::time::Instant::now();
    for name in &names {
        let Some(&opt) = optima.get(name) else {
            continue;
        };
        let text = std::fs::read_to_string(format!("{}/{name}", args[0])).unwrap();
        let inst = psplib::read(&text).expect("single-mode instance");
        let plan = shipcast::load_str(name, &inst.toml).expect("valid scenario");
        let run = |p: &shipcast::model::Plan| {
            simulate_with(p, &Config::new(1, 1), &Probes::default()).milestone_column(0)[0]
        };
        assert_eq!(
            run(&plan.without_resources()),
            inst.mpm_time,
            "{name}: MPM-Time"
        );
        let makespan = run(&plan);
        assert!(
            makespan >= opt,
            "{name}: {makespan} below the optimum {opt}"
        );
        let gap = (makespan - opt) / opt;
        sum += gap;
        n += 1;
        hits += usize::from(makespan == opt);
        if gap > worst {
            worst = gap;
            worst_name = format!("{name} ({makespan} vs {opt})");
        }
    }
    println!(
        "{n} instances: mean gap {:.2}%, worst {:.2}% ({worst_name}), optimal in {hits}; {:.2} s",
        100.0 * sum / n as f64,
        100.0 * worst,
        started.elapsed().as_secs_f64()
    );
}
