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

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use futures_util::TryStreamExt as _;

use assay_cert::status::{Action, StatusChange};
use assay_log::note::{Checkpoint, NoteSigner, NoteVerifier, open};
use assay_log::tree::Tree;
use assay_log::{Hash, leaf_hash};
use assay_record::certificate::Statement;
use sqlx::Row as _;
use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, DbError, ctx};
use crate::now;

/// A SHA-256 digest as 32 bytes (the registry keeps one per entry and one
/// per certificate in memory), written as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(assay_base::digest::sha256(bytes))
    }

    /// From 64 hex digits (either case); None for anything else.
    pub fn from_hex(text: &str) -> Option<Digest> {
        let b = text.as_bytes();
        if b.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
            let digit = |c: u8| (c as char).to_digit(16);
            *o = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
        }
        Some(Digest(out))
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&assay_base::digest::hex(&self.0))
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A status as `&'static str` (no allocation per certificate).
pub fn status_name(text: &str) -> Option<&'static str> {
    ["valid", "suspended", "revoked"]
        .into_iter()
        .find(|s| *s == text)
}

/// A certificate's state as the registry knows it, kept small: a registry
/// holds one per certificate in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertState {
    /// SHA-256 of the envelope's bytes.
    pub sha256: Digest,
    /// Its entry in the log.
    pub entry: u64,
    /// The issuer's id (one shared string per issuer).
    pub issuer: Arc<str>,
    /// `valid`, `suspended` or `revoked`.
    pub status: &'static str,
    /// The reason of the latest change.
    pub reason: Option<Box<str>>,
    /// The day of the latest change.
    pub date: Option<Box<str>>,
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
    pub digests: HashMap<Digest, u64>,
    /// Certificates by number.
    pub certs: HashMap<Box<str>, CertState>,
    /// Every issuer id, shared by its certificates.
    issuers: HashSet<Arc<str>>,
}

impl State {
    /// The size of the signed tree.
    pub fn size(&self) -> u64 {
        self.checkpoint.as_ref().map_or(0, |c| c.size)
    }

    /// The shared copy of an issuer id.
    fn issuer(&mut self, id: &str) -> Arc<str> {
        if let Some(a) = self.issuers.get(id) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(id);
        self.issuers.insert(a.clone());
        a
    }
}

/// A certificate to log (already verified by the caller).
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// The envelope's bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub sha256: Digest,
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

impl NewCertificate {
    /// The entry for an envelope's `bytes` whose signed `statement` the
    /// caller has verified.
    pub fn new(bytes: Vec<u8>, statement: &Statement) -> NewCertificate {
        let p = &statement.predicate;
        NewCertificate {
            sha256: Digest::of(&bytes),
            bytes,
            number: p.certificate.number.clone(),
            issuer: p.issuer.id.clone(),
            holder: p.holder.name.all().join(" · "),
            model_name: p.model.name.clone(),
            model_sha256: statement.model_sha256().to_owned(),
            standard: p.standard.clone(),
            issued: p.certificate.issued.clone(),
            not_after: p.certificate.validity.not_after.clone(),
            verdict: p.verdict.clone(),
        }
    }
}

/// A status change to log (its signature already verified).
#[derive(Debug, Clone)]
pub struct NewStatus {
    /// The envelope's bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub sha256: Digest,
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
    pub fn sha256(&self) -> Digest {
        match self {
            Write::Certificate(c) => c.sha256,
            Write::Status(s) => s.sha256,
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
    load_entries(db, &mut state).await?;
    load_checkpoint(db, verifier, &mut state).await?;
    load_certificates(db, &mut state).await?;
    load_status_entries(db, &mut state).await?;
    Ok(state)
}

/// The log's entries, in order, none missing.
async fn load_entries(db: &Db, state: &mut State) -> Result<(), LoadError> {
    // Rows are streamed, not collected: a registry of a million entries
    // would otherwise hold every row at once while it starts.
    let mut rows =
        sqlx::query("SELECT idx, leaf, sha256 FROM entries ORDER BY idx").fetch(&db.pool);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(ctx("reading the log's entries"))?
    {
        let idx = to_u64(row.try_get::<i64, _>("idx").map_err(ctx("entries.idx"))?);
        let leaf: Vec<u8> = row.try_get("leaf").map_err(ctx("entries.leaf"))?;
        let sha: String = row.try_get("sha256").map_err(ctx("entries.sha256"))?;
        let leaf: Hash = leaf.try_into().map_err(|_| {
            LoadError::Inconsistent(format!("entry {idx}: the leaf hash is not 32 bytes"))
        })?;
        let sha = Digest::from_hex(&sha).ok_or_else(|| {
            LoadError::Inconsistent(format!(
                "entry {idx}: the SHA-256 {sha:?} is not 64 hex digits"
            ))
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
    drop(rows);
    Ok(())
}

/// The latest checkpoint: signed by the log's key, covering every entry,
/// their root.
async fn load_checkpoint(
    db: &Db,
    verifier: &NoteVerifier,
    state: &mut State,
) -> Result<(), LoadError> {
    let latest = sqlx::query("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
        .fetch_optional(&db.pool)
        .await
        .map_err(ctx("reading the latest checkpoint"))?;
    if let Some(row) = latest {
        let note: String = row.try_get("note").map_err(ctx("checkpoints.note"))?;
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
    Ok(())
}

/// Every certificate's current state.
async fn load_certificates(db: &Db, state: &mut State) -> Result<(), LoadError> {
    let mut rows = sqlx::query(
        "SELECT number, sha256, entry, issuer, status, status_reason, status_date, status_seq FROM certificates",
    )
    .fetch(&db.pool);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(ctx("reading the certificates"))?
    {
        let number: String = row.try_get("number").map_err(ctx("certificates.number"))?;
        let sha: String = row.try_get("sha256").map_err(ctx("certificates.sha256"))?;
        let issuer: String = row.try_get("issuer").map_err(ctx("certificates.issuer"))?;
        let status: String = row.try_get("status").map_err(ctx("certificates.status"))?;
        let reason: Option<String> = row
            .try_get("status_reason")
            .map_err(ctx("certificates.status_reason"))?;
        let date: Option<String> = row
            .try_get("status_date")
            .map_err(ctx("certificates.status_date"))?;
        let bad = |what: &str| {
            LoadError::Inconsistent(format!("certificate {number}: {what} is not valid"))
        };
        let c = CertState {
            sha256: Digest::from_hex(&sha).ok_or_else(|| bad("the SHA-256"))?,
            entry: to_u64(row.try_get("entry").map_err(ctx("certificates.entry"))?),
            issuer: state.issuer(&issuer),
            status: status_name(&status).ok_or_else(|| bad("the status"))?,
            reason: reason.map(String::into_boxed_str),
            date: date.map(String::into_boxed_str),
            status_entry: None,
            seq: to_u64(
                row.try_get("status_seq")
                    .map_err(ctx("certificates.status_seq"))?,
            ),
        };
        state.certs.insert(number.into_boxed_str(), c);
    }
    drop(rows);
    Ok(())
}

/// The entry of each certificate's latest status change.
async fn load_status_entries(db: &Db, state: &mut State) -> Result<(), LoadError> {
    let rows =
        sqlx::query("SELECT number, MAX(entry) AS entry FROM status_changes GROUP BY number")
            .fetch_all(&db.pool)
            .await
            .map_err(ctx("reading the status changes"))?;
    for row in rows {
        let number: String = row
            .try_get("number")
            .map_err(ctx("status_changes.number"))?;
        let entry: i64 = row.try_get("entry").map_err(ctx("status_changes.entry"))?;
        if let Some(c) = state.certs.get_mut(number.as_str()) {
            c.status_entry = Some(to_u64(entry));
        }
    }
    Ok(())
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
        let mut pending: HashMap<Box<str>, CertState> = HashMap::new();
        // This batch's entries by digest: the same bytes twice in one batch
        // (a client retrying while its first try waits) are one entry.
        let mut fresh: HashMap<Digest, u64> = HashMap::new();
        let mut repeats: Vec<(Job, u64)> = Vec::new();
        let (cp, note) = {
            let mut st = self.write();
            old_size = st.size();
            st.tree.truncate(old_size);
            for job in batch {
                let digest = job.write.sha256();
                if let Some(&index) = st.digests.get(&digest) {
                    let receipt = receipt(&st, index, true);
                    replies.push((job, Ok(receipt)));
                    continue;
                }
                if let Some(&index) = fresh.get(&digest) {
                    repeats.push((job, index));
                    continue;
                }
                let checked = match &job.write {
                    Write::Certificate(c) => {
                        if st.certs.contains_key(c.number.as_str())
                            || pending.contains_key(c.number.as_str())
                        {
                            Err(WriteError::Conflict(format!(
                                "certificate {} is already logged with other contents: a certificate number is used once",
                                c.number
                            )))
                        } else {
                            let issuer = st.issuer(&c.issuer);
                            pending.insert(
                                c.number.as_str().into(),
                                CertState {
                                    sha256: digest,
                                    entry: st.tree.size(),
                                    issuer,
                                    status: "valid",
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
                        fresh.insert(digest, index);
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
                    tracing::error!("signing a checkpoint failed: {e}");
                    self.write().tree.truncate(old_size);
                    unavailable(accepted, repeats);
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
                st.digests.extend(fresh);
                for (number, c) in pending {
                    st.certs.insert(number, c);
                }
                st.checkpoint = Some(cp);
                st.note = note;
                for (job, index, _) in accepted {
                    let r = receipt(&st, index, false);
                    let _ = job.reply.send(Ok(r));
                }
                for (job, index) in repeats {
                    let _ = job.reply.send(Ok(receipt(&st, index, true)));
                }
            }
            Err(e) => {
                tracing::error!("a write to the log failed and was not acknowledged: {e}");
                self.reload(db).await;
                unavailable(accepted, repeats);
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
                tracing::error!("reloading the log after a failed write: {e}");
                let mut st = self.write();
                let size = st.size();
                st.tree.truncate(size);
            }
        }
    }
}

/// A batch that did not commit: its writes and their repeats are told so.
fn unavailable(accepted: Vec<(Job, u64, Hash)>, repeats: Vec<(Job, u64)>) {
    let jobs = accepted.into_iter().map(|(job, ..)| job);
    for job in jobs.chain(repeats.into_iter().map(|(job, _)| job)) {
        let _ = job.reply.send(Err(WriteError::Unavailable));
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
    pending: &mut HashMap<Box<str>, CertState>,
    change: &StatusChange,
    index: u64,
) -> Result<(), WriteError> {
    let number = change.certificate.as_str();
    let current = pending
        .get(number)
        .or_else(|| st.certs.get(number))
        .cloned()
        .ok_or_else(|| {
            WriteError::NotFound(format!(
                "certificate {} is not in the log",
                change.certificate
            ))
        })?;
    if Digest::from_hex(&change.certificate_sha256) != Some(current.sha256) {
        return Err(WriteError::Conflict(format!(
            "the statement names certificate_sha256 {} but certificate {} has {}",
            change.certificate_sha256, change.certificate, current.sha256
        )));
    }
    if *change.issuer != *current.issuer {
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
    if !change.action.allowed_from(current.status) {
        return Err(WriteError::Conflict(format!(
            "cannot {} certificate {}: it is {}",
            change.action.as_str(),
            change.certificate,
            current.status
        )));
    }
    pending.insert(
        number.into(),
        CertState {
            status: change.action.status(),
            reason: Some(change.reason.as_str().into()),
            date: Some(change.date.as_str().into()),
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
    pending: &HashMap<Box<str>, CertState>,
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
            .bind(job.write.sha256().to_string())
            .bind(job.write.bytes())
            .execute(&mut *tx)
            .await
            .map_err(ctx("storing an entry"))?;
        let (action, subject, detail) = match &job.write {
            Write::Certificate(c) => {
                sqlx::query(
                    "INSERT INTO certificates (number, sha256, entry, issuer, holder, model_name, \
                     model_sha256, standard, issued, not_after, verdict, status, status_seq, \
                     holder_fold, model_fold) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'valid', 0, $12, $13)",
                )
                .bind(c.number.as_str())
                .bind(c.sha256.to_string())
                .bind(to_i64(*index))
                .bind(c.issuer.as_str())
                .bind(c.holder.as_str())
                .bind(c.model_name.as_str())
                .bind(c.model_sha256.as_str())
                .bind(c.standard.as_str())
                .bind(c.issued.as_str())
                .bind(c.not_after.as_str())
                .bind(c.verdict.as_str())
                .bind(crate::db::fold(&c.holder))
                .bind(crate::db::fold(&c.model_name))
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
        .bind(c.status)
        .bind(c.reason.as_deref())
        .bind(c.date.as_deref())
        .bind(to_i64(c.seq))
        .bind(&**number)
        .execute(&mut *tx)
        .await
        .map_err(ctx("updating a certificate's status"))?;
    }
    insert_checkpoint(&mut tx, cp, note).await?;
    tx.commit().await.map_err(ctx("committing a batch"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_reads_64_hex_digits_of_either_case_and_writes_lowercase() {
        let hex = assay_base::digest::sha256_hex(b"assay");
        let d = Digest::from_hex(&hex).expect("hex");
        assert_eq!(d.to_string(), hex);
        assert_eq!(Digest::from_hex(&hex.to_ascii_uppercase()), Some(d));
        assert_eq!(
            serde_json::to_value(d).expect("json"),
            serde_json::json!(hex)
        );
        for bad in [
            &hex[..63],
            &format!("{hex}0"),
            &format!("{}g", &hex[..63]),
            "",
            "+f",
        ] {
            assert_eq!(Digest::from_hex(bad), None, "{bad:?}");
        }
        // A non-ASCII character must not shift the digit pairs.
        assert_eq!(Digest::from_hex(&format!("é{}", &hex[2..])), None);
    }

    #[test]
    fn a_status_is_one_of_three() {
        assert_eq!(status_name("revoked"), Some("revoked"));
        assert_eq!(status_name("Revoked"), None);
    }
}
