//! "Are we slipping?": how each milestone's forecast moved across status dates.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Axis, BLUE, DESC_PX, GREEN, GRID, NOTE_PX, ORANGE, Res, TICK_PX, TITLE_PX, VERMILLION, bold,
    font, no_data, time_axis, time_axis_y,
};
use crate::model::Plan;
use crate::report::history::Row;

/// One milestone's forecast history: the status dates across, the P50, P80 and P95 finish
/// dates up (one line each, solid, dashed, dotted), and the milestone's deadline as a
/// horizontal line. Dates are placed with the plan's current calendar.
pub fn history<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plan: &Plan,
    rows: &[Row],
    m: usize,
) -> Res
where
    DB::ErrorType: 'static,
{
    let ms = &plan.milestones()[m];
    let cal = plan.calendar();
    root.fill(&WHITE)?;
    let title = format!("Is {} slipping? Forecast by status date", ms.name);
    let mine: Vec<&Row> = rows.iter().filter(|r| r.milestone == ms.id).collect();
    // The middle of the status day, so the axis labels it with its own date.
    // Every date at the middle of its working day, where the time axes put its tick.
    let mid = |d| cal.deadline_time(d).map(|t: f64| (t - 0.5).max(0.0));
    let x_of = |r: &Row| mid(r.status_date);
    let series: Vec<Vec<(f64, f64)>> = (0..3)
        .map(|k| {
            mine.iter()
                .filter_map(|r| Some((x_of(r)?, mid(r.p[k].1?)?)))
                .collect()
        })
        .collect();
    let deadline = ms.deadline.and_then(|d| d.date);
    let ys: Vec<f64> = series
        .iter()
        .flatten()
        .map(|p| p.1)
        .chain(deadline.and_then(mid))
        .collect();
    let xs: Vec<f64> = mine.iter().filter_map(|r| x_of(r)).collect();
    if series[0].is_empty() && series[2].is_empty() {
        return no_data(root, &title, "no forecast reached P50 in the history yet");
    }
    let (x_lo, x_hi) = (
        xs.iter().copied().fold(f64::INFINITY, f64::min),
        xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let (y_lo, y_hi) = (
        ys.iter().copied().fold(f64::INFINITY, f64::min),
        ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    // A single status date still gets a readable frame, a week either side.
    let x_pad = ((x_hi - x_lo) * 0.08).max(5.0);
    let y_pad = ((y_hi - y_lo) * 0.1).max(3.0);
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(TITLE_PX))
        .margin(16)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (x_lo - x_pad).max(0.0)..x_hi + x_pad,
            (y_lo - y_pad).max(0.0)..y_hi + 2.0 * y_pad,
        )?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc("Status date (when the forecast was made)")
        .y_desc("Forecast finish")
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .max_light_lines(1)
        .bold_line_style(GRID)
        .draw()?;
    time_axis(root, &chart, plan, Axis::X)?;
    time_axis_y(root, &chart, plan)?;
    let names = ["P50", "P80", "P95"];
    for (k, (points, color)) in series.iter().zip([BLUE, ORANGE, GREEN]).enumerate() {
        if points.is_empty() {
            continue;
        }
        let style = color.stroke_width(3);
        let anno = match k {
            0 => chart.draw_series(LineSeries::new(points.clone(), style))?,
            1 => chart.draw_series(DashedLineSeries::new(points.clone(), 10, 6, style))?,
            _ => chart.draw_series(DashedLineSeries::new(points.clone(), 3, 5, style))?,
        };
        anno.label(names[k]).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
        });
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
    }
    if let Some(d) = deadline
        && let Some(t) = mid(d)
    {
        let (a, b) = ((x_lo - x_pad).max(0.0), x_hi + x_pad);
        chart.draw_series(LineSeries::new(
            [(a, t), (b, t)],
            VERMILLION.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!(" deadline {d}"),
            (a, t),
            font(NOTE_PX)
                .color(&VERMILLION)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(font(NOTE_PX))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    root.present()?;
    Ok(())
}
