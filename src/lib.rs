//! shipcast: forecast when a technical program will deliver, with honest odds.
//!
//! The library is a pipeline of plain functions:
//! [`scenario::load`] (file to validated [`model::Plan`]) ->
//! [`engine::simulate`] (plan to raw [`engine::Outcomes`]) ->
//! [`analysis::summarize`] (outcomes to forecasts with intervals) ->
//! [`report`] (forecasts to text, JSON or CSV).
//!
//! ```
//! let plan = shipcast::scenario::load_str("plan.toml", r#"
//! [[task]]
//! id = "build"
//! duration = [5, 8, 15]
//! "#).unwrap();
//! let outcomes = shipcast::engine::simulate(&plan, &shipcast::engine::Config::new(2000, 1));
//! let summary = shipcast::analysis::summarize(&plan, &outcomes);
//! let p50 = summary.milestones[0].p50().days.unwrap();
//! assert!(p50 > 5.0 && p50 < 15.0);
//! ```

pub mod analysis;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod model;
pub mod report;
pub mod scenario;
