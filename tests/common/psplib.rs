//! A minimal reader of PSPLIB single-mode `.sm` files (RCPSP), for tests and the j30 benchmark
//! (`examples/psplib.rs`): it turns an instance into a shipcast scenario with one task per real
//! job (fixed durations), one `[[resource]]` per renewable resource, and a milestone `end` for
//! the sink. Not a user-facing importer: see the `imports` work (issue 11) for that.

/// An instance: its MPM-Time (critical path without resources) and the scenario text.
pub struct Instance {
    pub mpm_time: f64,
    pub toml: String,
}

/// Reads `.sm` text; None when it is not a single-mode instance this reader understands.
pub fn read(text: &str) -> Option<Instance> {
    let lines: Vec<&str> = text.lines().collect();
    let find = |head: &str| lines.iter().position(|l| l.trim_start().starts_with(head));
    let jobs: usize = lines
        .iter()
        .find(|l| l.starts_with("jobs"))?
        .split(':')
        .nth(1)?
        .trim()
        .parse()
        .ok()?;
    let info = find("pronr.")?;
    let mpm_time: f64 = lines[info + 1].split_whitespace().nth(5)?.parse().ok()?;
    let prec = find("jobnr.")?;
    let mut succs: Vec<Vec<usize>> = vec![vec![]; jobs + 1];
    for l in &lines[prec + 1..prec + 1 + jobs] {
        let f: Vec<usize> = l
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        if f.len() < 3 || f[1] != 1 {
            return None;
        }
        succs[f[0]] = f[3..].to_vec();
    }
    let req = lines
        .iter()
        .enumerate()
        .skip(prec + jobs)
        .find(|(_, l)| l.trim_start().starts_with("jobnr."))?
        .0;
    let mut dur = vec![0.0; jobs + 1];
    let mut uses: Vec<Vec<f64>> = vec![vec![]; jobs + 1];
    for l in &lines[req + 2..req + 2 + jobs] {
        let f: Vec<f64> = l
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let j = f[0] as usize;
        dur[j] = f[2];
        uses[j] = f[3..].to_vec();
    }
    let avail = find("RESOURCEAVAILABILITIES")?;
    let caps: Vec<f64> = lines[avail + 2]
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let mut preds: Vec<Vec<usize>> = vec![vec![]; jobs + 1];
    for (j, ss) in succs.iter().enumerate() {
        for &s in ss {
            preds[s].push(j);
        }
    }
    let mut toml = String::from("[project]\nname = \"psplib\"\n");
    for (r, c) in caps.iter().enumerate() {
        toml += &format!("[[resource]]\nid = \"R{}\"\ncapacity = {c}\n", r + 1);
    }
    let list = |ps: &[usize]| {
        ps.iter()
            .filter(|&&p| p != 1)
            .map(|p| format!("\"j{p}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for j in 2..jobs {
        toml += &format!("[[task]]\nid = \"j{j}\"\nduration = {}\n", dur[j]);
        toml += &format!("after = [{}]\n", list(&preds[j]));
        let used: Vec<String> = uses[j]
            .iter()
            .enumerate()
            .filter(|(_, a)| **a > 0.0)
            .map(|(r, a)| format!("R{} = {a}", r + 1))
            .collect();
        if !used.is_empty() {
            toml += &format!("uses = {{ {} }}\n", used.join(", "));
        }
    }
    toml += &format!(
        "[[milestone]]\nid = \"end\"\nafter = [{}]\n",
        list(&preds[jobs])
    );
    Some(Instance { mpm_time, toml })
}
