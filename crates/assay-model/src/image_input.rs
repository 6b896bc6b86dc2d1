//! Image preprocessing as the plan declares it: decode (PNG, JPEG, BMP),
//! colour mode, resize with a named interpolation, centre crop, scale,
//! per-channel mean / std normalisation, NCHW or NHWC layout; float32.

use std::path::Path;

use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView};
use serde::Serialize;

/// Colour mode of the model's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

impl Interpolation {
    fn filter(self) -> FilterType {
        match self {
            Interpolation::Nearest => FilterType::Nearest,
            Interpolation::Bilinear => FilterType::Triangle,
            Interpolation::Bicubic => FilterType::CatmullRom,
            Interpolation::Lanczos3 => FilterType::Lanczos3,
        }
    }
}

/// Tensor layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Batch, channel, height, width.
    Nchw,
    /// Batch, height, width, channel.
    Nhwc,
}

/// The preprocessing of every image.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub fn item_shape(&self, height: u32, width: u32) -> [usize; 3] {
        let c = self.color.channels();
        let (h, w) = (height as usize, width as usize);
        match self.layout {
            Layout::Nchw => [c, h, w],
            Layout::Nhwc => [h, w, c],
        }
    }

    /// Decode and preprocess one image file into `out` (appended), returning
    /// its (height, width) after preprocessing.
    pub fn load(&self, path: &Path, out: &mut Vec<f32>) -> Result<(u32, u32), String> {
        Ok(self.apply(&decode(path)?, out))
    }

    /// Preprocess a decoded image into `out` (appended); returns (height, width).
    pub fn apply(&self, img: &DynamicImage, out: &mut Vec<f32>) -> (u32, u32) {
        let img = match self.resize {
            Some([w, h]) if img.dimensions() != (w, h) => {
                img.resize_exact(w, h, self.interpolation.filter())
            }
            _ => img.clone(),
        };
        let img = match self.center_crop {
            Some([cw, ch]) => {
                let (w, h) = img.dimensions();
                let (cw, ch) = (cw.min(w), ch.min(h));
                img.crop_imm((w - cw) / 2, (h - ch) / 2, cw, ch)
            }
            None => img,
        };
        let (w, h) = img.dimensions();
        let c = self.color.channels();
        let pixels: Vec<u8> = match self.color {
            Color::Gray => img.to_luma8().into_raw(),
            Color::Rgb => img.to_rgb8().into_raw(),
        };
        let norm = |ch: usize, v: u8| {
            let mean = self.mean[if self.mean.len() == 1 { 0 } else { ch }];
            let std = self.std[if self.std.len() == 1 { 0 } else { ch }];
            (f32::from(v) * self.scale - mean) / std
        };
        let start = out.len();
        out.resize(start + pixels.len(), 0.0);
        let dst = &mut out[start..];
        let (h, w) = (h as usize, w as usize);
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    let v = norm(ch, pixels[(y * w + x) * c + ch]);
                    let at = match self.layout {
                        Layout::Nchw => ch * h * w + y * w + x,
                        Layout::Nhwc => (y * w + x) * c + ch,
                    };
                    dst[at] = v;
                }
            }
        }
        (h as u32, w as u32)
    }
}

/// Decode an image file (PNG, JPEG or BMP, told by its content).
pub fn decode(path: &Path) -> Result<DynamicImage, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_and_normalisation() {
        // A 2×1 RGB image: red then blue.
        let img = DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(2, 1, vec![255, 0, 0, 0, 0, 255]).unwrap(),
        );
        let p = Preprocess {
            mean: vec![0.5, 0.5, 0.5],
            std: vec![0.5, 0.25, 0.5],
            ..Preprocess::default()
        };
        let mut out = Vec::new();
        assert_eq!(p.apply(&img, &mut out), (1, 2));
        // NCHW: channel planes of (x0, x1).
        assert_eq!(out, [1.0, -1.0, -2.0, -2.0, -1.0, 1.0]);
        let p = Preprocess {
            layout: Layout::Nhwc,
            ..p
        };
        let mut out = Vec::new();
        p.apply(&img, &mut out);
        assert_eq!(out, [1.0, -2.0, -1.0, -1.0, -2.0, 1.0]);
    }

    #[test]
    fn resize_then_centre_crop() {
        let img = DynamicImage::ImageLuma8(image::GrayImage::from_fn(8, 6, |x, y| {
            image::Luma([(x * 10 + y) as u8])
        }));
        let p = Preprocess {
            color: Color::Gray,
            resize: Some([8, 6]),
            center_crop: Some([4, 2]),
            scale: 1.0,
            ..Preprocess::default()
        };
        let mut out = Vec::new();
        assert_eq!(p.apply(&img, &mut out), (2, 4));
        // Rows 2..4, columns 2..6 of the original.
        assert_eq!(out, [22.0, 32.0, 42.0, 52.0, 23.0, 33.0, 43.0, 53.0]);
        assert_eq!(p.output_size((8, 6)), (2, 4));
        assert!(
            Preprocess {
                center_crop: Some([9, 2]),
                ..p.clone()
            }
            .check()
            .is_err()
        );
    }
}
