//! Cost against finish: the joint confidence of a milestone with a budget.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Axis, DESC_PX, GREEN, GREY, GRID, NOTE_PX, ORANGE, Res, TICK_PX, TITLE_PX, VERMILLION, bold,
    font, no_data, time_axis, when, x_desc,
};
use crate::report::Forecast;

/// The joint confidence label: Okabe-Ito green, darkened to read well on white.
const DARK_GREEN: RGBColor = RGBColor(0, 110, 80);
use crate::report::tables::{money, pct, prob_interval};

/// "Will Launch ship on time and within budget?": each of the run's first
/// [`SCATTER_POINTS`](crate::analysis::SCATTER_POINTS) runs as a point at its finish and its cost, the deadline as a vertical line,
/// the budget as a horizontal (dashed) one, and the runs in the quadrant "on time and within
/// budget" filled green with the joint confidence printed in it. Without a deadline, the runs
/// within budget are the ones filled.
pub fn budget<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &Forecast, m: usize) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let plan = f.plan;
    let ms = &plan.milestones()[m];
    let deadline = ms.deadline.map(|d| d.days);
    let title = if deadline.is_some() {
        format!("Will {} ship on time and within budget?", ms.name)
    } else {
        format!("Will {} stay within budget?", ms.name)
    };
    let summary = &f.summary.milestones[m];
    let (Some(b), Some(points)) = (&summary.budget, f.scatter.get(m)) else {
        return no_data(root, &title, "the milestone has no budget");
    };
    let amount = b.amount;
    let shown: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.0.is_finite()).collect();
    let never = points.len() - shown.len();
    if shown.is_empty() {
        return no_data(root, &title, "not delivered in any of the runs shown");
    }
    let fold = |pick: fn(&(f64, f64)) -> f64| {
        shown
            .iter()
            .map(pick)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, z), v| {
                (a.min(v), z.max(v))
            })
    };
    let (mut xlo, mut xhi) = fold(|p| p.0);
    if let Some(d) = deadline {
        (xlo, xhi) = (xlo.min(d), xhi.max(d));
    }
    let (ylo, yhi) = fold(|p| p.1);
    let (ylo, yhi) = (ylo.min(amount), yhi.max(amount));
    let xpad = ((xhi - xlo) * 0.05).max(0.5);
    // Room above for the labels of the top of the cloud, and a cost axis that never goes below 0.
    let ypad = ((yhi - ylo) * 0.08).max(yhi.abs() * 0.02).max(1.0);
    let x_range = (xlo - xpad).max(0.0)..xhi + xpad;
    let y_range = (ylo - ypad).max(0.0)..yhi + ypad;
    let mut chart = ChartBuilder::on(root)
        .caption(title, bold(TITLE_PX))
        .margin(16)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(96)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&|y| money(*y))
        .x_desc(x_desc(plan))
        .y_desc(format!("Cost of reaching {}", ms.name))
        .axis_desc_style(font(DESC_PX))
        .label_style(font(TICK_PX))
        .max_light_lines(1)
        .bold_line_style(GRID)
        .draw()?;
    time_axis(root, &chart, plan, Axis::X)?;

    let inside = |p: &(f64, f64)| p.1 <= amount && deadline.is_none_or(|d| p.0 <= d);
    // The quadrant first, under everything.
    let corner = (deadline.unwrap_or(x_range.end), amount);
    chart.draw_series(std::iter::once(Rectangle::new(
        [(x_range.start, y_range.start), corner],
        GREEN.mix(0.08).filled(),
    )))?;
    let good = if deadline.is_some() {
        "on time and within budget"
    } else {
        "within budget"
    };
    chart
        .draw_series(
            shown
                .iter()
                .filter(|p| !inside(p))
                .map(|&p| Circle::new(p, 2, GREY.mix(0.6).stroke_width(1))),
        )?
        .label("other runs")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, GREY.stroke_width(1)));
    chart
        .draw_series(
            shown
                .iter()
                .filter(|p| inside(p))
                .map(|&p| Circle::new(p, 2, GREEN.filled())),
        )?
        .label(format!("runs {good}"))
        .legend(|(x, y)| Circle::new((x + 10, y), 3, GREEN.filled()));
    if let (Some(d), Some(o)) = (deadline, summary.on_time.as_ref()) {
        chart
            .draw_series(LineSeries::new(
                [(d, y_range.start), (d, y_range.end)],
                VERMILLION.stroke_width(2),
            ))?
            .label(format!(
                "deadline {}: {} on time",
                when(plan, d),
                pct(o.probability.estimate)
            ))
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], VERMILLION.stroke_width(2))
            });
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(x_range.start, amount), (x_range.end, amount)],
            8,
            5,
            ORANGE.stroke_width(2),
        ))?
        .label(format!(
            "budget {}: {} within budget",
            money(amount),
            pct(b.within.estimate)
        ))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(2)));
    let total = f.summary.iterations;
    let sample = if (points.len() as u64) < total {
        format!(
            "the first {} of {} runs shown",
            money(points.len() as f64),
            money(total as f64)
        )
    } else {
        format!("all {} runs shown", money(points.len() as f64))
    };
    let sample = if never > 0 {
        format!("{sample}; {never} never delivered (not drawn)")
    } else {
        sample
    };
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label(sample)
        .legend(|(x, y)| EmptyElement::at((x, y)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .margin(10)
        .label_font(font(NOTE_PX))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()?;

    // The joint confidence, printed in its quadrant (top left, under the budget line) on a
    // white box; beside the quadrant when the quadrant is too narrow for it.
    let share = b.joint.unwrap_or(b.within);
    let label = format!("{good}: {} {}", pct(share.estimate), prob_interval(&share));
    let style = bold(15.0).color(&DARK_GREEN);
    let (w, h) = root.estimate_text_size(&label, &style)?;
    let (w, h) = (w as i32, h as i32);
    let (left, _) = chart.backend_coord(&(x_range.start, amount));
    let (right, top) = chart.backend_coord(&corner);
    let (_, bottom) = chart.backend_coord(&(x_range.start, y_range.start));
    let pad = 6;
    let x = if right - left >= w + 3 * pad {
        left + pad
    } else {
        right + pad
    };
    let y = (top + pad).min(bottom - h - 3 * pad);
    root.draw(&Rectangle::new(
        [(x - 3, y - 3), (x + w + 3, y + h + 3)],
        WHITE.mix(0.9).filled(),
    ))?;
    root.draw(&Text::new(
        label,
        (x, y),
        style.pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    root.present()?;
    Ok(())
}
