//! C2SP tlog-tiles paths and entry bundles.

/// The path element of a tile index: groups of three digits, every group
/// but the last prefixed `x` (`1234067` → `x001/x234/067`).
pub fn index_path(n: u64) -> String {
    let digits = n.to_string();
    let pad = (3 - digits.len() % 3) % 3;
    let digits = format!("{}{digits}", "0".repeat(pad));
    let groups: Vec<&str> = (0..digits.len())
        .step_by(3)
        .map(|i| &digits[i..i + 3])
        .collect();
    let last = groups.len() - 1;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            if i < last {
                format!("x{g}")
            } else {
                (*g).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn width_suffix(width: usize) -> String {
    if width < 256 {
        format!(".p/{width}")
    } else {
        String::new()
    }
}

/// `tile/<L>/<N>[.p/<W>]`.
pub fn tile_path(level: u32, index: u64, width: usize) -> String {
    format!("tile/{level}/{}{}", index_path(index), width_suffix(width))
}

/// `tile/entries/<N>[.p/<W>]`.
pub fn entries_path(index: u64, width: usize) -> String {
    format!("tile/entries/{}{}", index_path(index), width_suffix(width))
}

/// An entry bundle: each entry as a big-endian 16-bit length and its bytes.
/// None when an entry is longer than 65,535 bytes.
pub fn bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).ok()?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of the tlog-tiles specification.
    #[test]
    fn paths_are_written_as_the_specification_shows() {
        assert_eq!(index_path(1_234_067), "x001/x234/067");
        assert_eq!(index_path(0), "000");
        assert_eq!(index_path(999), "999");
        assert_eq!(index_path(1000), "x001/000");
        assert_eq!(tile_path(0, 1_234_067, 256), "tile/0/x001/x234/067");
        assert_eq!(tile_path(0, 1_234_067, 8), "tile/0/x001/x234/067.p/8");
        assert_eq!(entries_path(1_234_067, 256), "tile/entries/x001/x234/067");
        assert_eq!(
            bundle([b"ab".as_slice(), b"".as_slice()]),
            Some(vec![0, 2, b'a', b'b', 0, 0])
        );
        assert_eq!(bundle([vec![0u8; 70_000].as_slice()]), None);
    }
}
