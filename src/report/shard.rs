//! `shipcast.shard/2`: the exact outcomes of one shard of a run, for `shipcast merge`.
//!
//! A shard holds every simulated row of its iterations (milestone finishes, and costs when the
//! plan has them; infinity written as null) and the integer counters, so merging shards in order
//! rebuilds exactly the outcomes of the whole run, and so exactly the same report.
//!
//! The file is two lines: `shipcast.shard/2 sha256:<hex>`, then the payload, one line of JSON.
//! The digest is the SHA-256 of the payload's bytes (its line end included), so an edited or
//! damaged file is refused before it is parsed. Shard files are untrusted input all the same:
//! [`check`] holds every field and every count against the scenario and against the others
//! before `merge` does any arithmetic.

use serde::{Deserialize, Serialize};

use crate::engine::{NodeCounts, Outcomes, Sampling};

pub const SHARD_SCHEMA: &str = "shipcast.shard/2";

/// Schemas of earlier shard formats, refused with a message that says so.
const OLD_SCHEMAS: [&str; 1] = ["shipcast.shard/1"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub schema: String,
    pub version: String,
    /// The scenario file, as it was named on the command line.
    pub file: String,
    /// A fingerprint of the scenario text, to refuse merging shards of different scenarios.
    pub fingerprint: String,
    pub variant: Option<String>,
    /// `--gate` options the shards ran with; merge applies them again.
    pub gates: Vec<String>,
    pub seed: u64,
    /// Iterations of the whole run.
    pub iterations: u64,
    pub sampling: String,
    /// This shard, numbered from 1, of `shards`.
    pub shard: u64,
    pub shards: u64,
    /// The run's iterations this shard simulated: `first..first + count`.
    pub first: u64,
    pub count: u64,
    pub milestones: Vec<String>,
    pub costs: bool,
    /// Row-major: per iteration, each milestone's finish then (with costs) each milestone's cost.
    pub rows: Vec<Option<f64>>,
    /// Per node: runs, successes, attempts.
    pub nodes: Vec<[u64; 3]>,
    pub risks_fired: Vec<u64>,
    /// Per milestone, then node: iterations in which the node was on the milestone's critical
    /// path. Counts add up over shards, so a merged run ranks drivers as one run does.
    pub critical: Vec<u64>,
}

/// Why shard files could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("no shard file given")]
    NoShards,
    #[error("{path} is not a shipcast shard file: {what}")]
    NotShard { path: String, what: String },
    #[error(
        "{path} is a {schema} file, an older shard format: this shipcast reads {SHARD_SCHEMA}; run every shard again with this build"
    )]
    OldFormat { path: String, schema: String },
    #[error(
        "{path} was edited or damaged: its payload does not match the sha256 on its first line; run that shard again"
    )]
    Digest { path: String },
    #[error(
        "{path} is a {SHARD_SCHEMA} file this build of shipcast cannot read ({source}); it was written by another build: run every shard again with this one"
    )]
    OtherBuild {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path} says the run has {shards} shards; at most {max} are allowed", max = crate::pipeline::MAX_SHARDS)]
    TooManyShards { path: String, shards: u64 },
    #[error("{path} has schema {schema}, not {SHARD_SCHEMA}")]
    Schema { path: String, schema: String },
    #[error("{path} does not hold what a shard of its run holds: {what}; run that shard again")]
    Invalid { path: String, what: String },
    #[error(
        "{path} is a shard of another run than {first} (scenario, seed, iterations, sampling, shard count, gates and version must match)"
    )]
    OtherRun { path: String, first: String },
    #[error("the shards do not make a whole run of {shards}: have {have:?}, missing {}", missing_list(.missing))]
    Incomplete {
        shards: u64,
        have: Vec<u64>,
        missing: Vec<u64>,
    },
    #[error("cannot read {path} (the scenario the shards ran): {source}")]
    Scenario {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} changed since the shards ran; run them again")]
    Changed(String),
}

fn missing_list(missing: &[u64]) -> String {
    if missing.is_empty() {
        "none (some appear twice)".into()
    } else {
        missing
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How a shard was run: everything that must be the same in every shard of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardRun<'a> {
    /// The scenario file as named, and its text.
    pub file: &'a str,
    pub text: &'a str,
    pub variant: Option<&'a str>,
    /// `--gate` options as written.
    pub gates: &'a [String],
    pub config: crate::engine::Config,
    pub shard: u64,
    pub shards: u64,
}

impl ShardFile {
    /// The shard file of outcomes simulated as `run` says, for the plan with these milestones.
    pub fn new(run: &ShardRun, milestones: Vec<String>, o: &Outcomes) -> ShardFile {
        ShardFile {
            schema: SHARD_SCHEMA.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            file: run.file.to_string(),
            fingerprint: fingerprint(run.text),
            variant: run.variant.map(str::to_string),
            gates: run.gates.to_vec(),
            seed: run.config.seed,
            iterations: run.config.iterations,
            sampling: sampling_name(run.config.sampling).into(),
            shard: run.shard,
            shards: run.shards,
            first: o.first,
            count: o.iterations,
            milestones,
            costs: o.costs,
            rows: o.rows.iter().map(|x| x.is_finite().then_some(*x)).collect(),
            nodes: o
                .nodes
                .iter()
                .map(|c| [c.ran, c.succeeded, c.attempts])
                .collect(),
            risks_fired: o.risks_fired.clone(),
            critical: o.critical.clone(),
        }
    }

    /// The file's text: the schema and the payload's digest, then the payload (one line of
    /// JSON).
    pub fn render(&self) -> String {
        let mut payload = serde_json::to_string(self).expect("a shard file serializes");
        payload.push('\n');
        format!(
            "{SHARD_SCHEMA} sha256:{}\n{payload}",
            sha256_hex(payload.as_bytes())
        )
    }

    /// The sampling the shards ran with.
    pub fn sampling(&self) -> Sampling {
        if self.sampling == sampling_name(Sampling::LatinHypercube) {
            Sampling::LatinHypercube
        } else {
            Sampling::MonteCarlo
        }
    }
}

/// Reads shard files and checks that they are every shard of one run, once each; returns them
/// in shard order, each with its path as named.
pub fn read_all(paths: &[std::path::PathBuf]) -> Result<Vec<(String, ShardFile)>, ShardError> {
    if paths.is_empty() {
        return Err(ShardError::NoShards);
    }
    let mut parts = Vec::new();
    for p in paths {
        let path = p.display().to_string();
        let bytes = std::fs::read(p).map_err(|source| ShardError::Io {
            path: path.clone(),
            source,
        })?;
        let part = parse(&path, &bytes)?;
        check_alone(&path, &part)?;
        parts.push((path, part));
    }
    parts.sort_by_key(|(_, p)| p.shard);
    let first = &parts[0].1;
    let key = |p: &ShardFile| {
        (
            p.file.clone(),
            p.fingerprint.clone(),
            p.variant.clone(),
            p.gates.clone(),
            p.seed,
            p.iterations,
            p.sampling.clone(),
            p.shards,
            p.milestones.clone(),
            p.version.clone(),
        )
    };
    if let Some((path, _)) = parts.iter().find(|(_, p)| key(p) != key(first)) {
        return Err(ShardError::OtherRun {
            path: path.clone(),
            first: parts[0].0.clone(),
        });
    }
    let have: Vec<u64> = parts.iter().map(|(_, p)| p.shard).collect();
    if have != (1..=first.shards).collect::<Vec<_>>() {
        return Err(ShardError::Incomplete {
            shards: first.shards,
            missing: (1..=first.shards).filter(|k| !have.contains(k)).collect(),
            have,
        });
    }
    Ok(parts)
}

/// The SHA-256 of `bytes` in lower-case hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A shard file's bytes to its payload: the first line names the schema and the payload's
/// digest, which must match before the payload is parsed.
fn parse(path: &str, bytes: &[u8]) -> Result<ShardFile, ShardError> {
    let not_shard = |what: String| ShardError::NotShard {
        path: path.to_string(),
        what,
    };
    let no_head = || not_shard(format!("it does not start with `{SHARD_SCHEMA} sha256:`"));
    if bytes.is_empty() {
        return Err(not_shard("the file is empty".into()));
    }
    // Format 1 was one line of JSON naming its schema.
    if bytes[0] == b'{' {
        let schema = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| v.get("schema")?.as_str().map(str::to_string));
        return Err(match schema {
            Some(schema) if OLD_SCHEMAS.contains(&schema.as_str()) => ShardError::OldFormat {
                path: path.to_string(),
                schema,
            },
            _ => no_head(),
        });
    }
    let Some(end) = bytes.iter().position(|&b| b == b'\n') else {
        return Err(no_head());
    };
    let (head, payload) = (&bytes[..end], &bytes[end + 1..]);
    let head = std::str::from_utf8(head).map_err(|_| no_head())?;
    let Some((schema, digest)) = head.split_once(' ') else {
        return Err(no_head());
    };
    if OLD_SCHEMAS.contains(&schema) {
        return Err(ShardError::OldFormat {
            path: path.to_string(),
            schema: schema.to_string(),
        });
    }
    if !schema.starts_with("shipcast.shard/") {
        return Err(no_head());
    }
    if schema != SHARD_SCHEMA {
        return Err(ShardError::Schema {
            path: path.to_string(),
            schema: schema.to_string(),
        });
    }
    let Some(digest) = digest.strip_prefix("sha256:") else {
        return Err(no_head());
    };
    if digest != sha256_hex(payload) {
        return Err(ShardError::Digest {
            path: path.to_string(),
        });
    }
    // A payload whose digest matches but does not parse came from another build.
    let part: ShardFile =
        serde_json::from_slice(payload).map_err(|source| ShardError::OtherBuild {
            path: path.to_string(),
            source,
        })?;
    if part.schema != SHARD_SCHEMA {
        return Err(ShardError::Schema {
            path: path.to_string(),
            schema: part.schema,
        });
    }
    Ok(part)
}

/// Checks what a shard file says of itself: the run it belongs to, its slice of that run and
/// the sizes and ranges of what it holds, before anything is added up.
fn check_alone(path: &str, p: &ShardFile) -> Result<(), ShardError> {
    let bad = |what: String| ShardError::Invalid {
        path: path.to_string(),
        what,
    };
    if p.shards > crate::pipeline::MAX_SHARDS {
        return Err(ShardError::TooManyShards {
            path: path.to_string(),
            shards: p.shards,
        });
    }
    if p.iterations == 0 || p.iterations > crate::pipeline::MAX_ITERATIONS {
        return Err(bad(format!(
            "the run has {} iterations, not from 1 to {}",
            p.iterations,
            crate::pipeline::MAX_ITERATIONS
        )));
    }
    if crate::pipeline::ShardSpec::new(p.shard, p.shards).is_none() {
        return Err(bad(format!(
            "it says it is shard {} of {}",
            p.shard, p.shards
        )));
    }
    if p.sampling != sampling_name(Sampling::MonteCarlo)
        && p.sampling != sampling_name(Sampling::LatinHypercube)
    {
        return Err(bad(format!("unknown sampling `{}`", p.sampling)));
    }
    let range = crate::engine::split(p.shard, p.shards, p.iterations);
    if (p.first, p.count) != (range.start, range.end - range.start) {
        return Err(bad(format!(
            "it says it holds {} iterations from {}, but shard {} of {} of a run of {} holds {} from {}",
            p.count,
            p.first,
            p.shard,
            p.shards,
            p.iterations,
            range.end - range.start,
            range.start
        )));
    }
    if p.milestones.is_empty() {
        return Err(bad("it names no milestone".into()));
    }
    let width = p.milestones.len() * (1 + usize::from(p.costs));
    if (p.count as usize).checked_mul(width) != Some(p.rows.len()) {
        return Err(bad(format!(
            "it has {} values in `rows`, but {} iterations of {} milestones{} make {}",
            p.rows.len(),
            p.count,
            p.milestones.len(),
            if p.costs { " with costs" } else { "" },
            p.count as usize * width
        )));
    }
    for (k, x) in p.rows.iter().enumerate() {
        let col = k % width;
        let cost = col >= p.milestones.len();
        let ok = match x {
            Some(x) => x.is_finite() && *x >= 0.0,
            // A milestone not delivered; a cost is always spent.
            None => !cost,
        };
        if !ok {
            return Err(bad(format!(
                "iteration {} has {} as the {} of `{}` ({})",
                p.first + (k / width) as u64,
                x.map_or("null".to_string(), |x| x.to_string()),
                if cost { "cost" } else { "finish" },
                p.milestones[col % p.milestones.len()],
                if cost {
                    "costs are numbers from 0"
                } else {
                    "finishes are numbers from 0, or null for never"
                }
            )));
        }
    }
    for (i, &[ran, succeeded, attempts]) in p.nodes.iter().enumerate() {
        if ran > p.count || succeeded > ran || attempts < ran {
            return Err(bad(format!(
                "node {} ran {ran} times and succeeded {succeeded} times in {attempts} attempts, in {} iterations",
                i + 1,
                p.count
            )));
        }
    }
    if let Some((r, &k)) = p
        .risks_fired
        .iter()
        .enumerate()
        .find(|(_, k)| **k > p.count)
    {
        return Err(bad(format!(
            "risk {} occurred in {k} of {} iterations",
            r + 1,
            p.count
        )));
    }
    Ok(())
}

/// Checks every shard against the plan the scenario builds: its milestones, nodes, risks and
/// costs, and every counter against what the plan can do in the shard's iterations. Run after
/// [`read_all`], before `merge` adds anything up.
pub fn check(parts: &[(String, ShardFile)], plan: &crate::model::Plan) -> Result<(), ShardError> {
    for (path, p) in parts {
        let bad = |what: String| ShardError::Invalid {
            path: path.clone(),
            what,
        };
        let ids: Vec<&str> = plan.milestones().iter().map(|m| m.id.as_str()).collect();
        if p.milestones
            .iter()
            .map(String::as_str)
            .ne(ids.iter().copied())
        {
            return Err(bad(format!(
                "it names the milestones {}, but the scenario has {}",
                quoted(p.milestones.iter().map(String::as_str)),
                quoted(ids.iter().copied())
            )));
        }
        if p.costs != plan.has_costs() {
            return Err(bad(format!(
                "it {} costs, but the scenario declares {}",
                if p.costs { "has" } else { "has no" },
                if plan.has_costs() { "some" } else { "none" }
            )));
        }
        let nodes = plan.nodes();
        if p.nodes.len() != nodes.len() {
            return Err(bad(format!(
                "it counts {} tasks and milestones in `nodes`, but the scenario has {}",
                p.nodes.len(),
                nodes.len()
            )));
        }
        for (node, &[ran, _, attempts]) in nodes.iter().zip(&p.nodes) {
            // An experiment makes at most as many attempts as it has chances; anything else one.
            let most = node
                .experiment
                .as_ref()
                .map_or(1, |e| e.success.len().max(1) as u64);
            if attempts > ran.saturating_mul(most) {
                return Err(bad(format!(
                    "`{}` made {attempts} attempts in {ran} runs, more than {most} a run",
                    node.id
                )));
            }
        }
        if p.risks_fired.len() != plan.risks().len() {
            return Err(bad(format!(
                "it counts {} risks in `risks_fired`, but the scenario has {}",
                p.risks_fired.len(),
                plan.risks().len()
            )));
        }
        let want = p.milestones.len() * nodes.len();
        if p.critical.len() != want {
            return Err(bad(format!(
                "it has {} criticality counts, but {} milestones of {} nodes make {want}",
                p.critical.len(),
                p.milestones.len(),
                nodes.len()
            )));
        }
        // A node is critical for a milestone only in iterations that delivered it.
        let width = p.milestones.len() * (1 + usize::from(p.costs));
        for (m, id) in p.milestones.iter().enumerate() {
            let delivered = p
                .rows
                .iter()
                .skip(m)
                .step_by(width)
                .filter(|x| x.is_some())
                .count() as u64;
            let counts = &p.critical[m * nodes.len()..(m + 1) * nodes.len()];
            if let Some((i, &c)) = counts.iter().enumerate().find(|(_, c)| **c > delivered) {
                return Err(bad(format!(
                    "`{}` is on the critical path of `{id}` in {c} iterations, but `{id}` was delivered in {delivered}",
                    nodes[i].id
                )));
            }
        }
    }
    Ok(())
}

fn quoted<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = ids.map(|i| format!("`{i}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Reads the scenario the shards ran and checks that it has not changed since; returns its text.
/// `at` is where to read it, when not where the shards name it (`merge --scenario`).
pub fn read_scenario(
    first: &ShardFile,
    at: Option<&std::path::Path>,
) -> Result<String, ShardError> {
    let path = at.map_or(first.file.clone(), |p| p.display().to_string());
    let text = std::fs::read_to_string(&path).map_err(|source| ShardError::Scenario {
        path: path.clone(),
        source,
    })?;
    if fingerprint(&text) != first.fingerprint {
        return Err(ShardError::Changed(path));
    }
    Ok(text)
}

/// A fingerprint of scenario text: the same on every platform.
pub fn fingerprint(text: &str) -> String {
    format!("{:016x}", crate::model::key::stream_key(text))
}

pub fn sampling_name(s: Sampling) -> &'static str {
    match s {
        Sampling::MonteCarlo => "monte-carlo",
        Sampling::LatinHypercube => "latin-hypercube",
    }
}

impl ShardFile {
    /// The outcomes of this shard's iterations (without traces).
    pub fn outcomes(&self, seed: u64) -> Outcomes {
        Outcomes {
            iterations: self.count,
            first: self.first,
            seed,
            sampling: self.sampling(),
            rows: self
                .rows
                .iter()
                .map(|x| x.unwrap_or(f64::INFINITY))
                .collect(),
            milestones: self.milestones.len(),
            costs: self.costs,
            traced: vec![],
            nodes: self
                .nodes
                .iter()
                .map(|&[ran, succeeded, attempts]| NodeCounts {
                    ran,
                    succeeded,
                    attempts,
                })
                .collect(),
            risks_fired: self.risks_fired.clone(),
            critical: self.critical.clone(),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn shards_cover_the_run_once() {
        for (n, iterations) in [(1, 10), (4, 10), (16, 100_000), (7, 3)] {
            let mut next = 0;
            for k in 1..=n {
                let r = crate::engine::split(k, n, iterations);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, iterations);
        }
    }
}
