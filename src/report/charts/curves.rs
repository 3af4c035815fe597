//! The finish of a milestone: its delivery S-curve, its histogram, and the S-curves of several
//! scenarios overlaid.

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    BLUE, GREY, INK, NOTE_PX, Res, SKY, VERMILLION, Xy, font, label_beside, no_data, styled_line,
    time_frame, when, x_range,
};
use crate::analysis::MilestoneSummary;
use crate::analysis::compare::Comparison;
use crate::model::Plan;
use crate::report::Forecast;

/// The percentiles marked on the S-curve and the histogram.
const MARKED: [f64; 3] = [0.5, 0.8, 0.95];

/// What the S-curve and the histogram of one milestone are drawn from.
struct Finishes<'f> {
    plan: &'f Plan,
    summary: &'f MilestoneSummary,
    title: String,
    /// Every run, delivered or not.
    n: f64,
    /// The delivered finishes, sorted.
    delivered: Vec<f64>,
    /// The earliest and latest delivered finish.
    lo: f64,
    hi: f64,
    deadline: Option<f64>,
}

impl<'f> Finishes<'f> {
    /// The preamble both charts share: a white canvas, the title (from the milestone's name), and
    /// the milestone's delivered finishes. When no run delivers, the chart says so instead and
    /// this returns None.
    fn open<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        f: &'f Forecast,
        m: usize,
        title: impl FnOnce(&str) -> String,
    ) -> Result<Option<Finishes<'f>>, Box<dyn Error>>
    where
        DB::ErrorType: 'static,
    {
        let ms = &f.plan.milestones()[m];
        let sorted = &f.finishes[m];
        let delivered: Vec<f64> = sorted.iter().copied().filter(|x| x.is_finite()).collect();
        root.fill(&WHITE)?;
        let title = title(&ms.name);
        let Some((&lo, &hi)) = delivered.first().zip(delivered.last()) else {
            no_data(root, &title, "not delivered in any simulated run")?;
            return Ok(None);
        };
        Ok(Some(Finishes {
            plan: f.plan,
            summary: &f.summary.milestones[m],
            title,
            n: sorted.len() as f64,
            lo,
            hi,
            deadline: ms.deadline.map(|d| d.days),
            delivered,
        }))
    }

    /// The latest delivered finish or the deadline, whichever is later.
    fn span_hi(&self) -> f64 {
        self.hi.max(self.deadline.unwrap_or(self.hi))
    }

    /// The marked percentiles that are reached: (p, finish, label).
    fn marks(&self) -> impl Iterator<Item = (f64, f64, String)> + '_ {
        self.summary
            .percentiles
            .iter()
            .filter(|p| MARKED.contains(&p.p))
            .filter_map(|p| {
                let d = p.days?;
                Some((
                    p.p,
                    d,
                    format!("P{:.0} {}", p.p * 100.0, when(self.plan, d)),
                ))
            })
    }

    /// The deadline and its label, when the milestone has one.
    fn deadline_mark(&self) -> Option<(f64, String)> {
        let (d, o) = self.deadline.zip(self.summary.on_time.as_ref())?;
        let label = format!(
            "deadline {}: {:.1}% on time",
            when(self.plan, d),
            100.0 * o.probability.estimate
        );
        Some((d, label))
    }
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
    time_frame(
        root,
        plan,
        title,
        x_range(lo, hi),
        0.0..105.0,
        &|y| format!("{y:.0}%"),
        "Chance delivered by then",
    )
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

/// A vertical marker with a label at its top, staggered by `row` so neighbours do not collide.
#[allow(clippy::too_many_arguments)]
fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Xy>,
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
    let at = chart.backend_coord(&(x, y));
    label_beside(root, &label, at, font(NOTE_PX).color(&color), VPos::Top, 4)
}

/// The status date: a grey vertical line labelled "status <date>" at its top, right of the line
/// (the work after it is the forecast).
fn status_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Xy>,
    s: crate::model::StatusDate,
    y_top: f64,
) -> Res
where
    DB::ErrorType: 'static,
{
    chart.draw_series(LineSeries::new(
        [(s.time, 0.0), (s.time, y_top)],
        GREY.stroke_width(2),
    ))?;
    let at = chart.backend_coord(&(s.time, y_top));
    label_beside(
        root,
        &format!("status {}", s.date),
        at,
        font(NOTE_PX).color(&GREY),
        VPos::Top,
        4,
    )
}

/// "When will Launch ship?": the cumulative chance of delivery by each date, with P50/P80/P95
/// and the deadline marked, ending below 100% when some simulated programs never deliver.
pub fn s_curve<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, m: usize) -> Res
where
    DB::ErrorType: 'static,
{
    let Some(v) = Finishes::open(root, f, m, |name| format!("When will {name} ship?"))? else {
        return Ok(());
    };
    let status = v.plan.status_date();
    let (lo, hi) = (
        v.lo.min(status.map_or(v.lo, |s| s.time)),
        v.span_hi().max(status.map_or(v.lo, |s| s.time)),
    );
    let mut chart = cdf_frame(root, v.plan, v.title.clone(), lo, hi)?;
    let points = ecdf(&v.delivered, v.n, hi, 1000);
    if let Some(s) = status {
        status_line(root, &mut chart, s, 104.0)?;
    }
    let top = 100.0 * v.delivered.len() as f64 / v.n;
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
            // From the first delivery, clear of the status line at the left.
            (v.lo, top + 1.5),
            font(NOTE_PX).color(&GREY),
        )))?;
    }
    for (p, d, label) in v.marks() {
        chart.draw_series(DashedLineSeries::new(
            [(d, 0.0), (d, 100.0 * p)],
            6,
            4,
            INK.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Circle::new(
            (d, 100.0 * p),
            5,
            INK.filled(),
        )))?;
        // Right of the dot and below it, clear of the curve that climbs to its right.
        let (x, y) = chart.backend_coord(&(d, 100.0 * p));
        label_beside(root, &label, (x, y + 4), font(14.0), VPos::Top, 9)?;
    }
    if let Some((d, label)) = v.deadline_mark() {
        chart.draw_series(LineSeries::new(
            [(d, 0.0), (d, 104.0)],
            VERMILLION.stroke_width(2),
        ))?;
        let at = chart.backend_coord(&(d, 12.0));
        label_beside(
            root,
            &label,
            at,
            font(14.0).color(&VERMILLION),
            VPos::Bottom,
            5,
        )?;
    }
    root.present()?;
    Ok(())
}

/// "How spread out is Launch's finish?": a histogram of the finish, with the same markers.
pub fn histogram<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, m: usize) -> Res
where
    DB::ErrorType: 'static,
{
    let Some(v) = Finishes::open(root, f, m, |name| {
        format!("How spread out is {name}'s finish?")
    })?
    else {
        return Ok(());
    };
    let (lo, hi, n) = (v.lo, v.hi, v.n);
    // Bins of whole working days when the spread allows, else 40 equal bins.
    let width = if hi - lo <= 60.0 {
        1.0
    } else {
        ((hi - lo) / 40.0).ceil()
    };
    let first = lo.floor();
    let bins = (((hi - first) / width).floor() as usize + 1).max(1);
    let mut counts = vec![0usize; bins];
    for &x in &v.delivered {
        counts[(((x - first) / width) as usize).min(bins - 1)] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(1) as f64 * 100.0 / n;
    let y_top = peak * 1.3;
    let mut chart = time_frame(
        root,
        v.plan,
        v.title.clone(),
        x_range(first, v.span_hi().max(first + width * bins as f64)),
        0.0..y_top,
        &|y| format!("{y:.1}%"),
        if width == 1.0 {
            "Share of simulated runs finishing that day"
        } else {
            "Share of simulated runs per bin"
        },
    )?;
    chart.draw_series(counts.iter().enumerate().map(|(i, &c)| {
        let x0 = first + i as f64 * width;
        let mut r = Rectangle::new(
            [(x0, 0.0), (x0 + width, c as f64 * 100.0 / n)],
            SKY.filled(),
        );
        r.set_margin(0, 0, 1, 1);
        r
    }))?;
    for (row, (_, d, label)) in v.marks().enumerate() {
        marker(root, &mut chart, d, y_top * 0.9, row, label, INK, true)?;
    }
    if let Some((d, label)) = v.deadline_mark() {
        marker(root, &mut chart, d, y_top, 0, label, VERMILLION, false)?;
    }
    if (v.delivered.len() as f64) < n {
        let share = 100.0 * (1.0 - v.delivered.len() as f64 / n);
        chart.draw_series(std::iter::once(Text::new(
            format!("not shown: {share:.1}% of runs never deliver"),
            (first, y_top * 0.97),
            font(NOTE_PX).color(&GREY),
        )))?;
    }
    root.present()?;
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
    let title = format!(
        "When will {} ship, scenario by scenario?",
        c.milestone_name(id)
    );
    let columns: Vec<Option<Vec<f64>>> = (0..c.plans.len())
        .map(|k| {
            let m = c.plans[k].1.milestones().iter().position(|m| m.id == id)?;
            let mut v = c.scenarios[k].outcomes.milestone_column(m);
            radsort::sort(&mut v);
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
        .milestones()
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
            font(NOTE_PX)
                .color(&VERMILLION)
                .pos(Pos::new(HPos::Right, VPos::Top)),
        )))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(font(NOTE_PX))
        .draw()?;
    root.present()?;
    Ok(())
}
