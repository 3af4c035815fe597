//! Learning from history: the Q-Q chart of a calibration fit, and the backtest's calibration
//! chart (forecast percentile against observed coverage) and PIT histogram.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{GREY, Res, Xy, bold, font, series_color, styled_line};
use crate::analysis::calibration::{Fit, Pit, pit_histogram as pit_shares};

fn frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    x_desc: &str,
    y_desc: &str,
    label: &dyn Fn(&f64) -> String,
) -> Result<ChartContext<'a, DB, Xy>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(22.0))
        .margin(20)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_labels(11)
        .y_labels(11)
        .x_label_formatter(label)
        .y_label_formatter(label)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    Ok(chart)
}

/// A ratio on a log axis: the axis holds log10(ratio).
fn ratio_label(x: &f64) -> String {
    let r = 10f64.powf(*x);
    if r >= 10.0 {
        format!("{r:.0}x")
    } else if r >= 1.0 {
        format!("{r:.1}x")
    } else {
        format!("{r:.2}x")
    }
}

/// The ratio's empirical quantiles against the fitted lognormal's, at every percentile from 1
/// to 99, on log axes: on the diagonal where the lognormal fits. Flat runs are atoms (many tasks
/// that took exactly their estimate); a curve above the diagonal at the right is a heavier tail.
pub fn qq<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, fit: &Fit) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let pts: Vec<(f64, f64)> = (1..100)
        .map(|i| {
            let p = i as f64 / 100.0;
            (fit.lognormal_quantile(p).log10(), fit.quantile(p).log10())
        })
        .collect();
    let lo = pts
        .iter()
        .flat_map(|p| [p.0, p.1])
        .fold(f64::INFINITY, f64::min);
    let hi = pts
        .iter()
        .flat_map(|p| [p.0, p.1])
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.05).max(0.05);
    let range = lo - pad..hi + pad;
    let mut chart = frame(
        root,
        title,
        range.clone(),
        range.clone(),
        "Lognormal fit's quantile of actual / estimate (log scale)",
        "History's quantile (log scale)",
        &ratio_label,
    )?;
    chart.draw_series(DashedLineSeries::new(
        [(range.start, range.start), (range.end, range.end)],
        6,
        4,
        GREY.stroke_width(2),
    ))?;
    chart.draw_series(
        pts.iter()
            .map(|&p| Circle::new(p, 4, series_color(0).filled())),
    )?;
    let note = format!(
        "n = {}, mu = {:.3}, sigma = {:.3}, KS distance {:.3}; {:.1}% took exactly their estimate",
        fit.n,
        fit.mu,
        fit.sigma,
        fit.ks,
        100.0 * fit.exactly_one
    );
    chart.draw_series(std::iter::once(Text::new(
        note,
        (
            range.start + 0.02 * (range.end - range.start),
            range.end - 0.03 * (range.end - range.start),
        ),
        font(14.0),
    )))?;
    root.present()?;
    Ok(())
}

/// Forecast percentile against the share of actuals at or below it, one line per forecaster,
/// with the diagonal a calibrated forecaster follows and a band of 5 points either side.
pub fn reliability<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[(&str, &[Pit])],
) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let pct = |x: &f64| format!("{x:.0}%");
    let mut chart = frame(
        root,
        title,
        0.0..100.0,
        0.0..100.0,
        "Forecast percentile",
        "Actuals at or below it",
        &pct,
    )?;
    chart.draw_series(std::iter::once(Polygon::new(
        vec![
            (0.0, 5.0),
            (95.0, 100.0),
            (100.0, 100.0),
            (100.0, 95.0),
            (5.0, 0.0),
            (0.0, 0.0),
        ],
        RGBColor(235, 235, 235).filled(),
    )))?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (100.0, 100.0)],
            6,
            4,
            GREY.stroke_width(2),
        ))?
        .label("perfect calibration (diagonal; +-5 points shaded)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], GREY.stroke_width(2)));
    for (k, (name, pits)) in series.iter().enumerate() {
        let pts: Vec<(f64, f64)> = (0..=100)
            .map(|i| {
                let p = i as f64 / 100.0;
                let share =
                    pits.iter().map(|x| x.covered(p)).sum::<f64>() / pits.len().max(1) as f64;
                (100.0 * p, 100.0 * share)
            })
            .collect();
        styled_line(&mut chart, k, pts, name)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(font(14.0))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The PIT histogram: where each actual fell in its forecast, in 20 bins, as a multiple of the
/// flat line a calibrated forecaster gives. A U shape is overconfidence (too narrow), a hump
/// underconfidence, a slope bias.
pub fn pit_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[(&str, &[Pit])],
) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    const BINS: usize = 20;
    let shares: Vec<Vec<f64>> = series
        .iter()
        .map(|(_, p)| {
            pit_shares(p, BINS)
                .iter()
                .map(|s| s * BINS as f64)
                .collect()
        })
        .collect();
    let top = shares.iter().flatten().fold(1.0f64, |a, &b| a.max(b)) * 1.15;
    let mut chart = frame(
        root,
        title,
        0.0..1.0,
        0.0..top,
        "Where the actual fell in its forecast (PIT; ties spread over the atom)",
        "Density (1 = calibrated)",
        &|x| format!("{x:.1}"),
    )?;
    let width = 1.0 / BINS as f64;
    let n = series.len().max(1) as f64;
    for (k, (name, _)) in series.iter().enumerate() {
        let color = series_color(k);
        let fill = if k == 0 {
            color.mix(0.75).filled()
        } else {
            color.mix(0.35).filled()
        };
        chart
            .draw_series(shares[k].iter().enumerate().map(|(b, &h)| {
                let x0 = b as f64 * width + k as f64 * width / n;
                Rectangle::new([(x0, 0.0), (x0 + width / n * 0.92, h)], fill)
            }))?
            .label(name.to_string())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], color.filled()));
    }
    chart.draw_series(DashedLineSeries::new(
        [(0.0, 1.0), (1.0, 1.0)],
        6,
        4,
        GREY.stroke_width(2),
    ))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(font(14.0))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()?;
    root.present()?;
    Ok(())
}
