//! What a plan sets for a model run, and names in the record: the
//! preprocessing, what the model's output holds, what to do with an
//! undecodable item, and the robustness perturbations with their
//! parameters. Compiled without the `run` feature, so that readers of
//! records need no ONNX runtime.

use serde::{Deserialize, Serialize};

/// Colour mode of the model's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// One channel (luma).
    Gray,
    /// Three channels, red green blue.
    Rgb,
}

impl Color {
    /// Channels.
    pub fn channels(self) -> usize {
        match self {
            Color::Gray => 1,
            Color::Rgb => 3,
        }
    }
}

/// Resampling filter of the resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Nearest neighbour.
    Nearest,
    /// Bilinear (triangle filter).
    Bilinear,
    /// Bicubic (Catmull–Rom).
    Bicubic,
    /// Lanczos with window 3.
    Lanczos3,
}

/// Tensor layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Batch, channel, height, width.
    Nchw,
    /// Batch, height, width, channel.
    Nhwc,
    /// Batch and one axis of every value, channel-major (the NCHW values
    /// in one row): models exported from scikit-learn take `[N, 64]` for
    /// an 8×8 grey image.
    Flat,
}

impl Layout {
    /// The name a plan writes.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Nchw => "nchw",
            Layout::Nhwc => "nhwc",
            Layout::Flat => "flat",
        }
    }
}

/// The preprocessing of every image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// Colour mode.
    pub color: Color,
    /// Resize to (width, height), before any crop.
    pub resize: Option<[u32; 2]>,
    /// Filter of the resize.
    pub interpolation: Interpolation,
    /// Centre crop to (width, height), after the resize.
    pub center_crop: Option<[u32; 2]>,
    /// Pixel values (0–255) are multiplied by this (default 1/255).
    pub scale: f32,
    /// Per-channel mean subtracted after scaling (one value for all channels, or one each).
    pub mean: Vec<f32>,
    /// Per-channel standard deviation divided by after the mean.
    pub std: Vec<f32>,
    /// Tensor layout.
    pub layout: Layout,
}

impl Default for Preprocess {
    fn default() -> Self {
        Self {
            color: Color::Rgb,
            resize: None,
            interpolation: Interpolation::Bilinear,
            center_crop: None,
            scale: 1.0 / 255.0,
            mean: vec![0.0],
            std: vec![1.0],
            layout: Layout::Nchw,
        }
    }
}

impl Preprocess {
    /// Check the settings that do not depend on an image; the message names the setting.
    pub fn check(&self) -> Result<(), String> {
        let c = self.color.channels();
        for (name, v) in [("mean", &self.mean), ("std", &self.std)] {
            if v.len() != 1 && v.len() != c {
                let want = if c == 1 {
                    "1 value for 1 channel".to_owned()
                } else {
                    format!("1 or {c} values for {c} channels")
                };
                return Err(format!("{name} needs {want}, not {}", v.len()));
            }
        }
        if self.std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err("std values must be positive".into());
        }
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err("scale must be a positive number".into());
        }
        for (name, size) in [("resize", self.resize), ("center_crop", self.center_crop)] {
            if let Some([w, h]) = size
                && (w == 0 || h == 0)
            {
                return Err(format!("{name} needs a width and height of at least 1"));
            }
        }
        if let (Some([rw, rh]), Some([cw, ch])) = (self.resize, self.center_crop)
            && (cw > rw || ch > rh)
        {
            return Err(format!(
                "center_crop {cw}×{ch} is larger than the resized image {rw}×{rh}"
            ));
        }
        Ok(())
    }

    /// (height, width) of the tensor for an image of `size` (width, height).
    pub fn output_size(&self, size: (u32, u32)) -> (u32, u32) {
        let (w, h) = self.resize.map_or(size, |[w, h]| (w, h));
        let (w, h) = self
            .center_crop
            .map_or((w, h), |[cw, ch]| (cw.min(w), ch.min(h)));
        (h, w)
    }

    /// The per-item shape in the model's layout (without the batch axis).
    pub fn item_shape(&self, height: u32, width: u32) -> Vec<usize> {
        let c = self.color.channels();
        let (h, w) = (height as usize, width as usize);
        match self.layout {
            Layout::Nchw => vec![c, h, w],
            Layout::Nhwc => vec![h, w, c],
            Layout::Flat => vec![c * h * w],
        }
    }

    /// When a model declares `declared` and this preprocessing makes
    /// another shape: the setting that would make them agree, as the plan
    /// writes it (the layout, the colour, or the size), if one does.
    pub fn shape_hint(&self, declared: &[Option<i64>], height: u32, width: u32) -> Option<String> {
        let fits = |p: &Preprocess| fits(Some(declared), &p.item_shape(height, width));
        for layout in [Layout::Nchw, Layout::Nhwc, Layout::Flat] {
            for color in [self.color, Color::Gray, Color::Rgb] {
                let p = Preprocess {
                    layout,
                    color,
                    ..self.clone()
                };
                if fits(&p) {
                    let mut changes = Vec::new();
                    if layout != self.layout {
                        changes.push(format!("layout = \"{}\"", layout.name()));
                    }
                    if color != self.color {
                        changes.push(format!(
                            "color = \"{}\"",
                            if color == Color::Gray { "gray" } else { "rgb" }
                        ));
                    }
                    return Some(format!(
                        "set {} under [preprocessing]",
                        changes.join(" and ")
                    ));
                }
            }
        }
        // The same rank, other spatial dimensions: the size to resize to
        // (and the colour, when the channels differ too).
        let (c_at, h_at, w_at) = match (self.layout, declared.len()) {
            (Layout::Nchw, 4) => (1, 2, 3),
            (Layout::Nhwc, 4) => (3, 1, 2),
            _ => return None,
        };
        let color = match declared[c_at] {
            Some(c) if c as usize != self.color.channels() && (c == 1 || c == 3) => {
                format!(" and color = \"{}\"", if c == 1 { "gray" } else { "rgb" })
            }
            _ => String::new(),
        };
        match (declared[h_at], declared[w_at]) {
            (Some(h), Some(w)) if h > 0 && w > 0 => Some(format!(
                "the model takes {w}×{h} images: set resize = [{w}, {h}] (or center_crop){color} under [preprocessing]"
            )),
            _ => None,
        }
    }
}

/// Whether the chosen output holds probabilities or logits (softmax applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreOutput {
    /// Probabilities per class, used as they are.
    Probabilities,
    /// Logits per class: softmax is applied.
    Logits,
}

/// What to do with an image that cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Stop the run with an error naming the file.
    Stop,
    /// Leave the item out, and list and count it in the record.
    Skip,
}

/// A perturbation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Perturbation {
    /// Additive Gaussian noise on [0, 1] pixel values.
    Noise,
    /// Gaussian blur.
    Blur,
    /// Brightness shift.
    Brightness,
    /// Contrast reduction towards the image's mean.
    Contrast,
    /// JPEG compression.
    Jpeg,
    /// A grey square at a random place (cutout).
    Occlusion,
    /// Rotation about the centre by a small random angle.
    Rotation,
    /// Tabular: Gaussian noise on every feature, scaled to the feature's
    /// standard deviation over the test set.
    FeatureNoise,
}

impl Perturbation {
    /// The perturbations of feature tables.
    pub const TABULAR: [Perturbation; 1] = [Perturbation::FeatureNoise];

    /// Whether it applies to feature tables (else to images).
    pub fn is_tabular(self) -> bool {
        self == Perturbation::FeatureNoise
    }

    /// Every image perturbation, in a fixed order.
    pub const ALL: [Perturbation; 7] = [
        Perturbation::Noise,
        Perturbation::Blur,
        Perturbation::Brightness,
        Perturbation::Contrast,
        Perturbation::Jpeg,
        Perturbation::Occlusion,
        Perturbation::Rotation,
    ];

    /// The name in plans and criteria.
    pub fn name(self) -> &'static str {
        match self {
            Perturbation::Noise => "noise",
            Perturbation::Blur => "blur",
            Perturbation::Brightness => "brightness",
            Perturbation::Contrast => "contrast",
            Perturbation::Jpeg => "jpeg",
            Perturbation::Occlusion => "occlusion",
            Perturbation::Rotation => "rotation",
            Perturbation::FeatureNoise => "feature_noise",
        }
    }

    /// Parse a name.
    pub fn from_name(name: &str) -> Option<Perturbation> {
        Self::ALL
            .into_iter()
            .chain(Self::TABULAR)
            .find(|p| p.name() == name)
    }

    /// The parameter at `severity` (1–5), in the unit [`Perturbation::unit`] names.
    pub fn parameter(self, severity: u8) -> f64 {
        let i = usize::from(severity.clamp(1, 5) - 1);
        let table: [f64; 5] = match self {
            Perturbation::Noise => [0.08, 0.12, 0.18, 0.26, 0.38],
            Perturbation::Blur => [1.0, 2.0, 3.0, 4.0, 6.0],
            Perturbation::Brightness => [0.1, 0.2, 0.3, 0.4, 0.5],
            Perturbation::Contrast => [0.4, 0.3, 0.2, 0.1, 0.05],
            Perturbation::Jpeg => [25.0, 18.0, 15.0, 10.0, 7.0],
            Perturbation::Occlusion => [0.1, 0.2, 0.3, 0.4, 0.5],
            Perturbation::Rotation => [3.0, 6.0, 9.0, 12.0, 15.0],
            Perturbation::FeatureNoise => [0.05, 0.1, 0.2, 0.3, 0.5],
        };
        table[i]
    }

    /// What the parameter means.
    pub fn unit(self) -> &'static str {
        match self {
            Perturbation::Noise => "standard deviation on [0, 1] pixel values",
            Perturbation::Blur => "Gaussian sigma in pixels at a 224-pixel shorter side",
            Perturbation::Brightness => "added to [0, 1] pixel values",
            Perturbation::Contrast => "factor on the distance from the image's mean",
            Perturbation::Jpeg => "JPEG quality",
            Perturbation::Occlusion => "side of the grey square as a fraction of the shorter side",
            Perturbation::Rotation => "largest angle in degrees (sign and size drawn per image)",
            Perturbation::FeatureNoise => {
                "noise standard deviation as a fraction of each feature's standard deviation over the test set"
            }
        }
    }
}

impl std::fmt::Display for Perturbation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A perturbation at a severity, with the seed of its random streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Perturb {
    /// The kind.
    pub kind: Perturbation,
    /// Severity 1–5.
    pub severity: u8,
    /// Seed of the random streams.
    pub seed: u64,
}

/// Whether a declared input (`None`: any rank) takes `[N, item_shape…]`
/// (`None` dimensions are open).
pub(crate) fn fits(declared: Option<&[Option<i64>]>, item_shape: &[usize]) -> bool {
    let Some(dims) = declared else {
        return true;
    };
    dims.len() == item_shape.len() + 1
        && dims
            .iter()
            .skip(1)
            .zip(item_shape)
            .all(|(d, ours)| d.is_none_or(|d| d == *ours as i64))
}
