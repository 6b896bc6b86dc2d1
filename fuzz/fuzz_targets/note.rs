//! Signed notes, checkpoints and verifier keys (C2SP signed-note,
//! tlog-checkpoint).
#![no_main]
use std::sync::OnceLock;

use assay_log::note::{Checkpoint, NoteSigner, NoteVerifier};
use libfuzzer_sys::fuzz_target;

fn verifier() -> &'static NoteVerifier {
    static V: OnceLock<NoteVerifier> = OnceLock::new();
    V.get_or_init(|| {
        NoteSigner::new("example.org/log", &[7; 32])
            .expect("signer")
            .verifier()
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = assay_log::note::open(text, std::slice::from_ref(verifier()));
        let _ = Checkpoint::parse(text);
        let _ = NoteVerifier::from_key(text);
        let _ = NoteSigner::from_key(text);
    }
});
