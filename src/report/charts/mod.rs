//! Charts, drawn with plotters: delivery S-curves, finish histograms, tornado of drivers and a
//! Gantt chart with uncertainty. Each chart is one function generic over the drawing backend, so
//! the same code writes SVG (always) and PNG (`--png`).
//!
//! Text is laid out with a bundled font (Liberation Sans, SIL OFL 1.1, in `assets/fonts/`)
//! registered at first use, so charts come out the same on a machine with no fonts and no
//! fontconfig. SVG text names the font first, with metric-compatible fallbacks.
//!
//! One file per chart family: [`curves`] (delivery S-curves, finish histograms, overlaid S-curves
//! of scenarios), [`tornado`] (drivers), [`gantt`] (the schedule with its uncertainty) and
//! [`tradeoff`] (scenarios' trade-off and a parameter sweep), [`budget`] (cost against finish,
//! with the deadline, the budget and the joint confidence). This module holds what they share:
//! the font, colours, size, frames and labels, the [`Chart`] list of a report, and rendering to
//! SVG and PNG.
//!
//! Colours are the Okabe-Ito palette, which stays distinguishable with colour-blindness; every
//! distinction also has a second cue (dash pattern, label or position) so that it survives
//! grayscale printing.

use std::error::Error;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Forecast;
use crate::analysis::drivers::{Driver, DriverKind};
use crate::model::Plan;

mod budget;
pub mod calibration;
mod curves;
mod gantt;
mod history;
mod tornado;
mod tradeoff;
mod utilisation;

pub use budget::budget;
pub use curves::{histogram, overlay, s_curve};
pub use gantt::{GANTT_ROWS, gantt};
pub use history::history;
pub use tornado::{TORNADO_ROWS, tornado};
pub use tradeoff::{sweep, tradeoff};
pub use utilisation::utilisation;

/// The font family name: registered under this name and written into SVG `font-family`.
pub const FONT: &str = "Liberation Sans, Arial, Helvetica, sans-serif";

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/LiberationSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/LiberationSans-Bold.ttf");

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

/// plotters draws a font of size `s` with glyphs `s / 1.24` pixels tall (and writes that size
/// into SVG): sizes in this module are the pixels on the page, scaled back up here.
const PX: f64 = 1.24;

/// Pixel sizes of text on a 960x540 chart: nothing under 12 px.
pub const TITLE_PX: f64 = 21.0;
const DESC_PX: f64 = 14.0;
const TICK_PX: f64 = 13.0;
const NOTE_PX: f64 = 13.0;

/// Regular text of `px` pixels.
fn font(px: f64) -> TextStyle<'static> {
    (FONT, px * PX).into_font().color(&INK)
}

/// Bold text of `px` pixels.
fn bold(px: f64) -> TextStyle<'static> {
    (FONT, px * PX, FontStyle::Bold).into_font().color(&INK)
}

/// A grid line: light enough to read through, drawn only at labelled ticks.
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Ticks of a time axis over `lo..hi` (working days), at most `max`: with a start date, the
/// middle of the working day each names (a finish on that date lies within half a day of its
/// tick, even across a collapsed weekend), on the first working day of every week, two weeks,
/// month, ...; without one, round numbers of working days.
fn time_ticks(plan: &Plan, lo: f64, hi: f64, max: usize) -> Vec<(f64, String)> {
    let cal = plan.calendar();
    // Without a start date, or when the axis runs past the calendar (year 9999), where the
    // reports print working days too: round numbers of working days.
    let beyond = || cal.finish_date(hi).is_none();
    if cal.start.is_none() || beyond() {
        let span = (hi - lo).max(1.0);
        let mut step = 1.0;
        let mut mag = 1.0_f64;
        'search: while mag.is_finite() {
            for m in [1.0, 2.0, 5.0] {
                step = m * mag;
                if span / step <= max as f64 {
                    break 'search;
                }
            }
            mag *= 10.0;
        }
        // No step fits (an infinite span): no ticks rather than a loop.
        if !mag.is_finite() {
            return vec![];
        }
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        return (first..=last)
            .map(|k| (k as f64 * step, format!("{:.0}", k as f64 * step)))
            .collect();
    }
    let i0 = lo.floor().max(0.0) as usize;
    let i1 = hi.ceil().max(0.0) as usize;
    // A very long horizon only needs monthly ticks; cap the walk.
    let days = cal.working_days(i1.min(i0.saturating_add(40_000)) + 1);
    let inside: Vec<(f64, jiff::civil::Date)> = days
        .iter()
        .enumerate()
        .skip(i0)
        .map(|(i, d)| (i as f64 + 0.5, *d))
        .filter(|(t, _)| *t >= lo && *t <= hi)
        .collect();
    // Weeks counted from Monday 1970-01-05; months from year 0.
    let week =
        |d: jiff::civil::Date| (d - jiff::civil::date(1970, 1, 5)).get_days().div_euclid(7) as i64;
    let month = |d: jiff::civil::Date| d.year() as i64 * 12 + d.month() as i64 - 1;
    // (weekly, every k periods); period 0 is every working day.
    let rules: [(Option<bool>, i64); 9] = [
        (None, 1),
        (Some(true), 1),
        (Some(true), 2),
        (Some(true), 4),
        (Some(false), 1),
        (Some(false), 2),
        (Some(false), 3),
        (Some(false), 6),
        (Some(false), 12),
    ];
    let mut best = Vec::new();
    for (weekly, every) in rules {
        // A tick goes on the first working day of a period whose number is a multiple of `every`.
        let key = |i: usize, d: jiff::civil::Date| match weekly {
            None => i as i64,
            Some(true) => week(d),
            Some(false) => month(d),
        };
        best = inside
            .iter()
            .filter(|&&(t, d)| {
                let i = (t - 0.5) as usize;
                let k = key(i, d);
                let first = i == 0 || days.get(i - 1).is_none_or(|p| key(i - 1, *p) != k);
                first && k.rem_euclid(every) == 0
            })
            .copied()
            .collect::<Vec<_>>();
        if best.len() <= max {
            break;
        }
    }
    best.into_iter()
        .map(|(t, d)| (t, d.strftime("%b %-d").to_string()))
        .collect()
}

/// Which axis a set of ticks goes on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Axis {
    X,
    Y,
}

/// Draws ticks (value, label) on one axis of a plotting area: a light grid line across the
/// area, a tick mark and the label beside the axis, kept on the canvas. `area` is the plotting
/// area's pixels (x, y), `range` the values the axis spans.
fn draw_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: (std::ops::Range<i32>, std::ops::Range<i32>),
    range: std::ops::Range<f64>,
    ticks: &[(f64, String)],
    axis: Axis,
) -> Res
where
    DB::ErrorType: 'static,
{
    let (px, py) = area;
    let style = font(TICK_PX);
    let span = range.end - range.start;
    for (v, label) in ticks {
        let share = (v - range.start) / span;
        if !(0.0..=1.0).contains(&share) {
            continue;
        }
        let w = text_width(root, label, &style)?;
        let (_, h) = root.estimate_text_size(label, &style)?;
        let h = h as i32;
        match axis {
            Axis::X => {
                let x = px.start + (share * (px.end - px.start) as f64).round() as i32;
                root.draw(&PathElement::new(
                    vec![(x, py.start), (x, py.end)],
                    GRID.stroke_width(1),
                ))?;
                root.draw(&PathElement::new(
                    vec![(x, py.end), (x, py.end + 5)],
                    INK.stroke_width(1),
                ))?;
                let cx = x.clamp(w / 2 + 4, SIZE.0 as i32 - w / 2 - 4);
                root.draw(&Text::new(
                    label.clone(),
                    (cx, py.end + 8),
                    style.pos(Pos::new(HPos::Center, VPos::Top)),
                ))?;
            }
            Axis::Y => {
                let y = py.end - (share * (py.end - py.start) as f64).round() as i32;
                root.draw(&PathElement::new(
                    vec![(px.start, y), (px.end, y)],
                    GRID.stroke_width(1),
                ))?;
                root.draw(&PathElement::new(
                    vec![(px.start - 5, y), (px.start, y)],
                    INK.stroke_width(1),
                ))?;
                let cy = y.clamp(h / 2 + 4, SIZE.1 as i32 - h / 2 - 4);
                root.draw(&Text::new(
                    label.clone(),
                    (px.start - 8, cy),
                    style.pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
        }
    }
    Ok(())
}

/// Draws a time axis (dates, or working days) under a chart's plotting area, with its grid.
fn time_axis<DB: DrawingBackend, Y: Ranged>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    plan: &Plan,
    axis: Axis,
) -> Res
where
    DB::ErrorType: 'static,
{
    let range = chart.x_range();
    let ticks = time_ticks(plan, range.start, range.end, 8);
    draw_ticks(
        root,
        chart.plotting_area().get_pixel_range(),
        range,
        &ticks,
        axis,
    )
}

/// Draws a time axis on the vertical of a chart whose values up are working days.
fn time_axis_y<DB: DrawingBackend, X: Ranged>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Cartesian2d<X, RangedCoordf64>>,
    plan: &Plan,
) -> Res
where
    DB::ErrorType: 'static,
{
    let range = chart.y_range();
    let ticks = time_ticks(plan, range.start, range.end, 9);
    draw_ticks(
        root,
        chart.plotting_area().get_pixel_range(),
        range,
        &ticks,
        Axis::Y,
    )
}

/// The width a text may take, for layout: the font's measure or, when larger, a conservative
/// 0.6 em per character (the rule `tests/report.rs` checks every label against), so a label
/// placed by it stays on the canvas in any renderer.
fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
) -> Result<i32, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.estimate_text_size(text, style)?;
    let rule = CHAR_EM * style.font.get_size() / PX * text.chars().count() as f64;
    Ok((w as f64).max(rule).ceil() as i32)
}

/// The conservative width of one character, in em.
pub const CHAR_EM: f64 = 0.6;

/// `s` cut (with an ellipsis) to what fits `width` pixels at `px` by the conservative rule.
fn fit(s: &str, px: f64, width: f64) -> String {
    shorten(s, ((width / (CHAR_EM * px)).floor() as usize).max(4))
}

/// A label at pixel `(x, y)` on the side of `x` where it fits: right of it when it stays on the
/// canvas (less a margin), else left of it; moved in when neither side has room.
fn label_beside<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    style: TextStyle<'_>,
    vpos: VPos,
    gap: i32,
) -> Res
where
    DB::ErrorType: 'static,
{
    let w = text_width(root, text, &style)?;
    let edge = SIZE.0 as i32 - 6;
    let x = x.clamp(0, SIZE.0 as i32);
    let (x, hpos) = if x + gap + w <= edge {
        (x + gap, HPos::Left)
    } else if x - gap - w >= 6 {
        (x - gap, HPos::Right)
    } else {
        ((edge - w).max(6), HPos::Left)
    };
    // On a white ground, so a line passing under it does not strike it through.
    let (tw, th) = root.estimate_text_size(text, &style)?;
    let (tw, th) = (tw as i32, th as i32);
    let x0 = if matches!(hpos, HPos::Left) {
        x
    } else {
        x - tw
    };
    let y0 = match vpos {
        VPos::Top => y,
        VPos::Center => y - th / 2,
        VPos::Bottom => y - th,
    };
    root.draw(&Rectangle::new(
        [(x0 - 2, y0 - 1), (x0 + tw + 2, y0 + th + 1)],
        WHITE.mix(0.8).filled(),
    ))?;
    root.draw(&Text::new(
        text.to_string(),
        (x, y),
        style.pos(Pos::new(hpos, vpos)),
    ))?;
    Ok(())
}

/// The date (or day count) a finish at `t` falls on, for labels.
fn when(plan: &Plan, t: f64) -> String {
    match plan.calendar().finish_date(t) {
        Some(d) => d.strftime("%b %-d").to_string(),
        None => format!("day {t:.1}"),
    }
}

fn x_desc(plan: &Plan) -> &'static str {
    if plan.calendar().start.is_some() {
        "Date (working days from the start, as calendar dates)"
    } else {
        "Working days from the start"
    }
}

/// An x range covering `lo..hi` with a little air.
fn x_range(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let pad = ((hi - lo) * 0.04).max(1.5);
    (lo - pad).max(0.0)..hi + pad
}

/// Finishes across (dates, or working days without a start date), any measure up: the frame of
/// the delivery curves and the histogram.
fn time_frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    plan: &Plan,
    title: String,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_label: &dyn Fn(&f64) -> String,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Xy>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(TITLE_PX))
        .margin(16)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .max_light_lines(1)
        .y_label_formatter(y_label)
        .x_desc(x_desc(plan))
        .y_desc(y_desc)
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .bold_line_style(GRID)
        .draw()?;
    time_axis(root, &chart, plan, Axis::X)?;
    Ok(chart)
}

fn no_data<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, why: &str) -> Res
where
    DB::ErrorType: 'static,
{
    root.draw(&Text::new(title.to_string(), (24, 24), bold(TITLE_PX)))?;
    root.draw(&Text::new(why.to_string(), (24, 72), font(16.0)))?;
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
        DriverKind::Resource => format!("resource: {name}"),
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

/// One chart of a report: its file stem and how to draw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    SCurve(usize),
    Histogram(usize),
    Tornado(usize),
    Gantt,
    /// Cost against finish, for a milestone with a budget.
    Budget(usize),
    /// A resource's use against its capacity over time.
    Utilisation(usize),
}

impl Chart {
    /// Every chart of a forecast, in report order.
    pub fn all(f: &Forecast) -> Vec<Chart> {
        let mut v = Vec::new();
        for m in 0..f.plan.milestones().len() {
            v.extend([Chart::SCurve(m), Chart::Histogram(m)]);
            if f.summary.milestones[m].budget.is_some() {
                v.push(Chart::Budget(m));
            }
            v.push(Chart::Tornado(m));
        }
        v.push(Chart::Gantt);
        if f.resources.is_some() {
            v.extend((0..f.plan.resources().len()).map(Chart::Utilisation));
        }
        v
    }

    pub fn stem(&self, plan: &Plan) -> String {
        match self {
            Chart::SCurve(m) => format!("s-curve-{}", plan.milestones()[*m].id),
            Chart::Histogram(m) => format!("histogram-{}", plan.milestones()[*m].id),
            Chart::Tornado(m) => format!("drivers-{}", plan.milestones()[*m].id),
            Chart::Gantt => "gantt".into(),
            Chart::Budget(m) => format!("budget-{}", plan.milestones()[*m].id),
            Chart::Utilisation(r) => format!("utilisation-{}", plan.resources()[*r].id),
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
            Chart::Budget(m) => budget(root, f, m),
            Chart::Utilisation(r) => utilisation(root, f, r),
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
