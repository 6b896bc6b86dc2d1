//! The plan parser: any text is a plan or an error at a line, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = assay_assess::plan::Plan::parse(
            std::path::Path::new("/nonexistent/assay.toml"),
            text.to_owned(),
        );
    }
});
