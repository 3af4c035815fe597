//! `shipcast.shard/3`: the exact outcomes of one shard of a run, for `shipcast merge`, laid out
//! so that a merge can stream them instead of holding the whole run.
//!
//! A shard file is three parts:
//!
//! 1. a first line `shipcast.shard/3 sha256:<hex>`: the format, and the SHA-256 of everything
//!    after that line, so an edited or damaged file is refused;
//! 2. a header, one line of JSON ([`ShardFile`]): the run it belongs to, its slice of the run,
//!    the milestones, and the integer counters (per node runs, successes and attempts; per risk
//!    occurrences; per milestone and node criticality), which add up over shards;
//! 3. the columns, binary, little-endian, per milestone in order, each `count` long: the
//!    finishes in ascending order (`f64::total_cmp`, ties in iteration order; infinity where not
//!    delivered), each an f64 and the u32 iteration within the shard; with costs, the costs in
//!    iteration order (f64), then the costs in ascending order (f64). The finishes in iteration
//!    order are the sorted ones put back by their iterations: 12 bytes per iteration and
//!    milestone, 28 with costs.
//!
//! Every figure of the summary is an order statistic, a count or a sum in a fixed order
//! ([`crate::analysis::streamed`]): the sorted columns of all shards are merged k ways
//! (memory: one read buffer per shard), and the costs are read in iteration order shard after
//! shard. The drivers keep each milestone's finish ranks (4 bytes per iteration, built by two
//! k-way walks) and read the run's first iterations for the what-ifs.
//!
//! Shard files are untrusted input: [`read_all`] checks the digest, then every header field
//! against the others ([`check_alone`]) and every column (values, order, each iteration once,
//! the sorted costs the same multiset as the costs), and [`check`] the header against the scenario's plan,
//! before `merge` does any arithmetic.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::analysis::streamed::MilestoneColumns;
use crate::engine::{Outcomes, Sampling};

pub const SHARD_SCHEMA: &str = "shipcast.shard/3";

/// Schemas of earlier shard formats, refused with a message that says so.
const OLD_SCHEMAS: [&str; 2] = ["shipcast.shard/1", "shipcast.shard/2"];

/// The longest header line read (the counters of a plan of thousands of nodes fit many times).
const MAX_HEADER: u64 = 256 << 20;

/// A shard file's header: everything but the columns.
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
    /// Whether the columns carry costs.
    pub costs: bool,
    /// Per node: runs, successes, attempts.
    pub nodes: Vec<[u64; 3]>,
    pub risks_fired: Vec<u64>,
    /// Per milestone, then node: iterations in which the node was on the milestone's critical
    /// path. Counts add up over shards, so a merged run ranks drivers as one run does.
    pub critical: Vec<u64>,
}

/// A shard file read and checked: its header, where its columns start, and what the columns
/// hold that the checks against the plan need.
#[derive(Debug, Clone)]
pub struct Shard {
    /// The path as named.
    pub path: String,
    pub header: ShardFile,
    /// Byte offset of the columns in the file.
    columns_at: u64,
    /// Per milestone: the iterations that delivered it.
    delivered: Vec<u64>,
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

/// The sorted order of a column: indices by value (`total_cmp`), ties in index order.
fn sorted_order(column: &[f64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..column.len() as u32).collect();
    order.sort_by(|&a, &b| column[a as usize].total_cmp(&column[b as usize]));
    order
}

/// Writes a shard file of the outcomes simulated as `run` says, for the plan with these
/// milestones.
pub fn write(
    out: &mut dyn Write,
    run: &ShardRun,
    milestones: Vec<String>,
    o: &Outcomes,
) -> std::io::Result<()> {
    let header = ShardFile {
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
        nodes: super::shard_set::counts_to_arrays(&o.nodes),
        risks_fired: o.risks_fired.clone(),
        critical: o.critical.clone(),
    };
    let mut body = serde_json::to_vec(&header).expect("a shard header serializes");
    body.push(b'\n');
    for m in 0..o.milestones {
        let finishes = o.milestone_column(m);
        let costs = o.cost_column(m);
        for i in sorted_order(&finishes) {
            body.extend_from_slice(&finishes[i as usize].to_le_bytes());
            body.extend_from_slice(&i.to_le_bytes());
        }
        for x in costs.iter().flatten() {
            body.extend_from_slice(&x.to_le_bytes());
        }
        if let Some(mut c) = costs {
            radsort::sort(&mut c);
            for x in c {
                body.extend_from_slice(&x.to_le_bytes());
            }
        }
    }
    let digest = sha256_hex(&body);
    out.write_all(format!("{SHARD_SCHEMA} sha256:{digest}\n").as_bytes())?;
    out.write_all(&body)
}

impl ShardFile {
    /// The sampling the shards ran with (checked by [`read_all`]).
    pub fn sampling(&self) -> Sampling {
        if self.sampling == sampling_name(Sampling::LatinHypercube) {
            Sampling::LatinHypercube
        } else {
            Sampling::MonteCarlo
        }
    }

    /// Bytes of one milestone's columns.
    fn milestone_bytes(&self) -> u64 {
        self.count * (12 + if self.costs { 16 } else { 0 })
    }
}

/// Reads shard files and checks that they are every shard of one run, once each, each whole
/// and consistent; returns them in shard order.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Shard>, ShardError> {
    if paths.is_empty() {
        return Err(ShardError::NoShards);
    }
    let mut parts = Vec::new();
    for p in paths {
        parts.push(read_one(p)?);
    }
    parts.sort_by_key(|p| p.header.shard);
    let first = &parts[0].header;
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
            p.costs,
            p.version.clone(),
        )
    };
    if let Some(p) = parts.iter().find(|p| key(&p.header) != key(first)) {
        return Err(ShardError::OtherRun {
            path: p.path.clone(),
            first: parts[0].path.clone(),
        });
    }
    let have: Vec<u64> = parts.iter().map(|p| p.header.shard).collect();
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
    hex(&sha2::Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes what it reads.
struct Hashing {
    inner: BufReader<std::fs::File>,
    hash: sha2::Sha256,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

impl BufRead for Hashing {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.hash.update(&self.inner.buffer()[..n]);
        self.inner.consume(n);
    }
}

/// Reads one shard file: its first line, then the header and columns, hashing them; the
/// digest is judged first (an edited or damaged file says so), then the header and columns.
fn read_one(p: &std::path::Path) -> Result<Shard, ShardError> {
    let path = p.display().to_string();
    let io = |source: std::io::Error| ShardError::Io {
        path: path.clone(),
        source,
    };
    let not_shard = |what: String| ShardError::NotShard {
        path: path.clone(),
        what,
    };
    let no_head = || not_shard(format!("it does not start with `{SHARD_SCHEMA} sha256:`"));
    let file = std::fs::File::open(p).map_err(io)?;
    if file.metadata().map_err(io)?.is_dir() {
        return Err(not_shard("it is a directory".into()));
    }
    let mut r = BufReader::with_capacity(1 << 16, file);
    // The first line: at most the schema, a space and a digest.
    let mut head = Vec::new();
    (&mut r)
        .take(200)
        .read_until(b'\n', &mut head)
        .map_err(io)?;
    if head.is_empty() {
        return Err(not_shard("the file is empty".into()));
    }
    if head[0] == b'{' {
        // Format 1 was one line of JSON naming its schema.
        let text = String::from_utf8_lossy(&head);
        for old in OLD_SCHEMAS {
            if text.contains(&format!("\"schema\":\"{old}\"")) {
                return Err(ShardError::OldFormat {
                    path,
                    schema: old.to_string(),
                });
            }
        }
        return Err(no_head());
    }
    if head.last() != Some(&b'\n') {
        return Err(no_head());
    }
    let head = std::str::from_utf8(&head[..head.len() - 1]).map_err(|_| no_head())?;
    let Some((schema, digest)) = head.split_once(' ') else {
        return Err(no_head());
    };
    if OLD_SCHEMAS.contains(&schema) {
        return Err(ShardError::OldFormat {
            path,
            schema: schema.to_string(),
        });
    }
    if !schema.starts_with("shipcast.shard/") {
        return Err(no_head());
    }
    if schema != SHARD_SCHEMA {
        return Err(ShardError::Schema {
            path,
            schema: schema.to_string(),
        });
    }
    let Some(digest) = digest.strip_prefix("sha256:") else {
        return Err(no_head());
    };
    let columns_at_line = head.len() as u64 + 1;
    let mut h = Hashing {
        inner: r,
        hash: sha2::Sha256::new(),
    };
    let mut header_line = Vec::new();
    (&mut h)
        .take(MAX_HEADER)
        .read_until(b'\n', &mut header_line)
        .map_err(io)?;
    let header: Result<ShardFile, ShardError> = if header_line.last() != Some(&b'\n') {
        Err(ShardError::Invalid {
            path: path.clone(),
            what: "its header line is cut short or longer than 256 MiB".into(),
        })
    } else {
        serde_json::from_slice(&header_line).map_err(|source| ShardError::OtherBuild {
            path: path.clone(),
            source,
        })
    };
    let header = header.and_then(|hd| {
        if hd.schema != SHARD_SCHEMA {
            return Err(ShardError::Schema {
                path: path.clone(),
                schema: hd.schema,
            });
        }
        check_alone(&path, &hd)?;
        Ok(hd)
    });
    let columns = match &header {
        Ok(hd) => read_columns(&path, &mut h, hd),
        Err(_) => Ok(vec![]),
    };
    // Whatever went wrong, the rest is hashed: an edited or damaged file says so first.
    let extra = std::io::copy(&mut h, &mut std::io::sink()).map_err(io)?;
    if hex(&h.hash.finalize()) != digest {
        return Err(ShardError::Digest { path });
    }
    let header = header?;
    let delivered = columns?;
    if extra > 0 {
        return Err(ShardError::Invalid {
            path,
            what: format!("it has {extra} bytes after its columns"),
        });
    }
    Ok(Shard {
        path,
        columns_at: columns_at_line + header_line.len() as u64,
        header,
        delivered,
    })
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
    let bytes = (p.milestones.len() as u64)
        .checked_mul(p.count)
        .and_then(|b| b.checked_mul(28));
    if bytes.is_none() {
        return Err(bad(format!(
            "{} milestones of {} iterations are more than a file holds",
            p.milestones.len(),
            p.count
        )));
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
pub fn check(parts: &[Shard], plan: &crate::model::Plan) -> Result<(), ShardError> {
    for Shard {
        path,
        header: p,
        delivered,
        ..
    } in parts
    {
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
        for (m, id) in p.milestones.iter().enumerate() {
            let delivered = delivered[m];
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

/// Reads `n` little-endian f64s.
fn read_f64s(r: &mut impl Read, n: usize) -> std::io::Result<Vec<f64>> {
    let mut bytes = vec![0u8; n * 8];
    r.read_exact(&mut bytes)?;
    Ok(bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect())
}

/// Reads and checks a shard's columns (the header already checked): the values, and that each
/// sorted column is its iteration-order column sorted. Returns each milestone's deliveries.
fn read_columns(path: &str, r: &mut Hashing, h: &ShardFile) -> Result<Vec<u64>, ShardError> {
    let bad = |what: String| ShardError::Invalid {
        path: path.to_string(),
        what,
    };
    let short = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            bad(format!(
                "its columns are cut short ({} iterations of {} milestones{} were announced)",
                h.count,
                h.milestones.len(),
                if h.costs { " with costs" } else { "" }
            ))
        } else {
            ShardError::Io {
                path: path.to_string(),
                source: e,
            }
        }
    };
    let n = h.count as usize;
    let mut delivered = Vec::with_capacity(h.milestones.len());
    for id in &h.milestones {
        // The sorted finishes: each iteration once, in ascending order, numbers from 0 or
        // infinity. Memory: one bit per iteration.
        let mut seen = vec![0u64; n.div_ceil(64)];
        let mut prev: Option<(f64, u32)> = None;
        let mut finite = 0u64;
        let mut rec = [0u8; 12];
        for _ in 0..n {
            r.read_exact(&mut rec).map_err(short)?;
            let x = f64::from_le_bytes(rec[..8].try_into().expect("8 bytes"));
            let i = u32::from_le_bytes(rec[8..].try_into().expect("4 bytes"));
            if !(x == f64::INFINITY || (x.is_finite() && x >= 0.0)) {
                return Err(bad(format!(
                    "iteration {} has {x} as the finish of `{id}` (finishes are numbers from 0, or infinity for never)",
                    h.first + u64::from(i)
                )));
            }
            let (word, bit) = (i as usize / 64, 1u64 << (i % 64));
            let ok = (i as usize) < n
                && seen[word] & bit == 0
                && prev.is_none_or(|(px, pi)| px.total_cmp(&x).then(pi.cmp(&i)).is_lt());
            if !ok {
                return Err(bad(format!(
                    "the sorted finishes of `{id}` are not each iteration's finish once, in ascending order"
                )));
            }
            seen[word] |= bit;
            finite += u64::from(x.is_finite());
            prev = Some((x, i));
        }
        delivered.push(finite);
        if h.costs {
            // The costs, then the same costs in ascending order: the same multiset, checked by
            // two order-free sums of mixed bits (memory: nothing per iteration).
            let mut sums = [0u64; 2];
            for k in 0..n {
                let x = read_f64(r).map_err(short)?;
                if !(x.is_finite() && x >= 0.0) {
                    return Err(bad(format!(
                        "iteration {} has {x} as the cost of `{id}` (costs are numbers from 0)",
                        h.first + k as u64
                    )));
                }
                add_mixed(&mut sums, x);
            }
            let mut sorted_sums = [0u64; 2];
            let mut prev = f64::NEG_INFINITY;
            for _ in 0..n {
                let x = read_f64(r).map_err(short)?;
                if prev.total_cmp(&x).is_gt() {
                    return Err(bad(format!(
                        "the sorted costs of `{id}` are not its costs in ascending order"
                    )));
                }
                add_mixed(&mut sorted_sums, x);
                prev = x;
            }
            if sums != sorted_sums {
                return Err(bad(format!(
                    "the sorted costs of `{id}` are not its costs in ascending order"
                )));
            }
        }
    }
    Ok(delivered)
}

/// Adds two independent 64-bit mixes of a value's bits to `sums`: equal multisets of values
/// give equal sums, whatever their order; different ones almost never do.
fn add_mixed(sums: &mut [u64; 2], x: f64) {
    let b = x.to_bits();
    sums[0] = sums[0].wrapping_add(crate::model::key::mix64(b ^ 0x9e37_79b9_7f4a_7c15));
    sums[1] = sums[1].wrapping_add(crate::model::key::mix64(
        b.rotate_left(29) ^ 0xd1b5_4a32_d192_ed03,
    ));
}

/// Where a column of milestone `m` starts in a shard file.
#[derive(Clone, Copy)]
enum Section {
    SortedFinishes,
    Costs,
    SortedCosts,
}

impl Shard {
    fn offset(&self, m: usize, s: Section) -> u64 {
        let h = &self.header;
        let n = h.count;
        self.columns_at
            + m as u64 * h.milestone_bytes()
            + match s {
                Section::SortedFinishes => 0,
                Section::Costs => 12 * n,
                Section::SortedCosts => 12 * n + 8 * n,
            }
    }

    /// A reader at a column.
    fn open(&self, m: usize, s: Section) -> std::io::Result<BufReader<std::fs::File>> {
        let mut f = std::fs::File::open(&self.path)?;
        f.seek(SeekFrom::Start(self.offset(m, s)))?;
        Ok(BufReader::with_capacity(1 << 16, f))
    }

    /// The counters of this shard, as outcomes with no rows.
    fn counters(&self, seed: u64) -> Outcomes {
        let h = &self.header;
        Outcomes {
            iterations: h.count,
            first: h.first,
            seed,
            sampling: h.sampling(),
            rows: vec![],
            milestones: h.milestones.len(),
            costs: h.costs,
            traced: vec![],
            nodes: super::shard_set::arrays_to_counts(&h.nodes),
            risks_fired: h.risks_fired.clone(),
            critical: h.critical.clone(),
        }
    }

    /// The outcomes of this shard's iterations, rows included (without traces).
    fn outcomes(&self, seed: u64) -> std::io::Result<Outcomes> {
        let mut o = self.counters(seed);
        let (n, ms) = (self.header.count as usize, o.milestones);
        let width = ms * (1 + usize::from(o.costs));
        o.rows = vec![0.0; n * width];
        for m in 0..ms {
            for (i, x) in self.finishes(m)?.into_iter().enumerate() {
                o.rows[i * width + m] = x;
            }
            if o.costs {
                let mut r = self.open(m, Section::Costs)?;
                for (i, x) in read_f64s(&mut r, n)?.into_iter().enumerate() {
                    o.rows[i * width + ms + m] = x;
                }
            }
        }
        Ok(o)
    }

    /// Milestone `m`'s finishes in iteration order, from its sorted column (checked to hold
    /// each iteration once).
    fn finishes(&self, m: usize) -> std::io::Result<Vec<f64>> {
        let n = self.header.count as usize;
        let mut r = self.open(m, Section::SortedFinishes)?;
        let mut finishes = vec![f64::INFINITY; n];
        let mut rec = [0u8; 12];
        for _ in 0..n {
            r.read_exact(&mut rec)?;
            let i = u32::from_le_bytes(rec[8..].try_into().expect("4 bytes")) as usize;
            if let Some(slot) = finishes.get_mut(i) {
                *slot = f64::from_le_bytes(rec[..8].try_into().expect("8 bytes"));
            }
        }
        Ok(finishes)
    }
}

/// The counters of the whole run (rows empty), from every shard in order.
pub fn counters(parts: &[Shard], seed: u64) -> Outcomes {
    let mut o = parts[0].counters(seed);
    for p in &parts[1..] {
        o.append(p.counters(seed));
    }
    o
}

/// The outcomes of the run's first iterations, rows included: whole shards, from the first,
/// until they hold at least `iterations` (or the whole run).
pub fn head(parts: &[Shard], seed: u64, iterations: u64) -> Result<Outcomes, ShardError> {
    let mut held = 0;
    let k = parts
        .iter()
        .take_while(|p| {
            let more = held < iterations;
            held += p.header.count;
            more
        })
        .count()
        .max(1);
    let mut head = outcomes(&parts[..k], seed)?;
    if head.iterations > iterations {
        head.rows.truncate(iterations as usize * head.row_len());
        head.iterations = iterations;
    }
    Ok(head)
}

/// The outcomes of these shards (in order, from the run's first), every row in memory.
pub fn outcomes(parts: &[Shard], seed: u64) -> Result<Outcomes, ShardError> {
    let mut out: Option<Outcomes> = None;
    for p in parts {
        let o = p.outcomes(seed).map_err(|source| ShardError::Io {
            path: p.path.clone(),
            source,
        })?;
        match &mut out {
            None => out = Some(o),
            Some(all) => all.append(o),
        }
    }
    Ok(out.expect("at least one shard"))
}

/// One milestone's columns over every shard, streamed from the files: the sorted ones merged
/// k ways, the others shard after shard. A read that fails ends the stream and is kept for
/// [`Streams::error`].
pub struct Streams<'a> {
    parts: &'a [Shard],
    m: usize,
    error: RefCell<Option<ShardError>>,
}

impl<'a> Streams<'a> {
    /// Milestone `m`'s columns over `parts` (checked by [`read_all`], in shard order).
    pub fn new(parts: &'a [Shard], m: usize) -> Streams<'a> {
        Streams {
            parts,
            m,
            error: RefCell::new(None),
        }
    }

    /// The first read that failed, if one did.
    pub fn error(&self) -> Option<ShardError> {
        self.error.borrow_mut().take()
    }

    fn fail(&self, p: &Shard, source: std::io::Error) {
        self.error.borrow_mut().get_or_insert(ShardError::Io {
            path: p.path.clone(),
            source,
        });
    }

    /// Readers at section `s` of every shard (none when one cannot be opened).
    fn readers(&self, s: Section) -> Vec<BufReader<std::fs::File>> {
        let mut v = Vec::with_capacity(self.parts.len());
        for p in self.parts {
            match p.open(self.m, s) {
                Ok(r) => v.push(r),
                Err(e) => {
                    self.fail(p, e);
                    return vec![];
                }
            }
        }
        v
    }
}

fn read_f64(r: &mut impl Read) -> std::io::Result<f64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(f64::from_le_bytes(b))
}

/// A value and where it came from, ordered by value (`total_cmp`), then by `key`, reversed for
/// the max-heap.
struct Head {
    x: f64,
    key: u64,
    shard: usize,
}

impl PartialEq for Head {
    fn eq(&self, o: &Head) -> bool {
        self.cmp(o).is_eq()
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, o: &Head) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Head {
    fn cmp(&self, o: &Head) -> std::cmp::Ordering {
        o.x.total_cmp(&self.x).then(o.key.cmp(&self.key))
    }
}

/// A k-way merge of ascending streams: `next(shard)` reads the next (value, key) of a shard.
struct KWay<F> {
    heap: std::collections::BinaryHeap<Head>,
    next: F,
}

impl<F: FnMut(usize) -> Option<(f64, u64)>> KWay<F> {
    fn new(k: usize, mut next: F) -> KWay<F> {
        let heap = (0..k)
            .filter_map(|s| next(s).map(|(x, key)| Head { x, key, shard: s }))
            .collect();
        KWay { heap, next }
    }
}

impl<F: FnMut(usize) -> Option<(f64, u64)>> Iterator for KWay<F> {
    type Item = (f64, u64);
    fn next(&mut self) -> Option<(f64, u64)> {
        let top = self.heap.pop()?;
        if let Some((x, key)) = (self.next)(top.shard) {
            self.heap.push(Head {
                x,
                key,
                shard: top.shard,
            });
        }
        Some((top.x, top.key))
    }
}

impl MilestoneColumns for Streams<'_> {
    fn iterations(&self) -> u64 {
        self.parts.iter().map(|p| p.header.count).sum()
    }

    fn sorted(&self) -> Box<dyn Iterator<Item = (f64, u64)> + '_> {
        let mut readers = self.readers(Section::SortedFinishes);
        let ok = readers.len() == self.parts.len();
        let mut left: Vec<u64> = self.parts.iter().map(|p| p.header.count).collect();
        let next = move |s: usize| -> Option<(f64, u64)> {
            if !ok || left[s] == 0 {
                return None;
            }
            left[s] -= 1;
            let mut b = [0u8; 12];
            match readers[s].read_exact(&mut b) {
                Ok(()) => {
                    let x = f64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
                    let i = u32::from_le_bytes(b[8..].try_into().expect("4 bytes"));
                    Some((x, self.parts[s].header.first + u64::from(i)))
                }
                Err(e) => {
                    self.fail(&self.parts[s], e);
                    left[s] = 0;
                    None
                }
            }
        };
        Box::new(KWay::new(self.parts.len(), next))
    }

    fn sorted_costs(&self) -> Box<dyn Iterator<Item = f64> + '_> {
        if !self.costs() {
            return Box::new(std::iter::empty());
        }
        let mut readers = self.readers(Section::SortedCosts);
        let ok = readers.len() == self.parts.len();
        let mut left: Vec<u64> = self.parts.iter().map(|p| p.header.count).collect();
        let next = move |s: usize| -> Option<(f64, u64)> {
            if !ok || left[s] == 0 {
                return None;
            }
            left[s] -= 1;
            match read_f64(&mut readers[s]) {
                // Equal costs are interchangeable: the key only makes the order total.
                Ok(x) => Some((x, s as u64)),
                Err(e) => {
                    self.fail(&self.parts[s], e);
                    left[s] = 0;
                    None
                }
            }
        };
        Box::new(KWay::new(self.parts.len(), next).map(|(x, _)| x))
    }

    fn costs_in_order(&self) -> Box<dyn Iterator<Item = f64> + '_> {
        if !self.costs() {
            return Box::new(std::iter::empty());
        }
        // Shard after shard, read as they are.
        Box::new(self.parts.iter().flat_map(move |p| {
            let mut r = match p.open(self.m, Section::Costs) {
                Ok(r) => r,
                Err(e) => {
                    self.fail(p, e);
                    return Box::new(std::iter::empty()) as Box<dyn Iterator<Item = f64> + '_>;
                }
            };
            let mut left = p.header.count;
            Box::new(std::iter::from_fn(move || {
                if left == 0 {
                    return None;
                }
                left -= 1;
                match read_f64(&mut r) {
                    Ok(x) => Some(x),
                    Err(e) => {
                        self.fail(p, e);
                        left = 0;
                        None
                    }
                }
            }))
        }))
    }

    fn pairs_in_order(&self) -> Box<dyn Iterator<Item = (f64, f64)> + '_> {
        // Shard after shard: its finishes put back in iteration order (one shard's column in
        // memory), zipped with its costs.
        let costs = self.costs_in_order();
        let finishes = self
            .parts
            .iter()
            .flat_map(move |p| match p.finishes(self.m) {
                Ok(f) => f,
                Err(e) => {
                    self.fail(p, e);
                    vec![]
                }
            });
        Box::new(finishes.zip(costs))
    }

    fn costs(&self) -> bool {
        self.parts[0].header.costs
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
