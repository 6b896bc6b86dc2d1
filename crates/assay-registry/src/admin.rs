//! Administration: the log's key, labs, their keys and API tokens, the
//! audit trail and a full check of the stored log. Every write here is an
//! audit row too.

use std::path::Path;

use assay_cert::TrustStore;
use assay_log::note::{Checkpoint, NoteSigner, NoteVerifier, open};
use assay_log::tree::Tree;
use futures_util::TryStreamExt as _;
use sqlx::Row as _;

use crate::db::{Db, DbError, ctx};
use crate::{auth, now};

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A refusal, with the reason.
    #[error("{0}")]
    Refused(String),
}

async fn meta(db: &Db, key: &str) -> Result<Option<String>, DbError> {
    let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
        .bind(key.to_owned())
        .fetch_optional(&db.pool)
        .await
        .map_err(ctx("reading the registry's settings"))?;
    Ok(match row {
        Some(r) => Some(r.try_get("value").map_err(ctx("meta.value"))?),
        None => None,
    })
}

/// The origin the log was created with, if any.
pub async fn stored_origin(db: &Db) -> Result<Option<String>, DbError> {
    meta(db, "origin").await
}

/// A log origin from the public URL: host and path, then `/log`.
pub fn origin_from_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest: String = rest
        .trim_end_matches('/')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '+')
        .collect();
    format!("{rest}/log")
}

/// The log's signer: the key file if it exists (it must match the key the
/// database's log was started with), else a new key for a new log.
pub async fn log_signer(
    db: &Db,
    path: &Path,
    origin: &str,
    given: Option<&crate::KeyRef>,
) -> Result<NoteSigner, String> {
    let stored_key = meta(db, "log_key").await.map_err(|e| e.to_string())?;
    if let Some(k) = given {
        // A key opened by the caller: an encrypted key file or a token's,
        // named by the origin the database keeps.
        let name = match meta(db, "origin").await.map_err(|e| e.to_string())? {
            Some(o) => o,
            None => origin.to_owned(),
        };
        let signer =
            NoteSigner::with(&name, k.0.clone()).map_err(|e| format!("{}: {e}", k.0.holder()))?;
        let verifier = signer.verifier().key_string();
        return match stored_key {
            Some(stored) if stored != verifier => Err(format!(
                "{}: this key ({verifier}) is not the key of the log in this database ({stored})",
                k.0.holder()
            )),
            Some(_) => Ok(signer),
            None => {
                set_meta(db, &signer).await?;
                Ok(signer)
            }
        };
    }
    if path.exists() {
        let text = assay_cert::keys::read_secret(path).map_err(|e| e.to_string())?;
        let signer = NoteSigner::from_key(text.trim())
            .map_err(|e| format!("{}: not a signed-note signer key: {e}", path.display()))?;
        let verifier = signer.verifier().key_string();
        match stored_key {
            Some(k) if k != verifier => Err(format!(
                "{}: this key ({verifier}) is not the key of the log in this database ({k})",
                path.display()
            )),
            Some(_) => Ok(signer),
            None => {
                set_meta(db, &signer).await?;
                Ok(signer)
            }
        }
    } else {
        if let Some(k) = stored_key {
            return Err(format!(
                "{}: the log key is missing; the log in this database is signed by {k}. \
                 Restore the key file (or give it with --log-key): a new key would start a different log",
                path.display()
            ));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| format!("no randomness for the log key: {e}"))?;
        let signer =
            NoteSigner::new(origin, &seed).map_err(|e| format!("log origin {origin:?}: {e}"))?;
        let text = signer
            .key_string()
            .ok_or_else(|| "a new log key is made in memory".to_owned())?;
        assay_cert::keys::write_secret(path, &format!("{text}\n")).map_err(|e| e.to_string())?;
        set_meta(db, &signer).await?;
        Ok(signer)
    }
}

async fn set_meta(db: &Db, signer: &NoteSigner) -> Result<(), String> {
    let v = signer.verifier();
    let mut tx = db.pool.begin().await.map_err(|e| e.to_string())?;
    for (k, value) in [("origin", v.name().to_owned()), ("log_key", v.key_string())] {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(k)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(|e| format!("storing the log's key: {e}"))?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}

/// The log's verifier key as stored (None before the first start).
pub async fn log_key(db: &Db) -> Result<Option<NoteVerifier>, AdminError> {
    match meta(db, "log_key").await? {
        Some(k) => NoteVerifier::from_key(&k)
            .map(Some)
            .map_err(|e| AdminError::Refused(format!("the stored log key: {e}"))),
        None => Ok(None),
    }
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit (at, actor, action, subject, remote, detail) VALUES ($1, 'admin', $2, $3, 'local', $4)",
    )
    .bind(now())
    .bind(action.to_owned())
    .bind(subject.to_owned())
    .bind(detail.to_owned())
    .execute(&mut **tx)
    .await
    .map_err(ctx("storing an audit row"))?;
    Ok(())
}

/// Register a lab's key from its published trust-store entry (what `assay
/// keygen` writes); the lab is created with it if new. Returns (lab, keyid).
pub async fn add_key(db: &Db, entry: &str, name: &str) -> Result<(String, String), AdminError> {
    let store = TrustStore::parse(entry, name).map_err(|e| AdminError::Refused(e.to_string()))?;
    let [issuer] = store.issuers.as_slice() else {
        return Err(AdminError::Refused(format!(
            "{name}: give one [[issuer]] entry per key (found {})",
            store.issuers.len()
        )));
    };
    let mut tx = db
        .pool
        .begin()
        .await
        .map_err(ctx("starting a transaction"))?;
    let known = sqlx::query("SELECT lab_id FROM lab_keys WHERE keyid = $1")
        .bind(issuer.keyid.clone())
        .fetch_optional(&mut *tx)
        .await
        .map_err(ctx("reading the labs' keys"))?;
    if let Some(r) = known {
        let lab: String = r.try_get("lab_id").map_err(ctx("lab_keys.lab_id"))?;
        return Err(AdminError::Refused(format!(
            "key {} is already registered (lab {lab})",
            issuer.keyid
        )));
    }
    let lab = sqlx::query("SELECT id FROM labs WHERE id = $1")
        .bind(issuer.id.clone())
        .fetch_optional(&mut *tx)
        .await
        .map_err(ctx("reading the labs"))?;
    if lab.is_none() {
        sqlx::query("INSERT INTO labs (id, name, created) VALUES ($1, $2, $3)")
            .bind(issuer.id.clone())
            .bind(issuer.name.clone())
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(ctx("registering a lab"))?;
        audit(&mut tx, "lab.add", &issuer.id, &issuer.name).await?;
    }
    sqlx::query("INSERT INTO lab_keys (keyid, lab_id, trust_entry, added) VALUES ($1, $2, $3, $4)")
        .bind(issuer.keyid.clone())
        .bind(issuer.id.clone())
        .bind(entry.to_owned())
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(ctx("registering a key"))?;
    audit(
        &mut tx,
        "key.add",
        &issuer.id,
        &format!("key {} for {}", issuer.keyid, issuer.standards.join(", ")),
    )
    .await?;
    tx.commit().await.map_err(ctx("committing"))?;
    Ok((issuer.id.clone(), issuer.keyid.clone()))
}

/// Revoke a key: it no longer authorises submissions (certificates it
/// signed stay in the log).
pub async fn revoke_key(db: &Db, keyid: &str) -> Result<(), AdminError> {
    revoke(
        db,
        "UPDATE lab_keys SET revoked = $1 WHERE keyid = $2 AND revoked IS NULL",
        keyid,
        "key.revoke",
        "no registered, unrevoked key has id",
    )
    .await
}

/// Mark the row `id` revoked now (the `UPDATE` of `sql`), with its audit row.
async fn revoke(
    db: &Db,
    sql: &'static str,
    id: &str,
    action: &str,
    missing: &str,
) -> Result<(), AdminError> {
    let mut tx = db
        .pool
        .begin()
        .await
        .map_err(ctx("starting a transaction"))?;
    let n = sqlx::query(sql)
        .bind(now())
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await
        .map_err(ctx(action))?
        .rows_affected();
    if n == 0 {
        return Err(AdminError::Refused(format!("{missing} {id}")));
    }
    audit(&mut tx, action, id, "").await?;
    tx.commit().await.map_err(ctx("committing"))?;
    Ok(())
}

/// A new API token for `lab`: (token id, the token, shown once).
pub async fn create_token(db: &Db, lab: &str) -> Result<(String, String), AdminError> {
    let mut tx = db
        .pool
        .begin()
        .await
        .map_err(ctx("starting a transaction"))?;
    let exists = sqlx::query("SELECT id FROM labs WHERE id = $1")
        .bind(lab.to_owned())
        .fetch_optional(&mut *tx)
        .await
        .map_err(ctx("reading the labs"))?;
    if exists.is_none() {
        return Err(AdminError::Refused(format!(
            "no lab {lab}: register its key first (assay admin key add --trust ENTRY.pub.toml)"
        )));
    }
    let (id, token) = auth::new_token().map_err(AdminError::Refused)?;
    sqlx::query("INSERT INTO tokens (id, lab_id, sha256, created) VALUES ($1, $2, $3, $4)")
        .bind(id.clone())
        .bind(lab.to_owned())
        .bind(assay_base::digest::sha256_hex(token.as_bytes()))
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(ctx("storing a token"))?;
    audit(&mut tx, "token.create", lab, &format!("token {id}")).await?;
    tx.commit().await.map_err(ctx("committing"))?;
    Ok((id, token))
}

/// Revoke a token by its id.
pub async fn revoke_token(db: &Db, id: &str) -> Result<(), AdminError> {
    revoke(
        db,
        "UPDATE tokens SET revoked = $1 WHERE id = $2 AND revoked IS NULL",
        id,
        "token.revoke",
        "no unrevoked token has id",
    )
    .await
}

/// One lab as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LabRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Unrevoked key ids.
    pub keys: Vec<String>,
    /// Unrevoked token ids.
    pub tokens: Vec<String>,
}

/// The one column `column` of the rows of `sql` for `lab`.
async fn strings(
    db: &Db,
    sql: &'static str,
    column: &str,
    lab: &str,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(sql)
        .bind(lab.to_owned())
        .fetch_all(&db.pool)
        .await
        .map_err(ctx("listing"))?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(column).map_err(ctx("listing")))
        .collect()
}

/// Every lab with its keys and tokens.
pub async fn labs(db: &Db) -> Result<Vec<LabRow>, AdminError> {
    let rows = sqlx::query("SELECT id, name FROM labs ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .map_err(ctx("listing the labs"))?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get("id").map_err(ctx("labs.id"))?;
        out.push(LabRow {
            name: r.try_get("name").map_err(ctx("labs.name"))?,
            keys: strings(
                db,
                "SELECT keyid FROM lab_keys WHERE lab_id = $1 AND revoked IS NULL ORDER BY keyid",
                "keyid",
                &id,
            )
            .await?,
            tokens: strings(
                db,
                "SELECT id FROM tokens WHERE lab_id = $1 AND revoked IS NULL ORDER BY id",
                "id",
                &id,
            )
            .await?,
            id,
        });
    }
    Ok(out)
}

/// One audit row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    /// When (UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub subject: String,
    /// From where.
    pub remote: String,
    /// Details.
    pub detail: String,
}

/// The latest `limit` audit rows, newest first.
pub async fn audit_trail(db: &Db, limit: u32) -> Result<Vec<AuditRow>, AdminError> {
    let rows = sqlx::query(
        "SELECT at, actor, action, subject, remote, detail FROM audit ORDER BY id DESC LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await
    .map_err(ctx("reading the audit trail"))?;
    let mut out = Vec::new();
    for r in rows {
        let g = |column: &str| r.try_get::<String, _>(column).map_err(ctx("audit"));
        out.push(AuditRow {
            at: g("at")?,
            actor: g("actor")?,
            action: g("action")?,
            subject: g("subject")?,
            remote: g("remote")?,
            detail: g("detail")?,
        });
    }
    Ok(out)
}

/// What a full check found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    /// Entries re-hashed.
    pub entries: u64,
    /// Checkpoints verified.
    pub checkpoints: u64,
}

/// Re-hash every entry from its bytes, verify every stored checkpoint's
/// signature and root, and that each is consistent with the latest.
pub async fn check(db: &Db) -> Result<CheckReport, AdminError> {
    let verifier = log_key(db)
        .await?
        .ok_or_else(|| AdminError::Refused("this database holds no log yet".into()))?;
    // One snapshot for both reads: a server writing meanwhile must not
    // make a checkpoint appear that the entries read before it lack.
    // SQLite's read transaction is one snapshot (WAL); PostgreSQL's needs
    // REPEATABLE READ (READ COMMITTED takes one per statement).
    let mut tx = db
        .pool
        .begin()
        .await
        .map_err(ctx("starting a read transaction"))?;
    if db.backend == crate::db::Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(ctx("taking one snapshot"))?;
    }
    // Streamed: every entry's bytes at once would be gigabytes for a
    // registry of a million certificates.
    let mut rows = sqlx::query("SELECT idx, leaf, data FROM entries ORDER BY idx").fetch(&mut *tx);
    let mut tree = Tree::new();
    while let Some(r) = rows.try_next().await.map_err(ctx("reading the entries"))? {
        let idx: i64 = r.try_get("idx").map_err(ctx("entries.idx"))?;
        let leaf: Vec<u8> = r.try_get("leaf").map_err(ctx("entries.leaf"))?;
        let data: Vec<u8> = r.try_get("data").map_err(ctx("entries.data"))?;
        if u64::try_from(idx).ok() != Some(tree.size()) {
            return Err(AdminError::Refused(format!(
                "entry {} is missing",
                tree.size()
            )));
        }
        let h = assay_log::leaf_hash(&data);
        if leaf != h {
            return Err(AdminError::Refused(format!(
                "entry {idx}: its bytes do not hash to the stored leaf hash"
            )));
        }
        tree.push(h);
    }
    drop(rows);
    let mut rows = sqlx::query("SELECT size, note FROM checkpoints ORDER BY size").fetch(&mut *tx);
    let mut n = 0;
    while let Some(r) = rows
        .try_next()
        .await
        .map_err(ctx("reading the checkpoints"))?
    {
        let note: String = r.try_get("note").map_err(ctx("checkpoints.note"))?;
        let cp = open(&note, std::slice::from_ref(&verifier))
            .map_err(|e| e.to_string())
            .and_then(|b| Checkpoint::parse(b).map_err(|e| e.to_string()))
            .map_err(|e| AdminError::Refused(format!("a stored checkpoint: {e}")))?;
        let root = tree
            .root(cp.size)
            .map_err(|e| AdminError::Refused(format!("checkpoint of size {}: {e}", cp.size)))?;
        if root != cp.root {
            return Err(AdminError::Refused(format!(
                "the checkpoint of size {} does not match the entries",
                cp.size
            )));
        }
        n += 1;
    }
    drop(rows);
    tx.rollback()
        .await
        .map_err(ctx("ending the read transaction"))?;
    Ok(CheckReport {
        entries: tree.size(),
        checkpoints: n,
    })
}
