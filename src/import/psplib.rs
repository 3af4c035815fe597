//! PSPLIB single-mode RCPSP instances (`.sm`): jobs, precedence relations and durations. The
//! renewable resources (each resource's capacity, each job's requests) become `[[resource]]`
//! sections and the jobs' `uses`.

use super::{ImportError, Imported, Link, LinkKind, Options, Task};
use crate::import::Format;

/// An instance as the file gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    pub jobs: usize,
    pub horizon: Option<u64>,
    /// The longest path with the given durations, ignoring resources (PROJECT INFORMATION).
    pub mpm_time: Option<u64>,
    /// Per job (1-based number - 1): its successors (job numbers), duration and resource requests.
    pub successors: Vec<Vec<usize>>,
    pub durations: Vec<u64>,
    pub requests: Vec<Vec<u64>>,
    /// Capacity of each renewable resource.
    pub capacities: Vec<u64>,
}

fn numbers(line: &str) -> Option<Vec<u64>> {
    line.split_whitespace().map(|w| w.parse().ok()).collect()
}

/// Parses an `.sm` file.
pub fn parse(path: &str, text: &str) -> Result<Instance, ImportError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut inst = Instance::default();
    let find = |prefix: &str| {
        lines
            .iter()
            .position(|l| l.trim_start().starts_with(prefix))
    };
    let value_after_colon = |i: usize| -> Option<u64> {
        lines[i]
            .split(':')
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let jobs_at = find("jobs (incl. supersource/sink").ok_or_else(|| {
        ImportError::new(
            path,
            "no `jobs (incl. supersource/sink )` line: this is not a PSPLIB .sm file",
        )
        .hint("PSPLIB single-mode files (j30, j60, j90, j120 .sm) are read")
    })?;
    inst.jobs = value_after_colon(jobs_at)
        .filter(|&j| j > 0 && j < 1_000_000)
        .ok_or_else(|| {
            ImportError::new(path, "the number of jobs is not a positive whole number")
                .at(jobs_at + 1)
        })? as usize;
    inst.horizon = find("horizon").and_then(value_after_colon);
    if let Some(p) = find("pronr.") {
        // pronr. #jobs rel.date duedate tardcost MPM-Time
        inst.mpm_time = lines
            .get(p + 1)
            .and_then(|l| numbers(l))
            .and_then(|v| v.get(5).copied());
    }
    let section = |name: &str| -> Result<usize, ImportError> {
        find(name).ok_or_else(|| {
            ImportError::new(path, format!("no `{name}` section"))
                .hint("the file is cut short or not a PSPLIB .sm file")
        })
    };
    let prec = section("PRECEDENCE RELATIONS:")?;
    inst.successors = vec![vec![]; inst.jobs];
    for k in 0..inst.jobs {
        let at = prec + 2 + k;
        let line = lines.get(at).ok_or_else(|| {
            ImportError::new(
                path,
                format!("the precedence relations stop before job {}", k + 1),
            )
            .at(at)
        })?;
        let v = numbers(line).filter(|v| v.len() >= 3).ok_or_else(|| {
            ImportError::new(
                path,
                format!(
                    "expected `jobnr. #modes #successors successors...` for job {}",
                    k + 1
                ),
            )
            .at(at + 1)
        })?;
        if v[0] as usize != k + 1 {
            return Err(ImportError::new(
                path,
                format!("expected job {} here, found job {}", k + 1, v[0]),
            )
            .at(at + 1));
        }
        if v[1] != 1 {
            return Err(ImportError::new(
                path,
                format!(
                    "job {} has {} modes: only single-mode (.sm) instances are read",
                    k + 1,
                    v[1]
                ),
            )
            .at(at + 1));
        }
        let n = v[2] as usize;
        if v.len() != 3 + n {
            return Err(ImportError::new(
                path,
                format!(
                    "job {} says {n} successors but lists {}",
                    k + 1,
                    v.len() - 3
                ),
            )
            .at(at + 1));
        }
        for &s in &v[3..] {
            if s == 0 || s as usize > inst.jobs {
                return Err(ImportError::new(
                    path,
                    format!(
                        "job {} has successor {s}, which is not a job of this instance (1 to {})",
                        k + 1,
                        inst.jobs
                    ),
                )
                .at(at + 1));
            }
            inst.successors[k].push(s as usize);
        }
    }
    let req = section("REQUESTS/DURATIONS:")?;
    inst.durations = vec![0; inst.jobs];
    inst.requests = vec![vec![]; inst.jobs];
    // Header line, a dashes line, then one line per job.
    for k in 0..inst.jobs {
        let at = req + 3 + k;
        let line = lines.get(at).ok_or_else(|| {
            ImportError::new(path, format!("the durations stop before job {}", k + 1)).at(at)
        })?;
        let v = numbers(line).filter(|v| v.len() >= 3).ok_or_else(|| {
            ImportError::new(
                path,
                format!(
                    "expected `jobnr. mode duration requests...` for job {}",
                    k + 1
                ),
            )
            .at(at + 1)
        })?;
        if v[0] as usize != k + 1 {
            return Err(ImportError::new(
                path,
                format!("expected job {} here, found job {}", k + 1, v[0]),
            )
            .at(at + 1));
        }
        inst.durations[k] = v[2];
        inst.requests[k] = v[3..].to_vec();
    }
    if let Some(a) = find("RESOURCEAVAILABILITIES:") {
        inst.capacities = lines
            .get(a + 2)
            .and_then(|l| numbers(l))
            .unwrap_or_default();
    }
    Ok(inst)
}

pub fn read(path: &str, bytes: &[u8], options: &Options) -> Result<Imported, ImportError> {
    let _ = options;
    let text = String::from_utf8_lossy(bytes);
    let inst = parse(path, &text)?;
    let mut plan = Imported::new(path, Format::Psplib);
    plan.name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
    for k in 0..inst.jobs {
        let mut t = Task::new(format!("{}", k + 1), format!("job {}", k + 1));
        t.name = if k == 0 {
            "supersource".into()
        } else if k + 1 == inst.jobs {
            "supersink".into()
        } else {
            format!("job {}", k + 1)
        };
        t.planned = inst.durations[k] as f64;
        t.uses = inst.requests[k]
            .iter()
            .enumerate()
            .filter(|(_, r)| **r > 0)
            .map(|(r, &amount)| (format!("R{}", r + 1), amount as f64))
            .collect();
        plan.tasks.push(t);
    }
    for (k, succ) in inst.successors.iter().enumerate() {
        for &s in succ {
            plan.tasks[s - 1].after.push(Link {
                target: format!("{}", k + 1),
                kind: LinkKind::FS,
                lag: 0.0,
            });
        }
    }
    plan.read.push(format!(
        "{} jobs (with the dummy supersource and supersink) and {} precedence relations; durations in periods, taken as working days, with no calendar",
        inst.jobs,
        inst.successors.iter().map(Vec::len).sum::<usize>()
    ));
    plan.resources = inst
        .capacities
        .iter()
        .enumerate()
        .map(|(r, &c)| (format!("R{}", r + 1), c as f64))
        .collect();
    plan.read.push(format!(
        "{} renewable resources R1..R{} (capacities {:?}) as [[resource]] sections, and each job's requests as its `uses`",
        inst.capacities.len(),
        inst.capacities.len(),
        inst.capacities
    ));
    if let Some(m) = inst.mpm_time {
        plan.read.push(format!("MPM-Time {m}: the longest path with fixed durations, which `import --check` compares with"));
        plan.expected_finish = Some(m as f64);
    }
    Ok(plan)
}
