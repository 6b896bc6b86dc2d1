//! Tile paths (C2SP tlog-tiles): a path parses only in its canonical
//! spelling, so what parses is written back the same.
#![no_main]
use assay_log::tiles::{ReadPath, entries_path, tile_path};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match ReadPath::parse(text) {
            Some(ReadPath::Tile {
                level,
                index,
                width,
            }) => assert_eq!(tile_path(level, index, width), text),
            Some(ReadPath::Entries { index, width }) => {
                assert_eq!(entries_path(index, width), text)
            }
            Some(ReadPath::Checkpoint) => assert_eq!(text, "checkpoint"),
            None => {}
        }
    }
});
