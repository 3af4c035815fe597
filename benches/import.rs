//! Speed of importing a plan of 3,000 activities (generated here, in memory): an MSPDI file and
//! an XER file with three links per task on average, each read into scenario TOML text and
//! loaded into a plan (`import` + `load_str`, what `run FILE.xml` does before simulating).
//!
//! ```text
//! cargo bench --bench import
//! ```

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use shipcast::import::{self, Options};

const TASKS: usize = 3000;

/// A deterministic pseudo-random sequence (no dependency on the engine's streams).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn preds(i: usize, rng: &mut Lcg) -> Vec<(usize, usize)> {
    if i == 0 {
        return vec![];
    }
    (0..1 + rng.next(5))
        .map(|_| (rng.next(i), rng.next(4)))
        .collect()
}

fn mspdi() -> String {
    let mut rng = Lcg(7);
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Project xmlns="http://schemas.microsoft.com/project"><Title>bench</Title><StartDate>2027-01-04T08:00:00</StartDate><MinutesPerDay>480</MinutesPerDay><CalendarUID>1</CalendarUID><Calendars><Calendar><UID>1</UID><Name>Standard</Name><BaseCalendarUID>-1</BaseCalendarUID></Calendar></Calendars><Tasks>"#,
    );
    for i in 0..TASKS {
        let _ = write!(
            s,
            "<Task><UID>{}</UID><ID>{}</ID><Name>Task {i}</Name><OutlineLevel>1</OutlineLevel><Duration>PT{}H0M0S</Duration><Start>2027-01-04T08:00:00</Start><Finish>2027-01-05T17:00:00</Finish>",
            i + 1,
            i + 1,
            8 * (1 + rng.next(20))
        );
        for (p, t) in preds(i, &mut rng) {
            let _ = write!(
                s,
                "<PredecessorLink><PredecessorUID>{}</PredecessorUID><Type>{t}</Type><LinkLag>{}</LinkLag><LagFormat>7</LagFormat></PredecessorLink>",
                p + 1,
                4800 * rng.next(3)
            );
        }
        s.push_str("</Task>");
    }
    s.push_str("</Tasks></Project>");
    s
}

fn xer() -> String {
    let mut rng = Lcg(11);
    let mut s = String::from(
        "ERMHDR\t8.2.0\n%T\tPROJECT\n%F\tproj_id\tproj_short_name\tclndr_id\tplan_start_date\n%R\t1\tBENCH\t1\t2027-01-04 08:00\n%T\tTASK\n%F\ttask_id\tproj_id\ttask_type\tstatus_code\ttask_code\ttask_name\ttarget_drtn_hr_cnt\n",
    );
    for i in 0..TASKS {
        let _ = writeln!(
            s,
            "%R\t{}\t1\tTT_Task\tTK_NotStart\tA{}\tTask {i}\t{}",
            i + 1,
            1000 + i,
            8 * (1 + rng.next(20))
        );
    }
    s.push_str("%T\tTASKPRED\n%F\ttask_pred_id\ttask_id\tpred_task_id\tpred_type\tlag_hr_cnt\n");
    let types = ["PR_FS", "PR_SS", "PR_FF", "PR_SF"];
    let mut k = 0;
    for i in 0..TASKS {
        for (p, t) in preds(i, &mut rng) {
            k += 1;
            let _ = writeln!(
                s,
                "%R\t{k}\t{}\t{}\t{}\t{}",
                i + 1,
                p + 1,
                types[t],
                8 * rng.next(3)
            );
        }
    }
    s.push_str("%E\n");
    s
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("import_3000");
    g.sample_size(20);
    let options = Options::default();
    for (name, path, text) in [("mspdi", "bench.xml", mspdi()), ("xer", "bench.xer", xer())] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let imported = import::import(path, text.as_bytes(), &options).unwrap();
                let toml = imported.to_toml();
                black_box(shipcast::load_str(path, &toml).unwrap())
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = import_benches;
    // No HTML plots: criterion's plotters backend panics without system fonts (see engine.rs).
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(import_benches);
