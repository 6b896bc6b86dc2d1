//! API tokens, labs' keys and rate limits.
//!
//! A token is `assay_<id>_<secret>` with 32 random bytes of secret; only
//! its SHA-256 is stored. (A fast hash is enough: the secret is random and
//! long, so there is nothing to guess that a slow hash would protect.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use assay_cert::TrustStore;
use assay_cert::trust::Issuer;
use sqlx::Row as _;

use crate::db::{Db, DbError, ctx};

/// A lab that presented a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The lab's id.
    pub lab: String,
    /// The token's public id.
    pub token: String,
}

impl Caller {
    /// How the audit trail names it.
    pub fn who(&self) -> String {
        format!("lab:{}/token:{}", self.lab, self.token)
    }
}

use assay_base::digest::sha256_hex;

/// A new token: (public id, the token text to give the lab once).
pub fn new_token() -> Result<(String, String), String> {
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut id).map_err(|e| e.to_string())?;
    getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
    use assay_base::digest::hex;
    let id = hex(&id);
    let token = format!("assay_{id}_{}", hex(&secret));
    Ok((id, token))
}

/// The lab a bearer token belongs to (None: unknown or revoked).
pub async fn caller(db: &Db, token: &str) -> Result<Option<Caller>, DbError> {
    let hash = sha256_hex(token.as_bytes());
    let row = sqlx::query("SELECT lab_id, id FROM tokens WHERE sha256 = $1 AND revoked IS NULL")
        .bind(hash)
        .fetch_optional(&db.pool)
        .await
        .map_err(ctx("looking up a token"))?;
    Ok(match row {
        Some(r) => Some(Caller {
            lab: r.try_get("lab_id").map_err(ctx("tokens.lab_id"))?,
            token: r.try_get("id").map_err(ctx("tokens.id"))?,
        }),
        None => None,
    })
}

/// A lab's registered keys (not revoked), as trust-store issuers.
pub async fn lab_keys(db: &Db, lab: &str) -> Result<Vec<Issuer>, DbError> {
    Ok(trust(db, Some(lab)).await?.issuers)
}

/// Every registered, unrevoked key as one trust store.
pub async fn trust(db: &Db, lab: Option<&str>) -> Result<TrustStore, DbError> {
    let rows = match lab {
        Some(l) => sqlx::query(
            "SELECT keyid, trust_entry FROM lab_keys WHERE lab_id = $1 AND revoked IS NULL",
        )
        .bind(l.to_owned()),
        None => sqlx::query("SELECT keyid, trust_entry FROM lab_keys WHERE revoked IS NULL"),
    }
    .fetch_all(&db.pool)
    .await
    .map_err(ctx("reading the labs' keys"))?;
    let mut store = TrustStore::default();
    for r in rows {
        let keyid: String = r.try_get("keyid").map_err(ctx("lab_keys.keyid"))?;
        let text: String = r
            .try_get("trust_entry")
            .map_err(ctx("lab_keys.trust_entry"))?;
        // Entries were checked when registered; one that no longer parses
        // is skipped (and reported), never trusted.
        match TrustStore::parse(&text, &format!("registered key {keyid}")) {
            Ok(s) => store = store.merge(s),
            Err(e) => tracing::warn!("{e}"),
        }
    }
    Ok(store)
}

/// A token bucket per key: `rate` requests a second, bursts of `burst`.
#[derive(Debug)]
pub struct RateLimit {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimit {
    /// `rate` a second per key (0: no limit).
    pub fn new(rate: f64) -> RateLimit {
        RateLimit {
            rate,
            burst: (rate * 2.0).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one request for `key`; Err(seconds to wait) when over the limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() > 100_000 {
            // Forget clients whose buckets have refilled.
            let (rate, burst) = (self.rate, self.burst);
            b.retain(|_, (t, at)| *t + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, at) = b.entry(key.to_owned()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_distinct() {
        let (id, t) = new_token().expect("token");
        let (id2, t2) = new_token().expect("token");
        assert_ne!(t, t2);
        assert_ne!(id, id2);
        assert!(t.starts_with(&format!("assay_{id}_")));
        assert_eq!(t.len(), "assay_".len() + 12 + 1 + 64);
    }

    #[test]
    fn the_rate_limit_allows_a_burst_then_refuses() {
        let r = RateLimit::new(5.0);
        for _ in 0..10 {
            assert_eq!(r.check("a"), Ok(()));
        }
        assert!(
            r.check("a").is_err(),
            "the eleventh request in a burst of 10"
        );
        assert_eq!(r.check("b"), Ok(()), "another client has its own bucket");
        assert_eq!(RateLimit::new(0.0).check("a"), Ok(()));
    }
}
