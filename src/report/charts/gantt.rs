//! "Which tasks hold up Launch?": the schedule with its uncertainty.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Axis, BLUE, CHAR_EM, DESC_PX, GREY, INK, NOTE_PX, Res, TICK_PX, TITLE_PX, VERMILLION, bold,
    fit, font, label_beside, no_data, row_label, time_axis, when, x_range,
};
use crate::analysis::drivers::DriverKind;
use crate::model::Status;
use crate::report::Forecast;

/// The width of the tasks' names, in pixels.
const LABELS_PX: f64 = 320.0;

/// Tasks shown in a Gantt chart at most.
pub const GANTT_ROWS: usize = 40;

/// "Which tasks hold up Launch?": one bar per task from its P10 start to its P90 finish, the
/// P50 start-to-finish drawn solid, tasks on the primary milestone's critical path in most runs
/// highlighted, the primary milestone's deadline as a vertical line. A task that runs in only
/// some runs (a fallback, or work after an experiment that may fail) is drawn as thick as the
/// share of runs it runs in.
pub fn gantt<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast) -> Res
where
    DB::ErrorType: 'static,
{
    let plan = f.plan;
    let primary = &plan.milestones()[f.primary];
    root.fill(&WHITE)?;
    let title = format!("Which tasks hold up {}?", primary.name);
    let rows: Vec<_> = f.gantt.iter().filter(|r| r.start[1].is_some()).collect();
    if rows.is_empty() {
        return no_data(root, &title, "no task ran in any simulated run");
    }
    let lo = rows
        .iter()
        .filter_map(|r| r.start[0])
        .fold(f64::INFINITY, f64::min);
    let deadline = primary.deadline.map(|d| d.days);
    let hi = rows
        .iter()
        .filter_map(|r| r.finish[2])
        .fold(deadline.unwrap_or(0.0), f64::max);
    let n = rows.len() as i32;
    let status = plan.status_date();
    let now = plan.status_time();
    let crit = |node: usize| {
        f.drivers
            .get(f.primary)
            .and_then(|md| {
                md.drivers.iter().find(|d| {
                    matches!(d.kind, DriverKind::Task | DriverKind::Experiment) && d.index == node
                })
            })
            .and_then(|d| d.criticality)
            .unwrap_or(0.0)
    };
    let label_px = if n > 20 { 12.0 } else { TICK_PX };
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            let name = &plan.nodes()[r.node].name;
            let room = LABELS_PX - 12.0;
            if r.ran < 0.995 {
                let runs = format!(" (runs {:.0}%)", 100.0 * r.ran);
                let left = room - CHAR_EM * label_px * runs.chars().count() as f64;
                format!("{}{runs}", fit(name, label_px, left))
            } else {
                fit(name, label_px, room)
            }
        })
        .collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(TITLE_PX))
        .margin(16)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(LABELS_PX as u32)
        .build_cartesian_2d(
            x_range(lo, hi + (hi - lo) * 0.12),
            // One row would make an empty range (plotters maps it nowhere): keep two slots.
            (0..(n - 1).max(1)).into_segmented(),
        )?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(rows.len())
        .y_label_formatter(&|y| row_label(&names, y))
        .x_desc(if status.is_some() {
            "Grey: done by the status date; light bar: P10 start to P90 finish; solid: P50"
        } else {
            "Light bar: P10 start to P90 finish; solid: P50 start to P50 finish"
        })
        .axis_desc_style(font(DESC_PX))
        .label_style(font(label_px))
        .draw()?;
    time_axis(root, &chart, plan, Axis::X)?;
    // A row's height in pixels, and the margins that make a bar of `inset` pixels less than the
    // row as thick as the share of runs `ran`.
    let row_px = {
        let a = chart.backend_coord(&(lo, SegmentValue::Exact(0))).1;
        let b = chart.backend_coord(&(lo, SegmentValue::Exact(1))).1;
        (a - b).abs()
    };
    let margin = |inset: i32, ran: f64| {
        let full = (row_px - 2 * inset).max(2) as f64;
        let thick = (full * ran.clamp(0.0, 1.0)).max(3.0).min(full);
        ((row_px as f64 - thick) / 2.0).round().max(0.0) as u32
    };
    // The milestone's P50 and deadline under the bars; their labels on top, at the end.
    let p50 = f.summary.milestones[f.primary].p50().days;
    if let Some(p50) = p50 {
        chart.draw_series(DashedLineSeries::new(
            [(p50, SegmentValue::Exact(0)), (p50, SegmentValue::Last)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
    }
    if let Some(d) = deadline {
        chart.draw_series(LineSeries::new(
            [(d, SegmentValue::Exact(0)), (d, SegmentValue::Last)],
            VERMILLION.stroke_width(2),
        ))?;
    }
    let mut notes = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let y = n - 1 - i as i32;
        let ran = if r.ran < 0.995 { r.ran } else { 1.0 };
        let critical = crit(r.node) >= 0.5;
        let color = if critical { VERMILLION } else { BLUE };
        // Work done by the status date is history: one solid grey bar, no uncertainty.
        let (history, left) = match plan.nodes()[r.node].status {
            Status::Done { start, finish, .. } => (Some((start, finish)), false),
            Status::Started { start, .. } => (Some((start, now)), true),
            Status::Planned => (None, true),
        };
        if let Some((a, b)) = history {
            let mut bar = Rectangle::new(
                [
                    (a, SegmentValue::Exact(y)),
                    (b.max(a + 0.05), SegmentValue::Exact(y + 1)),
                ],
                GREY.filled(),
            );
            bar.set_margin(7, 7, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
        }
        if !left {
            continue;
        }
        // What is left of a started task runs from the status date.
        let from = |x: f64| if history.is_some() { x.max(now) } else { x };
        if let (Some(s10), Some(f90)) = (r.start[0].map(from), r.finish[2]) {
            let mut band = Rectangle::new(
                [
                    (s10, SegmentValue::Exact(y)),
                    (f90, SegmentValue::Exact(y + 1)),
                ],
                color.mix(0.25).filled(),
            );
            let m = margin(3, ran);
            band.set_margin(m, m, 0, 0);
            chart.draw_series(std::iter::once(band))?;
        }
        if let (Some(s50), Some(f50)) = (r.start[1].map(from), r.finish[1]) {
            let mut bar = Rectangle::new(
                [
                    (s50, SegmentValue::Exact(y)),
                    (f50.max(s50 + 0.05), SegmentValue::Exact(y + 1)),
                ],
                color.filled(),
            );
            let m = margin(7, ran);
            bar.set_margin(m, m, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            if critical {
                let at = (r.finish[2].unwrap_or(f50), SegmentValue::CenterOf(y));
                notes.push((
                    format!("critical {:.0}%", 100.0 * crit(r.node)),
                    chart.backend_coord(&at),
                ));
            }
        }
    }
    for (note, at) in notes {
        label_beside(
            root,
            &note,
            at,
            font(12.0).color(&VERMILLION),
            VPos::Center,
            3,
        )?;
    }
    if let Some(p50) = p50 {
        let at = chart.backend_coord(&(p50, SegmentValue::Exact(0)));
        label_beside(
            root,
            &format!("{} P50 {}", primary.name, when(plan, p50)),
            (at.0, at.1 - 2),
            font(NOTE_PX),
            VPos::Bottom,
            4,
        )?;
    }
    if let Some(d) = deadline {
        let at = chart.backend_coord(&(d, SegmentValue::Last));
        label_beside(
            root,
            &format!("deadline {}", when(plan, d)),
            (at.0, at.1 + 2),
            font(NOTE_PX).color(&VERMILLION),
            VPos::Top,
            4,
        )?;
    }
    if let Some(sd) = status {
        chart.draw_series(LineSeries::new(
            [(now, SegmentValue::Exact(0)), (now, SegmentValue::Last)],
            GREY.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!(" status {}", sd.date),
            (now, SegmentValue::Last),
            font(NOTE_PX)
                .color(&GREY)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
    }
    root.present()?;
    Ok(())
}
