//! The figures' layout, measured with the embedded font's metrics: every
//! text inside the figure, no text over another, every data mark inside
//! the plot area — over the bundled records' figures and over generated
//! extremes (100 classes, 40 slices, long Korean class names, AUC 0.5 and
//! 1.0), in both languages.

use std::path::Path;

use assay_report::svg;
use assay_report::text::Lang;

/// A text element's box: x0, y0, x1, y1, and the text.
#[derive(Debug, Clone)]
struct TextBox {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

impl TextBox {
    fn overlaps(&self, o: &TextBox) -> bool {
        // A pixel's slack: glyph boxes are generous.
        let slack = 1.0;
        self.x0 + slack < o.x1
            && o.x0 + slack < self.x1
            && self.y0 + slack < o.y1
            && o.y0 + slack < self.y1
    }
}

/// Text measured with the report font's metrics (the library's own
/// measure: the test is of the layout, not of the measuring).
struct Font;

impl Font {
    fn load() -> Font {
        Font
    }

    fn width(&self, text: &str, size: f64) -> f64 {
        svg::text_width(text, size)
    }
}

fn number(node: &roxmltree::Node, name: &str) -> Option<f64> {
    node.attribute(name).and_then(|v| v.parse().ok())
}

/// A coordinate a mark must have.
fn coord(node: &roxmltree::Node, name: &str) -> f64 {
    number(node, name).unwrap_or_else(|| panic!("a mark without {name}"))
}

/// Every text of a figure as a box, and the figure's size.
fn text_boxes(svg: &str, font: &Font) -> (Vec<TextBox>, (f64, f64)) {
    let tree = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = tree.root_element();
    let view: Vec<f64> = root
        .attribute("viewBox")
        .expect("a viewBox")
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let mut boxes = Vec::new();
    for t in tree.descendants().filter(|n| n.has_tag_name("text")) {
        let text: String = t
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect();
        if text.trim().is_empty() {
            continue;
        }
        let size = t
            .ancestors()
            .find_map(|a| number(&a, "font-size"))
            .unwrap_or(12.0);
        let (x, y) = (
            number(&t, "x").unwrap_or(0.0),
            number(&t, "y").unwrap_or(0.0),
        );
        let w = font.width(&text, size);
        let (ascent, descent) = (0.8 * size, 0.2 * size);
        let along = match t.attribute("text-anchor").unwrap_or("start") {
            "middle" => (-w / 2.0, w / 2.0),
            "end" => (-w, 0.0),
            _ => (0.0, w),
        };
        let rotated = t
            .attribute("transform")
            .is_some_and(|r| r.starts_with("rotate(-90"));
        let b = if rotated {
            // Turned -90° about (x, y): the text runs upwards.
            TextBox {
                x0: x - ascent,
                x1: x + descent,
                y0: y - along.1,
                y1: y - along.0,
                text,
            }
        } else {
            TextBox {
                x0: x + along.0,
                x1: x + along.1,
                y0: y - ascent,
                y1: y + descent,
                text,
            }
        };
        boxes.push(b);
    }
    (boxes, (view[2], view[3]))
}

/// The plot area a figure declares (`data-plot="left top width height"`).
fn plot_areas(svg: &str) -> Vec<(f64, f64, f64, f64)> {
    let tree = roxmltree::Document::parse(svg).expect("well-formed SVG");
    tree.descendants()
        .filter_map(|n| n.attribute("data-plot"))
        .map(|a| {
            let v: Vec<f64> = a
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            (v[0], v[1], v[2], v[3])
        })
        .collect()
}

/// The points of a figure's data marks (elements with `class="mark"`).
fn mark_points(svg: &str) -> Vec<(f64, f64)> {
    let tree = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let mut out = Vec::new();
    for n in tree
        .descendants()
        .filter(|n| n.attribute("class") == Some("mark"))
    {
        match n.tag_name().name() {
            "circle" => out.push((coord(&n, "cx"), coord(&n, "cy"))),
            "rect" => {
                let (x, y) = (coord(&n, "x"), coord(&n, "y"));
                let (w, h) = (coord(&n, "width"), coord(&n, "height"));
                out.push((x, y));
                out.push((x + w, y + h));
            }
            "line" => {
                out.push((coord(&n, "x1"), coord(&n, "y1")));
                out.push((coord(&n, "x2"), coord(&n, "y2")));
            }
            "path" => {
                let d = n.attribute("d").unwrap_or("");
                for pair in d
                    .split(['M', 'L', 'Z'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    if let Some((x, y)) = pair.split_once(',') {
                        let parse = |v: &str| v.trim().parse::<f64>().expect("a path coordinate");
                        out.push((parse(x), parse(y)));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every layout fault of a figure, in words.
fn faults(name: &str, svg: &str, font: &Font) -> Vec<String> {
    let (boxes, (w, h)) = text_boxes(svg, font);
    let mut out = Vec::new();
    for b in &boxes {
        if b.x0 < -0.5 || b.y0 < -0.5 || b.x1 > w + 0.5 || b.y1 > h + 0.5 {
            out.push(format!(
                "{name}: text {:?} outside the figure ({:.0}..{:.0} × {:.0}..{:.0} in {w:.0} × {h:.0})",
                b.text, b.x0, b.x1, b.y0, b.y1
            ));
        }
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            if a.overlaps(b) {
                out.push(format!("{name}: text {:?} overlaps {:?}", a.text, b.text));
            }
        }
    }
    let areas = plot_areas(svg);
    // A text lies inside a plot area (a cell's count, a reference line's
    // label) or outside every one (ticks, titles, legends): never across
    // a frame, over the data.
    for b in &boxes {
        for &(l, t, aw, ah) in &areas {
            let (r, bottom) = (l + aw, t + ah);
            let meets = b.x0 < r - 1.0 && b.x1 > l + 1.0 && b.y0 < bottom - 1.0 && b.y1 > t + 1.0;
            let within =
                b.x0 >= l - 1.0 && b.x1 <= r + 1.0 && b.y0 >= t - 1.0 && b.y1 <= bottom + 1.0;
            if meets && !within {
                out.push(format!(
                    "{name}: text {:?} runs across the frame of a plot area ({:.0}..{:.0} × {:.0}..{:.0})",
                    b.text, b.x0, b.x1, b.y0, b.y1
                ));
            }
        }
    }
    for (x, y) in mark_points(svg) {
        let inside = areas.iter().any(|&(l, t, aw, ah)| {
            x >= l - 0.5 && x <= l + aw + 0.5 && y >= t - 0.5 && y <= t + ah + 0.5
        });
        if !inside {
            out.push(format!(
                "{name}: a mark at ({x:.1}, {y:.1}) outside the plot area"
            ));
        }
    }
    out
}

fn assert_clean(figures: &[(String, String)]) {
    let font = Font::load();
    let all: Vec<String> = figures
        .iter()
        .flat_map(|(name, svg)| faults(name, svg, &font))
        .collect();
    assert!(
        all.is_empty(),
        "{} layout faults:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// The checker finds what it is for: text outside the figure, text over
/// text, a mark outside the plot area.
#[test]
fn the_checker_sees_each_fault() {
    let bad = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 100\" font-size=\"12\"><g data-plot=\"20 10 160 60\"/>\
<text x=\"190\" y=\"50\">far too long a label</text>\
<text x=\"30\" y=\"30\">one</text><text x=\"34\" y=\"32\">two</text>\
<circle class=\"mark\" cx=\"10\" cy=\"50\" r=\"2\"/>\
<text x=\"100\" y=\"60\" text-anchor=\"middle\" transform=\"rotate(-90 100 60)\">a rotated title longer than the figure is high</text></svg>";
    let found = faults("bad", bad, &Font::load());
    assert!(
        found
            .iter()
            .any(|f| f.contains("\"far too long a label\" outside")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.contains("\"one\" overlaps \"two\"")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.contains("mark at (10.0, 50.0)")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("a rotated title") && f.contains("outside")),
        "{found:?}"
    );
    let across = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 100\"><g data-plot=\"20 10 100 60\"/><text x=\"110\" y=\"40\" font-size=\"10\">label</text></svg>";
    let found = faults("across", across, &Font::load());
    assert!(
        found.iter().any(|f| f.contains("runs across the frame")),
        "{found:?}"
    );
}

/// The bundled records' figures, both languages.
#[test]
fn the_bundled_reports_figures_are_laid_out_cleanly() {
    let mut figures = Vec::new();
    for name in [
        "breast_cancer.assessment.json",
        "digits.assessment.json",
        "regression.assessment.json",
        "clustering.assessment.json",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("JSON");
        for lang in [Lang::En, Lang::Ko] {
            let options = assay_report::Options {
                lang,
                number: None,
                issued: "2026-12-01".into(),
                record_sha256: "0".repeat(64),
                record_name: name.into(),
            };
            let doc = assay_report::document(&record, &options).expect("a document");
            for s in &doc.sections {
                for b in &s.blocks {
                    if let assay_report::Block::Figure { id, svg, .. } = b {
                        figures.push((format!("{name} {id} {}", lang.tag()), svg.clone()));
                    }
                }
            }
        }
    }
    assert!(figures.len() >= 14, "{} figures", figures.len());
    assert_clean(&figures);
}

/// Figures of generated extremes.
#[test]
fn extreme_figures_are_laid_out_cleanly() {
    let mut figures = Vec::new();
    for lang in [Lang::En, Lang::Ko] {
        let tag = lang.tag();
        // 100 classes, long Korean names.
        let labels: Vec<String> = (0..100)
            .map(|i| format!("표면결함유형-{i:03}-긁힘과찍힘"))
            .collect();
        let counts: Vec<Vec<f64>> = (0..100)
            .map(|i| {
                (0..100)
                    .map(|j| {
                        if i == j {
                            50.0
                        } else {
                            f64::from((i * j % 3) as u8)
                        }
                    })
                    .collect()
            })
            .collect();
        figures.push((
            format!("confusion 100 {tag}"),
            svg::confusion(lang, &labels, &counts),
        ));
        let labels: Vec<String> = ["정상", "긁힘 결함이 있는 표면 (길이 5 mm 이상)"]
            .map(String::from)
            .to_vec();
        figures.push((
            format!("confusion long {tag}"),
            svg::confusion(lang, &labels, &[vec![900.0, 12.0], vec![3.0, 85.0]]),
        ));
        // ROC at AUC 0.5 and 1.0, with bands.
        let grid: Vec<f64> = (0..=100).map(|i| f64::from(i) / 100.0).collect();
        let perfect: Vec<f64> = grid.iter().map(|_| 1.0).collect();
        let lower: Vec<f64> = grid.iter().map(|&x| (x - 0.1).max(0.0)).collect();
        let upper: Vec<f64> = grid.iter().map(|&x| (x + 0.1).min(1.0)).collect();
        for (auc, y) in [("0.5", grid.clone()), ("1.0", perfect.clone())] {
            figures.push((
                format!("roc auc {auc} {tag}"),
                svg::roc(
                    lang,
                    &[svg::Curve {
                        label: format!("AUC {auc}"),
                        x: &grid,
                        y: &y,
                    }],
                    Some(&svg::Band {
                        fpr: &grid,
                        lower: &lower,
                        upper: &upper,
                        level: 0.95,
                    }),
                ),
            ));
        }
        // 40 slices.
        let rows: Vec<svg::Row> = (0..40)
            .map(|i| svg::Row {
                label: format!("라인={i} 카메라=상단 (n = {})", 100 + i),
                value: 0.9 + f64::from(i) / 1000.0,
                ci: Some((0.85, 0.97)),
            })
            .collect();
        figures.push((
            format!("forest 40 {tag}"),
            svg::forest(
                lang,
                "Matthews correlation coefficient",
                "Matthews correlation coefficient (mcc)",
                &rows,
                &[(0.9, "overall 0.9000".into())],
            ),
        ));
        // Latency percentiles close together, at the top of the range.
        let edges: Vec<f64> = (0..=40).map(|i| 0.01 * 1.2f64.powi(i)).collect();
        let counts: Vec<u64> = (0..40)
            .map(|i| if i == 38 { 5000 } else { (i * 7 % 50) as u64 })
            .collect();
        figures.push((
            format!("latency {tag}"),
            svg::latency(
                lang,
                &edges,
                &counts,
                &[("p50", 14.0), ("p95", 14.3), ("p99", 14.6)],
            ),
        ));
        let bins: Vec<svg::Bin> = (0..10)
            .map(|i| svg::Bin {
                lower: f64::from(i) / 10.0,
                upper: f64::from(i + 1) / 10.0,
                confidence: f64::from(i) / 10.0 + 0.05,
                observed: if i == 9 { 1.0 } else { 0.0 },
                weight: if i == 9 { 1000.0 } else { 1.0 },
            })
            .collect();
        figures.push((format!("reliability {tag}"), svg::reliability(lang, &bins)));
    }
    assert_clean(&figures);
}
