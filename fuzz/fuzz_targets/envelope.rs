//! A certificate as it arrives: the DSSE envelope and the verification of
//! whatever it carries, against a fixed trust store.
#![no_main]
use std::sync::OnceLock;

use assay_cert::{Expect, TrustStore};
use libfuzzer_sys::fuzz_target;

fn trust() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        TrustStore::parse(
            "[[issuer]]\nid = \"KTL\"\nname = \"Lab\"\npublic_key = \"cm1q9tCqN0cmRLRn6LXWjebljLWpbvq5pZeFcHT69i0=\"\nstandards = [\"ISO/IEC TS 4213:2022\"]\nnot_before = \"2000-01-01\"\nnot_after = \"2099-12-31\"\n",
            "fuzz",
        )
        .expect("trust store")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = assay_cert::Envelope::parse(data);
    let _ = assay_cert::verify(
        data,
        trust(),
        &Expect {
            today: "2026-12-03".into(),
            ..Expect::default()
        },
    );
});
