//! Shared teams (issue 12): resource-constrained scheduling with exact answers, the stability
//! of the priority order, experiments holding their resources, PSPLIB fixtures, and backlogs.

mod common;

#[path = "common/psplib.rs"]
mod psplib;

use shipcast::engine::{self, Config, Probes, Sampling, simulate_range, simulate_with};
use shipcast::load_str;
use shipcast::model::Plan;

fn plan(toml: &str) -> Plan {
    load_str("plan.toml", toml).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The finishes of the first milestone over `n` iterations.
fn finishes(p: &Plan, n: u64) -> Vec<f64> {
    simulate_with(p, &Config::new(n, 7), &Probes::default()).milestone_column(0)
}

const TWO: &str = "[[task]]\nid = \"a\"\nduration = 4\nuses = { ml = 1 }\n\
                   [[task]]\nid = \"b\"\nduration = 6\nuses = { ml = 1 }\n\
                   [[milestone]]\nid = \"m\"\nafter = [\"a\", \"b\"]\n";

#[test]
fn capacity_one_serialises_two_parallel_tasks() {
    let p = plan(&format!("[[resource]]\nid = \"ml\"\ncapacity = 1\n{TWO}"));
    assert!(finishes(&p, 300).iter().all(|&t| t == 10.0));
    // Without the constraint the same plan finishes at 6.
    assert!(
        finishes(&p.without_resources(), 300)
            .iter()
            .all(|&t| t == 6.0)
    );
}

#[test]
fn capacity_two_runs_them_side_by_side() {
    let p = plan(&format!("[[resource]]\nid = \"ml\"\ncapacity = 2\n{TWO}"));
    assert!(finishes(&p, 300).iter().all(|&t| t == 6.0));
}

#[test]
fn a_capacity_that_rises_on_a_date() {
    // Monday 2027-01-04 is t = 0; Wednesday 01-06 is t = 2. b (latest start 0) goes first and
    // holds the one slot; the second slot arrives at t = 2, when a starts: [2, 6).
    let p = plan(&format!(
        "[project]\nstart = 2027-01-04\n\
         [[resource]]\nid = \"ml\"\ncapacity = 1\nchanges = [{{ date = 2027-01-06, capacity = 2 }}]\n{TWO}"
    ));
    assert!(finishes(&p, 300).iter().all(|&t| t == 6.0));
    let probes = Probes {
        trace: vec![p.node_index("a").unwrap() as u32],
        criticality: false,
    };
    let out = simulate_with(&p, &Config::new(10, 1), &probes);
    assert!(out.trace_columns(0).0.iter().all(|&s| s == 2.0));
}

#[test]
fn an_experiment_holds_its_resource_across_retries() {
    // x fails its first attempt and succeeds at its second: it holds the one slot for both
    // attempts, [0, 6), so y (2 days) runs [6, 8), not [3, 5).
    let p = plan(
        "[[resource]]\nid = \"ml\"\ncapacity = 1\n\
         [[task]]\nid = \"x\"\nduration = 3\nsuccess = [0.0, 1.0]\nuses = { ml = 1 }\n\
         [[task]]\nid = \"y\"\nduration = 2\nuses = { ml = 1 }\n\
         [[milestone]]\nid = \"m\"\nafter = [\"x\", \"y\"]\n",
    );
    assert!(finishes(&p, 300).iter().all(|&t| t == 8.0));
}

#[test]
fn a_fallback_takes_its_own_resources() {
    // x always fails (3 days, holding ml); its fallback f uses gpu, not ml: y (ml) starts at 3
    // while f runs on the gpu [3, 5).
    let p = plan(
        "[[resource]]\nid = \"ml\"\ncapacity = 1\n[[resource]]\nid = \"gpu\"\ncapacity = 1\n\
         [[task]]\nid = \"x\"\nduration = 3\nsuccess = 0.0\nfallback = \"f\"\nuses = { ml = 1 }\n\
         [[task]]\nid = \"f\"\nduration = 2\nuses = { gpu = 1 }\n\
         [[task]]\nid = \"y\"\nduration = 4\nuses = { ml = 1 }\n\
         [[milestone]]\nid = \"m\"\nafter = [\"x\", \"y\"]\n",
    );
    assert!(finishes(&p, 300).iter().all(|&t| t == 7.0));
}

const THREE: &str = "[[resource]]\nid = \"ml\"\ncapacity = 1\n\
    [[task]]\nid = \"a\"\nduration = [2, 4, 9]\nuses = { ml = 1 }\n\
    [[task]]\nid = \"b\"\nduration = [1, 5, 7]\nuses = { ml = 1 }\n\
    [[task]]\nid = \"c\"\nduration = [3, 3.5, 4]\nuses = { ml = 1 }\n";

/// The order of the tasks' starts in each iteration.
fn start_orders(p: &Plan, n: u64) -> Vec<Vec<u32>> {
    let tasks: Vec<u32> = ["a", "b", "c"]
        .iter()
        .map(|id| p.node_index(id).unwrap() as u32)
        .collect();
    let probes = Probes {
        trace: tasks.clone(),
        criticality: false,
    };
    let out = simulate_with(p, &Config::new(n, 3), &probes);
    let starts: Vec<Vec<f64>> = (0..3).map(|t| out.trace_columns(t).0).collect();
    (0..n as usize)
        .map(|j| {
            let mut order = tasks.clone();
            order.sort_by(|&x, &y| {
                let (sx, sy) = (
                    starts[tasks.iter().position(|&t| t == x).unwrap()][j],
                    starts[tasks.iter().position(|&t| t == y).unwrap()][j],
                );
                sx.total_cmp(&sy)
            });
            order
        })
        .collect()
}

#[test]
fn the_priority_order_is_the_same_in_every_iteration() {
    // All three are ready at 0 and share one slot: the durations vary, the order must not. By
    // latest start (mean durations 4.5, 4.67, 3.5: c has the least slack... a, b first) and
    // file order.
    let p = plan(THREE);
    let orders = start_orders(&p, 2000);
    assert!(orders.iter().all(|o| *o == orders[0]), "{:?}", &orders[..5]);
    // `priority` overrides: c first whatever its latest start.
    let q = plan(&THREE.replace(
        "duration = [3, 3.5, 4]\n",
        "duration = [3, 3.5, 4]\npriority = 5\n",
    ));
    let orders = start_orders(&q, 500);
    let c = q.node_index("c").unwrap() as u32;
    assert!(orders.iter().all(|o| o[0] == c && *o == orders[0]));
}

#[test]
fn results_do_not_depend_on_threads_shards_or_sampling_ranges() {
    let p = plan(&format!(
        "{THREE}[[task]]\nid = \"d\"\nafter = [\"a\"]\nduration = [1, 2, 6]\nsuccess = 0.6\nattempts = 2\nuses = {{ ml = 1 }}\n\
         [[risk]]\nid = \"r\"\nprobability = 0.3\naffects = [\"b\"]\ndelay = [1, 2, 3]\n"
    ));
    for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
        let config = Config {
            iterations: 1000,
            seed: 11,
            sampling,
        };
        let probes = Probes {
            trace: vec![],
            criticality: true,
        };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| simulate_range(&p, &config, &probes, 0..1000));
        let mut parts = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| simulate_range(&p, &config, &probes, 0..333));
        parts.append(simulate_range(&p, &config, &probes, 333..1000));
        assert_eq!(one.rows, parts.rows);
        assert_eq!(one.nodes, parts.nodes);
        assert_eq!(one.critical, parts.critical);
    }
}

#[test]
fn common_random_numbers_the_constraint_only_delays() {
    // The same draws with and without the constraint: it never makes a run finish earlier here
    // (one resource, tasks in parallel, a fixed order).
    let p = plan(&format!(
        "{THREE}[[milestone]]\nid = \"m\"\nafter = [\"a\", \"b\", \"c\"]\n"
    ));
    let with = finishes(&p, 2000);
    let without = finishes(&p.without_resources(), 2000);
    assert!(with.iter().zip(&without).all(|(w, o)| w >= o));
    // Serialised on one slot, the finish is the sum of the three durations.
    assert!(with.iter().zip(&without).any(|(w, o)| w > o));
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/psplib/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn psplib_instances_mpm_time_and_optimum() {
    // Published optima (PSPLIB j30opt): the serial schedule is feasible, so never shorter.
    for (name, optimum) in [
        ("j301_1.sm", 43.0),
        ("j3013_7.sm", 77.0),
        ("j3048_10.sm", 54.0),
    ] {
        let inst = psplib::read(&fixture(name)).unwrap();
        let p = plan(&inst.toml);
        let free = finishes(&p.without_resources(), 3);
        assert!(free.iter().all(|&t| t == inst.mpm_time), "{name}: {free:?}");
        let constrained = finishes(&p, 3)[0];
        assert!(constrained >= optimum, "{name}: {constrained} < {optimum}");
        assert!(constrained <= 1.5 * optimum, "{name}: {constrained}");
    }
}

#[test]
fn the_serial_schedule_respects_every_capacity() {
    let inst = psplib::read(&fixture("j3013_7.sm")).unwrap();
    let p = plan(&inst.toml);
    let tasks: Vec<u32> = (0..p.nodes().len() as u32)
        .filter(|&i| !p.nodes()[i as usize].is_milestone)
        .collect();
    let probes = Probes {
        trace: tasks.clone(),
        criticality: false,
    };
    let out = simulate_with(&p, &Config::new(1, 1), &probes);
    let spans: Vec<(f64, f64)> = (0..tasks.len())
        .map(|t| {
            let (s, f) = out.trace_columns(t);
            (s[0], f[0])
        })
        .collect();
    for (r, res) in p.resources().iter().enumerate() {
        for &(at, _) in &spans {
            let used: f64 = tasks
                .iter()
                .zip(&spans)
                .filter(|(_, (s, f))| *s <= at && at < *f)
                .flat_map(|(&i, _)| p.nodes()[i as usize].uses.iter())
                .filter(|u| u.0 as usize == r)
                .map(|u| u.1)
                .sum();
            assert!(used <= res.capacity_at(at), "{} at {at}: {used}", res.id);
        }
    }
}

#[test]
fn a_backlog_with_constant_throughput_is_exact() {
    // 40 items at 4 per week: 10 weeks of 5 working days.
    let p =
        plan("[[task]]\nid = \"b\"\nbacklog = { items = 40, throughput = [4], per = \"week\" }\n");
    assert!(finishes(&p, 300).iter().all(|&t| t == 50.0));
    // Split 1.5: 60 items, 15 weeks.
    let p =
        plan("[[task]]\nid = \"b\"\nbacklog = { items = 40, throughput = [4, 4], split = 1.5 }\n");
    assert!(finishes(&p, 300).iter().all(|&t| t == 75.0));
    // Per day.
    let p =
        plan("[[task]]\nid = \"b\"\nbacklog = { items = 9, throughput = [3], per = \"day\" }\n");
    assert!(finishes(&p, 10).iter().all(|&t| t == 3.0));
}

#[test]
fn a_backlog_after_a_task_and_with_resources_in_one_network() {
    let p = plan(
        "[[task]]\nid = \"design\"\nduration = 3\n\
         [[task]]\nid = \"build\"\nafter = [\"design\"]\nbacklog = { items = 40, throughput = [4] }\n",
    );
    assert!(finishes(&p, 300).iter().all(|&t| t == 53.0));
    let p = plan(
        "[[resource]]\nid = \"team\"\ncapacity = 1\n\
         [[task]]\nid = \"design\"\nduration = 3\nuses = { team = 1 }\n\
         [[task]]\nid = \"build\"\nbacklog = { items = 8, throughput = [4] }\nuses = { team = 1 }\n\
         [[milestone]]\nid = \"m\"\nafter = [\"design\", \"build\"]\n",
    );
    assert!(finishes(&p, 300).iter().all(|&t| t == 13.0));
}

#[test]
fn a_backlog_resamples_history() {
    // Items 30..45, split 1.0..1.3, weekly throughput resampled: every finish is whole weeks,
    // between ceil(30 / 6) and ceil(59 / 2) weeks, and they vary.
    let p = plan(
        "[[task]]\nid = \"b\"\nbacklog = { items = [30, 45], throughput = [3, 5, 2, 6, 4], split = [1.0, 1.3] }\n",
    );
    let f = finishes(&p, 5000);
    assert!(
        f.iter()
            .all(|&t| t % 5.0 == 0.0 && (25.0..=150.0).contains(&t))
    );
    let mean = f.iter().sum::<f64>() / f.len() as f64;
    // Mean items 37.5 x 1.15 = 43.1 at 4 per week: about 11 weeks.
    assert!((45.0..70.0).contains(&mean), "{mean}");
    let _ = engine::BLOCK;
}

#[test]
fn a_variant_changes_a_resource_capacity() {
    // "+1 ML engineer": the variant overrides the resource's capacity; paired on the same draws.
    let plans = shipcast::load_all_str(
        "plan.toml",
        &format!(
            "[[resource]]\nid = \"ml\"\ncapacity = 1\n{TWO}\
             [variant.hire]\n[[variant.hire.resource]]\nid = \"ml\"\ncapacity = 2\n"
        ),
    )
    .unwrap();
    assert_eq!(plans.len(), 2);
    assert!(finishes(&plans[0], 50).iter().all(|&t| t == 10.0));
    assert!(finishes(&plans[1], 50).iter().all(|&t| t == 6.0));
}

#[test]
fn a_backlog_reads_its_throughput_from_a_csv_of_finished_items() {
    // Four items finished in each of three weeks (dates per item): the history is [4, 4, 4]
    // per week, so 40 items take exactly 10 weeks of 5 working days.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Id,Done\n");
    for (k, day) in ["2027-01-04", "2027-01-11", "2027-01-18"]
        .iter()
        .enumerate()
    {
        for i in 0..4 {
            csv.push_str(&format!("{},{day}\n", 10 * k + i));
        }
    }
    csv.push_str("99,\n"); // not finished: no date
    std::fs::write(dir.path().join("done.csv"), &csv).unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[[task]]\nid = \"b\"\nbacklog = { items = 40, throughput = { file = \"done.csv\", column = \"Done\" } }\n",
    )
    .unwrap();
    let out = common::shipcast(&[
        "run",
        plan.to_str().unwrap(),
        "-n",
        "50",
        "--no-report",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(r["milestones"][0]["percentiles"][4]["days"], 50.0);
    // What the history holds, as the `throughput` command prints it: a quiet week is kept.
    std::fs::write(
        dir.path().join("gaps.csv"),
        "Done\n2027-01-04\n2027-01-05\n2027-01-19\n",
    )
    .unwrap();
    let shown = common::shipcast(&["throughput", dir.path().join("gaps.csv").to_str().unwrap()]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains("2027-01-11               0"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("3 periods, 3 items"),
        "{}",
        shown.stdout
    );
    // A missing file, an empty history and a bad date are errors naming the file (exit 2).
    std::fs::write(dir.path().join("empty.csv"), "Done\n").unwrap();
    for (file, says) in [
        ("missing.csv", "cannot read"),
        ("empty.csv", "no finished item"),
    ] {
        std::fs::write(
            &plan,
            format!("[[task]]\nid = \"b\"\nbacklog = {{ items = 4, throughput = {{ file = \"{file}\" }} }}\n"),
        )
        .unwrap();
        let bad = common::shipcast(&["validate", plan.to_str().unwrap()]);
        assert_eq!(bad.code, 2, "{}", bad.stderr);
        assert!(
            bad.stderr.contains(says) && bad.stderr.contains(":3:"),
            "{}",
            bad.stderr
        );
    }
    std::fs::write(dir.path().join("bad.csv"), "Done\n2027-01-04\nsoon\n").unwrap();
    let bad = common::shipcast(&["throughput", dir.path().join("bad.csv").to_str().unwrap()]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("bad.csv:3") && bad.stderr.contains("`soon` is not a date"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_resource_with_its_own_calendar_pauses_the_work_that_uses_it() {
    // The project works Monday to Friday from Monday 2027-01-04 (working day 0). The team works
    // Monday to Thursday: an 8-day task of theirs works days 0-3, pauses on Friday (day 4) and
    // works days 5-8, so it finishes at the end of day 8: t = 9, Thursday 2027-01-14. A task
    // of the same length that uses no one finishes at t = 8.
    let p = plan(
        "[project]\nstart = 2027-01-04\n\
         [[resource]]\nid = \"team\"\ncapacity = 2\nworkdays = [\"mon\", \"tue\", \"wed\", \"thu\"]\n\
         [[task]]\nid = \"a\"\nduration = 8\nuses = { team = 1 }\n\
         [[task]]\nid = \"b\"\nduration = 8\n\
         [[milestone]]\nid = \"ma\"\nafter = [\"a\"]\n\
         [[milestone]]\nid = \"mb\"\nafter = [\"b\"]\n",
    );
    let out = simulate_with(&p, &Config::new(5, 1), &Probes::default());
    assert!(out.milestone_column(0).iter().all(|&t| t == 9.0));
    assert!(out.milestone_column(1).iter().all(|&t| t == 8.0));
    // A day off of its own (Tuesday, day 1): a 3-day task works days 0, 2 and 3, ends at t = 4.
    let p = plan(
        "[project]\nstart = 2027-01-04\n\
         [[resource]]\nid = \"gpu\"\ncapacity = 1\nholidays = [2027-01-05]\n\
         [[task]]\nid = \"a\"\nduration = 3\nuses = { gpu = 1 }\n",
    );
    assert!(finishes(&p, 5).iter().all(|&t| t == 4.0));
    // Its own calendar needs dates.
    let e = load_str(
        "p.toml",
        "[[resource]]\nid = \"gpu\"\ncapacity = 1\nholidays = [2027-01-05]\n[[task]]\nid = \"a\"\nduration = 3\nuses = { gpu = 1 }\n",
    )
    .unwrap_err()
    .render();
    assert!(e.contains("has its own calendar, which needs dates"), "{e}");
}

#[test]
fn the_drivers_show_the_resource_that_binds() {
    // Two parallel fixed tasks (4 and 6 days) on a team of one finish at 10; with the team
    // unlimited, at 6: the team's what-if gains exactly 4 days at P80, and it leads the drivers.
    // A resource that never constrains (capacity 5) gains nothing and follows the others.
    let p = plan(
        "[[resource]]\nid = \"team\"\ncapacity = 1\n\
         [[resource]]\nid = \"gpu\"\ncapacity = 5\n\
         [[task]]\nid = \"a\"\nduration = 4\nuses = { team = 1, gpu = 1 }\n\
         [[task]]\nid = \"b\"\nduration = 6\nuses = { team = 1 }\n",
    );
    let config = Config::new(2000, 3);
    let out = simulate_with(&p, &config, &shipcast::analysis::detail_probes(&p));
    let details = shipcast::analysis::details(&p, &config, &out);
    let drivers = &details.drivers[0].drivers;
    let first = &drivers[0];
    assert_eq!(
        first.kind,
        shipcast::analysis::drivers::DriverKind::Resource
    );
    assert_eq!(first.subject(&p).0, "team");
    let w = first.what_if.unwrap();
    assert_eq!((w.p80, w.p80_gain), (Some(6.0), Some(4.0)));
    let last = drivers.last().unwrap();
    assert_eq!(last.subject(&p).0, "gpu");
    assert_eq!(last.what_if.unwrap().p80_gain, Some(0.0));
}
