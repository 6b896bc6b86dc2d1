//! The table readers (CSV, TSV, JSON Lines): any bytes read as rows or
//! stop at an error naming the row and column, never a panic. The same
//! bytes are read in each format.
#![no_main]
use assay_data::{Kind, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["input.csv", "input.tsv", "input.jsonl"] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("write");
        let Ok(reader) = assay_data::open(&path, None) else {
            continue;
        };
        let requests = [
            Request::new("label", Kind::Label),
            Request::new("score", Kind::Number),
        ];
        let Ok(batches) = reader.select(&requests, 64) else {
            continue;
        };
        for b in batches {
            if b.is_err() {
                break;
            }
        }
    }
});
