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

/// The first entry of bundle `index` of width `width` in a tree of `size`
/// leaves; None when that bundle does not exist (see [`fits`]).
pub fn bundle_start(index: u64, width: usize, size: u64) -> Option<u64> {
    let first = index.checked_mul(256)?;
    let available = size.checked_sub(first).filter(|n| *n > 0)?.min(256);
    fits(width, usize::try_from(available).ok()?).then_some(first)
}

/// Whether a tile or bundle of `width` can be served when `available` of
/// its items exist: a full one (256) only when all exist; a partial one at
/// every width up to what exists, since each is a prefix of the next and
/// never changes. A client that read an older checkpoint still finds the
/// partial tile it asks for after the log has grown.
pub fn fits(width: usize, available: usize) -> bool {
    if width == 256 {
        available == 256
    } else {
        (1..=available).contains(&width)
    }
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

/// A parsed tlog-tiles read path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadPath {
    /// `checkpoint`.
    Checkpoint,
    /// `tile/<L>/<N>[.p/<W>]`.
    Tile {
        /// Tile level.
        level: u32,
        /// Tile index.
        index: u64,
        /// Width: 256 for a full tile.
        width: usize,
    },
    /// `tile/entries/<N>[.p/<W>]`.
    Entries {
        /// Bundle index.
        index: u64,
        /// Width: 256 for a full bundle.
        width: usize,
    },
}

/// Parse the index part `x001/x234/067` (and an optional `.p/<W>`).
fn parse_index(parts: &[&str]) -> Option<(u64, usize)> {
    let (mut parts, width) = match parts {
        [rest @ .., last, text] if last.ends_with(".p") => {
            let w: usize = text.parse().ok().filter(|w| (1..256).contains(w))?;
            if w.to_string() != *text {
                return None;
            }
            let mut v: Vec<&str> = rest.to_vec();
            v.push(last.strip_suffix(".p")?);
            (v, w)
        }
        _ => (parts.to_vec(), 256),
    };
    let last = parts.pop()?;
    let mut digits = String::new();
    for p in &parts {
        let g = p.strip_prefix('x')?;
        if g.len() != 3 || !g.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.push_str(g);
    }
    if last.len() != 3 || !last.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.push_str(last);
    let n: u64 = digits.parse().ok()?;
    // Only the canonical spelling is a valid path.
    (index_path(n)
        == parts
            .iter()
            .copied()
            .chain([last])
            .collect::<Vec<_>>()
            .join("/"))
    .then_some((n, width))
}

impl ReadPath {
    /// Parse a read path (without a leading slash).
    pub fn parse(path: &str) -> Option<ReadPath> {
        if path == "checkpoint" {
            return Some(ReadPath::Checkpoint);
        }
        let rest = path.strip_prefix("tile/")?;
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["entries", index @ ..] => {
                let (index, width) = parse_index(index)?;
                Some(ReadPath::Entries { index, width })
            }
            [level, index @ ..] => {
                let l: u32 = level.parse().ok().filter(|l| *l < 64)?;
                if l.to_string() != *level {
                    return None;
                }
                let (index, width) = parse_index(index)?;
                Some(ReadPath::Tile {
                    level: l,
                    index,
                    width,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn read_paths_parse_only_in_their_canonical_spelling() {
        assert_eq!(ReadPath::parse("checkpoint"), Some(ReadPath::Checkpoint));
        assert_eq!(
            ReadPath::parse("tile/0/x001/x234/067"),
            Some(ReadPath::Tile {
                level: 0,
                index: 1_234_067,
                width: 256
            })
        );
        assert_eq!(
            ReadPath::parse("tile/2/067.p/8"),
            Some(ReadPath::Tile {
                level: 2,
                index: 67,
                width: 8
            })
        );
        assert_eq!(
            ReadPath::parse("tile/entries/x001/000.p/255"),
            Some(ReadPath::Entries {
                index: 1000,
                width: 255
            })
        );
        for bad in [
            "tile/0/67",
            "tile/0/x000/067",
            "tile/0/067.p/0",
            "tile/0/067.p/256",
            "tile/0/067.p/08",
            "tile/01/067",
            "tile/0/1234",
            "tiles/0/000",
            "tile/0/x001",
        ] {
            assert_eq!(ReadPath::parse(bad), None, "{bad}");
        }
        for n in [0u64, 7, 999, 1000, 1_234_067, u64::MAX / 1000] {
            assert_eq!(
                ReadPath::parse(&tile_path(1, n, 256)),
                Some(ReadPath::Tile {
                    level: 1,
                    index: n,
                    width: 256
                })
            );
        }
    }
}
