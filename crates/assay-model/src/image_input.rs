//! Image preprocessing as the plan declares it: decode (PNG, JPEG, BMP),
//! colour mode, resize with a named interpolation, centre crop, scale,
//! per-channel mean / std normalisation, NCHW or NHWC layout; float32.

use std::path::Path;

use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView};

use crate::settings::{Color, Interpolation, Layout, Preprocess};

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

impl Preprocess {
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
                        Layout::Nchw | Layout::Flat => ch * h * w + y * w + x,
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
