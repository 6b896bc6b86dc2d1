//! The registry's behaviour, the same suite on SQLite and on PostgreSQL:
//! submission, lookup, search, status changes, verification, proofs,
//! tiles, the audit trail, restart, authorisation and malformed requests.

mod common;

use assay_cert::status::{Action, STATUS_TYPE, StatusChange};
use assay_log::merkle::{verify_consistency, verify_inclusion};
use assay_log::note::Checkpoint;
use assay_log::{leaf_hash, tiles};
use assay_registry::client::{Snapshot, check_inclusion, decode_hashes};
use assay_registry::{admin, testkit};
use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn sha(bytes: &[u8]) -> String {
    assay_base::digest::sha256_hex(bytes)
}

fn change(number: &str, digest: &str, issuer: &str, action: Action, seq: u64) -> StatusChange {
    StatusChange {
        kind: STATUS_TYPE.into(),
        certificate: number.into(),
        certificate_sha256: digest.into(),
        issuer: issuer.into(),
        action,
        reason: format!("{} for the test", action.as_str()),
        sequence: seq,
        date: today(),
    }
}

fn signed(c: &StatusChange, key: &assay_cert::IssuerKey) -> Vec<u8> {
    serde_json::to_vec(&c.sign(key).expect("signs").to_json()).expect("json")
}

fn hashes(v: &Value) -> Vec<assay_log::Hash> {
    let list: Vec<String> = serde_json::from_value(v.clone()).expect("list of strings");
    decode_hashes(&list).expect("hashes")
}

fn checkpoint_of(note: &str, app: &assay_registry::Shared) -> Checkpoint {
    assay_registry::client::checkpoint(note, std::slice::from_ref(&app.ledger.verifier))
        .expect("checkpoint verifies")
}

#[tokio::test]
async fn lifecycle_on_every_backend() {
    for backend in backends() {
        lifecycle(backend).await;
    }
}

async fn lifecycle(backend: &str) {
    let (config, dir) = fresh(backend, "lifecycle").await;
    let app = assay_registry::open(config.clone()).await.expect("opens");
    let lab = lab(&app, "KTL").await;
    let day = today();
    let cert = testkit::certificate(&lab.key, 1, "Acme Vision", &day);
    let digest = sha(&cert);

    // Submit: 201, a receipt whose proof leads to the signed checkpoint.
    let a = submit(&app, &lab.token, cert.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{backend}: {}", a.text());
    let r = a.json();
    let number = r["number"].as_str().expect("number").to_owned();
    assert_eq!(r["sha256"], json!(digest));
    let index = r["index"].as_u64().expect("index");
    let note = r["checkpoint"].as_str().expect("checkpoint");
    let cp = check_inclusion(
        &cert,
        index,
        &hashes(&r["inclusion"]),
        note,
        std::slice::from_ref(&app.ledger.verifier),
    )
    .expect("inclusion verifies");
    assert_eq!(cp.size, 1);
    let snap = Snapshot::open(
        r["status"].as_str().expect("status"),
        std::slice::from_ref(&app.ledger.verifier),
    )
    .expect("status snapshot");
    assert_eq!(
        (snap.status.as_str(), snap.sha256.as_str()),
        ("valid", digest.as_str())
    );

    // The same bytes again: 200, the same entry, nothing new.
    let again = submit(&app, &lab.token, cert.clone()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["index"], json!(index));
    assert_eq!(again.json()["existing"], json!(true));

    // Two more certificates, for search.
    for (seq, holder) in [(2, "Beta Robotics"), (3, "Acme Vision")] {
        let c = testkit::certificate(&lab.key, seq, holder, &day);
        let a = submit(&app, &lab.token, c).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    }

    // Fetch by number, by digest; the envelope's bytes are the submitted ones.
    let d = get(&app, &format!("/api/v1/certificates/{number}")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.json()["holder"], json!("Acme Vision"));
    assert_eq!(d.json()["status"], json!("valid"));
    let d = get(&app, &format!("/api/v1/sha256/{digest}")).await;
    assert_eq!(d.json()["number"], json!(number));
    let e = get(&app, &format!("/api/v1/certificates/{number}/envelope")).await;
    assert_eq!(e.body, cert);

    // The address a certificate's QR code carries (status page + SHA-256)
    // is the certificate's page, saying whether the copy is the one logged;
    // the page's own QR code carries the same address.
    let qr = get(&app, &format!("/certificates/{number}/{digest}")).await;
    assert_eq!(qr.status, StatusCode::OK);
    assert!(
        qr.text().contains(&number) && qr.text().contains("is the one logged here"),
        "{}",
        qr.text()
    );
    let page = get(&app, &format!("/certificates/{number}?lang=ko")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(&number) && page.text().contains("class=\"qr\""));
    let other = "0".repeat(64);
    let forged = get(&app, &format!("/certificates/{number}/{other}?lang=ko")).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert!(
        forged.text().contains("기록된 인증서가 아닙니다") && forged.text().contains(&number),
        "{}",
        forged.text()
    );

    // Search.
    let count = |v: Value| v["count"].as_u64().expect("count");
    assert_eq!(
        count(get(&app, "/api/v1/certificates?holder=acme").await.json()),
        2
    );
    assert_eq!(
        count(
            get(&app, "/api/v1/certificates?issuer=KTL&status=valid")
                .await
                .json()
        ),
        3
    );
    assert_eq!(
        count(get(&app, "/api/v1/certificates?q=beta").await.json()),
        1
    );
    assert_eq!(
        count(
            get(&app, "/api/v1/certificates?model=defect%20detector%202")
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            get(&app, "/api/v1/certificates?status=revoked")
                .await
                .json()
        ),
        0
    );

    // Suspend, replay (409), reinstate, revoke; a revoked one cannot come back.
    let s0 = signed(
        &change(&number, &digest, "KTL", Action::Suspend, 0),
        &lab.key,
    );
    let url = format!("/api/v1/certificates/{number}/status");
    let a = call(&app, "POST", &url, Some(&lab.token), s0.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(a.json()["status"], json!("suspended"));
    let by_digest = get(&app, &format!("/api/v1/sha256/{}", sha(&s0)))
        .await
        .json();
    assert_eq!(
        by_digest["status_change"]["action"],
        json!("suspend"),
        "{by_digest}"
    );
    assert_eq!(by_digest["status_change"]["certificate"], json!(number));
    let replay = call(&app, "POST", &url, Some(&lab.token), s0).await;
    assert_eq!(replay.status, StatusCode::CONFLICT, "{}", replay.text());
    assert!(
        replay.json()["error"]
            .as_str()
            .expect("error")
            .contains("already logged")
    );
    let stale = signed(
        &StatusChange {
            reason: "another suspension".into(),
            ..change(&number, &digest, "KTL", Action::Suspend, 0)
        },
        &lab.key,
    );
    let a = call(&app, "POST", &url, Some(&lab.token), stale).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.json()["error"]
            .as_str()
            .expect("error")
            .contains("sequence 0 is stale")
    );
    let s1 = signed(
        &change(&number, &digest, "KTL", Action::Reinstate, 1),
        &lab.key,
    );
    assert_eq!(
        call(&app, "POST", &url, Some(&lab.token), s1).await.status,
        StatusCode::CREATED
    );
    let s2 = signed(
        &change(&number, &digest, "KTL", Action::Revoke, 2),
        &lab.key,
    );
    assert_eq!(
        call(&app, "POST", &url, Some(&lab.token), s2).await.status,
        StatusCode::CREATED
    );
    let s3 = signed(
        &change(&number, &digest, "KTL", Action::Reinstate, 3),
        &lab.key,
    );
    let a = call(&app, "POST", &url, Some(&lab.token), s3).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.json()["error"]
            .as_str()
            .expect("error")
            .contains("it is revoked")
    );

    // Status: revoked, signed by the log.
    let st = get(&app, &url).await.json();
    assert_eq!(st["status"], json!("revoked"));
    assert_eq!(st["reason"], json!("revoke for the test"));
    let snap = Snapshot::open(
        st["signed"].as_str().expect("signed"),
        std::slice::from_ref(&app.ledger.verifier),
    )
    .expect("verifies");
    assert_eq!(snap.status, "revoked");
    assert_eq!(snap.size, 6);
    assert_eq!(
        count(
            get(&app, "/api/v1/certificates?status=revoked")
                .await
                .json()
        ),
        1
    );

    // Verify: every offline check passes, the log check passes, status fails.
    let v = call(&app, "POST", "/api/v1/verify", None, cert.clone())
        .await
        .json();
    assert_eq!(v["valid"], json!(false));
    let check = |name: &str| {
        v["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["check"] == json!(name))
            .map(|c| c["status"].as_str().expect("status").to_owned())
            .expect(name)
    };
    assert_eq!(check("signature"), "pass");
    assert_eq!(check("log"), "pass");
    assert_eq!(check("status"), "fail");
    let other = testkit::certificate(&lab.key, 2, "Beta Robotics", &day);
    let v = call(&app, "POST", "/api/v1/verify", None, other)
        .await
        .json();
    assert_eq!(v["valid"], json!(true), "{v}");
    // Never logged: the log check fails.
    let unlogged = testkit::certificate(&lab.key, 99, "Gamma", &day);
    let v = call(&app, "POST", "/api/v1/verify", None, unlogged)
        .await
        .json();
    assert_eq!(v["valid"], json!(false));

    // Proofs: inclusion by digest, consistency from every earlier checkpoint.
    let log = get(&app, "/api/v1/log").await.json();
    let now = checkpoint_of(log["checkpoint"].as_str().expect("note"), &app);
    assert_eq!(now.size, 6);
    let p = get(&app, &format!("/api/v1/proofs/inclusion?sha256={digest}"))
        .await
        .json();
    verify_inclusion(
        index,
        now.size,
        &leaf_hash(&cert),
        &hashes(&p["hashes"]),
        &now.root,
    )
    .expect("inclusion by digest");
    for old in [cp.clone()] {
        let p = get(
            &app,
            &format!("/api/v1/proofs/consistency?from={}", old.size),
        )
        .await
        .json();
        verify_consistency(
            old.size,
            now.size,
            &hashes(&p["hashes"]),
            &old.root,
            &now.root,
        )
        .expect("consistent");
    }

    // Tiles: the checkpoint, the level-0 tile and the bundle rebuild the root.
    let note = get(&app, "/checkpoint").await;
    assert!(note.content_type.starts_with("text/plain"));
    assert_eq!(checkpoint_of(&note.text(), &app), now);
    let tile = get(&app, &format!("/{}", tiles::tile_path(0, 0, 6))).await;
    assert_eq!(tile.status, StatusCode::OK);
    let leaves: Vec<assay_log::Hash> = tile
        .body
        .chunks(32)
        .map(|c| c.try_into().expect("32 bytes"))
        .collect();
    assert_eq!(assay_log::root(&leaves), now.root);
    let bundle = get(&app, &format!("/{}", tiles::entries_path(0, 6)))
        .await
        .body;
    let first_len = usize::from(u16::from_be_bytes([bundle[0], bundle[1]]));
    assert_eq!(leaf_hash(&bundle[2..2 + first_len]), leaves[0]);
    assert_eq!(
        get(&app, "/tile/0/000.p/7").await.status,
        StatusCode::NOT_FOUND
    );
    // Every narrower width of the open tile is its prefix, still served
    // after the log grew past it (a client of an older checkpoint).
    for w in 1..6 {
        let narrower = get(&app, &format!("/{}", tiles::tile_path(0, 0, w))).await;
        assert_eq!(narrower.status, StatusCode::OK, "width {w}");
        assert_eq!(narrower.body, tile.body[..32 * w], "width {w}");
        let b = get(&app, &format!("/{}", tiles::entries_path(0, w))).await;
        assert_eq!(b.status, StatusCode::OK, "bundle width {w}");
        assert!(bundle.starts_with(&b.body), "bundle width {w}");
    }
    assert_eq!(get(&app, "/tile/0/000").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/tile/0/0").await.status, StatusCode::NOT_FOUND);

    // The audit trail has every write.
    let trail = admin::audit_trail(&app.db, 100).await.expect("audit");
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    for want in [
        "lab.add",
        "key.add",
        "token.create",
        "certificate.submit",
        "certificate.suspend",
        "certificate.reinstate",
        "certificate.revoke",
    ] {
        assert!(
            actions.contains(&want),
            "{backend}: no {want} in {actions:?}"
        );
    }
    assert!(
        trail
            .iter()
            .all(|r| !r.detail.contains(&lab.token) && !r.subject.contains(&lab.token))
    );
    assert_eq!(admin::check(&app.db).await.expect("check").entries, 6);

    // Restart on the same database: the same log, and it goes on.
    drop(app);
    let app = assay_registry::open(config).await.expect("reopens");
    let log2 = get(&app, "/api/v1/log").await.json();
    assert_eq!(log2["checkpoint"], log["checkpoint"]);
    let c4 = testkit::certificate(&lab.key, 4, "Delta", &day);
    assert_eq!(
        submit(&app, &lab.token, c4).await.status,
        StatusCode::CREATED
    );
    let after = checkpoint_of(
        get(&app, "/api/v1/log").await.json()["checkpoint"]
            .as_str()
            .expect("note"),
        &app,
    );
    let p = get(&app, "/api/v1/proofs/consistency?from=6").await.json();
    verify_consistency(6, after.size, &hashes(&p["hashes"]), &now.root, &after.root)
        .expect("consistent across restarts");
    drop(dir);
}

/// A client that retries while its first try still waits for the writer
/// puts the same bytes twice into one batch: one entry, both acknowledged
/// with it (not a 409 "other contents"), and a status change sent twice
/// in one batch likewise.
#[tokio::test]
async fn the_same_bytes_twice_in_one_batch_are_one_entry() {
    use assay_registry::ledger::{Actor, NewCertificate, NewStatus, Write};
    for backend in backends() {
        let (config, _dir) = fresh(backend, "retry").await;
        let app = assay_registry::open(config).await.expect("opens");
        let lab = lab(&app, "KTL").await;
        let bytes = testkit::certificate(&lab.key, 7, "Acme Vision", &today());
        let envelope = assay_cert::Envelope::parse(&bytes).expect("envelope");
        let statement = assay_record::certificate::Statement::from_json(
            serde_json::from_slice(&envelope.payload).expect("json"),
        )
        .expect("statement");
        let actor = Actor {
            who: "test".into(),
            remote: "test".into(),
        };
        let before = app.ledger.read().size();
        // On the test's one-thread runtime every submission is queued
        // before the writer runs: they form one batch.
        let submit = |w: Write| app.ledger.submit(w, actor.clone());
        let cert = Write::Certificate(NewCertificate::new(bytes.clone(), &statement));
        let receipts = futures_util::future::join_all((0..5).map(|_| submit(cert.clone()))).await;
        let receipts: Vec<_> = receipts
            .into_iter()
            .map(|r| r.expect("acknowledged"))
            .collect();
        assert!(receipts.iter().all(|r| r.index == before), "{backend}");
        assert_eq!(
            receipts.iter().filter(|r| !r.existing).count(),
            1,
            "{backend}: one new entry, the others existing"
        );
        assert_eq!(app.ledger.read().size(), before + 1, "{backend}");

        let number = statement.number();
        let c = change(number, &sha(&bytes), "KTL", Action::Suspend, 0);
        let signed_change = signed(&c, &lab.key);
        let status = Write::Status(NewStatus {
            sha256: assay_registry::ledger::Digest::of(&signed_change),
            bytes: signed_change,
            change: c,
        });
        let receipts = futures_util::future::join_all((0..3).map(|_| submit(status.clone()))).await;
        assert!(
            receipts
                .iter()
                .all(|r| r.as_ref().is_ok_and(|r| r.index == before + 1)),
            "{backend}: {receipts:?}"
        );
        assert_eq!(app.ledger.read().size(), before + 2, "{backend}");
        assert_eq!(app.ledger.read().certs[number].status, "suspended");
    }
}

#[tokio::test]
async fn writes_are_authorised_per_lab() {
    for backend in backends() {
        let (config, _dir) = fresh(backend, "authz").await;
        let app = assay_registry::open(config).await.expect("opens");
        let a = lab(&app, "LABA").await;
        let b = lab(&app, "LABB").await;
        let day = today();
        let cert = testkit::certificate(&a.key, 1, "Holder", &day);
        let post = |token: Option<String>, body: Vec<u8>| {
            let app = app.clone();
            async move { call(&app, "POST", "/api/v1/certificates", token.as_deref(), body).await }
        };
        let r = post(None, cert.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(
            r.json()["error"]
                .as_str()
                .expect("error")
                .contains("Bearer")
        );
        let r = post(Some("assay_000000000000_00".into()), cert.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // Lab B's token, lab A's certificate: B's keys do not verify it.
        let r = post(Some(b.token.clone()), cert.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        // A key that is not registered, claiming lab A.
        let rogue = assay_cert::IssuerKey::generate("LABA").expect("key");
        let r = post(
            Some(a.token.clone()),
            testkit::certificate(&rogue, 5, "Holder", &day),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Logged by A; B may not change its status.
        let r = post(Some(a.token.clone()), cert.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED);
        let number = r.json()["number"].as_str().expect("number").to_owned();
        let url = format!("/api/v1/certificates/{number}/status");
        let c = change(&number, &sha(&cert), "LABA", Action::Revoke, 0);
        let r = call(&app, "POST", &url, Some(&b.token), signed(&c, &b.key)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A's token with a statement signed by an unregistered key.
        let r = call(&app, "POST", &url, Some(&a.token), signed(&c, &rogue)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        // A revoked token no longer works; a revoked key no longer signs.
        admin::revoke_token(&app.db, &a.token_id)
            .await
            .expect("revoke token");
        let r = post(
            Some(a.token.clone()),
            testkit::certificate(&a.key, 2, "H", &day),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let (_, t2) = admin::create_token(&app.db, "LABA").await.expect("token");
        admin::revoke_key(&app.db, &a.key.keyid())
            .await
            .expect("revoke key");
        let r = post(Some(t2), testkit::certificate(&a.key, 3, "H", &day)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Tokens are stored only as hashes.
        let rows = sqlx::query("SELECT sha256 FROM tokens")
            .fetch_all(&app.db.pool)
            .await
            .expect("tokens");
        assert_eq!(rows.len(), 3);
        let dump: Vec<String> = rows
            .iter()
            .map(|r| sqlx::Row::try_get::<String, _>(r, 0).expect("hash"))
            .collect();
        assert!(dump.iter().all(|h| h.len() == 64));
        let dump = dump.join(" ");
        assert!(!dump.contains(&a.token) && !dump.contains(&b.token));
    }
}

#[tokio::test]
async fn malformed_requests_get_a_clear_4xx_never_a_5xx() {
    for backend in backends() {
        let (config, _dir) = fresh(backend, "malformed").await;
        let app = assay_registry::open(config).await.expect("opens");
        let a = lab(&app, "LABA").await;
        let day = today();
        let cert = testkit::certificate(&a.key, 1, "Holder", &day);
        let mut tampered: Value = serde_json::from_slice(&cert).expect("json");
        tampered["signatures"][0]["sig"] = json!(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            [7u8; 64]
        ));
        let zeros = format!("/api/v1/sha256/{}", "0".repeat(64));
        let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
            (
                "POST",
                "/api/v1/certificates",
                b"{not json".to_vec(),
                StatusCode::BAD_REQUEST,
                "not valid JSON",
            ),
            (
                "POST",
                "/api/v1/certificates",
                br#"{"payloadType":1,"payload":"","signatures":[]}"#.to_vec(),
                StatusCode::BAD_REQUEST,
                "invalid type",
            ),
            (
                "POST",
                "/api/v1/certificates",
                br#"{"payloadType":"x","payload":"!!","signatures":[{"sig":"AA=="}]}"#.to_vec(),
                StatusCode::BAD_REQUEST,
                "base64",
            ),
            (
                "POST",
                "/api/v1/certificates",
                vec![b' '; 70_000],
                StatusCode::PAYLOAD_TOO_LARGE,
                "larger than",
            ),
            (
                "POST",
                "/api/v1/certificates",
                serde_json::to_vec(&tampered).expect("json"),
                StatusCode::FORBIDDEN,
                "signature",
            ),
            (
                "POST",
                "/api/v1/certificates/NOPE/status",
                b"{}".to_vec(),
                StatusCode::NOT_FOUND,
                "not in the registry",
            ),
            ("POST", "/api/v1/verify", b"[]".to_vec(), StatusCode::OK, ""),
            (
                "GET",
                "/api/v1/certificates?limit=abc",
                vec![],
                StatusCode::BAD_REQUEST,
                "whole number",
            ),
            (
                "GET",
                "/api/v1/certificates?limit=100000",
                vec![],
                StatusCode::BAD_REQUEST,
                "limit",
            ),
            (
                "GET",
                "/api/v1/certificates?colour=red",
                vec![],
                StatusCode::BAD_REQUEST,
                "unknown search parameter",
            ),
            (
                "GET",
                "/api/v1/certificates?status=lost",
                vec![],
                StatusCode::BAD_REQUEST,
                "status",
            ),
            (
                "GET",
                "/api/v1/certificates?offset=10001",
                vec![],
                StatusCode::BAD_REQUEST,
                "offset is at most 10000",
            ),
            (
                "GET",
                "/api/v1/certificates/NOPE",
                vec![],
                StatusCode::NOT_FOUND,
                "not in the registry",
            ),
            (
                "GET",
                "/api/v1/entries/-1",
                vec![],
                StatusCode::BAD_REQUEST,
                "whole number",
            ),
            (
                "GET",
                "/api/v1/entries/99",
                vec![],
                StatusCode::NOT_FOUND,
                "not in the signed log",
            ),
            (
                "GET",
                "/api/v1/proofs/inclusion",
                vec![],
                StatusCode::BAD_REQUEST,
                "index=N or sha256",
            ),
            (
                "GET",
                "/api/v1/proofs/inclusion?index=5",
                vec![],
                StatusCode::BAD_REQUEST,
                "index 5",
            ),
            (
                "GET",
                "/api/v1/proofs/inclusion?index=0&size=99",
                vec![],
                StatusCode::BAD_REQUEST,
                "beyond the signed log",
            ),
            (
                "GET",
                "/api/v1/proofs/consistency?from=2&to=1",
                vec![],
                StatusCode::BAD_REQUEST,
                "from ≤ to",
            ),
            (
                "GET",
                "/api/v1/proofs/consistency",
                vec![],
                StatusCode::BAD_REQUEST,
                "from=SIZE",
            ),
            (
                "GET",
                "/api/v1/sha256/zz",
                vec![],
                StatusCode::BAD_REQUEST,
                "not a SHA-256",
            ),
            ("GET", &zeros, vec![], StatusCode::NOT_FOUND, "no entry"),
            (
                "GET",
                "/api/v1/proofs/inclusion?sha256=zz",
                vec![],
                StatusCode::BAD_REQUEST,
                "not a SHA-256",
            ),
            (
                "GET",
                "/api/v1/proofs/consistency?from=0",
                vec![],
                StatusCode::BAD_REQUEST,
                "at least 1",
            ),
            (
                "DELETE",
                "/api/v1/certificates",
                vec![],
                StatusCode::METHOD_NOT_ALLOWED,
                "DELETE is not allowed on /api/v1/certificates: it answers GET,HEAD,POST",
            ),
            (
                "POST",
                "/checkpoint",
                vec![],
                StatusCode::METHOD_NOT_ALLOWED,
                "POST is not allowed",
            ),
            (
                "GET",
                "/tile/0/x001",
                vec![],
                StatusCode::NOT_FOUND,
                "does not exist in this log",
            ),
            (
                "GET",
                "/tile/9/000",
                vec![],
                StatusCode::NOT_FOUND,
                "does not exist in this log",
            ),
            (
                "GET",
                "/api/v1/nothing/here",
                vec![],
                StatusCode::NOT_FOUND,
                "not an address",
            ),
        ];
        for (method, uri, body, want, says) in cases {
            let r = call(&app, method, uri, Some(&a.token), body).await;
            assert_eq!(r.status, want, "{backend} {method} {uri}: {}", r.text());
            assert!(
                r.content_type.starts_with("application/json"),
                "{uri}: {}",
                r.content_type
            );
            if !says.is_empty() {
                let e = r.json()["error"].as_str().unwrap_or_default().to_owned();
                assert!(e.contains(says), "{uri}: {e:?} should say {says:?}");
            }
        }
        // A page answers a wrong method with a page, in the reader's language.
        let r = call(&app, "DELETE", "/?lang=ko", None, vec![]).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            r.content_type.starts_with("text/html"),
            "{}",
            r.content_type
        );
        assert!(r.text().contains("응답하지 않습니다"), "{}", r.text());
        // Header fields are bounded: 431, in JSON, never read whole.
        let big = axum::http::Request::builder()
            .uri("/api/v1/log")
            .header("x-padding", "a".repeat(100_000))
            .body(axum::body::Body::empty())
            .expect("request");
        let r = tower::ServiceExt::oneshot(assay_registry::router(app.clone()), big)
            .await
            .expect("infallible");
        assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_eq!(r.headers()["content-type"], "application/json");
        // A status statement for another certificate than the URL's.
        let r = submit(&app, &a.token, cert.clone()).await;
        let number = r.json()["number"].as_str().expect("number").to_owned();
        let other = change("KTL-2026-000009", &sha(&cert), "LABA", Action::Revoke, 0);
        let r = call(
            &app,
            "POST",
            &format!("/api/v1/certificates/{number}/status"),
            Some(&a.token),
            signed(&other, &a.key),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        let wrong_digest = change(&number, &"00".repeat(32), "LABA", Action::Revoke, 0);
        let r = call(
            &app,
            "POST",
            &format!("/api/v1/certificates/{number}/status"),
            Some(&a.token),
            signed(&wrong_digest, &a.key),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        // The same number with other contents.
        let mut v: Value = serde_json::from_slice(&cert).expect("json");
        v["signatures"][0]["keyid"] = json!(a.key.keyid());
        let respelled = serde_json::to_vec(&v).expect("json");
        let r = submit(&app, &a.token, respelled).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    }
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let (mut config, _dir) = fresh("sqlite", "rate").await;
    config.read_rate = 2.0;
    let app = assay_registry::open(config).await.expect("opens");
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(get(&app, "/api/v1/log").await.status);
    }
    // Without a client address every request is one client ("-").
    assert_eq!(codes.iter().filter(|c| **c == StatusCode::OK).count(), 4);
    assert_eq!(codes[5], StatusCode::TOO_MANY_REQUESTS);
}

/// A text search reads every certificate; while every slot for one is
/// taken, another waits, then gets 503 with Retry-After (API and web
/// page), and searches that use an index still answer at once.
#[tokio::test]
async fn text_searches_wait_for_a_slot_then_answer_503() {
    let (config, _dir) = fresh("sqlite", "scans").await;
    let app = assay_registry::open(config).await.expect("opens");
    let held = app
        .scans
        .acquire_many(u32::try_from(assay_registry::SCANS).expect("slots"))
        .await
        .expect("slots");
    for path in [
        "/api/v1/certificates?q=acme",
        "/api/v1/certificates?holder=acme&issuer=KTL",
        "/api/v1/certificates?model=detector",
        "/?q=acme",
    ] {
        let t = std::time::Instant::now();
        let a = get(&app, path).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(a.retry_after.as_deref(), Some("1"), "{path}");
        assert!(
            t.elapsed() >= assay_registry::SCAN_WAIT,
            "{path}: it waited"
        );
        if path.starts_with("/api") {
            assert!(a.json()["error"].as_str().expect("error").contains("busy"));
        } else {
            assert!(
                a.text().contains("busy with other text searches"),
                "{}",
                a.text()
            );
        }
    }
    let page = get(&app, "/?q=acme&lang=ko").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.text().contains("다른 텍스트 검색이 진행 중입니다"),
        "{}",
        page.text()
    );
    for path in [
        "/api/v1/certificates",
        "/api/v1/certificates?issuer=KTL&status=valid",
        "/",
    ] {
        assert_eq!(get(&app, path).await.status, StatusCode::OK, "{path}");
    }
    drop(held);
    let a = get(&app, "/api/v1/certificates?q=acme").await;
    assert_eq!(a.status, StatusCode::OK, "a free slot: {}", a.text());
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_address_has_its_own_limit() {
    use axum::body::Body;
    use tower::ServiceExt as _;
    let (mut config, _dir) = fresh("sqlite", "proxy").await;
    config.read_rate = 1.0;
    config.trust_proxy = true;
    let app = assay_registry::open(config).await.expect("opens");
    let status = |forwarded: &'static str| {
        let app = app.clone();
        async move {
            let req = axum::http::Request::builder()
                .uri("/api/v1/log")
                .header("x-forwarded-for", forwarded)
                .body(Body::empty())
                .expect("request");
            assay_registry::router(app)
                .oneshot(req)
                .await
                .expect("answer")
                .status()
        }
    };
    // A burst of 2 per address: the third from 10.0.0.1 is refused, while
    // 10.0.0.2 (whatever the client claims before the proxy's entry) is not.
    assert_eq!(status("10.0.0.1").await, StatusCode::OK);
    assert_eq!(status("10.0.0.1").await, StatusCode::OK);
    assert_eq!(status("10.0.0.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(status("10.0.0.1, 10.0.0.2").await, StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let (config, _dir) = fresh("sqlite", "openapi").await;
    let app = assay_registry::open(config).await.expect("opens");
    let doc = get(&app, "/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    for want in [
        "/api/v1/certificates",
        "/api/v1/certificates/{number}",
        "/api/v1/certificates/{number}/envelope",
        "/api/v1/certificates/{number}/status",
        "/api/v1/certificates/{number}/proof",
        "/api/v1/sha256/{digest}",
        "/api/v1/entries/{index}",
        "/api/v1/verify",
        "/api/v1/proofs/inclusion",
        "/api/v1/proofs/consistency",
        "/api/v1/log",
        "/checkpoint",
        "/tile/{level}/{index}",
        "/tile/entries/{index}",
    ] {
        assert!(paths.iter().any(|p| p == want), "{want} is not documented");
    }
    // Every documented GET without parameters answers (no stale entries).
    for p in &paths {
        if !p.contains('{') && doc["paths"][p].get("get").is_some() && !p.contains("proofs") {
            assert_eq!(get(&app, p).await.status, StatusCode::OK, "{p}");
        }
    }
}

#[tokio::test]
async fn a_server_error_tells_the_client_nothing_but_an_incident_id() {
    let (config, _dir) = fresh("sqlite", "internal").await;
    let app = assay_registry::open(config).await.expect("opens");
    // Break the database under the running service.
    sqlx::query("ALTER TABLE certificates RENAME TO gone")
        .execute(&app.db.pool)
        .await
        .expect("rename");
    let r = get(&app, "/api/v1/certificates?q=x").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let e = r.json()["error"].as_str().expect("error").to_owned();
    assert!(e.starts_with("internal error (incident "), "{e}");
    for secret in ["certificates", "sqlite", "no such table", "SELECT"] {
        assert!(
            !r.text().contains(secret),
            "the 5xx body leaks {secret:?}: {}",
            r.text()
        );
    }
    // The web page says as little.
    let r = get(&app, "/?q=x").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!r.text().contains("no such table"));
}

#[tokio::test]
async fn an_unknown_address_is_a_404_page_in_the_readers_language() {
    let (config, _dir) = fresh("sqlite", "unknown").await;
    let app = assay_registry::open(config).await.expect("opens");
    let en = get(&app, "/no/such/page").await;
    assert_eq!(en.status, StatusCode::NOT_FOUND);
    assert!(
        en.text().contains("<html") && en.text().contains("Not found."),
        "{}",
        en.text()
    );
    let ko = get(&app, "/no/such/page?lang=ko").await;
    assert_eq!(ko.status, StatusCode::NOT_FOUND);
    assert!(ko.text().contains("찾을 수 없습니다."), "{}", ko.text());
    // The API answers in JSON, as its other errors do.
    let api = get(&app, "/api/v1/no-such-thing").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.json()["error"].is_string(), "{}", api.text());
}

/// `cert` with its statement's number replaced, signed again by `key`.
fn renumbered(cert: &[u8], number: &str, key: &assay_cert::IssuerKey) -> Vec<u8> {
    let envelope = assay_cert::Envelope::parse(cert).expect("envelope");
    let mut statement: Value = serde_json::from_slice(&envelope.payload).expect("statement");
    statement["predicate"]["certificate"]["number"] = json!(number);
    let payload = serde_json::to_vec(&statement).expect("json");
    serde_json::to_vec(
        &assay_cert::certificate::sign(payload, key)
            .expect("signs")
            .to_json(),
    )
    .expect("json")
}

#[tokio::test]
async fn a_lab_cannot_take_another_labs_numbers() {
    for backend in backends() {
        let (config, _dir) = fresh(backend, "numbers").await;
        let app = assay_registry::open(config).await.expect("opens");
        let demo = lab(&app, "DEMO").await;
        let lab2 = lab(&app, "LAB2").await;
        let day = today();
        let year = &day[..4];
        let cert = testkit::certificate(&demo.key, 1, "Holder", &day);
        for number in [
            format!("LAB2-{year}-000001"),
            format!("DEMO-{year}-../../x"),
            "DEMO-1999-000001".to_owned(),
            format!("DEMO-{year}-1"),
        ] {
            let forged = renumbered(&cert, &number, &demo.key);
            let a = submit(&app, &demo.token, forged).await;
            assert_eq!(
                a.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{number}: {}",
                a.text()
            );
            assert!(
                a.json()["error"]
                    .as_str()
                    .unwrap_or("")
                    .contains("is not of the form"),
                "{number}: {}",
                a.text()
            );
        }
        // LAB2's own certificate with that number is still taken.
        let real = testkit::certificate(&lab2.key, 1, "Holder", &day);
        let a = submit(&app, &lab2.token, real).await;
        assert_eq!(a.status, StatusCode::CREATED, "{backend}: {}", a.text());
        assert_eq!(a.json()["number"], json!(format!("LAB2-{year}-000001")));
    }
}

#[tokio::test]
async fn status_changes_are_dated_within_the_certificates_life() {
    for backend in backends() {
        let (config, _dir) = fresh(backend, "dates").await;
        let app = assay_registry::open(config).await.expect("opens");
        let lab = lab(&app, "KTL").await;
        let day = today();
        let cert = testkit::certificate(&lab.key, 1, "Holder", &day);
        let a = submit(&app, &lab.token, cert.clone()).await;
        assert_eq!(a.status, StatusCode::CREATED);
        let number = a.json()["number"].as_str().expect("number").to_owned();
        let url = format!("/api/v1/certificates/{number}/status");
        let dated = |date: String| StatusChange {
            date,
            ..change(&number, &sha(&cert), "KTL", Action::Suspend, 0)
        };
        let yesterday = assay_base::date::add_days(&day, -1).expect("date");
        let later = assay_base::date::add_days(&day, 3).expect("date");
        for (date, why) in [
            (yesterday, "before the certificate was issued"),
            ("2099-01-01".to_owned(), "after the certificate's last day"),
            (later, "in the future"),
        ] {
            let a = call(
                &app,
                "POST",
                &url,
                Some(&lab.token),
                signed(&dated(date.clone()), &lab.key),
            )
            .await;
            assert_eq!(
                a.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{date}: {}",
                a.text()
            );
            assert!(
                a.json()["error"].as_str().unwrap_or("").contains(why),
                "{date}: {}",
                a.text()
            );
        }
        assert_eq!(get(&app, &url).await.json()["status"], json!("valid"));
        let a = call(
            &app,
            "POST",
            &url,
            Some(&lab.token),
            signed(&dated(day.clone()), &lab.key),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        assert_eq!(get(&app, &url).await.json()["status"], json!("suspended"));
    }
}

#[tokio::test]
async fn search_matches_the_literal_text_on_every_backend() {
    for backend in backends() {
        let (config, _dir) = fresh(backend, "literal").await;
        let app = assay_registry::open(config).await.expect("opens");
        let lab = lab(&app, "KTL").await;
        let day = today();
        for (seq, holder, model) in [
            (1, "Under_Score 100% Ltd.", "resnet_50"),
            (2, "UnderXScore 1000 Ltd.", "resnetX50"),
            (3, "TÜV Prüfstelle", "Sehtest\\v2"),
        ] {
            let c = testkit::certificate_of(&lab.key, seq, holder, model, &day);
            let a = submit(&app, &lab.token, c).await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        }
        let found = |query: &str| {
            let app = app.clone();
            let query = query.to_owned();
            async move {
                let a = get(&app, &format!("/api/v1/certificates?{query}")).await;
                assert_eq!(a.status, StatusCode::OK, "{query}: {}", a.text());
                let mut holders: Vec<String> = a.json()["certificates"]
                    .as_array()
                    .expect("list")
                    .iter()
                    .map(|c| c["holder"].as_str().expect("holder").to_owned())
                    .collect();
                holders.sort();
                holders
            }
        };
        let one = vec!["Under_Score 100% Ltd.".to_owned()];
        assert_eq!(found("holder=Under_Score").await, one, "{backend}");
        assert_eq!(found("holder=100%25").await, one, "{backend}");
        assert_eq!(found("model=resnet_50").await, one, "{backend}");
        assert_eq!(found("q=resnet_50").await, one, "{backend}");
        assert_eq!(found("q=%25").await, one, "{backend}");
        assert_eq!(found("q=_").await, one, "{backend}");
        assert_eq!(
            found("q=%5C").await,
            vec!["TÜV Prüfstelle".to_owned()],
            "{backend}"
        );
        assert_eq!(
            found("holder=t%C3%BCv").await,
            vec!["TÜV Prüfstelle".to_owned()],
            "{backend}"
        );
        assert_eq!(
            found("q=underxscore").await,
            vec!["UnderXScore 1000 Ltd.".to_owned()]
        );
        let nul = get(&app, "/api/v1/certificates?q=%00").await;
        assert_eq!(
            nul.status,
            StatusCode::BAD_REQUEST,
            "{backend}: {}",
            nul.text()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_while_the_server_writes_reads_one_snapshot() {
    for backend in backends() {
        let (config, _dir) = fresh(backend, "snapshot").await;
        let app = assay_registry::open(config).await.expect("opens");
        let lab = lab(&app, "KTL").await;
        let day = today();
        let writer = {
            let app = app.clone();
            let token = lab.token.clone();
            let certs: Vec<Vec<u8>> = (1..=120)
                .map(|seq| testkit::certificate(&lab.key, seq, "Busy Holder", &day))
                .collect();
            tokio::spawn(async move {
                for c in certs {
                    let a = submit(&app, &token, c).await;
                    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
                }
            })
        };
        let mut checks = 0;
        while !writer.is_finished() || checks < 10 {
            let r = admin::check(&app.db).await;
            assert!(
                r.is_ok(),
                "{backend}, check {checks} while writing: {:?}",
                r.err()
            );
            checks += 1;
        }
        writer.await.expect("writer");
        let last = admin::check(&app.db).await.expect("check");
        assert_eq!(last.entries, 120, "{backend}");
        assert!(checks >= 10);
    }
}
