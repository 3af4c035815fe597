//! shipcast: forecast when a technical program will deliver, with honest odds.
//!
//! The library has one entry, [`pipeline`]: [`load`] (file to validated [`model::Plan`]), then
//! [`pipeline::forecast`] (plan and [`pipeline::RunSpec`] to a [`pipeline::Forecast`]: simulated,
//! summarised with intervals, with drivers when asked), then [`report`] (to text, JSON, CSV,
//! Markdown, HTML and charts). Underneath, [`engine::simulate`] and [`analysis::summarize`] are
//! plain functions too.
//!
//! ```
//! let plan = shipcast::load_str("plan.toml", r#"
//! [[task]]
//! id = "build"
//! duration = [5, 8, 15]
//! "#).unwrap();
//! let spec = shipcast::pipeline::RunSpec { iterations: Some(2000), ..Default::default() };
//! let f = shipcast::pipeline::forecast(plan, &spec, None, &shipcast::pipeline::Quiet).unwrap();
//! let p50 = f.summary.milestones[0].p50().days.unwrap();
//! assert!(p50 > 5.0 && p50 < 15.0);
//! ```

#[macro_use]
mod multiversion;

pub mod analysis;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod import;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod scenario;

pub use pipeline::{load, load_all, load_all_str, load_str};
