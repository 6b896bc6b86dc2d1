//! Status-change statements as the registry receives them.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn issuers() -> &'static Vec<assay_cert::trust::Issuer> {
    static I: OnceLock<Vec<assay_cert::trust::Issuer>> = OnceLock::new();
    I.get_or_init(|| {
        assay_cert::TrustStore::parse(
            "[[issuer]]\nid = \"KTL\"\nname = \"Lab\"\npublic_key = \"cm1q9tCqN0cmRLRn6LXWjebljLWpbvq5pZeFcHT69i0=\"\nstandards = [\"ISO/IEC TS 4213:2022\"]\nnot_before = \"2000-01-01\"\nnot_after = \"2099-12-31\"\n",
            "fuzz",
        )
        .expect("trust store")
        .issuers
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = assay_cert::status::verify(data, issuers());
});
