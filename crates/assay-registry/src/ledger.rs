//! The log as the registry keeps it: entries, certificates, status changes
//! and signed checkpoints in the database, and in memory the Merkle tree,
//! the latest checkpoint and what the read paths need.
//!
//! One writer task takes every write. It gathers the writes waiting at that
//! moment into one batch, appends their leaves, signs one checkpoint over
//! the new tree and commits the entries, their rows, the audit rows and the
//! checkpoint in one transaction; only then does it answer. So a checkpoint
//! is never served (nor a write acknowledged) before the entries it covers
//! are durable, and as entries are only appended, every checkpoint extends
//! the one before. If a commit fails the writer reloads its state from the
//! database, which holds the truth.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use assay_cert::status::{Action, StatusChange};
use assay_log::note::{Checkpoint, NoteSigner, NoteVerifier, open};
use assay_log::tree::Tree;
use assay_log::{Hash, leaf_hash};
use sqlx::Row as _;
use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, DbError, ctx};
use crate::now;

/// A certificate's state as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertState {
    /// SHA-256 of the envelope's bytes.
    pub sha256: String,
    /// Its entry in the log.
    pub entry: u64,
    /// The issuer's id.
    pub issuer: String,
    /// `valid`, `suspended` or `revoked`.
    pub status: String,
    /// The reason of the latest change.
    pub reason: Option<String>,
    /// The day of the latest change.
    pub date: Option<String>,
    /// The entry of the latest change.
    pub status_entry: Option<u64>,
    /// Changes logged so far.
    pub seq: u64,
}

/// What the read paths use.
#[derive(Debug, Default)]
pub struct State {
    /// Every leaf appended (some perhaps not yet covered by a checkpoint:
    /// read only up to `checkpoint.size`).
    pub tree: Tree,
    /// The latest signed checkpoint.
    pub checkpoint: Option<Checkpoint>,
    /// Its note.
    pub note: String,
    /// Every entry's SHA-256 → its index.
    pub digests: HashMap<String, u64>,
    /// Certificates by number.
    pub certs: HashMap<String, CertState>,
}

impl State {
    /// The size of the signed tree.
    pub fn size(&self) -> u64 {
        self.checkpoint.as_ref().map_or(0, |c| c.size)
    }
}

/// A certificate to log (already verified by the caller).
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// The envelope's bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub sha256: String,
    /// Certificate number.
    pub number: String,
    /// Issuer id.
    pub issuer: String,
    /// Holder's name.
    pub holder: String,
    /// Model name.
    pub model_name: String,
    /// Model digest.
    pub model_sha256: String,
    /// Standard.
    pub standard: String,
    /// Issue date.
    pub issued: String,
    /// Last day of validity.
    pub not_after: String,
    /// Verdict.
    pub verdict: String,
}

/// A status change to log (its signature already verified).
#[derive(Debug, Clone)]
pub struct NewStatus {
    /// The envelope's bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub sha256: String,
    /// The statement.
    pub change: StatusChange,
}

/// A write.
#[derive(Debug, Clone)]
pub enum Write {
    /// Log a certificate.
    Certificate(NewCertificate),
    /// Log a status change.
    Status(NewStatus),
}

impl Write {
    /// The entry's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Write::Certificate(c) => &c.bytes,
            Write::Status(s) => &s.bytes,
        }
    }

    /// Their SHA-256.
    pub fn sha256(&self) -> &str {
        match self {
            Write::Certificate(c) => &c.sha256,
            Write::Status(s) => &s.sha256,
        }
    }
}

/// Who asked, for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `lab:<id>/token:<id>` or `admin`.
    pub who: String,
    /// The client's address.
    pub remote: String,
}

/// A logged write.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The entry's index.
    pub index: u64,
    /// The size of the checkpoint that covers it.
    pub size: u64,
    /// That checkpoint's note.
    pub checkpoint: String,
    /// The inclusion proof of the entry in that tree.
    pub proof: Vec<Hash>,
    /// The same bytes were logged before (nothing new written).
    pub existing: bool,
}

/// Why a write was not logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// It conflicts with what is logged (a 409).
    #[error("{0}")]
    Conflict(String),
    /// What it refers to is not logged (a 404).
    #[error("{0}")]
    NotFound(String),
    /// The log cannot write now (a 503; the details went to the server log).
    #[error("the log cannot take writes now")]
    Unavailable,
}

struct Job {
    write: Write,
    actor: Actor,
    reply: oneshot::Sender<Result<Receipt, WriteError>>,
}

/// The ledger: shared state and the writer's queue.
#[derive(Clone)]
pub struct Ledger {
    /// The state the read paths use.
    pub state: Arc<RwLock<State>>,
    queue: mpsc::Sender<Job>,
    /// The log's origin line.
    pub origin: String,
    /// The log's verifier.
    pub verifier: NoteVerifier,
    signer: Arc<NoteSigner>,
}

/// The most writes in one transaction.
const BATCH: usize = 512;

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Read the state from the database and check it against the latest
/// signed checkpoint.
pub async fn load(db: &Db, verifier: &NoteVerifier) -> Result<State, LoadError> {
    let mut state = State::default();
    let rows = sqlx::query("SELECT idx, leaf, sha256 FROM entries ORDER BY idx")
        .fetch_all(&db.pool)
        .await
        .map_err(ctx("reading the log's entries"))?;
    for row in rows {
        let idx = to_u64(row.try_get::<i64, _>(0).map_err(ctx("entries.idx"))?);
        let leaf: Vec<u8> = row.try_get(1).map_err(ctx("entries.leaf"))?;
        let sha: String = row.try_get(2).map_err(ctx("entries.sha256"))?;
        let leaf: Hash = leaf.try_into().map_err(|_| {
            LoadError::Inconsistent(format!("entry {idx}: the leaf hash is not 32 bytes"))
        })?;
        if idx != state.tree.size() {
            return Err(LoadError::Inconsistent(format!(
                "entry {} is missing",
                state.tree.size()
            )));
        }
        state.tree.push(leaf);
        state.digests.insert(sha, idx);
    }
    let latest = sqlx::query("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
        .fetch_optional(&db.pool)
        .await
        .map_err(ctx("reading the latest checkpoint"))?;
    if let Some(row) = latest {
        let note: String = row.try_get(0).map_err(ctx("checkpoints.note"))?;
        let body = open(&note, std::slice::from_ref(verifier)).map_err(|e| {
            LoadError::Inconsistent(format!(
                "the latest checkpoint does not verify with the log's key ({e}): is this the right --log-key?"
            ))
        })?;
        let cp = Checkpoint::parse(body)
            .map_err(|e| LoadError::Inconsistent(format!("the latest checkpoint: {e}")))?;
        if cp.size != state.tree.size() {
            return Err(LoadError::Inconsistent(format!(
                "the latest checkpoint covers {} entries but the database holds {}",
                cp.size,
                state.tree.size()
            )));
        }
        let root = state
            .tree
            .root(cp.size)
            .map_err(|e| LoadError::Inconsistent(e.to_string()))?;
        if root != cp.root {
            return Err(LoadError::Inconsistent(
                "the entries do not hash to the latest checkpoint's root".into(),
            ));
        }
        state.checkpoint = Some(cp);
        state.note = note;
    } else if state.tree.size() > 0 {
        return Err(LoadError::Inconsistent(
            "entries without any checkpoint".into(),
        ));
    }
    let rows = sqlx::query(
        "SELECT number, sha256, entry, issuer, status, status_reason, status_date, status_seq FROM certificates",
    )
    .fetch_all(&db.pool)
    .await
    .map_err(ctx("reading the certificates"))?;
    for row in rows {
        let number: String = row.try_get(0).map_err(ctx("certificates"))?;
        state.certs.insert(
            number,
            CertState {
                sha256: row.try_get(1).map_err(ctx("certificates"))?,
                entry: to_u64(row.try_get(2).map_err(ctx("certificates"))?),
                issuer: row.try_get(3).map_err(ctx("certificates"))?,
                status: row.try_get(4).map_err(ctx("certificates"))?,
                reason: row.try_get(5).map_err(ctx("certificates"))?,
                date: row.try_get(6).map_err(ctx("certificates"))?,
                status_entry: None,
                seq: to_u64(row.try_get(7).map_err(ctx("certificates"))?),
            },
        );
    }
    let rows = sqlx::query("SELECT number, MAX(entry) FROM status_changes GROUP BY number")
        .fetch_all(&db.pool)
        .await
        .map_err(ctx("reading the status changes"))?;
    for row in rows {
        let number: String = row.try_get(0).map_err(ctx("status_changes"))?;
        let entry: i64 = row.try_get(1).map_err(ctx("status_changes"))?;
        if let Some(c) = state.certs.get_mut(&number) {
            c.status_entry = Some(to_u64(entry));
        }
    }
    Ok(state)
}

/// Why the ledger cannot start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The stored log disagrees with itself: nothing is signed until resolved.
    #[error("the log's state is inconsistent: {0}")]
    Inconsistent(String),
}

impl Ledger {
    /// Load the state, sign the first (empty) checkpoint of a new log, and
    /// start the writer.
    pub async fn start(db: Db, signer: NoteSigner) -> Result<Ledger, LoadError> {
        let verifier = signer.verifier();
        let origin = verifier.name().to_owned();
        let state = load(&db, &verifier).await?;
        let ledger_state = Arc::new(RwLock::new(state));
        let (queue, rx) = mpsc::channel(4096);
        let ledger = Ledger {
            state: ledger_state,
            queue,
            origin,
            verifier,
            signer: Arc::new(signer),
        };
        let fresh = ledger.read().checkpoint.is_none();
        if fresh {
            let (cp, note) = ledger.sign_at(0)?;
            let mut tx = db
                .pool
                .begin()
                .await
                .map_err(ctx("starting a transaction"))?;
            insert_checkpoint(&mut tx, &cp, &note).await?;
            tx.commit()
                .await
                .map_err(ctx("storing the first checkpoint"))?;
            let mut st = ledger.write();
            st.checkpoint = Some(cp);
            st.note = note;
        }
        let writer = ledger.clone();
        tokio::spawn(async move { writer.run(db, rx).await });
        Ok(ledger)
    }

    /// Read the state.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn sign_at(&self, size: u64) -> Result<(Checkpoint, String), LoadError> {
        let root = self
            .read()
            .tree
            .root(size)
            .map_err(|e| LoadError::Inconsistent(e.to_string()))?;
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
            extensions: Vec::new(),
        };
        let note = self
            .signer
            .sign(&cp.body())
            .map_err(|e| LoadError::Inconsistent(e.to_string()))?;
        Ok((cp, note))
    }

    /// Sign a note with the log's key (status snapshots).
    pub fn sign_note(&self, text: &str) -> Option<String> {
        self.signer.sign(text).ok()
    }

    /// Queue a write and wait until it is durable (or refused).
    pub async fn submit(&self, write: Write, actor: Actor) -> Result<Receipt, WriteError> {
        let (reply, rx) = oneshot::channel();
        self.queue
            .send(Job {
                write,
                actor,
                reply,
            })
            .await
            .map_err(|_| WriteError::Unavailable)?;
        rx.await.map_err(|_| WriteError::Unavailable)?
    }

    async fn run(self, db: Db, mut rx: mpsc::Receiver<Job>) {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            self.commit(&db, batch).await;
        }
    }

    /// Log one batch.
    async fn commit(&self, db: &Db, batch: Vec<Job>) {
        let old_size;
        let mut accepted: Vec<(Job, u64, Hash)> = Vec::new();
        let mut replies: Vec<(Job, Result<Receipt, WriteError>)> = Vec::new();
        // Pending changes to certificates within this batch.
        let mut pending: HashMap<String, CertState> = HashMap::new();
        let (cp, note) = {
            let mut st = self.write();
            old_size = st.size();
            st.tree.truncate(old_size);
            for job in batch {
                if let Some(&index) = st.digests.get(job.write.sha256()) {
                    let receipt = receipt(&st, index, true);
                    replies.push((job, Ok(receipt)));
                    continue;
                }
                let checked = match &job.write {
                    Write::Certificate(c) => {
                        if st.certs.contains_key(&c.number) || pending.contains_key(&c.number) {
                            Err(WriteError::Conflict(format!(
                                "certificate {} is already logged with other contents: a certificate number is used once",
                                c.number
                            )))
                        } else {
                            pending.insert(
                                c.number.clone(),
                                CertState {
                                    sha256: c.sha256.clone(),
                                    entry: st.tree.size(),
                                    issuer: c.issuer.clone(),
                                    status: "valid".into(),
                                    reason: None,
                                    date: None,
                                    status_entry: None,
                                    seq: 0,
                                },
                            );
                            Ok(())
                        }
                    }
                    Write::Status(s) => {
                        let index = st.tree.size();
                        check_change(&st, &mut pending, &s.change, index)
                    }
                };
                match checked {
                    Ok(()) => {
                        let leaf = leaf_hash(job.write.bytes());
                        let index = st.tree.push(leaf);
                        accepted.push((job, index, leaf));
                    }
                    Err(e) => replies.push((job, Err(e))),
                }
            }
            if accepted.is_empty() {
                drop(st);
                for (job, r) in replies {
                    let _ = job.reply.send(r);
                }
                return;
            }
            let size = st.tree.size();
            drop(st);
            match self.sign_at(size) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("assay serve: signing a checkpoint failed: {e}");
                    self.write().tree.truncate(old_size);
                    for (job, ..) in accepted {
                        let _ = job.reply.send(Err(WriteError::Unavailable));
                    }
                    for (job, r) in replies {
                        let _ = job.reply.send(r);
                    }
                    return;
                }
            }
        };
        match store(db, &accepted, &pending, &cp, &note).await {
            Ok(()) => {
                let mut st = self.write();
                for (job, index, _) in &accepted {
                    st.digests.insert(job.write.sha256().to_owned(), *index);
                }
                for (number, c) in pending {
                    st.certs.insert(number, c);
                }
                st.checkpoint = Some(cp);
                st.note = note;
                for (job, index, _) in accepted {
                    let r = receipt(&st, index, false);
                    let _ = job.reply.send(Ok(r));
                }
            }
            Err(e) => {
                eprintln!("assay serve: a write to the log failed and was not acknowledged: {e}");
                self.reload(db).await;
                for (job, ..) in accepted {
                    let _ = job.reply.send(Err(WriteError::Unavailable));
                }
            }
        }
        let st = self.read();
        for (job, r) in replies {
            // A duplicate's receipt was made before this batch's checkpoint.
            let r = r.map(|x| receipt(&st, x.index, true));
            let _ = job.reply.send(r);
        }
    }

    /// After a failed commit: the database holds the truth.
    async fn reload(&self, db: &Db) {
        match load(db, &self.verifier).await {
            Ok(s) => *self.write() = s,
            Err(e) => {
                eprintln!("assay serve: reloading the log after a failed write: {e}");
                let mut st = self.write();
                let size = st.size();
                st.tree.truncate(size);
            }
        }
    }
}

/// A receipt for entry `index` against the current checkpoint.
fn receipt(st: &State, index: u64, existing: bool) -> Receipt {
    let size = st.size();
    Receipt {
        index,
        size,
        checkpoint: st.note.clone(),
        proof: st.tree.inclusion_proof(index, size).unwrap_or_default(),
        existing,
    }
}

fn check_change(
    st: &State,
    pending: &mut HashMap<String, CertState>,
    change: &StatusChange,
    index: u64,
) -> Result<(), WriteError> {
    let current = pending
        .get(&change.certificate)
        .or_else(|| st.certs.get(&change.certificate))
        .cloned()
        .ok_or_else(|| {
            WriteError::NotFound(format!(
                "certificate {} is not in the log",
                change.certificate
            ))
        })?;
    if current.sha256 != change.certificate_sha256 {
        return Err(WriteError::Conflict(format!(
            "the statement names certificate_sha256 {} but certificate {} has {}",
            change.certificate_sha256, change.certificate, current.sha256
        )));
    }
    if change.issuer != current.issuer {
        return Err(WriteError::Conflict(format!(
            "the statement names issuer {:?}; certificate {} was issued by {:?}",
            change.issuer, change.certificate, current.issuer
        )));
    }
    if change.sequence != current.seq {
        return Err(WriteError::Conflict(format!(
            "sequence {} is stale or replayed: {} change(s) are logged for certificate {}, so the next is sequence {}",
            change.sequence, current.seq, change.certificate, current.seq
        )));
    }
    if !change.action.allowed_from(&current.status) {
        return Err(WriteError::Conflict(format!(
            "cannot {} certificate {}: it is {}",
            change.action.as_str(),
            change.certificate,
            current.status
        )));
    }
    pending.insert(
        change.certificate.clone(),
        CertState {
            status: change.action.status().into(),
            reason: Some(change.reason.clone()),
            date: Some(change.date.clone()),
            status_entry: Some(index),
            seq: current.seq + 1,
            ..current
        },
    );
    Ok(())
}

async fn insert_checkpoint(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    cp: &Checkpoint,
    note: &str,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO checkpoints (size, note, signed) VALUES ($1, $2, $3)")
        .bind(to_i64(cp.size))
        .bind(note)
        .bind(now())
        .execute(&mut **tx)
        .await
        .map_err(ctx("storing a checkpoint"))?;
    Ok(())
}

/// Write one batch in one transaction.
async fn store(
    db: &Db,
    accepted: &[(Job, u64, Hash)],
    pending: &HashMap<String, CertState>,
    cp: &Checkpoint,
    note: &str,
) -> Result<(), DbError> {
    let mut tx = db
        .pool
        .begin()
        .await
        .map_err(ctx("starting a transaction"))?;
    let at = now();
    for (job, index, leaf) in accepted {
        sqlx::query("INSERT INTO entries (idx, leaf, sha256, data) VALUES ($1, $2, $3, $4)")
            .bind(to_i64(*index))
            .bind(leaf.to_vec())
            .bind(job.write.sha256())
            .bind(job.write.bytes())
            .execute(&mut *tx)
            .await
            .map_err(ctx("storing an entry"))?;
        let (action, subject, detail) = match &job.write {
            Write::Certificate(c) => {
                sqlx::query(
                    "INSERT INTO certificates (number, sha256, entry, issuer, holder, model_name, \
                     model_sha256, standard, issued, not_after, verdict, status, status_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'valid', 0)",
                )
                .bind(c.number.as_str())
                .bind(c.sha256.as_str())
                .bind(to_i64(*index))
                .bind(c.issuer.as_str())
                .bind(c.holder.as_str())
                .bind(c.model_name.as_str())
                .bind(c.model_sha256.as_str())
                .bind(c.standard.as_str())
                .bind(c.issued.as_str())
                .bind(c.not_after.as_str())
                .bind(c.verdict.as_str())
                .execute(&mut *tx)
                .await
                .map_err(ctx("storing a certificate"))?;
                (
                    "certificate.submit",
                    c.number.clone(),
                    format!("entry {index}, sha256 {}", c.sha256),
                )
            }
            Write::Status(s) => {
                let ch = &s.change;
                sqlx::query(
                    "INSERT INTO status_changes (entry, number, seq, action, reason, date) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(to_i64(*index))
                .bind(ch.certificate.as_str())
                .bind(to_i64(ch.sequence))
                .bind(ch.action.as_str())
                .bind(ch.reason.as_str())
                .bind(ch.date.as_str())
                .execute(&mut *tx)
                .await
                .map_err(ctx("storing a status change"))?;
                (
                    match ch.action {
                        Action::Revoke => "certificate.revoke",
                        Action::Suspend => "certificate.suspend",
                        Action::Reinstate => "certificate.reinstate",
                    },
                    ch.certificate.clone(),
                    format!(
                        "entry {index}, sequence {}, reason: {}",
                        ch.sequence, ch.reason
                    ),
                )
            }
        };
        sqlx::query(
            "INSERT INTO audit (at, actor, action, subject, remote, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(at.as_str())
        .bind(job.actor.who.as_str())
        .bind(action)
        .bind(subject.as_str())
        .bind(job.actor.remote.as_str())
        .bind(detail.as_str())
        .execute(&mut *tx)
        .await
        .map_err(ctx("storing an audit row"))?;
    }
    // The final state of every certificate whose status changed.
    for (number, c) in pending {
        if c.seq == 0 {
            continue;
        }
        sqlx::query(
            "UPDATE certificates SET status = $1, status_reason = $2, status_date = $3, status_seq = $4 \
             WHERE number = $5",
        )
        .bind(c.status.as_str())
        .bind(c.reason.as_deref())
        .bind(c.date.as_deref())
        .bind(to_i64(c.seq))
        .bind(number.as_str())
        .execute(&mut *tx)
        .await
        .map_err(ctx("updating a certificate's status"))?;
    }
    insert_checkpoint(&mut tx, cp, note).await?;
    tx.commit().await.map_err(ctx("committing a batch"))?;
    Ok(())
}
