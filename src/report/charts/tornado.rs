//! "What moves Launch?": a milestone's drivers as a tornado of rank correlations.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, INK, ORANGE, Res, SIZE, VERMILLION, bold, driver_name, font, no_data, row_label, shorten,
};
use crate::analysis::drivers::{Driver, DriverKind};
use crate::report::Forecast;

/// Drivers shown in a tornado: those that move the milestone at all, most first.
pub const TORNADO_ROWS: usize = 12;

/// "What moves Launch?": drivers ranked by rank correlation with the finish, with criticality
/// and the "if it resolved" gain written beside each bar.
pub fn tornado<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, m: usize) -> Res
where
    DB::ErrorType: 'static,
{
    let plan = f.plan;
    let ms = &plan.milestones[m];
    root.fill(&WHITE)?;
    let title = format!("What moves {}?", ms.name);
    // Correlations within 3 standard errors (1/sqrt(n) under independence) of zero are noise;
    // a task that is often critical is shown anyway.
    let noise = 3.0 / (f.summary.iterations as f64).sqrt();
    let drivers: Vec<&Driver> = f.drivers[m]
        .drivers
        .iter()
        .filter(|d| {
            d.sensitivity.is_some_and(|s| s.abs() >= noise)
                || d.criticality.is_some_and(|c| c >= 0.05)
        })
        .take(TORNADO_ROWS)
        .collect();
    if drivers.is_empty() {
        return no_data(
            root,
            &title,
            "nothing varies: every duration on its paths is fixed",
        );
    }
    let names: Vec<String> = drivers
        .iter()
        .map(|d| shorten(&driver_name(plan, d), 40))
        .collect();
    let rows = drivers.len() as i32;
    // Bars grow from 0; the axis reaches -1 only when some driver works against the finish.
    let x_lo = if drivers.iter().any(|d| d.sensitivity.unwrap_or(0.0) < 0.0) {
        -1.0
    } else {
        -0.05
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(24.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(260)
        .build_cartesian_2d(x_lo..1.0f64, (0..rows - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(9)
        .y_labels(drivers.len())
        .x_label_formatter(&|x| format!("{x:+.2}"))
        .y_label_formatter(&|y| row_label(&names, y))
        .x_desc("Rank correlation with the finish (Spearman)")
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, d) in drivers.iter().enumerate() {
        let y = rows - 1 - i as i32;
        let s = d.sensitivity.unwrap_or(0.0);
        let color = match d.kind {
            DriverKind::Task => BLUE,
            DriverKind::Experiment => ORANGE,
            DriverKind::Risk => VERMILLION,
        };
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(y)),
                (s, SegmentValue::Exact(y + 1)),
            ],
            color.filled(),
        );
        bar.set_margin(6, 6, 0, 0);
        chart.draw_series(std::iter::once(bar))?;
        let mut notes = vec![format!("{s:+.2}")];
        if let Some(c) = d.criticality {
            notes.push(format!("critical {:.0}%", 100.0 * c));
        }
        if let Some(w) = d.what_if {
            let condition = if d.kind == DriverKind::Risk {
                "without it"
            } else {
                "if the first try works"
            };
            match w.p80_gain {
                Some(g) => notes.push(format!("P80 {g:.1} d sooner {condition}")),
                None if w.p80.is_some() => notes.push(format!("P80 reached {condition}")),
                None => {}
            }
        }
        let text = notes.join(" · ");
        // Long bars carry their note inside, short ones beside them.
        let style = if s.abs() > 0.5 {
            let ink: &'static RGBColor = if d.kind == DriverKind::Experiment {
                &INK
            } else {
                &WHITE
            };
            let x = if s > 0.0 { 0.02 } else { -0.02 };
            let pos = if s > 0.0 {
                Pos::new(HPos::Left, VPos::Center)
            } else {
                Pos::new(HPos::Right, VPos::Center)
            };
            (x, font(13.0).color(ink).pos(pos))
        } else if s >= 0.0 {
            (s + 0.02, font(13.0).pos(Pos::new(HPos::Left, VPos::Center)))
        } else {
            (
                s - 0.02,
                font(13.0).pos(Pos::new(HPos::Right, VPos::Center)),
            )
        };
        chart.draw_series(std::iter::once(Text::new(
            text,
            (style.0, SegmentValue::CenterOf(y)),
            style.1,
        )))?;
    }
    // A legend for the three kinds (the names also say "experiment" or "risk").
    let legend = [("task", BLUE), ("experiment", ORANGE), ("risk", VERMILLION)];
    for (i, (label, color)) in legend.iter().enumerate() {
        let x = 24 + i as i32 * 110;
        root.draw(&Rectangle::new(
            [(x, SIZE.1 as i32 - 22), (x + 14, SIZE.1 as i32 - 8)],
            color.filled(),
        ))?;
        root.draw(&Text::new(*label, (x + 20, SIZE.1 as i32 - 22), font(13.0)))?;
    }
    root.present()?;
    Ok(())
}
