//! The report's chart: horizontal bars of "how many times better ours is" per measurement, on
//! a logarithmic axis, with the goal marked, as SVG (plotters).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar: `value` is a ratio where more than 1 means ours is better.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What is compared.
    pub label: String,
    /// The ratio.
    pub value: f64,
    /// The goal for the ratio, if there is one.
    pub goal: Option<f64>,
}

/// A group of bars with a heading.
#[derive(Debug, Clone)]
pub struct Section {
    /// The heading.
    pub title: String,
    /// The bars.
    pub bars: Vec<Bar>,
}

const WIDTH: u32 = 1100;
const LABEL_W: i32 = 400;
const RIGHT_PAD: i32 = 90;
const BAR_H: i32 = 22;
const TITLE_H: i32 = 34;
const TOP: i32 = 50;
const BOTTOM: i32 = 40;

/// The log-scale axis: from `lo` to `hi` (powers of ten) over `x0..x1` pixels.
struct Axis {
    lo: f64,
    hi: f64,
    x0: i32,
    x1: i32,
}

impl Axis {
    fn x(&self, v: f64) -> i32 {
        let v = v.clamp(self.lo, self.hi);
        let f = (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10());
        self.x0 + (f * f64::from(self.x1 - self.x0)).round() as i32
    }
}

fn err(e: impl std::fmt::Display) -> String {
    format!("chart: {e}")
}

/// Writes the chart of `sections` to `path` with `title` on top.
pub fn write(path: &Path, title: &str, sections: &[Section]) -> Result<(), String> {
    let bars: Vec<&Bar> = sections.iter().flat_map(|s| &s.bars).collect();
    let finite = bars.iter().flat_map(|b| [Some(b.value), b.goal]).flatten();
    let (mut lo, mut hi) = (1.0f64, 1.0f64);
    for v in finite.filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let axis = Axis {
        lo: 10f64.powf((lo.log10() - 0.05).floor()),
        hi: 10f64.powf((hi.log10() + 0.05).ceil()),
        x0: LABEL_W,
        x1: WIDTH as i32 - RIGHT_PAD,
    };
    let height = TOP + BOTTOM + sections.len() as i32 * TITLE_H + bars.len() as i32 * (BAR_H + 6);
    let root = SVGBackend::new(path, (WIDTH, height as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let font = |size: i32| TextStyle::from(("sans-serif", size).into_font());
    let bold = |size: i32| TextStyle::from(("sans-serif", size, FontStyle::Bold).into_font());
    root.draw(&Text::new(title.to_string(), (20, 24), bold(18)))
        .map_err(err)?;

    // Grid: powers of ten, with 1x (parity) in black.
    let plot_top = TOP;
    let plot_bottom = height - BOTTOM;
    let mut tick = axis.lo;
    while tick <= axis.hi * 1.0001 {
        let x = axis.x(tick);
        let color = if (tick - 1.0).abs() < 1e-9 {
            BLACK.stroke_width(2)
        } else {
            RGBColor(200, 200, 200).stroke_width(1)
        };
        root.draw(&PathElement::new(
            vec![(x, plot_top), (x, plot_bottom)],
            color,
        ))
        .map_err(err)?;
        let label = if tick >= 1.0 {
            format!("{tick:.0}x")
        } else {
            format!("{tick}x")
        };
        root.draw(&Text::new(
            label,
            (x, plot_bottom + 16),
            font(12).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(err)?;
        tick *= 10.0;
    }

    let mut y = TOP;
    for section in sections {
        y += TITLE_H;
        root.draw(&Text::new(
            section.title.clone(),
            (20, y - TITLE_H + 10),
            bold(15),
        ))
        .map_err(err)?;
        for bar in &section.bars {
            let mid = y + BAR_H / 2;
            root.draw(&Text::new(
                bar.label.clone(),
                (LABEL_W - 10, mid),
                font(13).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(err)?;
            if bar.value.is_finite() && bar.value > 0.0 {
                let (a, b) = (axis.x(1.0), axis.x(bar.value));
                let good = bar.goal.map_or(bar.value >= 1.0, |g| bar.value >= g);
                let color = if good {
                    RGBColor(46, 139, 87)
                } else {
                    RGBColor(205, 92, 92)
                };
                root.draw(&Rectangle::new(
                    [(a.min(b), y), (a.max(b).max(a.min(b) + 1), y + BAR_H)],
                    color.filled(),
                ))
                .map_err(err)?;
                root.draw(&Text::new(
                    crate::report::fmt_ratio(bar.value),
                    (a.max(b) + 6, mid),
                    font(12).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(err)?;
            }
            if let Some(goal) = bar.goal {
                let gx = axis.x(goal);
                root.draw(&PathElement::new(
                    vec![(gx, y - 3), (gx, y + BAR_H + 3)],
                    RGBColor(30, 30, 160).stroke_width(3),
                ))
                .map_err(err)?;
            }
            y += BAR_H + 6;
        }
    }
    root.draw(&Text::new(
        "bars: how many times better ours is (log scale; > 1x = ours better); blue tick: goal"
            .to_string(),
        (20, height - 8),
        font(12),
    ))
    .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}
