//! Every member of a real record has its type: reading the records the
//! reports are tested on and writing them again gives the same canonical
//! bytes, so no reader of a record sees less than the writer wrote.

use std::path::Path;

#[test]
fn records_read_and_written_again_are_the_same_bytes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assay-report/tests/data");
    for name in ["breast_cancer.assessment.json", "digits.assessment.json"] {
        let bytes = std::fs::read(dir.join(name)).expect("a fixture record");
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        let record = assay_record::read(&bytes).expect("a readable record");
        assert_eq!(
            record.to_canonical(),
            assay_record::canonical::to_string(&value),
            "{name} changes when read and written"
        );
    }
}
