//! One set of storage tests, run against every backend: SQLite in a temporary directory and
//! PostgreSQL in a fresh database on the test server (see `testkit::postgres_server`).
//! "Two nodes" are two storage objects over one database.

use std::sync::{Arc, Mutex};

use super::*;

/// A database and a way to open another connection ("node") to it.
struct Backend {
    open: Box<dyn Fn() -> Arc<dyn Storage>>,
    _dir: Option<tempfile::TempDir>,
}

fn sqlite() -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bureau.db");
    Some(Backend {
        open: Box::new(move || Arc::new(sqlite::SqliteStorage::open(&path).unwrap())),
        _dir: Some(dir),
    })
}

fn postgres() -> Option<Backend> {
    let url = crate::testkit::fresh_postgres_database()?;
    Some(Backend {
        open: Box::new(move || Arc::new(postgres::PostgresStorage::connect(&url).unwrap())),
        _dir: None,
    })
}

/// Runs each test once per backend.
macro_rules! for_each_backend {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { if let Some(b) = super::sqlite() { super::$name(&b) } })*
        }
        mod on_postgres {
            $(#[test] fn $name() { if let Some(b) = super::postgres() { super::$name(&b) } })*
        }
    };
}

for_each_backend!(
    coaches_and_sessions,
    an_employee_is_handed_over_once,
    codes_count_attempts_and_are_single_use,
    codes_expire_run_out_and_are_replaced,
    a_used_code_repeats_its_enrolment_for_the_same_request_only,
    a_new_code_ends_the_retry_of_the_used_one,
    a_taken_lookup_stores_nothing,
    two_nodes_drawing_one_lookup_store_it_once,
    devices_are_listed_touched_and_revoked,
    a_new_document_is_whole_then_current,
    another_node_catches_up_with_the_rows_it_lacks,
    compaction_deletes_only_the_rows_it_folded_in,
    a_state_worked_out_later_goes_beside_the_snapshot,
    a_failed_edit_stores_nothing,
    a_device_token_is_checked_inside_the_transaction,
    reads_store_nothing,
    edits_of_one_document_serialise_across_nodes,
    the_audit_log_is_newest_first,
    a_reopened_database_keeps_its_data,
    summaries_are_stored_with_their_changes_and_read_in_one_query,
    failures_counted_on_every_node_add_up,
    a_secret_is_made_once,
);

fn setup(s: &dyn Storage) {
    s.insert_coach(&Coach {
        id: "c1".into(),
        email: "c@x".into(),
        name: "C".into(),
        password_hash: "h".into(),
        is_admin: false,
    })
    .unwrap();
    assert!(s
        .insert_employee(
            &Employee {
                id: "e1".into(),
                name: "E".into(),
                coach_id: "c1".into(),
                created_at: 0,
            },
            b"doc",
            &summary(0),
            &code("ABCD", 1, "e1"),
            0,
        )
        .unwrap());
}

/// An unused code for `employee_id`, valid until 1000.
fn code(lookup: &str, hash: u8, employee_id: &str) -> EnrolmentCode {
    EnrolmentCode {
        lookup: lookup.into(),
        code_hash: vec![hash; 32],
        employee_id: employee_id.into(),
        expires_at: 1000,
        attempts: 0,
        used: false,
    }
}

fn employee(id: &str) -> Employee {
    Employee {
        id: id.into(),
        name: id.to_uppercase(),
        coach_id: "c1".into(),
        created_at: 0,
    }
}

/// A summary that says `applications` (its other fields are opaque to the storage).
fn summary(applications: i64) -> Summary {
    Summary {
        format: 1,
        computed_at: 5,
        phase: Some("intake".into()),
        kind: None,
        closed_on: None,
        applications,
        inputs: format!("{{\"n\":{applications}}}"),
    }
}

fn device(id: &str) -> Device {
    Device {
        id: id.into(),
        employee_id: String::new(),
        name: "telefoon".into(),
        enrolled_at: 5,
        last_seen_at: None,
        revoked_at: None,
    }
}

fn change(n: u8) -> NewChange {
    NewChange {
        hash: vec![n; 32],
        bytes: vec![n, n],
    }
}

/// Opens e1 for writing with a cache at `cached`, appends `changes`; returns what the
/// storage said the cache lacked, and the new version.
fn edit(
    s: &dyn Storage,
    cached: Option<i64>,
    changes: Vec<NewChange>,
    compacted: Option<Compacted>,
) -> (Opened, i64) {
    let mut seen = None;
    let version = s
        .with_document(
            "e1",
            Access::Write,
            cached,
            Some("d1"),
            None,
            &mut |opened| {
                seen = Some(opened);
                Ok(DocumentWrite {
                    changes: changes.clone(),
                    compacted: compacted.clone(),
                    ..Default::default()
                })
            },
        )
        .unwrap()
        .unwrap();
    (seen.unwrap(), version)
}

fn coaches_and_sessions(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    let c = s.coach_by_email("c@x").unwrap().unwrap();
    assert_eq!(s.coach_by_id("c1").unwrap(), Some(c.clone()));
    assert!(matches!(
        s.insert_coach(&Coach {
            id: "c2".into(),
            ..c
        }),
        Err(crate::BureauError::Conflict { .. })
    ));
    assert_eq!(s.coach_by_email("nobody@x").unwrap(), None);
    s.insert_session(b"tok", "c1", 100).unwrap();
    assert_eq!(s.session_coach(b"tok", 99).unwrap().as_deref(), Some("c1"));
    assert_eq!(s.session_coach(b"tok", 100).unwrap(), None, "expired");
    s.delete_session(b"tok").unwrap();
    assert_eq!(s.session_coach(b"tok", 1).unwrap(), None);
    s.delete_session(b"unknown").unwrap();
    assert_eq!(s.employee("e1").unwrap().unwrap().coach_id, "c1");
    assert_eq!(s.caseload("c1").unwrap().len(), 1);
    assert!(s.caseload("c2").unwrap().is_empty());
    s.ping().unwrap();
}

fn an_employee_is_handed_over_once(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    s.insert_coach(&Coach {
        id: "c2".into(),
        email: "d@x".into(),
        name: "D".into(),
        password_hash: "h".into(),
        is_admin: false,
    })
    .unwrap();
    assert!(s.change_coach("e1", "c1", "c2").unwrap());
    assert_eq!(s.employee("e1").unwrap().unwrap().coach_id, "c2");
    assert!(s.caseload("c1").unwrap().is_empty());
    assert_eq!(s.caseload("c2").unwrap().len(), 1);
    assert!(
        !s.change_coach("e1", "c1", "c2").unwrap(),
        "no longer c1's: a second hand-over by c1 does nothing"
    );
    assert!(!s.change_coach("nobody", "c2", "c1").unwrap());
    assert_eq!(s.employee("e1").unwrap().unwrap().coach_id, "c2");
}

fn codes_count_attempts_and_are_single_use(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    assert_eq!(
        s.redeem_code("ABCD", &[2; 32], 10, 5, &device("d0"), b"t0", None)
            .unwrap(),
        Redeemed::Wrong { attempts_left: 4 }
    );
    assert_eq!(
        s.redeem_code("ZZZZ", &[1; 32], 10, 5, &device("d0"), b"t0", None)
            .unwrap(),
        Redeemed::Unknown
    );
    assert_eq!(
        s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), b"t1", None)
            .unwrap(),
        Redeemed::Enrolled {
            employee_id: "e1".into()
        }
    );
    assert_eq!(
        s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d2"), b"t2", None)
            .unwrap(),
        Redeemed::Spent
    );
    let d = s.device_by_token_hash(b"t1").unwrap().unwrap();
    assert_eq!(d.employee_id, "e1");
    assert!(s.device_by_token_hash(b"t2").unwrap().is_none());
}

fn codes_expire_run_out_and_are_replaced(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    assert_eq!(
        s.redeem_code("ABCD", &[1; 32], 1000, 5, &device("d1"), b"t1", None)
            .unwrap(),
        Redeemed::Expired
    );
    assert!(s.code_lookup_taken("ABCD", 10).unwrap());
    for _ in 0..5 {
        s.redeem_code("ABCD", &[9; 32], 10, 5, &device("d1"), b"t1", None)
            .unwrap();
    }
    assert_eq!(
        s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), b"t1", None)
            .unwrap(),
        Redeemed::Spent
    );
    assert!(s.replace_code(&code("EFGH", 3, "e1"), 0).unwrap());
    assert_eq!(
        s.redeem_code("EFGH", &[3; 32], 10, 5, &device("d1"), b"t1", None)
            .unwrap(),
        Redeemed::Enrolled {
            employee_id: "e1".into()
        }
    );
    // A used code's lookup is free again.
    assert!(!s.code_lookup_taken("EFGH", 10).unwrap());
}

fn a_used_code_repeats_its_enrolment_for_the_same_request_only(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    let request: &[u8] = &[7; 32];
    let redeem = |hash: &[u8], now: i64, dev: &str, token: &[u8], req: Option<&[u8]>| {
        s.redeem_code("ABCD", hash, now, 5, &device(dev), token, req)
            .unwrap()
    };
    assert_eq!(
        redeem(&[1; 32], 10, "d1", b"t1", Some(request)),
        Redeemed::Enrolled {
            employee_id: "e1".into()
        }
    );
    // The same request again: the same device, now with the new token only.
    assert_eq!(
        redeem(&[1; 32], 20, "d2", b"t2", Some(request)),
        Redeemed::Repeated {
            employee_id: "e1".into(),
            device_id: "d1".into()
        }
    );
    assert!(s.device_by_token_hash(b"t1").unwrap().is_none());
    assert_eq!(s.device_by_token_hash(b"t2").unwrap().unwrap().id, "d1");
    assert_eq!(s.devices_of("e1").unwrap().len(), 1);
    // Another request, no request, the wrong code, or after expiry: spent.
    assert_eq!(
        redeem(&[1; 32], 20, "d3", b"t3", Some(&[8; 32])),
        Redeemed::Spent
    );
    assert_eq!(redeem(&[1; 32], 20, "d3", b"t3", None), Redeemed::Spent);
    assert_eq!(
        redeem(&[2; 32], 20, "d3", b"t3", Some(request)),
        Redeemed::Spent
    );
    assert_eq!(
        redeem(&[1; 32], 1000, "d3", b"t3", Some(request)),
        Redeemed::Spent
    );
    assert!(s.device_by_token_hash(b"t3").unwrap().is_none());
    // A revoked device is not brought back.
    assert!(s.revoke_device("d1", 30).unwrap());
    assert_eq!(
        redeem(&[1; 32], 40, "d4", b"t4", Some(request)),
        Redeemed::Spent
    );
    assert!(s.device_by_token_hash(b"t4").unwrap().is_none());
    // A code used without a request id is never repeated.
    assert!(s.replace_code(&code("EFGH", 3, "e1"), 0).unwrap());
    let plain = |token: &[u8], req: Option<&[u8]>| {
        s.redeem_code("EFGH", &[3; 32], 10, 5, &device("d5"), token, req)
            .unwrap()
    };
    assert!(matches!(plain(b"t5", None), Redeemed::Enrolled { .. }));
    assert_eq!(plain(b"t6", None), Redeemed::Spent);
}

fn a_new_code_ends_the_retry_of_the_used_one(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    let request: &[u8] = &[7; 32];
    let redeem = |token: &[u8]| {
        s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), token, Some(request))
            .unwrap()
    };
    assert!(matches!(redeem(b"t1"), Redeemed::Enrolled { .. }));
    assert!(s.replace_code(&code("EFGH", 3, "e1"), 0).unwrap());
    assert_eq!(redeem(b"t2"), Redeemed::Spent);
    assert_eq!(s.device_by_token_hash(b"t1").unwrap().unwrap().id, "d1");
}

fn a_taken_lookup_stores_nothing(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    // ABCD is e1's live code: another employee cannot be created with it ...
    assert!(!s
        .insert_employee(
            &employee("e2"),
            b"doc",
            &summary(0),
            &code("ABCD", 2, "e2"),
            10
        )
        .unwrap());
    assert!(s.employee("e2").unwrap().is_none());
    assert!(s.load_document("e2").unwrap().is_none());
    // ... nor given it as a new code, which then leaves their current code working.
    assert!(s
        .insert_employee(
            &employee("e2"),
            b"doc",
            &summary(0),
            &code("WXYZ", 2, "e2"),
            10
        )
        .unwrap());
    assert!(!s.replace_code(&code("ABCD", 3, "e2"), 10).unwrap());
    assert!(s.code_lookup_taken("WXYZ", 10).unwrap());
    assert_eq!(
        s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), b"t1", None)
            .unwrap(),
        Redeemed::Enrolled {
            employee_id: "e1".into()
        }
    );
    // Once ABCD is used (or expired) its lookup is free again.
    assert!(s.replace_code(&code("ABCD", 3, "e2"), 10).unwrap());
    assert!(!s.code_lookup_taken("WXYZ", 10).unwrap());
    assert_eq!(
        s.redeem_code("ABCD", &[3; 32], 10, 5, &device("d2"), b"t2", None)
            .unwrap(),
        Redeemed::Enrolled {
            employee_id: "e2".into()
        }
    );
}

/// Coaches on two nodes creating employees at the same moment with codes of the same
/// lookup: one stores it, the other is told to draw again; neither fails.
fn two_nodes_drawing_one_lookup_store_it_once(b: &Backend) {
    let nodes = [(b.open)(), (b.open)()];
    setup(nodes[0].as_ref());
    for round in 0..20 {
        let lookup = format!("R{round:03}");
        let barrier = std::sync::Barrier::new(nodes.len());
        let stored: Vec<bool> = std::thread::scope(|scope| {
            let workers: Vec<_> = nodes
                .iter()
                .enumerate()
                .map(|(n, node)| {
                    let (barrier, lookup) = (&barrier, &lookup);
                    scope.spawn(move || {
                        let id = format!("e-{round}-{n}");
                        barrier.wait();
                        node.insert_employee(
                            &employee(&id),
                            b"doc",
                            &summary(0),
                            &code(lookup, 4, &id),
                            10,
                        )
                        .unwrap()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(
            stored.iter().filter(|s| **s).count(),
            1,
            "{lookup}: {stored:?}"
        );
        let created: Vec<_> = (0..nodes.len())
            .filter(|n| {
                nodes[0]
                    .employee(&format!("e-{round}-{n}"))
                    .unwrap()
                    .is_some()
            })
            .collect();
        assert_eq!(
            created.len(),
            1,
            "{lookup}: only the one that stored its code"
        );
    }
}

fn devices_are_listed_touched_and_revoked(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), b"t1", None)
        .unwrap();
    s.touch_device("d1", 42).unwrap();
    let all = s.devices_of("e1").unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].last_seen_at, Some(42));
    assert!(s.revoke_device("d1", 20).unwrap());
    assert!(!s.revoke_device("d1", 21).unwrap());
    assert!(!s.revoke_device("nope", 21).unwrap());
    assert_eq!(s.devices_of("e1").unwrap()[0].revoked_at, Some(20));
}

fn a_new_document_is_whole_then_current(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    assert_eq!(
        s.with_document("nobody", Access::Write, None, None, None, &mut |_| {
            panic!("no document, no work")
        })
        .unwrap(),
        None
    );
    let (opened, v1) = edit(s.as_ref(), None, vec![change(1), change(1)], None);
    assert_eq!(
        opened.catchup,
        Catchup::Whole(StoredDocument {
            snapshot: b"doc".to_vec(),
            snapshot_state: None,
            changes: vec![]
        })
    );
    assert!(v1 > opened.version);
    // A cache at the new version lacks nothing; a change stored already is ignored.
    let (opened, v2) = edit(s.as_ref(), Some(v1), vec![change(1)], None);
    assert_eq!(opened.catchup, Catchup::Current);
    assert_eq!(opened.version, v1);
    assert_eq!(v2, v1);
    assert_eq!(s.load_document("e1").unwrap().unwrap().changes.len(), 1);
    // The peer's state and the device's last sighting go into the same transaction.
    s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), b"t1", None)
        .unwrap();
    s.with_document("e1", Access::Write, Some(v2), Some("d1"), None, &mut |o| {
        assert_eq!(o.peer_state, None);
        Ok(DocumentWrite {
            peer_state: Some(PeerStateRow {
                peer: "d1".into(),
                state: vec![7],
            }),
            device_seen: Some(("d1".into(), 77)),
            ..Default::default()
        })
    })
    .unwrap();
    assert_eq!(s.peer_state("e1", "d1").unwrap(), Some(vec![7]));
    assert_eq!(s.devices_of("e1").unwrap()[0].last_seen_at, Some(77));
    let (opened, _) = edit(s.as_ref(), Some(v2), vec![], None);
    assert_eq!(opened.peer_state, Some(vec![7]));
}

fn another_node_catches_up_with_the_rows_it_lacks(b: &Backend) {
    let a = (b.open)();
    let other = (b.open)();
    setup(a.as_ref());
    let (_, va) = edit(a.as_ref(), None, vec![change(1)], None);
    // Node B caches the document as it is now...
    let (_, vb) = edit(other.as_ref(), None, vec![], None);
    assert_eq!(vb, va);
    // ... node A appends twice ...
    let (_, va) = edit(a.as_ref(), Some(va), vec![change(2)], None);
    let (_, va) = edit(a.as_ref(), Some(va), vec![change(3)], None);
    // ... and B, trusting nothing, is told exactly what it lacks.
    let (opened, vb) = edit(other.as_ref(), Some(vb), vec![change(4)], None);
    assert_eq!(opened.catchup, Catchup::Since(vec![vec![2, 2], vec![3, 3]]));
    assert_eq!(opened.version, va);
    assert!(vb > va);
    // A cache claiming a version the database never reached (a restore under a running
    // node) gets the whole document.
    let (opened, _) = edit(a.as_ref(), Some(vb + 1000), vec![], None);
    assert!(matches!(opened.catchup, Catchup::Whole(_)));
}

fn compaction_deletes_only_the_rows_it_folded_in(b: &Backend) {
    let a = (b.open)();
    let other = (b.open)();
    setup(a.as_ref());
    let (_, v_old) = edit(a.as_ref(), None, vec![change(1), change(2)], None);
    let (_, v) = edit(
        a.as_ref(),
        Some(v_old),
        vec![change(3)],
        Some(Compacted {
            snapshot: b"folded".to_vec(),
            state: Some(b"state".to_vec()),
        }),
    );
    let stored = a.load_document("e1").unwrap().unwrap();
    assert_eq!(stored.snapshot, b"folded");
    // What is stored beside the snapshot is replaced with it.
    assert_eq!(stored.snapshot_state.as_deref(), Some(&b"state"[..]));
    assert!(stored.changes.is_empty());
    // Rows appended after the compaction stay.
    let (opened, v2) = edit(a.as_ref(), Some(v), vec![change(4)], None);
    assert_eq!(opened.catchup, Catchup::Current);
    assert_eq!(
        a.load_document("e1").unwrap().unwrap().changes,
        vec![vec![4, 4]]
    );
    // A node whose cache predates the compaction cannot catch up row by row any more.
    let (opened, _) = edit(other.as_ref(), Some(v_old), vec![], None);
    assert_eq!(
        opened.catchup,
        Catchup::Whole(StoredDocument {
            snapshot: b"folded".to_vec(),
            snapshot_state: Some(b"state".to_vec()),
            changes: vec![vec![4, 4]]
        })
    );
    assert_eq!(opened.version, v2);
    // A node just behind the compaction point catches up from the rows after it.
    let (opened, _) = edit(other.as_ref(), Some(v), vec![], None);
    assert_eq!(opened.catchup, Catchup::Since(vec![vec![4, 4]]));
    // A snapshot written without a state never keeps the state of the one it replaces.
    edit(
        a.as_ref(),
        Some(v2),
        vec![change(5)],
        Some(Compacted {
            snapshot: b"again".to_vec(),
            state: None,
        }),
    );
    let stored = a.load_document("e1").unwrap().unwrap();
    assert_eq!(
        (stored.snapshot.as_slice(), stored.snapshot_state),
        (&b"again"[..], None)
    );
}

fn a_state_worked_out_later_goes_beside_the_snapshot(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    let write = |cached, compacted: Option<Compacted>, state: &[u8]| {
        s.with_document("e1", Access::Write, cached, None, None, &mut |_| {
            Ok(DocumentWrite {
                changes: vec![change(7)],
                compacted: compacted.clone(),
                snapshot_state: Some(state.to_vec()),
                ..Default::default()
            })
        })
        .unwrap()
    };
    let v = write(None, None, b"later");
    let stored = s.load_document("e1").unwrap().unwrap();
    assert_eq!(
        (stored.snapshot.as_slice(), stored.snapshot_state.as_deref()),
        (&b"doc"[..], Some(&b"later"[..]))
    );
    assert_eq!(stored.changes, vec![vec![7, 7]]);
    // A compaction in the same write stores its own state with its snapshot.
    write(
        v,
        Some(Compacted {
            snapshot: b"folded".to_vec(),
            state: Some(b"compacted".to_vec()),
        }),
        b"later",
    );
    let stored = s.load_document("e1").unwrap().unwrap();
    assert_eq!(stored.snapshot_state.as_deref(), Some(&b"compacted"[..]));
}

fn a_failed_edit_stores_nothing(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    let (_, v) = edit(s.as_ref(), None, vec![change(1)], None);
    let err = s
        .with_document("e1", Access::Write, Some(v), None, None, &mut |_| {
            Err(crate::BureauError::refused(
                koers_protocol::ErrorCode::BadChange,
                "nee",
            ))
        })
        .unwrap_err();
    assert!(matches!(err, crate::BureauError::Refused { .. }));
    let (opened, _) = edit(s.as_ref(), Some(v), vec![], None);
    assert_eq!(opened.catchup, Catchup::Current);
    assert_eq!(s.load_document("e1").unwrap().unwrap().changes.len(), 1);
}

/// A node that remembers a device's token has it checked in the document's transaction:
/// the right token of an unrevoked device of this document lets the work run; anything else
/// is refused as signed out, before the work runs and with nothing stored, on every node.
fn a_device_token_is_checked_inside_the_transaction(b: &Backend) {
    let (s, other_node) = ((b.open)(), (b.open)());
    setup(s.as_ref());
    assert!(s
        .insert_employee(
            &employee("e2"),
            b"doc",
            &summary(0),
            &code("EFGH", 2, "e2"),
            0
        )
        .unwrap());
    for (lookup, hash, id, token) in [("ABCD", 1, "d1", b"t1"), ("EFGH", 2, "d2", b"t2")] {
        let redeemed = s
            .redeem_code(lookup, &[hash; 32], 10, 5, &device(id), token, None)
            .unwrap();
        assert!(matches!(redeemed, Redeemed::Enrolled { .. }));
    }
    let mut stored = 0;
    let mut sync = |s: &dyn Storage, access, device_id, token_hash: &[u8], n| {
        let mut ran = false;
        let check = TokenCheck {
            device_id,
            token_hash,
        };
        let outcome = s.with_document("e1", access, None, Some("d"), Some(check), &mut |_| {
            ran = true;
            Ok(DocumentWrite {
                changes: vec![change(n)],
                ..Default::default()
            })
        });
        match outcome {
            Ok(v) => {
                assert!(ran && v.is_some());
                stored += usize::from(access == Access::Write);
                true
            }
            Err(e) => {
                assert!(!ran, "refused before the work runs");
                let signed_out = crate::auth::signed_out();
                assert_eq!(e.to_string(), signed_out.to_string());
                false
            }
        }
    };
    assert!(sync(s.as_ref(), Access::Write, "d1", b"t1", 1));
    assert!(sync(other_node.as_ref(), Access::Read, "d1", b"t1", 2));
    assert!(
        !sync(s.as_ref(), Access::Write, "d1", b"t2", 3),
        "wrong token"
    );
    assert!(
        !sync(s.as_ref(), Access::Write, "d2", b"t2", 4),
        "another dossier's"
    );
    assert!(
        !sync(s.as_ref(), Access::Write, "d9", b"t1", 5),
        "no such device"
    );
    assert!(other_node.revoke_device("d1", 20).unwrap());
    assert!(
        !sync(s.as_ref(), Access::Write, "d1", b"t1", 6),
        "revoked elsewhere"
    );
    assert!(!sync(s.as_ref(), Access::Read, "d1", b"t1", 7));
    let changes = s.load_document("e1").unwrap().unwrap().changes;
    assert_eq!((changes.len(), stored), (1, 1));
}

fn reads_store_nothing(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    let v = s
        .with_document("e1", Access::Read, None, None, None, &mut |o| {
            assert!(matches!(o.catchup, Catchup::Whole(_)));
            Ok(DocumentWrite {
                changes: vec![change(9)],
                ..Default::default()
            })
        })
        .unwrap()
        .unwrap();
    assert!(s.load_document("e1").unwrap().unwrap().changes.is_empty());
    let (opened, _) = edit(s.as_ref(), Some(v), vec![], None);
    assert_eq!(opened.catchup, Catchup::Current);
}

/// Four "nodes" each append 15 times to one document, each time from the version it was
/// told: if two stored edits had been based on the same version, one would have appended
/// beside a stale copy. (PostgreSQL makes the others wait for the row lock; SQLite refuses
/// an append whose document moved since its read, and the node retries.)
fn edits_of_one_document_serialise_across_nodes(b: &Backend) {
    let first = (b.open)();
    setup(first.as_ref());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let nodes: Vec<Arc<dyn Storage>> = (0..4).map(|_| (b.open)()).collect();
    std::thread::scope(|scope| {
        for (n, node) in nodes.iter().enumerate() {
            let seen = seen.clone();
            scope.spawn(move || {
                for i in 0..15u8 {
                    loop {
                        let mut based_on = None;
                        let stored =
                            node.with_document("e1", Access::Write, None, None, None, &mut |o| {
                                based_on = Some(o.version);
                                // Give another node every chance to slip in between.
                                std::thread::yield_now();
                                Ok(DocumentWrite {
                                    changes: vec![NewChange {
                                        hash: vec![n as u8, i],
                                        bytes: vec![n as u8, i],
                                    }],
                                    ..Default::default()
                                })
                            });
                        match stored {
                            Ok(_) => {
                                seen.lock().unwrap().push(based_on.unwrap());
                                break;
                            }
                            Err(e) if e.to_string().contains(sqlite::DOCUMENT_MOVED) => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            });
        }
    });
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_unstable();
    let before = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), before, "two edits saw the same version");
    assert_eq!(
        first.load_document("e1").unwrap().unwrap().changes.len(),
        60
    );
}

fn the_audit_log_is_newest_first(b: &Backend) {
    let s = (b.open)();
    for (at, kind) in [(1, "enrol_failed"), (2, "forbidden")] {
        s.audit(&AuditEvent {
            at,
            kind: kind.into(),
            principal: None,
            ip: Some("10.0.0.1".into()),
            detail: "x".into(),
        })
        .unwrap();
    }
    let log = s.audit_log(10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].kind, "forbidden");
    assert_eq!(log[1].ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(s.audit_log(1).unwrap().len(), 1);
}

fn a_reopened_database_keeps_its_data(b: &Backend) {
    {
        let s = (b.open)();
        setup(s.as_ref());
        edit(s.as_ref(), None, vec![change(1)], None);
    }
    let s = (b.open)();
    assert!(s.employee("e1").unwrap().is_some());
    assert_eq!(s.load_document("e1").unwrap().unwrap().changes.len(), 1);
}

/// The summary is written in the transaction of the changes it describes (with their
/// version), never by a failed or read-only one, and the caseload query gives it with the
/// devices and leaves closed trajectories out when asked.
fn summaries_are_stored_with_their_changes_and_read_in_one_query(b: &Backend) {
    let s = (b.open)();
    setup(s.as_ref());
    let line = |s: &dyn Storage, with_closed: bool| {
        let mut lines = s.caseload_summaries("c1", with_closed).unwrap();
        assert!(lines.len() <= 1);
        lines.pop()
    };
    let first = line(s.as_ref(), false).unwrap();
    assert_eq!(first.employee.id, "e1");
    assert_eq!(first.summary, Some(summary(0)));
    assert_eq!(first.summary_version, Some(0));
    assert_eq!((first.devices, first.last_seen_at), (0, None));
    assert!(s.caseload_summaries("nobody", true).unwrap().is_empty());

    let write = |s: &dyn Storage, access, fail: bool, n: i64| {
        s.with_document("e1", access, None, None, None, &mut |_| {
            if fail {
                return Err(crate::BureauError::refused(
                    koers_protocol::ErrorCode::BadChange,
                    "nee",
                ));
            }
            Ok(DocumentWrite {
                changes: vec![change(n as u8)],
                summary: Some(summary(n)),
                ..Default::default()
            })
        })
    };
    let v = write(s.as_ref(), Access::Write, false, 3).unwrap().unwrap();
    // Another node sees it at once, with the version it describes.
    let other = (b.open)();
    let seen = line(other.as_ref(), false).unwrap();
    assert_eq!(seen.summary, Some(summary(3)));
    assert_eq!(seen.summary_version, Some(v));
    assert!(write(s.as_ref(), Access::Write, true, 4).is_err());
    write(s.as_ref(), Access::Read, false, 5).unwrap();
    assert_eq!(line(s.as_ref(), false).unwrap().summary, Some(summary(3)));
    // A change stored already, with a newer summary: stored at the version it describes.
    let again = s
        .with_document("e1", Access::Write, None, None, None, &mut |_| {
            Ok(DocumentWrite {
                changes: vec![change(3)],
                summary: Some(summary(9)),
                ..Default::default()
            })
        })
        .unwrap();
    assert_eq!(again, Some(v));
    let l = line(other.as_ref(), false).unwrap();
    assert_eq!(
        (l.summary, l.summary_version, l.document_version),
        (Some(summary(9)), Some(v), v)
    );

    let r = s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), &[7; 32], None);
    assert!(matches!(r.unwrap(), Redeemed::Enrolled { .. }));
    s.touch_device("d1", 77).unwrap();
    let l = line(s.as_ref(), false).unwrap();
    assert_eq!((l.devices, l.last_seen_at), (1, Some(77)));
    s.revoke_device("d1", 80).unwrap();
    let l = line(s.as_ref(), false).unwrap();
    assert_eq!((l.devices, l.last_seen_at), (0, Some(77)));

    assert!(s.unsummarised(1).unwrap().is_empty());
    assert_eq!(s.unsummarised(2).unwrap(), vec!["e1".to_string()]);
    let closed = Summary {
        closed_on: Some("2026-11-30".into()),
        ..summary(6)
    };
    s.with_document("e1", Access::Write, None, None, None, &mut |_| {
        Ok(DocumentWrite {
            summary: Some(closed.clone()),
            ..Default::default()
        })
    })
    .unwrap();
    assert!(line(s.as_ref(), false).is_none(), "closed: left out");
    let l = line(s.as_ref(), true).unwrap();
    assert_eq!(l.summary, Some(closed));
    assert!(l.current_summary(1).is_some());
    assert!(l.current_summary(2).is_none(), "another format");

    // A node that keeps no summaries appends: the summary is of an older version now.
    edit(s.as_ref(), None, vec![change(7)], None);
    let l = line(s.as_ref(), true).unwrap();
    assert!(l.document_version > l.summary_version.unwrap());
    assert!(l.current_summary(1).is_none());
    assert_eq!(s.unsummarised(1).unwrap(), vec!["e1".to_string()]);
}

/// Failures counted at once through four "nodes" all add up; paid-back keys are deleted by
/// the next failure of any key.
fn failures_counted_on_every_node_add_up(b: &Backend) {
    let nodes: Vec<Arc<dyn Storage>> = (0..4).map(|_| (b.open)()).collect();
    let now = 1_000_000;
    std::thread::scope(|scope| {
        for node in &nodes {
            scope.spawn(move || {
                for _ in 0..10 {
                    node.throttle_failed("login", "198.51.100.7", now, 45_000)
                        .unwrap();
                }
            });
        }
    });
    let s = &nodes[0];
    assert_eq!(
        s.throttle_tat("login", "198.51.100.7").unwrap(),
        Some(now + 40 * 45_000)
    );
    assert_eq!(
        s.throttle_tat("enrol", "198.51.100.7").unwrap(),
        None,
        "scoped"
    );
    // Later than the whole debt: it starts from now again.
    let later = now + 41 * 45_000;
    assert_eq!(
        s.throttle_failed("login", "198.51.100.7", later, 45_000)
            .unwrap(),
        later + 45_000
    );
    s.throttle_failed("login", "other", now, 45_000).unwrap();
    s.throttle_failed("login", "third", later + 50_000, 45_000)
        .unwrap();
    assert_eq!(
        s.throttle_tat("login", "other").unwrap(),
        None,
        "paid back: pruned"
    );
    assert_eq!(s.throttle_tat("login", "198.51.100.7").unwrap(), None);
}

fn a_secret_is_made_once(b: &Backend) {
    let nodes: Vec<Arc<dyn Storage>> = (0..4).map(|_| (b.open)()).collect();
    let got: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| scope.spawn(move || node.secret("k", &[i as u8; 32]).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(got.iter().all(|g| g == &got[0]), "{got:?}");
    assert_eq!(nodes[0].secret("k", &[9; 32]).unwrap(), got[0]);
    assert_eq!(nodes[0].secret("other", &[9; 32]).unwrap(), vec![9; 32]);
}

/// PostgreSQL begins a document's transaction by hand, pipelined with its first statements
/// (`postgres::InTransaction`): an edit that fails or panics half-way must leave no
/// transaction behind on a pooled connection. With one connection in the pool, a leaked
/// transaction would hold the document's row lock and make every other node wait forever.
#[test]
fn postgres_never_pools_a_connection_inside_a_transaction() {
    let Some(url) = crate::testkit::fresh_postgres_database() else {
        return;
    };
    let one = postgres::with_pool_size(&url, 1);
    let node = postgres::PostgresStorage::connect(&one).unwrap();
    setup(&node);
    let (_, v) = edit(&node, None, vec![change(1)], None);
    let refused = node.with_document("e1", Access::Write, Some(v), None, None, &mut |_| {
        Err(crate::BureauError::refused(
            koers_protocol::ErrorCode::BadChange,
            "nee",
        ))
    });
    assert!(refused.is_err());
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        node.with_document("e1", Access::Write, Some(v), None, None, &mut |_| {
            panic!("the caller's work fails half-way")
        })
    }));
    assert!(panicked.is_err());
    // Another node gets the document's lock (in time), and so does this one.
    let other = postgres::PostgresStorage::connect(&one).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (opened, v2) = edit(&other, Some(v), vec![change(2)], None);
        let _ = tx.send((opened.catchup, v2));
    });
    let (catchup, v2) = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the other node got the document's lock");
    assert_eq!(catchup, Catchup::Current);
    let (opened, _) = edit(&node, Some(v), vec![change(3)], None);
    assert!(matches!(opened.catchup, Catchup::Since(ref rows) if rows.len() == 1));
    assert!(v2 > v);
    assert_eq!(node.load_document("e1").unwrap().unwrap().changes.len(), 3);
}
