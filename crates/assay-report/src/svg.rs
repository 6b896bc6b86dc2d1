//! The report's plots, written as SVG text directly: ROC with its band,
//! precision–recall, confusion matrix, reliability diagram, forest plots
//! (slices, baseline), degradation curves and a latency histogram.
//!
//! Every coordinate is printed with two decimals, so the same record gives
//! the same bytes. Text uses the report font first ("Assay Gothic", which
//! the PDF embeds) and the reader's Korean or sans-serif fonts after it.

use std::fmt::Write as _;

use crate::text::{Lang, T, Words as _};

const W: f64 = 620.0;
const H: f64 = 400.0;
const FONT: &str = "'Assay Gothic', 'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', NanumGothic, sans-serif";
/// Tableau 10, colour-blind safe enough for ten series.
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];
const INK: &str = "#222222";
const GRID: &str = "#e3e3e3";

pub use assay_base::text::escape_markup as esc;

/// The report font's metrics, for fitting text into its room.
fn face() -> &'static ttf_parser::Face<'static> {
    static FACE: std::sync::OnceLock<Option<ttf_parser::Face<'static>>> =
        std::sync::OnceLock::new();
    FACE.get_or_init(|| ttf_parser::Face::parse(crate::pdf::REGULAR, 0).ok())
        .as_ref()
        .expect("the embedded report font parses")
}

/// The width of `text` at `size` pixels in the report font.
pub fn text_width(text: &str, size: f64) -> f64 {
    let face = face();
    let units = f64::from(face.units_per_em());
    text.chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(units / 2.0, f64::from)
        })
        .sum::<f64>()
        * size
        / units
}

/// `text` cut to fit `room` pixels at `size`, with "…" where it is cut.
fn fit(text: &str, size: f64, room: f64) -> String {
    if text_width(text, size) <= room {
        return text.to_owned();
    }
    let mut out: String = text.to_owned();
    while !out.is_empty() && text_width(&format!("{out}…"), size) > room {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

struct Canvas {
    width: f64,
    height: f64,
    body: String,
    /// The plot areas (left, top, width, height), declared in the figure
    /// (`data-plot`) so that a layout check can hold the data marks to them.
    plots: Vec<(f64, f64, f64, f64)>,
    /// Whether what is drawn now is data (`class="mark"`), which must lie
    /// inside a plot area.
    marking: bool,
}

impl Canvas {
    fn new(width: f64, height: f64) -> Self {
        Canvas {
            width,
            height,
            body: String::new(),
            plots: Vec::new(),
            marking: false,
        }
    }

    fn class(&self) -> &'static str {
        if self.marking { " class=\"mark\"" } else { "" }
    }

    fn finish(self, title: &str) -> String {
        let mut areas = String::new();
        for (l, t, w, h) in &self.plots {
            let _ = write!(areas, "<g data-plot=\"{l:.2} {t:.2} {w:.2} {h:.2}\"/>");
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" font-family=\"{FONT}\" font-size=\"12\"><title>{}</title><rect width=\"{w:.0}\" height=\"{h:.0}\" fill=\"#ffffff\"/>{areas}{}</svg>",
            esc(title),
            self.body,
            w = self.width,
            h = self.height,
        )
    }

    fn line(
        &mut self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        stroke: &str,
        width: f64,
        dash: bool,
    ) {
        let dash = if dash {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let class = self.class();
        let _ = write!(
            self.body,
            "<line{class} x1=\"{x1:.2}\" y1=\"{y1:.2}\" x2=\"{x2:.2}\" y2=\"{y2:.2}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>"
        );
    }

    /// The `d` of a path through `points` (empty without points).
    fn path(points: &[(f64, f64)]) -> String {
        let mut d = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(d, "{}{x:.2},{y:.2}", if i == 0 { "M" } else { " L" });
        }
        d
    }

    fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64) {
        if points.is_empty() {
            return;
        }
        let class = self.class();
        let _ = write!(
            self.body,
            "<path{class} d=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\" stroke-linejoin=\"round\"/>",
            Self::path(points)
        );
    }

    fn polygon(&mut self, points: &[(f64, f64)], fill: &str, opacity: f64) {
        if points.is_empty() {
            return;
        }
        let class = self.class();
        let _ = write!(
            self.body,
            "<path{class} d=\"{} Z\" fill=\"{fill}\" fill-opacity=\"{opacity}\" stroke=\"none\"/>",
            Self::path(points)
        );
    }

    fn rect(&mut self, (x, y): (f64, f64), (w, h): (f64, f64), fill: &str, stroke: Option<&str>) {
        let stroke = stroke.map_or_else(String::new, |s| {
            format!(" stroke=\"{s}\" stroke-width=\"0.5\"")
        });
        let class = self.class();
        let _ = write!(
            self.body,
            "<rect{class} x=\"{x:.2}\" y=\"{y:.2}\" width=\"{w:.2}\" height=\"{h:.2}\" fill=\"{fill}\"{stroke}/>"
        );
    }

    fn circle(&mut self, (x, y): (f64, f64), r: f64, fill: &str) {
        let class = self.class();
        let _ = write!(
            self.body,
            "<circle{class} cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"{r}\" fill=\"{fill}\"/>"
        );
    }

    /// Text; `anchor` is start, middle or end; `rotate` turns it -90°.
    fn text(
        &mut self,
        (x, y): (f64, f64),
        text: &str,
        anchor: &str,
        size: f64,
        fill: &str,
        rotate: bool,
    ) {
        let transform = if rotate {
            format!(" transform=\"rotate(-90 {x:.2} {y:.2})\"")
        } else {
            String::new()
        };
        let _ = write!(
            self.body,
            "<text x=\"{x:.2}\" y=\"{y:.2}\" text-anchor=\"{anchor}\" font-size=\"{size}\" fill=\"{fill}\"{transform}>{}</text>",
            esc(text)
        );
    }
}

/// A plot area with linear (or log-x) scales.
struct Axes {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
    log_x: bool,
}

impl Axes {
    fn px(&self, x: f64) -> f64 {
        let (a, b, v) = if self.log_x {
            (
                self.x.0.log10(),
                self.x.1.log10(),
                x.max(f64::MIN_POSITIVE).log10(),
            )
        } else {
            (self.x.0, self.x.1, x)
        };
        self.left + (v - a) / (b - a) * self.width
    }

    fn py(&self, y: f64) -> f64 {
        self.top + self.height - (y - self.y.0) / (self.y.1 - self.y.0) * self.height
    }

    fn p(&self, x: f64, y: f64) -> (f64, f64) {
        (self.px(x), self.py(y))
    }

    /// Grid, ticks, tick labels and axis titles.
    fn draw(
        &self,
        c: &mut Canvas,
        x_title: &str,
        y_title: &str,
        x_ticks: &[(f64, String)],
        y_ticks: &[(f64, String)],
    ) {
        c.plots.push((self.left, self.top, self.width, self.height));
        for (v, label) in x_ticks {
            let x = self.px(*v);
            c.line((x, self.top), (x, self.top + self.height), GRID, 1.0, false);
            c.text(
                (x, self.top + self.height + 16.0),
                label,
                "middle",
                11.0,
                INK,
                false,
            );
        }
        for (v, label) in y_ticks {
            let y = self.py(*v);
            c.line(
                (self.left, y),
                (self.left + self.width, y),
                GRID,
                1.0,
                false,
            );
            c.text((self.left - 6.0, y + 4.0), label, "end", 11.0, INK, false);
        }
        c.rect(
            (self.left, self.top),
            (self.width, self.height),
            "none",
            Some(INK),
        );
        c.text(
            (self.left + self.width / 2.0, self.top + self.height + 36.0),
            &fit(x_title, 12.0, self.width + 40.0),
            "middle",
            12.0,
            INK,
            false,
        );
        c.text(
            (self.left - 44.0, self.top + self.height / 2.0),
            &fit(y_title, 12.0, self.height + self.top),
            "middle",
            12.0,
            INK,
            true,
        );
    }
}

/// Evenly spaced "nice" ticks covering `lo..=hi`.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn label_ticks(ticks: &[f64], lang: Lang) -> Vec<(f64, String)> {
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    // The fewest decimals that write the step exactly.
    let decimals = (0..4)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(4) as usize;
    ticks
        .iter()
        .map(|&t| (t, lang.fixed(t, decimals.min(4))))
        .collect()
}

fn unit_ticks(lang: Lang) -> Vec<(f64, String)> {
    label_ticks(&[0.0, 0.2, 0.4, 0.6, 0.8, 1.0], lang)
}

fn square_axes() -> Axes {
    Axes {
        left: 70.0,
        top: 20.0,
        width: 300.0,
        height: 300.0,
        x: (0.0, 1.0),
        y: (0.0, 1.0),
        log_x: false,
    }
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Key {
    Line,
    Dashed,
    Area,
}

fn legend(c: &mut Canvas, x: f64, y: f64, entries: &[(String, &str, Key)]) {
    for (i, (label, colour, key)) in entries.iter().enumerate() {
        let yy = y + i as f64 * 17.0;
        if *key == Key::Area {
            let _ = write!(
                c.body,
                "<rect x=\"{x:.2}\" y=\"{:.2}\" width=\"20\" height=\"9\" fill=\"{colour}\" fill-opacity=\"0.22\"/>",
                yy - 9.0
            );
        } else {
            c.line(
                (x, yy - 4.0),
                (x + 20.0, yy - 4.0),
                colour,
                2.0,
                *key == Key::Dashed,
            );
        }
        let room = c.width - x - 30.0;
        c.text(
            (x + 26.0, yy),
            &fit(label, 11.0, room),
            "start",
            11.0,
            INK,
            false,
        );
    }
}

/// One curve of a ROC or PR plot.
pub struct Curve<'a> {
    /// Legend text.
    pub label: String,
    /// x values.
    pub x: &'a [f64],
    /// y values.
    pub y: &'a [f64],
}

/// The ROC band: fixed false-positive rates and the true-positive rate's bounds.
pub struct Band<'a> {
    /// False-positive rates.
    pub fpr: &'a [f64],
    /// Lower bounds.
    pub lower: &'a [f64],
    /// Upper bounds.
    pub upper: &'a [f64],
    /// Level, e.g. 0.95.
    pub level: f64,
}

/// ROC curve(s), with the band when there is one.
pub fn roc(lang: Lang, curves: &[Curve<'_>], band: Option<&Band<'_>>) -> String {
    let mut c = Canvas::new(W, H - 20.0);
    let a = square_axes();
    if let Some(b) = band {
        let mut pts: Vec<(f64, f64)> = b
            .fpr
            .iter()
            .zip(b.upper)
            .map(|(&x, &y)| a.p(x, y))
            .collect();
        pts.extend(b.fpr.iter().zip(b.lower).rev().map(|(&x, &y)| a.p(x, y)));
        c.marking = true;
        c.polygon(&pts, PALETTE[0], 0.22);
        c.marking = false;
    }
    a.draw(
        &mut c,
        T::AxisFpr.get(lang),
        T::AxisTpr.get(lang),
        &unit_ticks(lang),
        &unit_ticks(lang),
    );
    c.line(a.p(0.0, 0.0), a.p(1.0, 1.0), "#999999", 1.0, true);
    let mut entries = Vec::new();
    for (i, curve) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64)> = std::iter::once(a.p(0.0, 0.0))
            .chain(curve.x.iter().zip(curve.y).map(|(&x, &y)| a.p(x, y)))
            .collect();
        c.marking = true;
        c.polyline(&pts, colour, 2.0);
        c.marking = false;
        entries.push((curve.label.clone(), colour, Key::Line));
    }
    if let Some(b) = band {
        entries.push((
            format!("{} {} %", T::Band.get(lang), lang.fixed(b.level * 100.0, 0)),
            PALETTE[0],
            Key::Area,
        ));
    }
    entries.push((T::Chance.get(lang).to_owned(), "#999999", Key::Dashed));
    legend(&mut c, 386.0, 30.0, &entries);
    corner_inset(&mut c, &a, curves, band, lang);
    c.finish(T::FigRoc.get(lang))
}

/// Where the curve sits in the top-left corner (AUC near 1) the band is a
/// hair's width at full scale: an inset shows false-positive rates 0–0.1
/// against true-positive rates 0.9–1, where it can be read.
fn corner_inset(
    c: &mut Canvas,
    a: &Axes,
    curves: &[Curve<'_>],
    band: Option<&Band<'_>>,
    lang: Lang,
) {
    let Some(first) = curves.first() else { return };
    let reaches = first
        .x
        .iter()
        .zip(first.y)
        .filter(|(x, _)| **x <= 0.1)
        .any(|(_, y)| *y >= 0.9);
    if !reaches {
        return;
    }
    let inset = Axes {
        left: a.left + a.width * 0.42,
        top: a.top + a.height * 0.36,
        width: a.width * 0.5,
        height: a.height * 0.44,
        x: (0.0, 0.1),
        y: (0.9, 1.0),
        log_x: false,
    };
    let clamp = |x: f64, y: f64| inset.p(x.clamp(0.0, 0.1), y.clamp(0.9, 1.0));
    c.rect(
        (inset.left, inset.top),
        (inset.width, inset.height),
        "#ffffff",
        Some(INK),
    );
    c.plots
        .push((inset.left, inset.top, inset.width, inset.height));
    c.marking = true;
    if let Some(b) = band {
        let inside = |x: &f64| *x <= 0.1;
        let mut pts: Vec<(f64, f64)> = b
            .fpr
            .iter()
            .zip(b.upper)
            .filter(|(x, _)| inside(x))
            .map(|(&x, &y)| clamp(x, y))
            .collect();
        pts.extend(
            b.fpr
                .iter()
                .zip(b.lower)
                .filter(|(x, _)| inside(x))
                .rev()
                .map(|(&x, &y)| clamp(x, y)),
        );
        c.polygon(&pts, PALETTE[0], 0.22);
    }
    for (i, curve) in curves.iter().enumerate() {
        let shown: Vec<(f64, f64)> = curve
            .x
            .iter()
            .zip(curve.y)
            .take_while(|(x, _)| **x <= 0.1 + 1e-12)
            .map(|(&x, &y)| (x, y))
            .collect();
        let mut pts: Vec<(f64, f64)> = std::iter::once(clamp(0.0, 0.0))
            .chain(shown.iter().map(|&(x, y)| clamp(x, y)))
            .collect();
        // The step continues to the inset's right edge.
        if let Some(&(_, y)) = shown.last() {
            pts.push(clamp(0.1, y));
        }
        c.polyline(&pts, PALETTE[i % PALETTE.len()], 1.5);
    }
    c.marking = false;
    for (v, label) in label_ticks(&[0.0, 0.05, 0.1], lang) {
        c.text(
            (inset.px(v), inset.top + inset.height + 11.0),
            &label,
            "middle",
            9.0,
            INK,
            false,
        );
    }
    for (v, label) in label_ticks(&[0.9, 0.95, 1.0], lang) {
        c.text(
            (inset.left - 3.0, inset.py(v) + 3.0),
            &label,
            "end",
            9.0,
            INK,
            false,
        );
    }
}

/// Precision–recall curve(s); the positive share as the chance line.
pub fn pr(lang: Lang, curves: &[Curve<'_>], prevalence: Option<f64>) -> String {
    let mut c = Canvas::new(W, H - 20.0);
    let a = square_axes();
    a.draw(
        &mut c,
        T::AxisRecall.get(lang),
        T::AxisPrecision.get(lang),
        &unit_ticks(lang),
        &unit_ticks(lang),
    );
    let mut entries = Vec::new();
    for (i, curve) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64)> = curve
            .x
            .iter()
            .zip(curve.y)
            .map(|(&x, &y)| a.p(x, y))
            .collect();
        c.marking = true;
        c.polyline(&pts, colour, 2.0);
        c.marking = false;
        entries.push((curve.label.clone(), colour, Key::Line));
    }
    if let Some(p) = prevalence {
        c.line(a.p(0.0, p), a.p(1.0, p), "#999999", 1.0, true);
        entries.push((
            format!("{} {}", T::Prevalence.get(lang), lang.fixed(p, 3)),
            "#999999",
            Key::Dashed,
        ));
    }
    legend(&mut c, 386.0, 30.0, &entries);
    c.finish(T::FigPr.get(lang))
}

/// Heat-map colour for a share in 0..=1 (white to blue).
fn heat(share: f64) -> String {
    let s = share.clamp(0.0, 1.0);
    let mix = |from: f64, to: f64| (from + (to - from) * s).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(255.0, 33.0),
        mix(255.0, 102.0),
        mix(255.0, 172.0)
    )
}

/// Confusion matrix: counts and row-normalised shares side by side, cells
/// shaded by the share of their true class.
pub fn confusion(lang: Lang, labels: &[String], counts: &[Vec<f64>]) -> String {
    let k = labels.len().max(1);
    let panel = 250.0;
    let cell = panel / k as f64;
    let show_text = k <= 12;
    let font = (cell * 0.32).clamp(6.0, 12.0);
    // Room on the left for the row labels (up to 130 px; longer ones are
    // cut), then the counts, a gap, the shares.
    let label_size = 10.0f64.min(cell * 0.8);
    let widest = if k <= 20 {
        labels
            .iter()
            .map(|l| text_width(l, label_size))
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let first = (widest.min(130.0) + 30.0).max(60.0);
    let second = first + panel + 40.0;
    let mut c = Canvas::new((second + panel + 20.0).max(620.0), panel + 110.0);
    let row_sums: Vec<f64> = counts.iter().map(|r| r.iter().sum()).collect();
    for (p, left) in [(0usize, first), (1, second)] {
        let top = 30.0;
        c.plots.push((left, top, panel, panel));
        for (i, row) in counts.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let share = if row_sums[i] > 0.0 {
                    v / row_sums[i]
                } else {
                    0.0
                };
                let (x, y) = (left + j as f64 * cell, top + i as f64 * cell);
                c.marking = true;
                c.rect((x, y), (cell, cell), &heat(share), Some("#ffffff"));
                c.marking = false;
                if show_text {
                    let text = if p == 0 {
                        lang.count(v.round() as u64)
                    } else {
                        lang.fixed(share, 2)
                    };
                    let fill = if share > 0.55 { "#ffffff" } else { INK };
                    c.text(
                        (x + cell / 2.0, y + cell / 2.0 + font / 3.0),
                        &text,
                        "middle",
                        font,
                        fill,
                        false,
                    );
                }
            }
        }
        if k <= 20 {
            let size = label_size;
            for (i, l) in labels.iter().enumerate() {
                // Row labels once, left of the counts; the shares' panel
                // has the same rows.
                if p == 0 {
                    c.text(
                        (left - 4.0, top + (i as f64 + 0.5) * cell + size * 0.4),
                        &fit(l, size, left - 26.0),
                        "end",
                        size,
                        INK,
                        false,
                    );
                }
                c.text(
                    (left + (i as f64 + 0.5) * cell, top + panel + 14.0),
                    &fit(l, size, cell - 1.0),
                    "middle",
                    size,
                    INK,
                    false,
                );
            }
        }
        c.text(
            (left + panel / 2.0, top + panel + 34.0),
            T::AxisPredicted.get(lang),
            "middle",
            12.0,
            INK,
            false,
        );
        c.text(
            (left + panel / 2.0, 18.0),
            if p == 0 { "n" } else { "n / Σ" },
            "middle",
            12.0,
            INK,
            false,
        );
    }
    c.text(
        (14.0, 30.0 + panel / 2.0),
        T::AxisTruth.get(lang),
        "middle",
        12.0,
        INK,
        true,
    );
    c.finish(T::FigConfusion.get(lang))
}

/// One bin of a reliability diagram.
pub struct Bin {
    /// Bin edges.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Mean predicted probability in the bin.
    pub confidence: f64,
    /// Observed frequency.
    pub observed: f64,
    /// Items (weight) in the bin.
    pub weight: f64,
}

/// Reliability diagram with the bins' item counts as bars underneath.
pub fn reliability(lang: Lang, bins: &[Bin]) -> String {
    let mut c = Canvas::new(W, H + 30.0);
    let a = square_axes();
    a.draw(
        &mut c,
        T::AxisConfidence.get(lang),
        T::AxisObserved.get(lang),
        &unit_ticks(lang),
        &unit_ticks(lang),
    );
    c.line(a.p(0.0, 0.0), a.p(1.0, 1.0), "#999999", 1.0, true);
    let max_w = bins.iter().map(|b| b.weight).fold(0.0, f64::max);
    let bar_top = a.top + a.height + 46.0;
    c.plots.push((a.left, bar_top, a.width, 40.0));
    c.marking = true;
    for b in bins {
        if max_w > 0.0 {
            let h = 40.0 * b.weight / max_w;
            c.rect(
                (a.px(b.lower) + 1.0, bar_top + 40.0 - h),
                (a.px(b.upper) - a.px(b.lower) - 2.0, h),
                "#bab0ac",
                None,
            );
        }
    }
    let pts: Vec<(f64, f64)> = bins.iter().map(|b| a.p(b.confidence, b.observed)).collect();
    c.polyline(&pts, PALETTE[0], 2.0);
    for p in &pts {
        c.circle(*p, 3.5, PALETTE[0]);
    }
    c.marking = false;
    legend(
        &mut c,
        386.0,
        30.0,
        &[
            (T::AxisObserved.get(lang).to_owned(), PALETTE[0], Key::Line),
            (
                T::PerfectCalibration.get(lang).to_owned(),
                "#999999",
                Key::Dashed,
            ),
        ],
    );
    c.text(
        (386.0, bar_top + 36.0),
        T::AxisItems.get(lang),
        "start",
        11.0,
        INK,
        false,
    );
    c.finish(T::FigReliability.get(lang))
}

/// Axes over `lo..=hi` on both scales (the same range, so that the
/// identity is the diagonal), padded by 4 %.
fn shared_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi <= lo {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = 0.04 * (hi - lo);
    (lo - pad, hi + pad)
}

/// Scatter of (x, y) points with the reference line `line` (two points in
/// data units), its legend and the axis titles.
#[allow(clippy::too_many_arguments)]
fn scatter(
    lang: Lang,
    title: &str,
    (x_title, y_title): (&str, &str),
    points: &[(f64, f64)],
    x: (f64, f64),
    y: (f64, f64),
    line: [(f64, f64); 2],
    line_label: &str,
) -> String {
    let mut c = Canvas::new(W, H);
    let a = Axes {
        x,
        y,
        ..square_axes()
    };
    let ticks = |(lo, hi): (f64, f64)| {
        let t: Vec<f64> = nice_ticks(lo, hi, 5)
            .into_iter()
            .filter(|v| (lo..=hi).contains(v))
            .collect();
        label_ticks(&t, lang)
    };
    a.draw(&mut c, x_title, y_title, &ticks(x), &ticks(y));
    c.marking = true;
    // Points at most 2000; small and translucent where they are many.
    let r = if points.len() > 500 { 1.6 } else { 2.4 };
    for &(px, py) in points {
        c.circle(a.p(px, py), r, PALETTE[0]);
    }
    c.line(
        a.p(line[0].0, line[0].1),
        a.p(line[1].0, line[1].1),
        "#999999",
        1.0,
        true,
    );
    c.marking = false;
    legend(
        &mut c,
        386.0,
        30.0,
        &[(line_label.to_owned(), "#999999", Key::Dashed)],
    );
    c.finish(title)
}

/// Predicted against true values, the identity line drawn.
pub fn predicted_vs_true(lang: Lang, points: &[[f64; 2]]) -> String {
    let range = shared_range(points.iter().flat_map(|p| [p[0], p[1]]));
    let pts: Vec<(f64, f64)> = points.iter().map(|p| (p[0], p[1])).collect();
    scatter(
        lang,
        T::FigPredictedTrue.get(lang),
        (T::AxisTrue.get(lang), T::AxisPredictedValue.get(lang)),
        &pts,
        range,
        range,
        [(range.0, range.0), (range.1, range.1)],
        T::IdentityLine.get(lang),
    )
}

/// Residuals (true − predicted) against predicted values, the zero line drawn.
pub fn residuals(lang: Lang, points: &[[f64; 2]]) -> String {
    let x = shared_range(points.iter().map(|p| p[1]));
    let largest = points
        .iter()
        .map(|p| (p[0] - p[1]).abs())
        .fold(0.0, f64::max);
    let half = if largest > 0.0 { 1.04 * largest } else { 1.0 };
    let pts: Vec<(f64, f64)> = points.iter().map(|p| (p[1], p[0] - p[1])).collect();
    scatter(
        lang,
        T::FigResiduals.get(lang),
        (T::AxisPredictedValue.get(lang), T::AxisResidual.get(lang)),
        &pts,
        x,
        (-half, half),
        [(x.0, 0.0), (x.1, 0.0)],
        T::ZeroLine.get(lang),
    )
}

/// One row of a forest plot.
pub struct Row {
    /// Label on the left.
    pub label: String,
    /// The estimate.
    pub value: f64,
    /// Interval, when there is one.
    pub ci: Option<(f64, f64)>,
}

/// A forest plot: one row per estimate with its interval, and vertical
/// reference lines (the overall value, zero, a margin).
pub fn forest(
    lang: Lang,
    title: &str,
    x_title: &str,
    rows: &[Row],
    references: &[(f64, String)],
) -> String {
    let row_h = 22.0;
    let top = 16.0;
    let height = top + rows.len() as f64 * row_h + 60.0;
    let mut c = Canvas::new(W, height);
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for r in rows {
        let (a, b) = r.ci.unwrap_or((r.value, r.value));
        lo = lo.min(a).min(r.value);
        hi = hi.max(b).max(r.value);
    }
    for (v, _) in references {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-3);
    let ticks = nice_ticks(lo - pad, hi + pad, 5);
    // Room on the left for the longest label (within limits: a very long
    // one is cut with "…").
    let widest = rows
        .iter()
        .map(|r| text_width(&r.label, 11.0))
        .fold(0.0, f64::max);
    let left = (widest + 16.0).clamp(120.0, 300.0);
    let axes = Axes {
        left,
        top,
        width: W - left - 90.0,
        height: rows.len() as f64 * row_h,
        x: (lo - pad, hi + pad),
        y: (0.0, rows.len() as f64),
        log_x: false,
    };
    axes.draw(&mut c, x_title, "", &label_ticks(&ticks, lang), &[]);
    for (i, (v, label)) in references.iter().enumerate() {
        let x = axes.px(*v);
        c.line(
            (x, axes.top),
            (x, axes.top + axes.height),
            "#999999",
            1.0,
            true,
        );
        // Beside its line, on the side with room (never over the frame).
        let right = axes.left + axes.width;
        let w = text_width(label, 10.0);
        let (tx, anchor) = if x + 3.0 + w <= right - 2.0 {
            (x + 3.0, "start")
        } else {
            (x - 3.0, "end")
        };
        c.text(
            (tx, axes.top + 10.0 + i as f64 * 12.0),
            &fit(label, 10.0, axes.width - 6.0),
            anchor,
            10.0,
            "#666666",
            false,
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = axes.top + (i as f64 + 0.5) * row_h;
        let short = fit(&r.label, 11.0, axes.left - 12.0);
        c.text((axes.left - 8.0, y + 4.0), &short, "end", 11.0, INK, false);
        c.marking = true;
        if let Some((a, b)) = r.ci {
            c.line((axes.px(a), y), (axes.px(b), y), INK, 1.5, false);
            c.line(
                (axes.px(a), y - 4.0),
                (axes.px(a), y + 4.0),
                INK,
                1.5,
                false,
            );
            c.line(
                (axes.px(b), y - 4.0),
                (axes.px(b), y + 4.0),
                INK,
                1.5,
                false,
            );
        }
        c.rect(
            (axes.px(r.value) - 4.0, y - 4.0),
            (8.0, 8.0),
            PALETTE[0],
            None,
        );
        c.marking = false;
    }
    c.finish(title)
}

/// A point of a degradation plot: severity, value, interval.
pub type Point = (f64, f64, Option<(f64, f64)>);

/// One series of a degradation plot.
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Points by severity (0 = clean).
    pub points: Vec<Point>,
}

/// Metric against severity, one line per perturbation, with error bars.
pub fn degradation(lang: Lang, y_title: &str, series: &[Series]) -> String {
    let mut c = Canvas::new(W, H - 20.0);
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut max_sev: f64 = 1.0;
    for s in series {
        for &(sev, v, ci) in &s.points {
            let (a, b) = ci.unwrap_or((v, v));
            lo = lo.min(a).min(v);
            hi = hi.max(b).max(v);
            max_sev = max_sev.max(sev);
        }
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-3);
    let axes = Axes {
        left: 70.0,
        top: 20.0,
        width: 300.0,
        height: 300.0,
        x: (-0.3, max_sev + 0.3),
        y: (
            lo - pad,
            (hi + pad).min(if hi <= 1.0 { 1.0 + pad } else { hi + pad }),
        ),
        log_x: false,
    };
    let x_ticks: Vec<(f64, String)> = (0..=max_sev as u32)
        .map(|s| {
            (
                f64::from(s),
                if s == 0 {
                    T::Clean.get(lang).to_owned()
                } else {
                    s.to_string()
                },
            )
        })
        .collect();
    axes.draw(
        &mut c,
        T::AxisSeverity.get(lang),
        y_title,
        &x_ticks,
        &label_ticks(&nice_ticks(axes.y.0, axes.y.1, 5), lang),
    );
    let mut entries = Vec::new();
    let n = series.len().max(1) as f64;
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        // Spread the series a little sideways so error bars do not overlap.
        let dx = (i as f64 - (n - 1.0) / 2.0) * 0.05;
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|&(sev, v, _)| axes.p(sev + dx, v))
            .collect();
        c.marking = true;
        c.polyline(&pts, colour, 1.8);
        for &(sev, v, ci) in &s.points {
            if let Some((a, b)) = ci {
                c.line(axes.p(sev + dx, a), axes.p(sev + dx, b), colour, 1.0, false);
            }
            c.circle(axes.p(sev + dx, v), 3.0, colour);
        }
        c.marking = false;
        entries.push((s.label.clone(), colour, Key::Line));
    }
    legend(&mut c, 386.0, 30.0, &entries);
    c.finish(T::FigRobustness.get(lang))
}

/// Latency histogram over log-spaced bins, with p50/p95/p99 marked.
pub fn latency(lang: Lang, edges: &[f64], counts: &[u64], markers: &[(&str, f64)]) -> String {
    let mut c = Canvas::new(W, H - 40.0);
    let (Some(&first), Some(&last)) = (edges.first(), edges.last()) else {
        return c.finish(T::FigLatency.get(lang));
    };
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    // Headroom above the tallest bar for the percentile labels.
    let y_ticks = nice_ticks(0.0, max * 1.35, 4);
    let axes = Axes {
        left: 70.0,
        top: 20.0,
        width: 440.0,
        height: 260.0,
        x: (first, last),
        y: (0.0, y_ticks.last().copied().unwrap_or(max).max(max * 1.35)),
        log_x: true,
    };
    let decade_ticks: Vec<(f64, String)> = {
        let lo = first.log10().floor() as i32;
        let hi = last.log10().ceil() as i32;
        (lo..=hi)
            .map(|k| 10f64.powi(k))
            .filter(|v| *v >= first * 0.999 && *v <= last * 1.001)
            .map(|v| {
                (
                    v,
                    if v >= 1.0 {
                        format!("{v:.0}")
                    } else {
                        format!("{v}")
                    },
                )
            })
            .collect()
    };
    let y_labels: Vec<(f64, String)> = y_ticks
        .iter()
        .map(|&v| (v, lang.count(v.round() as u64)))
        .collect();
    axes.draw(
        &mut c,
        T::AxisLatency.get(lang),
        T::AxisItems.get(lang),
        &decade_ticks,
        &y_labels,
    );
    for (i, &n) in counts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let (x0, x1) = (axes.px(edges[i]), axes.px(edges[i + 1]));
        let y = axes.py(n as f64);
        c.marking = true;
        c.rect(
            (x0 + 0.5, y),
            (x1 - x0 - 1.0, axes.top + axes.height - y),
            PALETTE[0],
            None,
        );
        c.marking = false;
    }
    for (i, (name, v)) in markers.iter().enumerate() {
        if *v <= 0.0 {
            continue;
        }
        let x = axes.px(v.clamp(first, last));
        c.line(
            (x, axes.top),
            (x, axes.top + axes.height),
            PALETTE[2],
            1.2,
            true,
        );
        let label = format!("{name} {} ms", lang.fixed(*v, 3));
        let right = axes.left + axes.width;
        let (tx, anchor) = if x + 3.0 + text_width(&label, 10.0) <= right - 2.0 {
            (x + 3.0, "start")
        } else {
            (x - 3.0, "end")
        };
        c.text(
            (tx, axes.top + 12.0 + i as f64 * 13.0),
            &label,
            anchor,
            10.0,
            PALETTE[2],
            false,
        );
    }
    c.finish(T::FigLatency.get(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_inside_the_range() {
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        let t = nice_ticks(0.93, 0.99, 5);
        assert!(
            t.len() >= 3 && t.iter().all(|v| (0.93..=0.99).contains(v)),
            "{t:?}"
        );
        let labels = label_ticks(&[0.94, 0.96, 0.98], Lang::En);
        assert_eq!(labels[1].1, "0.96");
        let labels = label_ticks(&[0.0, 0.025, 0.05], Lang::En);
        assert_eq!(labels[1].1, "0.025");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
