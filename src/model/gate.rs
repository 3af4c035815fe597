//! Gates set from outside the scenario (`--gate`), checked against the plan.

use jiff::civil::Date;

use super::{Deadline, Plan};

/// A gate set from outside the scenario (`--gate`): it replaces a milestone's own deadline and
/// confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct GateSpec {
    /// The gate as the user wrote it, for messages and for shard files.
    pub text: String,
    pub milestone: String,
    pub deadline: DeadlineSpec,
    /// In (0, 1].
    pub confidence: f64,
}

/// A deadline as written: whole working days from the start, or a date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeadlineSpec {
    Days(u32),
    Date(Date),
}

/// Why a gate does not fit the plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateError {
    #[error("`{text}`: the plan has no milestone `{id}` (it has {})", .known.join(", "))]
    NoMilestone {
        text: String,
        id: String,
        known: Vec<String>,
    },
    #[error("`{0}`: a deadline date needs [project] start; give working days instead")]
    NoStart(String),
    #[error("`{text}`: the deadline {date} is before the start {start}")]
    BeforeStart {
        text: String,
        date: Date,
        start: Date,
    },
    #[error("`{text}`: cannot place {date} on the calendar")]
    OffCalendar { text: String, date: Date },
    #[error("the confidence must be in (0, 1], got {0}")]
    Confidence(f64),
}

impl Plan {
    /// Sets a gate from outside the scenario: it replaces the milestone's own deadline and
    /// confidence.
    pub fn set_gate(&mut self, gate: &GateSpec) -> Result<(), GateError> {
        let text = || gate.text.clone();
        if !(gate.confidence > 0.0 && gate.confidence <= 1.0) {
            return Err(GateError::Confidence(gate.confidence));
        }
        let m = self
            .milestones
            .iter()
            .position(|m| m.id == gate.milestone)
            .ok_or_else(|| GateError::NoMilestone {
                text: text(),
                id: gate.milestone.clone(),
                known: self.milestones.iter().map(|m| m.id.clone()).collect(),
            })?;
        let deadline = match gate.deadline {
            DeadlineSpec::Days(days) => Deadline {
                days: f64::from(days),
                date: self.calendar.finish_date(f64::from(days)),
            },
            DeadlineSpec::Date(date) => {
                let start = self
                    .calendar
                    .start
                    .ok_or_else(|| GateError::NoStart(text()))?;
                if date < start {
                    return Err(GateError::BeforeStart {
                        text: text(),
                        date,
                        start,
                    });
                }
                let days = self
                    .calendar
                    .deadline_time(date)
                    .ok_or_else(|| GateError::OffCalendar { text: text(), date })?;
                Deadline {
                    days,
                    date: Some(date),
                }
            }
        };
        self.milestones[m].deadline = Some(deadline);
        self.milestones[m].confidence = Some(gate.confidence);
        Ok(())
    }
}
