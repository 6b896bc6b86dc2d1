-- The registry: labs, their keys and API tokens, the log's entries and
-- signed checkpoints, the certificates and their status, the audit trail.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE labs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE lab_keys (
    keyid TEXT PRIMARY KEY,
    lab_id TEXT NOT NULL REFERENCES labs(id),
    trust_entry TEXT NOT NULL,
    added TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    lab_id TEXT NOT NULL REFERENCES labs(id),
    sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE entries (
    idx BIGINT PRIMARY KEY,
    leaf BLOB NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    data BLOB NOT NULL
);
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    signed TEXT NOT NULL
);
CREATE TABLE certificates (
    number TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    entry BIGINT NOT NULL REFERENCES entries(idx),
    issuer TEXT NOT NULL REFERENCES labs(id),
    holder TEXT NOT NULL,
    model_name TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    standard TEXT NOT NULL,
    issued TEXT NOT NULL,
    not_after TEXT NOT NULL,
    verdict TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    status_date TEXT,
    status_seq BIGINT NOT NULL
);
CREATE INDEX certificates_holder ON certificates (holder);
CREATE INDEX certificates_issuer ON certificates (issuer);
CREATE INDEX certificates_model ON certificates (model_sha256);
CREATE TABLE status_changes (
    entry BIGINT PRIMARY KEY REFERENCES entries(idx),
    number TEXT NOT NULL REFERENCES certificates(number),
    seq BIGINT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    date TEXT NOT NULL,
    UNIQUE (number, seq)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    remote TEXT NOT NULL,
    detail TEXT NOT NULL
);
