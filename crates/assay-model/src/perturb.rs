//! Image perturbations for the empirical robustness assessment of ISO/IEC TR
//! 24029-1: Gaussian noise, blur, brightness, contrast, JPEG compression,
//! occlusion and small rotation, each at severities 1–5.
//!
//! The severity parameters follow the common corruption benchmark of
//! Hendrycks & Dietterich (ImageNet-C) at 224 pixels; sizes in pixels
//! (blur, occlusion) scale with the image's shorter side, so a perturbation
//! means the same at any resolution. Every random draw comes from a ChaCha8
//! stream of (seed, item, perturbation, severity): the same seed gives the
//! same perturbed images whatever the thread count or batch size.

use image::{DynamicImage, GenericImageView, Rgba, RgbaImage};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::settings::{Perturb, Perturbation};

impl Perturbation {
    fn index(self) -> u64 {
        match Self::ALL.iter().position(|p| *p == self) {
            Some(i) => i as u64,
            None => Self::ALL.len() as u64,
        }
    }
}

impl Perturb {
    fn rng(&self, item: usize) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream((item as u64) << 16 | self.kind.index() << 8 | u64::from(self.severity));
        rng
    }

    /// Add feature noise to one row of features (item number `item`), each
    /// feature's noise scaled by its standard deviation `sds`.
    pub fn apply_features(&self, row: &mut [f32], sds: &[f64], item: usize) {
        let mut rng = self.rng(item);
        let p = self.kind.parameter(self.severity);
        for (x, sd) in row.iter_mut().zip(sds) {
            let z: f64 = StandardNormal.sample(&mut rng);
            *x = (f64::from(*x) + p * sd * z) as f32;
        }
    }

    /// The perturbed image of item number `item`.
    pub fn apply(&self, img: &DynamicImage, item: usize) -> DynamicImage {
        let mut rng = self.rng(item);
        let p = self.kind.parameter(self.severity);
        let (w, h) = img.dimensions();
        let side = f64::from(w.min(h));
        let gray = matches!(
            img,
            DynamicImage::ImageLuma8(_) | DynamicImage::ImageLumaA8(_)
        );
        let rgba = img.to_rgba8();
        let out: RgbaImage = match self.kind {
            Perturbation::Noise => map_pixels(&rgba, gray, |v, _| {
                let z: f64 = StandardNormal.sample(&mut rng);
                v + p * z
            }),
            Perturbation::Brightness => map_pixels(&rgba, gray, |v, _| v + p),
            Perturbation::Contrast => {
                let mean = rgba
                    .pixels()
                    .map(|px| px.0[..3].iter().map(|&c| f64::from(c)).sum::<f64>() / 3.0)
                    .sum::<f64>()
                    / (f64::from(w) * f64::from(h) * 255.0);
                map_pixels(&rgba, gray, |v, _| (v - mean) * p + mean)
            }
            Perturbation::Blur => gaussian_blur(&rgba, p * side / 224.0),
            Perturbation::Jpeg => {
                let rgb = DynamicImage::ImageRgba8(rgba.clone()).to_rgb8();
                let mut bytes = Vec::new();
                let encoder =
                    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, p as u8);
                match rgb.write_with_encoder(encoder) {
                    Ok(()) => image::load_from_memory(&bytes)
                        .map(|i| i.to_rgba8())
                        .unwrap_or(rgba),
                    Err(_) => rgba,
                }
            }
            Perturbation::Occlusion => {
                let size = ((p * side).round() as u32).clamp(1, w.min(h));
                let x0 = rng.random_range(0..=w - size);
                let y0 = rng.random_range(0..=h - size);
                let mut out = rgba.clone();
                for y in y0..y0 + size {
                    for x in x0..x0 + size {
                        let a = out.get_pixel(x, y).0[3];
                        out.put_pixel(x, y, Rgba([128, 128, 128, a]));
                    }
                }
                out
            }
            Perturbation::Rotation => {
                let angle = rng.random_range(-p..=p).to_radians();
                rotate(&rgba, angle)
            }
            // Tabular only: images pass unchanged (plans refuse the pairing).
            Perturbation::FeatureNoise => rgba,
        };
        if gray {
            DynamicImage::ImageRgba8(out).to_luma8().into()
        } else {
            DynamicImage::ImageRgba8(out)
        }
    }
}

/// Apply `f` to every colour value on the [0, 1] scale (the same draw for the
/// three channels of a grey image), clipping and rounding back to 8 bits.
fn map_pixels(img: &RgbaImage, gray: bool, mut f: impl FnMut(f64, usize) -> f64) -> RgbaImage {
    let mut out = img.clone();
    for px in out.pixels_mut() {
        if gray {
            let v = f(f64::from(px.0[0]) / 255.0, 0);
            let b = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            px.0[0] = b;
            px.0[1] = b;
            px.0[2] = b;
        } else {
            for c in 0..3 {
                let v = f(f64::from(px.0[c]) / 255.0, c);
                px.0[c] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
    }
    out
}

/// Separable Gaussian blur with a normalized kernel of radius ⌈3σ⌉, edges
/// clamped (image's own `blur` misbehaves for σ well below one pixel).
fn gaussian_blur(img: &RgbaImage, sigma: f64) -> RgbaImage {
    if sigma <= 0.0 {
        return img.clone();
    }
    let radius = (3.0 * sigma).ceil() as i64;
    let kernel: Vec<f64> = (-radius..=radius)
        .map(|d| (-(d * d) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = kernel.iter().sum();
    let kernel: Vec<f64> = kernel.iter().map(|k| k / total).collect();
    let (w, h) = img.dimensions();
    let pass = |src: &RgbaImage, horizontal: bool| {
        let mut out = RgbaImage::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0f64; 4];
                for (i, k) in kernel.iter().enumerate() {
                    let d = i as i64 - radius;
                    let (sx, sy) = if horizontal {
                        ((i64::from(x) + d).clamp(0, i64::from(w) - 1), i64::from(y))
                    } else {
                        (i64::from(x), (i64::from(y) + d).clamp(0, i64::from(h) - 1))
                    };
                    let p = src.get_pixel(sx as u32, sy as u32).0;
                    for c in 0..4 {
                        acc[c] += k * f64::from(p[c]);
                    }
                }
                out.put_pixel(x, y, Rgba(acc.map(|v| v.round().clamp(0.0, 255.0) as u8)));
            }
        }
        out
    };
    pass(&pass(img, true), false)
}

/// Rotate about the centre by `angle` radians, bilinear, black outside.
fn rotate(img: &RgbaImage, angle: f64) -> RgbaImage {
    let (w, h) = img.dimensions();
    let (cx, cy) = ((f64::from(w) - 1.0) / 2.0, (f64::from(h) - 1.0) / 2.0);
    let (sin, cos) = angle.sin_cos();
    let mut out = RgbaImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            // The source point that lands here.
            let sx = cos * dx + sin * dy + cx;
            let sy = -sin * dx + cos * dy + cy;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let mut acc = [0.0f64; 4];
            for (ox, oy, wgt) in [
                (0.0, 0.0, (1.0 - fx) * (1.0 - fy)),
                (1.0, 0.0, fx * (1.0 - fy)),
                (0.0, 1.0, (1.0 - fx) * fy),
                (1.0, 1.0, fx * fy),
            ] {
                let (px, py) = (x0 + ox, y0 + oy);
                if px >= 0.0 && py >= 0.0 && px < f64::from(w) && py < f64::from(h) {
                    let p = img.get_pixel(px as u32, py as u32).0;
                    for c in 0..4 {
                        acc[c] += wgt * f64::from(p[c]);
                    }
                } else {
                    // Outside: black, opaque.
                    acc[3] += wgt * 255.0;
                }
            }
            out.put_pixel(x, y, Rgba(acc.map(|v| v.round().clamp(0.0, 255.0) as u8)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digit() -> DynamicImage {
        DynamicImage::ImageLuma8(image::GrayImage::from_fn(16, 16, |x, y| {
            image::Luma([if (4..12).contains(&x) && (2..14).contains(&y) {
                200
            } else {
                20
            }])
        }))
    }

    #[test]
    fn deterministic_per_seed_and_item() {
        for kind in Perturbation::ALL {
            for severity in 1..=5 {
                let p = Perturb {
                    kind,
                    severity,
                    seed: 7,
                };
                let a = p.apply(&digit(), 3);
                assert_eq!(
                    a.as_bytes(),
                    p.apply(&digit(), 3).as_bytes(),
                    "{kind:?} {severity}"
                );
                assert_eq!(a.dimensions(), (16, 16));
                assert!(matches!(a, DynamicImage::ImageLuma8(_)), "grey stays grey");
            }
        }
        let p = Perturb {
            kind: Perturbation::Noise,
            severity: 3,
            seed: 7,
        };
        assert_ne!(
            p.apply(&digit(), 3).as_bytes(),
            p.apply(&digit(), 4).as_bytes()
        );
    }

    #[test]
    fn severity_orders_the_damage() {
        // Mean absolute change grows with severity for every kind but the
        // random-angle rotation and random-place occlusion (checked apart).
        for kind in [
            Perturbation::Noise,
            Perturbation::Blur,
            Perturbation::Brightness,
            Perturbation::Contrast,
        ] {
            let change = |s: u8| {
                let out = Perturb {
                    kind,
                    severity: s,
                    seed: 1,
                }
                .apply(&digit(), 0);
                out.as_bytes()
                    .iter()
                    .zip(digit().as_bytes())
                    .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
                    .sum::<f64>()
            };
            assert!(change(1) < change(5), "{kind:?}");
        }
        // Occlusion covers p·side squared pixels.
        let out = Perturb {
            kind: Perturbation::Occlusion,
            severity: 5,
            seed: 1,
        }
        .apply(&digit(), 0);
        assert_eq!(out.as_bytes().iter().filter(|v| **v == 128).count(), 64);
        // Rotation by a multiple of 360° would be the identity; a small one moves pixels.
        let out = Perturb {
            kind: Perturbation::Rotation,
            severity: 5,
            seed: 1,
        }
        .apply(&digit(), 0);
        assert_ne!(out.as_bytes(), digit().as_bytes());
    }
}
