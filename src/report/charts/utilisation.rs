//! A resource's utilisation over time: the mean units in use (over the run's first iterations)
//! against its capacity, which may step on dates.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BLUE, GREY, Res, VERMILLION, font, no_data, shorten, time_frame};
use crate::report::Forecast;

pub fn utilisation<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, r: usize) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let plan = f.plan;
    let res = &plan.resources()[r];
    let title = format!("How busy is {}?", shorten(&res.name, 48));
    let Some(report) = f.resources.as_ref() else {
        return no_data(root, &title, "no resource analysis in this run");
    };
    let imp = &report.resources[r];
    let width = report.horizon / imp.busy.len() as f64;
    let top = imp
        .capacity
        .iter()
        .chain(&imp.busy)
        .copied()
        .filter(|x| x.is_finite())
        .fold(1.0, f64::max)
        * 1.15;
    let mut chart = time_frame(
        root,
        plan,
        title,
        0.0..report.horizon,
        0.0..top,
        &|y| format!("{y:.1}"),
        "Units in use (mean over runs)",
    )?;
    let busy: Vec<(f64, f64)> = imp
        .busy
        .iter()
        .enumerate()
        .flat_map(|(b, &u)| [(b as f64 * width, u), ((b + 1) as f64 * width, u)])
        .collect();
    chart
        .draw_series(AreaSeries::new(busy, 0.0, BLUE.mix(0.18)).border_style(BLUE.stroke_width(2)))?
        .label("in use")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 24, y + 5)], BLUE.mix(0.4).filled()));
    let cap: Vec<(f64, f64)> = imp
        .capacity
        .iter()
        .enumerate()
        .flat_map(|(b, &c)| [(b as f64 * width, c), ((b + 1) as f64 * width, c)])
        .collect();
    chart
        .draw_series(LineSeries::new(cap, VERMILLION.stroke_width(3)))?
        .label("capacity")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], VERMILLION.stroke_width(3)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .margin(10)
        .label_font(font(13.0))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()?;
    root.present()?;
    Ok(())
}
