//! Charts, drawn with plotters: delivery S-curves, finish histograms, tornado of drivers and a
//! Gantt chart with uncertainty. Each chart is one function generic over the drawing backend, so
//! the same code writes SVG (always) and PNG (`--png`).
//!
//! Text is laid out with a bundled font (Liberation Sans, SIL OFL 1.1, in `assets/fonts/`)
//! registered at first use, so charts come out the same on a machine with no fonts and no
//! fontconfig. SVG text names the font first, with metric-compatible fallbacks.
//!
//! Colours are the Okabe-Ito palette, which stays distinguishable with colour-blindness; every
//! distinction also has a second cue (dash pattern, label or position) so that it survives
//! grayscale printing.

use std::error::Error;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Forecast;
use crate::analysis::compare::{Comparison, TradeoffAxis};
use crate::analysis::drivers::{Driver, DriverKind};
use crate::analysis::sweep::Sweep;
use crate::model::Plan;

/// The font family name: registered under this name and written into SVG `font-family`.
pub const FONT: &str = "Liberation Sans, Arial, Helvetica, sans-serif";

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf");

/// Registers the bundled font once per process. Must run before anything measures text.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are the bundled files; a failure here is a build defect, not user input.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, REGULAR);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, BOLD);
    });
}

// Okabe-Ito.
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY: RGBColor = RGBColor(86, 180, 233);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
const GREY: RGBColor = RGBColor(120, 120, 120);
const INK: RGBColor = RGBColor(34, 34, 34);

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (960, 540);

type Res = Result<(), Box<dyn Error>>;

fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

fn bold(size: f64) -> TextStyle<'static> {
    (FONT, size, FontStyle::Bold).into_font().color(&INK)
}

/// An axis label for a working-day time: a short date when the plan has a start, else days.
fn axis_label(plan: &Plan, t: f64) -> String {
    match plan.calendar.start_date(t.max(0.0)) {
        Some(d) if plan.calendar.start.is_some() => d.strftime("%b %-d").to_string(),
        _ => format!("{t:.0}"),
    }
}

/// The date (or day count) a finish at `t` falls on, for labels.
fn when(plan: &Plan, t: f64) -> String {
    match plan.calendar.finish_date(t) {
        Some(d) => d.strftime("%b %-d").to_string(),
        None => format!("day {t:.1}"),
    }
}

fn x_desc(plan: &Plan) -> &'static str {
    if plan.calendar.start.is_some() {
        "Date (working days from the start, as calendar dates)"
    } else {
        "Working days from the start"
    }
}

/// An x range covering `lo..hi` with a little air.
fn x_range(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let pad = ((hi - lo) * 0.04).max(0.5);
    (lo - pad).max(0.0)..hi + pad
}

/// A vertical marker with a label at its top, staggered by `row` so neighbours do not collide.
fn marker<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    x: f64,
    y_top: f64,
    row: usize,
    label: String,
    color: RGBColor,
    dashed: bool,
) -> Res
where
    DB::ErrorType: 'static,
{
    let style = color.stroke_width(2);
    if dashed {
        chart.draw_series(DashedLineSeries::new([(x, 0.0), (x, y_top)], 6, 4, style))?;
    } else {
        chart.draw_series(LineSeries::new([(x, 0.0), (x, y_top)], style))?;
    }
    let y = y_top * (0.97 - 0.075 * row as f64);
    chart.draw_series(std::iter::once(Text::new(
        format!(" {label}"),
        (x, y),
        font(14.0)
            .color(&color)
            .pos(Pos::new(HPos::Left, VPos::Top)),
    )))?;
    Ok(())
}

/// A milestone, its summary, the number of runs and its delivered finishes, sorted.
fn milestone_data<'f>(
    f: &'f Forecast,
    m: usize,
) -> (
    &'f crate::model::Milestone,
    &'f crate::analysis::MilestoneSummary,
    f64,
    Vec<f64>,
) {
    let sorted = &f.finishes[m];
    let delivered = sorted.iter().copied().filter(|x| x.is_finite()).collect();
    (
        &f.plan.milestones[m],
        &f.summary.milestones[m],
        sorted.len() as f64,
        delivered,
    )
}

/// The frame of a delivery curve: dates (or days) across, the chance delivered up.
fn cdf_frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    plan: &Plan,
    title: String,
    lo: f64,
    hi: f64,
) -> Result<ChartContext<'a, DB, Xy>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(24.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range(lo, hi), 0.0..105.0)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(11)
        .x_label_formatter(&|x| axis_label(plan, *x))
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .x_desc(x_desc(plan))
        .y_desc("Chance delivered by then")
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    Ok(chart)
}

/// The empirical CDF of `delivered` (sorted finishes) among `n` runs, read at `samples + 1`
/// evenly spaced ranks (the i-th smallest finish has a share (i + 1) / n of all runs at or
/// before it), held level to `hi`: it ends below 100% when some runs never deliver.
fn ecdf(delivered: &[f64], n: f64, hi: f64, samples: usize) -> Vec<(f64, f64)> {
    let last = delivered.len() - 1;
    let mut points: Vec<(f64, f64)> = (0..=samples)
        .map(|q| {
            let i = q * last / samples;
            (delivered[i], 100.0 * (i + 1) as f64 / n)
        })
        .collect();
    points.dedup();
    points.push((hi, 100.0 * delivered.len() as f64 / n));
    points
}

/// "When will Launch ship?": the cumulative chance of delivery by each date, with P50/P80/P95
/// and the deadline marked, ending below 100% when some simulated programs never deliver.
pub fn s_curve<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, m: usize) -> Res
where
    DB::ErrorType: 'static,
{
    let plan = f.plan;
    let (ms, summary, n, delivered) = milestone_data(f, m);
    root.fill(&WHITE)?;
    let title = format!("When will {} ship?", ms.name);
    let Some((&lo, &hi)) = delivered.first().zip(delivered.last()) else {
        return no_data(root, &title, "not delivered in any simulated run");
    };
    let deadline = ms.deadline.map(|d| d.days);
    let hi = hi.max(deadline.unwrap_or(hi));
    let mut chart = cdf_frame(root, plan, title, lo, hi)?;
    let points = ecdf(&delivered, n, hi, 1000);
    let top = 100.0 * delivered.len() as f64 / n;
    chart.draw_series(
        AreaSeries::new(points.iter().copied(), 0.0, BLUE.mix(0.12))
            .border_style(BLUE.stroke_width(3)),
    )?;
    if top < 100.0 {
        chart.draw_series(DashedLineSeries::new(
            [(lo, top), (hi, top)],
            4,
            4,
            GREY.stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("delivers at all: {:.1}% (the rest never do)", top),
            (lo, top + 1.5),
            font(14.0).color(&GREY),
        )))?;
    }
    let mut row = 0;
    for p in &summary.percentiles {
        if ![0.5, 0.8, 0.95].contains(&p.p) {
            continue;
        }
        if let Some(d) = p.days {
            let label = format!("P{:.0} {}", p.p * 100.0, when(plan, d));
            chart.draw_series(DashedLineSeries::new(
                [(d, 0.0), (d, 100.0 * p.p)],
                6,
                4,
                INK.stroke_width(2),
            ))?;
            chart.draw_series(std::iter::once(Circle::new(
                (d, 100.0 * p.p),
                5,
                INK.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("  {label}"),
                (d, 100.0 * p.p),
                font(15.0).pos(Pos::new(HPos::Left, VPos::Top)),
            )))?;
            row += 1;
        }
    }
    let _ = row;
    if let (Some(d), Some(o)) = (deadline, &summary.on_time) {
        let label = format!(
            "deadline {}: {:.1}% on time",
            when(plan, d),
            100.0 * o.probability.estimate
        );
        chart.draw_series(LineSeries::new(
            [(d, 0.0), (d, 104.0)],
            VERMILLION.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!(" {label}"),
            (d, 12.0),
            font(15.0)
                .color(&VERMILLION)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))?;
    }
    root.present()?;
    Ok(())
}

/// "How spread out is Launch's finish?": a histogram of the finish, with the same markers.
pub fn histogram<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, m: usize) -> Res
where
    DB::ErrorType: 'static,
{
    let plan = f.plan;
    let (ms, summary, n, delivered) = milestone_data(f, m);
    root.fill(&WHITE)?;
    let title = format!("How spread out is {}'s finish?", ms.name);
    let Some((&lo, &hi)) = delivered.first().zip(delivered.last()) else {
        return no_data(root, &title, "not delivered in any simulated run");
    };
    let deadline = ms.deadline.map(|d| d.days);
    let span_hi = hi.max(deadline.unwrap_or(hi));
    // Bins of whole working days when the spread allows, else 40 equal bins.
    let width = if hi - lo <= 60.0 {
        1.0
    } else {
        ((hi - lo) / 40.0).ceil()
    };
    let first = lo.floor();
    let bins = (((hi - first) / width).floor() as usize + 1).max(1);
    let mut counts = vec![0usize; bins];
    for &x in &delivered {
        counts[(((x - first) / width) as usize).min(bins - 1)] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(1) as f64 * 100.0 / n;
    let y_top = peak * 1.3;
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(24.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(
            x_range(first, span_hi.max(first + width * bins as f64)),
            0.0..y_top,
        )?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| axis_label(plan, *x))
        .y_label_formatter(&|y| format!("{y:.1}%"))
        .x_desc(x_desc(plan))
        .y_desc(if width == 1.0 {
            "Share of simulated runs finishing that day"
        } else {
            "Share of simulated runs per bin"
        })
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    chart.draw_series(counts.iter().enumerate().map(|(i, &c)| {
        let x0 = first + i as f64 * width;
        let mut r = Rectangle::new(
            [(x0, 0.0), (x0 + width, c as f64 * 100.0 / n)],
            SKY.filled(),
        );
        r.set_margin(0, 0, 1, 1);
        r
    }))?;
    let mut row = 0;
    for p in &summary.percentiles {
        if ![0.5, 0.8, 0.95].contains(&p.p) {
            continue;
        }
        if let Some(d) = p.days {
            marker(
                &mut chart,
                d,
                y_top * 0.9,
                row,
                format!("P{:.0} {}", p.p * 100.0, when(plan, d)),
                INK,
                true,
            )?;
            row += 1;
        }
    }
    if let (Some(d), Some(o)) = (deadline, &summary.on_time) {
        let label = format!(
            "deadline {}: {:.1}% on time",
            when(plan, d),
            100.0 * o.probability.estimate
        );
        marker(&mut chart, d, y_top, 0, label, VERMILLION, false)?;
    }
    if (delivered.len() as f64) < n {
        let share = 100.0 * (1.0 - delivered.len() as f64 / n);
        chart.draw_series(std::iter::once(Text::new(
            format!("not shown: {share:.1}% of runs never deliver"),
            (first, y_top * 0.97),
            font(14.0).color(&GREY),
        )))?;
    }
    root.present()?;
    Ok(())
}

/// The label of a row of a chart whose rows run top to bottom in `names`' order (segment 0 is
/// the bottom row).
fn row_label(names: &[String], y: &SegmentValue<i32>) -> String {
    match y {
        SegmentValue::CenterOf(i) => names
            .len()
            .checked_sub(1 + *i as usize)
            .and_then(|k| names.get(k))
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The name a driver goes by in charts and tables.
pub fn driver_name(plan: &Plan, d: &Driver) -> String {
    let name = d.subject(plan).1;
    match d.kind {
        DriverKind::Risk => format!("risk: {name}"),
        DriverKind::Experiment => format!("{name} (experiment)"),
        DriverKind::Task => name.to_string(),
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

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
    let primary = &plan.milestones[f.primary];
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
            let name = shorten(&plan.nodes[r.node].name, 38);
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
        .x_desc("Light bar: P10 start to P90 finish; solid: P50 start to P50 finish")
        .axis_desc_style(font(15.0))
        .label_style(font(12.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, r) in rows.iter().enumerate() {
        let y = n - 1 - i as i32;
        let critical = crit(r.node) >= 0.5;
        let color = if critical { VERMILLION } else { BLUE };
        if let (Some(s10), Some(f90)) = (r.start[0], r.finish[2]) {
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
        if let (Some(s50), Some(f50)) = (r.start[1], r.finish[1]) {
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
    if let Some(p50) = f.summary.milestones[f.primary].percentiles[1].days {
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
    root.present()?;
    Ok(())
}

fn no_data<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, why: &str) -> Res
where
    DB::ErrorType: 'static,
{
    root.draw(&Text::new(title.to_string(), (24, 24), bold(24.0)))?;
    root.draw(&Text::new(why.to_string(), (24, 72), font(16.0)))?;
    root.present()?;
    Ok(())
}

/// One chart of a report: its file stem and how to draw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    SCurve(usize),
    Histogram(usize),
    Tornado(usize),
    Gantt,
}

impl Chart {
    /// Every chart of a forecast, in report order.
    pub fn all(f: &Forecast) -> Vec<Chart> {
        let mut v = Vec::new();
        for m in 0..f.plan.milestones.len() {
            v.extend([Chart::SCurve(m), Chart::Histogram(m), Chart::Tornado(m)]);
        }
        v.push(Chart::Gantt);
        v
    }

    pub fn stem(&self, plan: &Plan) -> String {
        match self {
            Chart::SCurve(m) => format!("s-curve-{}", plan.milestones[*m].id),
            Chart::Histogram(m) => format!("histogram-{}", plan.milestones[*m].id),
            Chart::Tornado(m) => format!("drivers-{}", plan.milestones[*m].id),
            Chart::Gantt => "gantt".into(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, f: &Forecast) -> Res
    where
        DB::ErrorType: 'static,
    {
        match *self {
            Chart::SCurve(m) => s_curve(root, f, m),
            Chart::Histogram(m) => histogram(root, f, m),
            Chart::Tornado(m) => tornado(root, f, m),
            Chart::Gantt => gantt(root, f),
        }
    }

    /// The chart as an SVG document.
    pub fn svg(&self, f: &Forecast) -> Result<String, Box<dyn Error>> {
        to_svg(|root| self.draw(root, f))
    }

    /// Every chart of a forecast as SVG, in report order.
    pub fn render_all(f: &Forecast) -> Result<Vec<(Chart, String)>, Box<dyn Error>> {
        Chart::all(f)
            .into_iter()
            .map(|c| Ok((c, c.svg(f)?)))
            .collect()
    }

    /// The chart as a PNG file at `path`.
    pub fn png(&self, f: &Forecast, path: &std::path::Path) -> Result<(), Box<dyn Error>> {
        to_png(path, |root| self.draw(root, f))
    }
}

/// Line colours and dash patterns for scenarios, distinguishable in colour and in grayscale.
const SERIES: [RGBColor; 6] = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY];

fn series_color(k: usize) -> RGBColor {
    SERIES[k % SERIES.len()]
}

type Xy =
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>;

/// A line drawn solid for the first series and dashed (longer dashes for later ones) after.
fn styled_line<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Xy>,
    k: usize,
    points: Vec<(f64, f64)>,
    label: &str,
) -> Res
where
    DB::ErrorType: 'static,
{
    let color = series_color(k);
    let style = color.stroke_width(3);
    let anno = if k == 0 {
        chart.draw_series(LineSeries::new(points, style))?
    } else {
        chart.draw_series(DashedLineSeries::new(points, 4 + 4 * k as u32, 5, style))?
    };
    anno.label(label.to_string())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
    Ok(())
}

/// "When will Launch ship, scenario by scenario?": each scenario's delivery S-curve on one
/// chart, from the same random numbers.
pub fn overlay<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Comparison, id: &str) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let reference = c.plans[0].1;
    let name = c
        .plans
        .iter()
        .find_map(|(_, p)| p.milestones.iter().find(|m| m.id == id))
        .map_or(id.to_string(), |m| m.name.clone());
    let title = format!("When will {name} ship, scenario by scenario?");
    let columns: Vec<Option<Vec<f64>>> = (0..c.plans.len())
        .map(|k| {
            let m = c.plans[k].1.milestones.iter().position(|m| m.id == id)?;
            let mut v = c.scenarios[k].outcomes.milestone_column(m);
            v.sort_by(f64::total_cmp);
            Some(v)
        })
        .collect();
    let finite = columns
        .iter()
        .flatten()
        .flat_map(|v| v.iter().copied().filter(|x| x.is_finite()));
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let deadline = reference
        .milestones
        .iter()
        .find(|m| m.id == id)
        .and_then(|m| m.deadline);
    let hi = hi.max(deadline.map_or(hi, |d| d.days));
    if !lo.is_finite() {
        return no_data(root, &title, "no scenario delivers it in any simulated run");
    }
    let mut chart = cdf_frame(root, reference, title, lo, hi)?;
    for (k, col) in columns.iter().enumerate() {
        let Some(col) = col else { continue };
        let n = col.len() as f64;
        let delivered: Vec<f64> = col.iter().copied().filter(|x| x.is_finite()).collect();
        if delivered.is_empty() {
            continue;
        }
        let points = ecdf(&delivered, n, hi, 500);
        styled_line(&mut chart, k, points, &c.plans[k].0)?;
    }
    if let Some(d) = deadline {
        chart.draw_series(LineSeries::new(
            [(d.days, 0.0), (d.days, 104.0)],
            VERMILLION.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("deadline {} ", when(reference, d.days)),
            (d.days, 102.0),
            font(14.0)
                .color(&VERMILLION)
                .pos(Pos::new(HPos::Right, VPos::Top)),
        )))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(font(14.0))
        .draw()?;
    root.present()?;
    Ok(())
}

/// "Ship fast or build for scale?": each scenario a point at its P80 date and its cost P80 (or a
/// declared score), whiskers from P10 to P90, the non-dominated scenarios filled and named in bold.
pub fn tradeoff<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Comparison,
    id: &str,
    axis: &TradeoffAxis,
) -> Res
where
    DB::ErrorType: 'static,
{
    use crate::analysis::compare::non_dominated;
    root.fill(&WHITE)?;
    let reference = c.plans[0].1;
    let name = c
        .plans
        .iter()
        .find_map(|(_, p)| p.milestones.iter().find(|m| m.id == id))
        .map_or(id.to_string(), |m| m.name.clone());
    let y_name = match axis {
        TradeoffAxis::Cost => "Cost P80".to_string(),
        TradeoffAxis::Score(s) => format!("Declared score: {s}"),
    };
    let title = format!("{name}: P80 date against {y_name}");
    // (label, P10, P80, P90 finish; y, y low, y high)
    let mut pts = Vec::new();
    let mut unshown = Vec::new();
    for k in 0..c.plans.len() {
        let Some(m) = c.milestone(k, id) else {
            continue;
        };
        let (Some(p10), Some(p80), Some(p90)) = (
            m.percentiles[0].days,
            m.percentiles[2].days,
            m.percentiles[3].days,
        ) else {
            unshown.push(format!(
                "{} (P80 or P90 not reached: delivers in {:.1}% of runs)",
                c.plans[k].0,
                100.0 * m.delivered.estimate
            ));
            continue;
        };
        let y = match axis {
            TradeoffAxis::Cost => m.cost.map(|c| (c.p80, c.p10, c.p90)),
            TradeoffAxis::Score(s) => c.plans[k]
                .1
                .scores
                .iter()
                .find(|(n, _)| n == s)
                .map(|(_, v)| (*v, *v, *v)),
        };
        if let Some((y, ylo, yhi)) = y {
            pts.push((k, p10, p80, p90, y, ylo, yhi));
        }
    }
    if pts.is_empty() {
        let why = match axis {
            TradeoffAxis::Cost => {
                "no scenario declares costs: add cost_per_day to [project] or cost to tasks"
                    .to_string()
            }
            TradeoffAxis::Score(s) => format!("no scenario declares the score `{s}`"),
        };
        return no_data(root, &title, &why);
    }
    // Both axes are made small: days always, cost as is, a score negated.
    let sign = if matches!(axis, TradeoffAxis::Score(_)) {
        -1.0
    } else {
        1.0
    };
    let front = non_dominated(&pts.iter().map(|p| (p.2, sign * p.4)).collect::<Vec<_>>());
    let (xlo, xhi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.3))
        });
    let (ylo, yhi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.5), b.max(p.6))
        });
    let ypad = ((yhi - ylo) * 0.15).max(yhi.abs() * 0.05).max(0.5);
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(22.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(
            x_range(xlo, xhi + (xhi - xlo) * 0.15),
            (ylo - ypad)..(yhi + ypad),
        )?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| axis_label(reference, *x))
        .y_label_formatter(&|y| {
            if matches!(axis, TradeoffAxis::Cost) {
                super::tables::money(*y)
            } else {
                format!("{y:.1}")
            }
        })
        .x_desc("P80 finish (whiskers: P10 to P90)")
        .y_desc(y_name.as_str())
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (i, &(k, p10, p80, p90, y, ylo, yhi)) in pts.iter().enumerate() {
        let color = series_color(k);
        chart.draw_series(LineSeries::new([(p10, y), (p90, y)], color.stroke_width(2)))?;
        if yhi > ylo {
            chart.draw_series(LineSeries::new(
                [(p80, ylo), (p80, yhi)],
                color.stroke_width(2),
            ))?;
        }
        let (marker, label) = if front[i] {
            (Circle::new((p80, y), 9, color.filled()), bold(15.0))
        } else {
            (Circle::new((p80, y), 9, color.stroke_width(3)), font(15.0))
        };
        chart.draw_series(std::iter::once(marker))?;
        let text = if front[i] {
            format!("  {} (non-dominated)", c.plans[k].0)
        } else {
            format!("  {}", c.plans[k].0)
        };
        chart.draw_series(std::iter::once(Text::new(
            text,
            (p80, y),
            label.pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))?;
    }
    if !unshown.is_empty() {
        root.draw(&Text::new(
            format!("not shown: {}", unshown.join("; ")),
            (24, SIZE.1 as i32 - 22),
            font(13.0).color(&GREY),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// "How does Launch's P80 move with train's success?": P80 (with its 95% interval) against the
/// first swept parameter, one line per value of the second.
pub fn sweep<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Sweep) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let ms = &s.plan.milestones[s.milestone];
    let title = format!("How does {}'s P80 move with {}?", ms.name, s.params[0].path);
    let pts: Vec<_> = s
        .points
        .iter()
        .filter_map(|p| Some((p, p.p80.days?)))
        .collect();
    if pts.is_empty() {
        return no_data(root, &title, "P80 is not reached at any point of the grid");
    }
    let xs = &s.params[0].values;
    let (xlo, xhi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let (ylo, yhi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (p, d)| {
            (
                a.min(p.p80.low.unwrap_or(*d)),
                b.max(p.p80.high.unwrap_or(*d)),
            )
        });
    let xpad = ((xhi - xlo) * 0.05).max(0.05);
    let ypad = ((yhi - ylo) * 0.1).max(0.5);
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(22.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (xlo - xpad)..(xhi + xpad),
            (ylo - ypad).max(0.0)..(yhi + ypad),
        )?;
    chart
        .configure_mesh()
        .x_labels(10)
        .y_label_formatter(&|y| axis_label(s.plan, *y))
        .x_desc(s.params[0].path.as_str())
        .y_desc(format!("{} P80 (bars: 95% interval)", ms.name))
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let groups: Vec<Option<f64>> = match s.params.get(1) {
        Some(p) => p.values.iter().map(|v| Some(*v)).collect(),
        None => vec![None],
    };
    for (k, g) in groups.iter().enumerate() {
        let line: Vec<_> = pts
            .iter()
            .filter(|(p, _)| g.is_none_or(|g| p.values[1] == g))
            .collect();
        let color = series_color(k);
        for (p, d) in &line {
            if let (Some(lo), Some(hi)) = (p.p80.low, p.p80.high) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.values[0], lo), (p.values[0], hi)],
                    color.stroke_width(2),
                )))?;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (p.values[0], *d),
                5,
                color.filled(),
            )))?;
        }
        let label = g.map_or(format!("{} P80", ms.name), |g| {
            format!("{} = {g}", s.params[1].path)
        });
        styled_line(
            &mut chart,
            k,
            line.iter().map(|(p, d)| (p.values[0], *d)).collect(),
            &label,
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(font(14.0))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Renders `draw` to an SVG string with the bundled font registered.
pub fn to_svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Res,
) -> Result<String, Box<dyn Error>> {
    register_fonts();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, SIZE).into_drawing_area();
        draw(&root)?;
    }
    Ok(s)
}

/// Renders `draw` to a PNG file with the bundled font registered.
pub fn to_png(
    path: &std::path::Path,
    draw: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Res,
) -> Res {
    register_fonts();
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(&root)
}
