//! The assessment record, read through its typed structs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = assay_record::read(data);
});
