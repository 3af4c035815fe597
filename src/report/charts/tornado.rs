//! "What moves Launch?": a milestone's drivers as a tornado of rank correlations.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, DESC_PX, GRID, INK, NOTE_PX, ORANGE, Res, SIZE, TICK_PX, TITLE_PX, VERMILLION, bold,
    driver_name, fit, font, no_data, row_label, text_width,
};
use crate::analysis::drivers::{Driver, DriverKind};
use crate::report::Forecast;
use crate::report::tables::Gain;

/// The width of the drivers' names, in pixels.
const LABELS_PX: f64 = 330.0;

/// Drivers shown in a tornado: those that move the milestone at all, most first.
pub const TORNADO_ROWS: usize = 12;

/// "What moves Launch?": drivers ranked by rank correlation with the finish, with criticality
/// and the "if it resolved" gain written beside each bar.
pub fn tornado<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, m: usize) -> Res
where
    DB::ErrorType: 'static,
{
    let plan = f.plan;
    let ms = &plan.milestones()[m];
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
        .map(|d| fit(&driver_name(plan, d), TICK_PX, LABELS_PX - 12.0))
        .collect();
    let rows = drivers.len() as i32;
    // Bars grow from 0; the axis spans the correlations there are (to the next 0.1, with air
    // for the notes beside short bars), so a plan whose drivers all push the finish later uses
    // the whole width, and a side with no bar gets only a sliver.
    let (s_lo, s_hi) = drivers
        .iter()
        .map(|d| d.sensitivity.unwrap_or(0.0))
        .fold((0.0f64, 0.0f64), |(a, b), s| (a.min(s), b.max(s)));
    let side = |s: f64| {
        if s.abs() < 0.01 {
            0.03
        } else {
            ((s.abs() + 0.05) * 10.0).ceil() / 10.0
        }
    };
    let (x_lo, x_hi) = (-side(s_lo).min(1.0), side(s_hi).min(1.0));
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(TITLE_PX))
        .margin(16)
        .margin_right(28)
        .x_label_area_size(48)
        .y_label_area_size(LABELS_PX as u32)
        .build_cartesian_2d(x_lo..x_hi, (0..(rows - 1).max(1)).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(8)
        .max_light_lines(1)
        .y_labels(drivers.len())
        .x_label_formatter(&|x| format!("{x:+.1}"))
        .y_label_formatter(&|y| row_label(&names, y))
        .x_desc("Rank correlation with the finish (Spearman)")
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .bold_line_style(GRID)
        .draw()?;
    for (i, d) in drivers.iter().enumerate() {
        let y = rows - 1 - i as i32;
        let s = d.sensitivity.unwrap_or(0.0);
        let color = match d.kind {
            DriverKind::Task => BLUE,
            DriverKind::Experiment => ORANGE,
            DriverKind::Risk => VERMILLION,
            DriverKind::Resource => super::PURPLE,
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
        let mut what_if = None;
        if let Some(w) = d.what_if {
            let condition = match d.kind {
                DriverKind::Risk => "without it",
                DriverKind::Resource => "if unlimited",
                _ => "if the first try works",
            };
            what_if = match Gain::of(&w) {
                Some(Gain::Sooner(g) | Gain::Later(g)) => Some(format!("P80 {g} {condition}")),
                Some(Gain::None) => Some(format!("P80 unchanged {condition}")),
                Some(Gain::Unclear(g)) => Some(format!("no clear P80 gain {condition}: {g}")),
                None if w.p80.is_some() => Some(format!("P80 reached {condition}")),
                None => None,
            };
        }
        // On one line when it fits, else the what-if on a second line.
        let mut layouts = vec![vec![
            notes
                .iter()
                .chain(&what_if)
                .cloned()
                .collect::<Vec<_>>()
                .join(" · "),
        ]];
        if let Some(w) = what_if {
            layouts.push(vec![notes.join(" · "), w]);
        }
        let ink = if d.kind == DriverKind::Experiment {
            INK
        } else {
            WHITE
        };
        let note = place_note(&chart, root, layouts, s, y, (x_lo, x_hi), ink)?;
        let one_line = note.lines.len() == 1;
        for (k, line) in note.lines.into_iter().enumerate() {
            let vpos = match (one_line, k) {
                (true, _) => VPos::Center,
                (false, 0) => VPos::Bottom,
                _ => VPos::Top,
            };
            chart.draw_series(std::iter::once(Text::new(
                line,
                (note.x, SegmentValue::CenterOf(y)),
                font(NOTE_PX)
                    .color(&note.color)
                    .pos(Pos::new(note.hpos, vpos)),
            )))?;
        }
    }
    // A legend for the kinds shown (the names also say "experiment", "risk" or "resource").
    let mut legend = vec![("task", BLUE), ("experiment", ORANGE), ("risk", VERMILLION)];
    if drivers.iter().any(|d| d.kind == DriverKind::Resource) {
        legend.push(("resource", super::PURPLE));
    }
    for (i, (label, color)) in legend.iter().enumerate() {
        let x = 24 + i as i32 * 110;
        root.draw(&Rectangle::new(
            [(x, SIZE.1 as i32 - 22), (x + 14, SIZE.1 as i32 - 8)],
            color.filled(),
        ))?;
        root.draw(&Text::new(
            *label,
            (x + 20, SIZE.1 as i32 - 23),
            font(NOTE_PX),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// A bar's note: its lines, anchored at `x` on side `hpos`, in `color`.
struct Note {
    lines: Vec<String>,
    x: f64,
    hpos: HPos,
    color: RGBColor,
}

/// Chooses where a bar's note goes: inside a long bar (more than half the axis), beside a short one, or
/// the other if only that fits; on one line when it fits, else on two. Text inside a bar is
/// `ink` (white on blue and vermillion, which must stay within the bar; dark on orange, which
/// may run past its end). When nothing fits, the note is set beside the bar against the
/// plot's edge.
fn place_note<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordi32>>>,
    root: &DrawingArea<DB, Shift>,
    layouts: Vec<Vec<String>>,
    s: f64,
    y: i32,
    (x_lo, x_hi): (f64, f64),
    ink: RGBColor,
) -> Result<Note, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    const PAD: f64 = 0.02;
    let (px, _) = chart.plotting_area().get_pixel_range();
    let (left, right) = (px.start as f64, px.end as f64);
    let scale = (right - left) / (x_hi - x_lo);
    let to_px = |x: f64| left + (x - x_lo) * scale;
    let bar_px = {
        let a = chart.backend_coord(&(0.0, SegmentValue::Exact(y))).1;
        let b = chart.backend_coord(&(0.0, SegmentValue::Exact(y + 1))).1;
        // The bar's margins are 6 px top and bottom.
        ((a - b).abs() - 12) as f64
    };
    let dir = if s >= 0.0 { 1.0 } else { -1.0 };
    let hpos = if s >= 0.0 { HPos::Left } else { HPos::Right };
    let inside = (dir * PAD, ink);
    let beside = (s + dir * PAD, INK);
    let order = if s.abs() > 0.5 * (x_hi - x_lo) {
        [inside, beside]
    } else {
        [beside, inside]
    };
    let style = font(NOTE_PX);
    let mut last = Vec::new();
    for lines in layouts {
        let mut width = 0.0f64;
        let mut height = 0.0f64;
        for l in &lines {
            let (_, h) = root.estimate_text_size(l, &style)?;
            width = width.max(text_width(root, l, &style)? as f64);
            height += h as f64;
        }
        for &(x, color) in &order {
            let start = to_px(x);
            let end = start + dir * width;
            let in_bar = color == ink && x.abs() <= PAD;
            let limit = if in_bar && ink == WHITE {
                to_px(s) - dir * 2.0
            } else if s >= 0.0 {
                right - 2.0
            } else {
                left + 2.0
            };
            let fits_across = dir * (limit - end) >= 0.0;
            let fits_up = !in_bar || lines.len() == 1 || height <= bar_px;
            if fits_across && fits_up {
                return Ok(Note {
                    lines,
                    x,
                    hpos,
                    color,
                });
            }
        }
        last = lines;
    }
    // Nothing fits. A short bar to the left with no room there: its note goes right of zero.
    if s < 0.0 && x_hi > 0.5 {
        return Ok(Note {
            lines: last,
            x: PAD,
            hpos: HPos::Left,
            color: INK,
        });
    }
    // Else beside the bar, against the edge of the plot.
    let edge = if s >= 0.0 { x_hi } else { x_lo };
    Ok(Note {
        lines: last,
        x: edge - dir * PAD / 4.0,
        hpos: if s >= 0.0 { HPos::Right } else { HPos::Left },
        color: INK,
    })
}
