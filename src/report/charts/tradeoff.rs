//! Scenarios against each other: the trade-off of P80 date against cost or a declared score, and
//! a milestone's P80 across a parameter sweep.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::VPos;

use super::{
    Axis, DESC_PX, GREY, GRID, NOTE_PX, Res, SIZE, TICK_PX, TITLE_PX, bold, font, label_beside,
    no_data, series_color, styled_line, time_axis, time_axis_y, x_range,
};
use crate::analysis::compare::{Comparison, TradeoffAxis, non_dominated};
use crate::analysis::sweep::Sweep;
use crate::analysis::{P10, P90};

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
    root.fill(&WHITE)?;
    let reference = c.plans[0].1;
    let name = c.milestone_name(id);
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
            m.percentiles[P10].days,
            m.p80().days,
            m.percentiles[P90].days,
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
                .scores()
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
        .caption(title, bold(TITLE_PX))
        .margin(16)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(88)
        .build_cartesian_2d(
            x_range(xlo, xhi + (xhi - xlo) * 0.15),
            (ylo - ypad)..(yhi + ypad),
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|y| {
            if matches!(axis, TradeoffAxis::Cost) {
                crate::report::tables::money(*y)
            } else {
                format!("{y:.1}")
            }
        })
        .x_desc("P80 finish (whiskers: P10 to P90)")
        .y_desc(y_name.as_str())
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .max_light_lines(1)
        .bold_line_style(GRID)
        .draw()?;
    time_axis(root, &chart, reference, Axis::X)?;
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
            (Circle::new((p80, y), 9, color.filled()), bold(14.0))
        } else {
            (Circle::new((p80, y), 9, color.stroke_width(3)), font(14.0))
        };
        chart.draw_series(std::iter::once(marker))?;
        let text = if front[i] {
            format!("{} (non-dominated)", c.plans[k].0)
        } else {
            c.plans[k].0.clone()
        };
        // Above and right of the marker (radius 9), clear of it.
        let (x, y) = chart.backend_coord(&(p80, y));
        label_beside(root, &text, (x, y - 8), label, VPos::Bottom, 8)?;
    }
    if !unshown.is_empty() {
        root.draw(&Text::new(
            format!("not shown: {}", unshown.join("; ")),
            (24, SIZE.1 as i32 - 22),
            font(NOTE_PX).color(&GREY),
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
    let ms = &s.plan.milestones()[s.milestone];
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
        .caption(title, bold(TITLE_PX))
        .margin(16)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(88)
        .build_cartesian_2d(
            (xlo - xpad)..(xhi + xpad),
            (ylo - ypad).max(0.0)..(yhi + ypad),
        )?;
    chart
        .configure_mesh()
        .x_labels(10)
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(s.params[0].path.as_str())
        .y_desc(format!("{} P80 (bars: 95% interval)", ms.name))
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .max_light_lines(1)
        .bold_line_style(GRID)
        .draw()?;
    time_axis_y(root, &chart, s.plan)?;
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
        .label_font(font(NOTE_PX))
        .draw()?;
    root.present()?;
    Ok(())
}
