//! `--samples FILE.csv`: one row per iteration, for people who want to do their own analysis.
//! Columns: `iteration`, then for each milestone `<id>_days`, `<id>_date` and `<id>_delivered`.

use std::io::Write;

use crate::engine::Outcomes;
use crate::model::Plan;

pub fn write(plan: &Plan, out: &Outcomes, w: impl Write) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(w);
    let mut header = vec!["iteration".to_string()];
    for m in plan.milestones() {
        header.extend([
            format!("{}_days", m.id),
            format!("{}_date", m.id),
            format!("{}_delivered", m.id),
        ]);
    }
    w.write_record(&header)?;
    // Dates come from one table of working days rather than a calendar walk per value.
    let last = out
        .rows
        .iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |a, &b| a.max(b));
    let dates: Vec<String> = match plan.calendar().start {
        Some(_) => plan
            .calendar()
            .working_days(last.ceil() as usize + 1)
            .iter()
            .map(|d| d.to_string())
            .collect(),
        None => vec![],
    };
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for (i, chunk) in out.rows.chunks(out.row_len()).enumerate() {
        // A long file stops soon after an interruption (and is then never renamed into place).
        if i % 16_384 == 0 && crate::pipeline::interrupted() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "interrupted",
            ));
        }
        row.clear();
        row.push(i.to_string());
        for &f in &chunk[..out.milestones] {
            if f.is_finite() {
                let day = (f.ceil() as usize).saturating_sub(1);
                row.extend([
                    f.to_string(),
                    dates.get(day).cloned().unwrap_or_default(),
                    "true".into(),
                ]);
            } else {
                row.extend([String::new(), String::new(), "false".into()]);
            }
        }
        w.write_record(&row)?;
    }
    w.flush()
}
