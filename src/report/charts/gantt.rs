//! "Which tasks hold up Launch?": the schedule with its uncertainty.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, GREY, INK, Res, VERMILLION, axis_label, bold, font, no_data, row_label, shorten, x_range,
};
use crate::analysis::drivers::DriverKind;
use crate::model::Status;
use crate::report::Forecast;

/// Tasks shown in a Gantt chart at most.
pub const GANTT_ROWS: usize = 40;

/// "Which tasks hold up Launch?": one bar per task from its P10 start to its P90 finish, the
/// P50 start-to-finish drawn solid, tasks on the primary milestone's critical path in most runs
/// highlighted.
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
    let hi = rows
        .iter()
        .filter_map(|r| r.finish[2])
        .fold(0.0f64, f64::max);
    let n = rows.len() as i32;
    let status = plan.status_date();
    let now = plan.status_time();
    let crit = |node: usize| {
        f.drivers
            .get(f.primary)
            .and_then(|md| {
                md.drivers
                    .iter()
                    .find(|d| d.kind != DriverKind::Risk && d.index == node)
            })
            .and_then(|d| d.criticality)
            .unwrap_or(0.0)
    };
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            let name = shorten(&plan.nodes()[r.node].name, 38);
            if r.ran < 0.995 {
                format!("{name} (runs {:.0}%)", 100.0 * r.ran)
            } else {
                name
            }
        })
        .collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(24.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(250)
        .build_cartesian_2d(
            x_range(lo, hi + (hi - lo) * 0.12),
            (0..n - 1).into_segmented(),
        )?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(8)
        .y_labels(rows.len())
        .x_label_formatter(&|x| axis_label(plan, *x))
        .y_label_formatter(&|y| row_label(&names, y))
        .x_desc(if status.is_some() {
            "Grey: done by the status date; light bar: P10 start to P90 finish; solid: P50"
        } else {
            "Light bar: P10 start to P90 finish; solid: P50 start to P50 finish"
        })
        .axis_desc_style(font(15.0))
        .label_style(font(12.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, r) in rows.iter().enumerate() {
        let y = n - 1 - i as i32;
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
            band.set_margin(3, 3, 0, 0);
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
            bar.set_margin(7, 7, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            if critical {
                chart.draw_series(std::iter::once(Text::new(
                    format!(" critical {:.0}%", 100.0 * crit(r.node)),
                    (r.finish[2].unwrap_or(f50), SegmentValue::CenterOf(y)),
                    font(12.0)
                        .color(&VERMILLION)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )))?;
            }
        }
    }
    if let Some(p50) = f.summary.milestones[f.primary].p50().days {
        chart.draw_series(DashedLineSeries::new(
            [(p50, SegmentValue::Exact(0)), (p50, SegmentValue::Last)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!(" {} P50", primary.name),
            (p50, SegmentValue::Exact(0)),
            font(12.0).pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))?;
    }
    if let Some(sd) = status {
        chart.draw_series(LineSeries::new(
            [(now, SegmentValue::Exact(0)), (now, SegmentValue::Last)],
            GREY.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!(" status {}", sd.date),
            (now, SegmentValue::Last),
            font(12.0).color(&GREY).pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
    }
    root.present()?;
    Ok(())
}
