//! The in-toto statement a certificate signs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = assay_record::certificate::Statement::from_bytes(data) {
        // What parses serialises again.
        let _ = s.to_bytes();
    }
});
