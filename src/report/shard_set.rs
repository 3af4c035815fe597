//! What the shard files of sweeps and batches share: telling the kinds of shard file apart,
//! the errors of a set of shards, and the checks that a set is every shard once.
//!
//! A run's shard file (`shard.rs`) is told apart from these by its schema: the files here open
//! with `{"schema":"shipcast.sweep-shard/…` or `{"schema":"shipcast.batch-shard/…`, and
//! whatever does not is left to the run's merge.

use std::io::Read;
use std::path::PathBuf;

/// The kinds of shard file `merge` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `run FILE --shard K/N` (read by `shard.rs`).
    Run,
    /// `sweep --shard K/N`.
    Sweep,
    /// `run DIR --shard K/N` (several files).
    Batch,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Batch => "batch",
        }
    }

    /// The schema prefix of this kind's files (the run's belongs to `shard.rs`).
    fn schema_prefix(self) -> Option<&'static str> {
        match self {
            Kind::Run => None,
            Kind::Sweep => Some("shipcast.sweep-shard/"),
            Kind::Batch => Some("shipcast.batch-shard/"),
        }
    }
}

/// Why the shard files of a sweep or a batch could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a shipcast {kind} shard file: {source}")]
    NotShard {
        path: String,
        kind: &'static str,
        source: serde_json::Error,
    },
    #[error("{path} is a {schema} file; this build of shipcast reads {expected}")]
    Schema {
        path: String,
        schema: String,
        expected: &'static str,
    },
    #[error("{path}: `{field}` {problem}")]
    Field {
        path: String,
        field: String,
        problem: String,
    },
    #[error("{path} is a shard of a {kind} but {first} is a shard of a {first_kind}")]
    Mixed {
        path: String,
        kind: &'static str,
        first: String,
        first_kind: &'static str,
    },
    #[error("{path} is a shard of another {kind} than {first}: their `{field}` differ")]
    OtherSet {
        path: String,
        kind: &'static str,
        first: String,
        field: &'static str,
    },
    #[error("shard {shard} of {shards} is given twice: {first} and {again}")]
    Duplicate {
        shard: u64,
        shards: u64,
        first: String,
        again: String,
    },
    #[error("the shards do not make the whole {kind}: missing shard {} of {shards}", list(.missing))]
    Missing {
        kind: &'static str,
        shards: u64,
        missing: Vec<u64>,
    },
    #[error("cannot read {path} (a scenario the shards ran): {source}")]
    Scenario {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} changed since the shards ran")]
    Changed(String),
}

impl SetError {
    /// What to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SetError::NotShard { .. } | SetError::Field { .. } => Some(
                "give the files `shipcast sweep --shard K/N` or `shipcast run DIR --shard K/N` printed, unchanged",
            ),
            SetError::Schema { .. } => {
                Some("run every shard again with this build of shipcast, then merge")
            }
            SetError::Mixed { .. } | SetError::OtherSet { .. } => Some(
                "merge the N shard files of one command at a time (same files, settings, seed and shard count)",
            ),
            SetError::Duplicate { .. } | SetError::Missing { .. } => Some(
                "give every shard 1..N of the command once (an empty shard still writes its file)",
            ),
            SetError::Changed(_) | SetError::Scenario { .. } => Some(
                "merge in the directory the shards ran in, with the scenarios as they ran; or run the shards again",
            ),
            SetError::Io { .. } => None,
        }
    }
}

fn list(missing: &[u64]) -> String {
    missing
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The kind of a shard file, from its opening bytes; `None` when it cannot be read (the run's
/// merge reports that).
fn kind_of(path: &std::path::Path) -> Option<Kind> {
    let mut head = Vec::with_capacity(256);
    std::fs::File::open(path)
        .ok()?
        .take(256)
        .read_to_end(&mut head)
        .ok()?;
    let head = String::from_utf8_lossy(&head);
    let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    [Kind::Sweep, Kind::Batch]
        .into_iter()
        .find(|k| {
            let prefix = k.schema_prefix().unwrap_or_default();
            compact.starts_with(&format!("{{\"schema\":\"{prefix}"))
        })
        .or(Some(Kind::Run))
}

/// The kind of every shard file given, refusing a mix of kinds. Files that cannot be read
/// count as run shards (whose merge names them).
pub fn kind(paths: &[PathBuf]) -> Result<Kind, SetError> {
    let kinds: Vec<(String, Kind)> = paths
        .iter()
        .filter_map(|p| kind_of(p).map(|k| (p.display().to_string(), k)))
        .collect();
    let Some((first, k)) = kinds.first() else {
        return Ok(Kind::Run);
    };
    if let Some((path, other)) = kinds.iter().find(|(_, o)| o != k) {
        return Err(SetError::Mixed {
            path: path.clone(),
            kind: other.name(),
            first: first.clone(),
            first_kind: k.name(),
        });
    }
    Ok(*k)
}

/// Reads a shard file's text.
pub fn read(path: &std::path::Path) -> Result<String, SetError> {
    std::fs::read_to_string(path).map_err(|source| SetError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Checks the schema and kind fields of a file of kind `kind` whose schema is `expected`.
pub fn check_schema(
    path: &str,
    schema: &str,
    kind_field: &str,
    expected: &'static str,
    kind: Kind,
) -> Result<(), SetError> {
    if schema != expected {
        return Err(SetError::Schema {
            path: path.into(),
            schema: schema.into(),
            expected,
        });
    }
    if kind_field != kind.name() {
        return Err(field(
            path,
            "kind",
            format!(
                "is {kind_field:?}; a {expected} file says {:?}",
                kind.name()
            ),
        ));
    }
    Ok(())
}

/// A field that is not what the format says.
pub fn field(path: &str, name: impl Into<String>, problem: impl Into<String>) -> SetError {
    SetError::Field {
        path: path.into(),
        field: name.into(),
        problem: problem.into(),
    }
}

/// Checks `shard` and `shards`: 1 <= shard <= shards <= the most shards allowed.
pub fn check_numbers(path: &str, shard: u64, shards: u64) -> Result<(), SetError> {
    let max = crate::pipeline::MAX_SHARDS;
    if shards == 0 || shards > max {
        return Err(field(
            path,
            "shards",
            format!("is {shards}; give 1 to {max}"),
        ));
    }
    if shard == 0 || shard > shards {
        return Err(field(
            path,
            "shard",
            format!("is {shard}; shards are numbered 1 to {shards}"),
        ));
    }
    Ok(())
}

/// Sorts shards (path, shard number) into shard order, checking that they are every shard
/// 1..=`shards` once each.
pub fn check_complete<T>(
    kind: Kind,
    shards: u64,
    parts: &mut [(String, T)],
    number: impl Fn(&T) -> u64,
) -> Result<(), SetError> {
    parts.sort_by_key(|(_, p)| number(p));
    for w in parts.windows(2) {
        if number(&w[0].1) == number(&w[1].1) {
            return Err(SetError::Duplicate {
                shard: number(&w[0].1),
                shards,
                first: w[0].0.clone(),
                again: w[1].0.clone(),
            });
        }
    }
    let have: Vec<u64> = parts.iter().map(|(_, p)| number(p)).collect();
    let missing: Vec<u64> = (1..=shards).filter(|k| !have.contains(k)).collect();
    if !missing.is_empty() {
        return Err(SetError::Missing {
            kind: kind.name(),
            shards,
            missing,
        });
    }
    Ok(())
}

/// Reads a scenario a set of shards ran and checks it is the text they ran; returns it.
pub fn read_scenario(path: &str, fingerprint: &str) -> Result<String, SetError> {
    let text = std::fs::read_to_string(path).map_err(|source| SetError::Scenario {
        path: path.into(),
        source,
    })?;
    if self::fingerprint(&text) != fingerprint {
        return Err(SetError::Changed(path.into()));
    }
    Ok(text)
}

/// A fingerprint of a scenario's text: the same on every platform.
pub fn fingerprint(text: &str) -> String {
    format!("{:016x}", crate::model::key::stream_key(text))
}

/// Checks a fingerprint field's form: 16 lowercase hexadecimal digits.
pub fn check_fingerprint(path: &str, name: &str, f: &str) -> Result<(), SetError> {
    if f.len() == 16
        && f.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(field(
            path,
            name,
            format!("is {f:?}, not 16 hexadecimal digits"),
        ))
    }
}

/// Checks a sampling field and returns the sampling it names.
pub fn sampling(path: &str, s: &str) -> Result<crate::engine::Sampling, SetError> {
    use crate::engine::Sampling;
    match s {
        "monte-carlo" => Ok(Sampling::MonteCarlo),
        "latin-hypercube" => Ok(Sampling::LatinHypercube),
        _ => Err(field(
            path,
            "sampling",
            format!("is {s:?}; it is \"monte-carlo\" or \"latin-hypercube\""),
        )),
    }
}

/// A run's per-node counters as shard files hold them: `[runs, successes, attempts]`.
pub fn counts_to_arrays(counts: &[crate::engine::NodeCounts]) -> Vec<[u64; 3]> {
    counts
        .iter()
        .map(|c| [c.ran, c.succeeded, c.attempts])
        .collect()
}

/// [`counts_to_arrays`] read back.
pub fn arrays_to_counts(arrays: &[[u64; 3]]) -> Vec<crate::engine::NodeCounts> {
    arrays
        .iter()
        .map(|&[ran, succeeded, attempts]| crate::engine::NodeCounts {
            ran,
            succeeded,
            attempts,
        })
        .collect()
}

pub fn sampling_name(s: crate::engine::Sampling) -> &'static str {
    match s {
        crate::engine::Sampling::MonteCarlo => "monte-carlo",
        crate::engine::Sampling::LatinHypercube => "latin-hypercube",
    }
}

/// One line of JSON, the form every shard file is written in.
pub fn render(value: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string(value).expect("a shard file serializes");
    s.push('\n');
    s
}

/// A sweep or batch shard file as a set reads it: checked on its own, compared with the set's
/// first file, numbered within the set.
pub trait SetPart: serde::de::DeserializeOwned + Clone {
    const KIND: Kind;
    /// Every field of the file on its own (`path` for messages).
    fn check(&self, path: &str) -> Result<(), SetError>;
    /// The first setting in which `other` differs from this file, if any.
    fn settings_differ(&self, other: &Self) -> Option<&'static str>;
    /// Its K of K/N.
    fn shard(&self) -> u64;
    /// Its N of K/N.
    fn shards(&self) -> u64;
}

/// Reads shard files of one kind, checks every field and that they are every shard of one
/// command, once each; returns them in shard order with their paths.
pub fn read_all<T: SetPart>(paths: &[PathBuf]) -> Result<Vec<(String, T)>, SetError> {
    let kind = T::KIND.name();
    let mut parts = Vec::new();
    for p in paths {
        let path = p.display().to_string();
        let text = read(p)?;
        let part: T = serde_json::from_str(&text).map_err(|source| SetError::NotShard {
            path: path.clone(),
            kind,
            source,
        })?;
        part.check(&path)?;
        parts.push((path, part));
    }
    let (first_path, first) = parts.first().cloned().ok_or_else(|| SetError::Missing {
        kind,
        shards: 0,
        missing: vec![],
    })?;
    for (path, p) in &parts {
        if let Some(name) = first.settings_differ(p) {
            return Err(SetError::OtherSet {
                path: path.clone(),
                kind,
                first: first_path,
                field: name,
            });
        }
    }
    check_complete(T::KIND, first.shards(), &mut parts, |p| p.shard())?;
    Ok(parts)
}
