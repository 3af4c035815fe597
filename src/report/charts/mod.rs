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
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::Forecast;
use crate::analysis::drivers::{Driver, DriverKind};
use crate::model::Plan;

mod budget;
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

fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

fn bold(size: f64) -> TextStyle<'static> {
    (FONT, size, FontStyle::Bold).into_font().color(&INK)
}

/// An axis label for a working-day time: a short date when the plan has a start, else days.
fn axis_label(plan: &Plan, t: f64) -> String {
    match plan.calendar().start_date(t.max(0.0)) {
        Some(d) if plan.calendar().start.is_some() => d.strftime("%b %-d").to_string(),
        _ => format!("{t:.0}"),
    }
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
    let pad = ((hi - lo) * 0.04).max(0.5);
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
        .caption(title, bold(24.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(11)
        .x_label_formatter(&|x| axis_label(plan, *x))
        .y_label_formatter(y_label)
        .x_desc(x_desc(plan))
        .y_desc(y_desc)
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    Ok(chart)
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
