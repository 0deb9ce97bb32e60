//! Several writers on one dossier file: handles in one process, threads, compaction in
//! between, a file from the field version with duplicate changes, erasure, and a property
//! test over random interleavings with a third peer (the bureau).

use std::collections::BTreeSet;

use automerge::Automerge;
use proptest::prelude::*;

use super::*;
use crate::model::ApplicationStatus;
use crate::query::ApplicationQuery;
use crate::store::StoredDocument;

fn quick(employer: &str) -> NewApplication {
    NewApplication {
        employer: employer.into(),
        role: "Planner".into(),
        ..Default::default()
    }
}

fn listed(d: &Dossier) -> BTreeSet<String> {
    d.list_applications(&ApplicationQuery::default())
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

/// The document as the change log (with the pending writes) rebuilds it, hydrated from
/// scratch.
fn rebuilt(path: &Path) -> DossierDocument {
    document_from_change_log(path).unwrap()
}

/// How many rows `table` of the file at `path` holds.
fn count(path: &Path, table: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// No two stored changes share an actor and sequence number.
fn assert_no_duplicate_seq(path: &Path) {
    let conn = Connection::open(path).unwrap();
    let doc = StoredDocument::load(&conn).unwrap().unwrap();
    let mut seen = BTreeSet::new();
    for change in doc.get_changes(&[]) {
        assert!(
            seen.insert((change.actor_id().to_hex_string(), change.seq())),
            "duplicate seq {} for {}",
            change.seq(),
            change.actor_id()
        );
    }
}

#[test]
fn two_handles_each_see_what_the_other_stored_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut a = Dossier::open(&path).unwrap();
    let mut b = Dossier::open(&path).unwrap();
    let first = a.log_application(quick("Acme")).unwrap();
    // b still holds the state from before a's write, and has not loaded the document.
    let second = b.log_application(quick("Globex")).unwrap();
    assert!(b.document().applications.contains_key(&first.id));
    // a loaded the document for its write; b's change arrives through the change rows.
    let third = a.log_application(quick("Initech")).unwrap();
    let all: BTreeSet<String> = [first.id, second.id, third.id].into();
    assert_eq!(
        a.document()
            .applications
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>(),
        all
    );
    assert_eq!(listed(&a), all);
    assert_eq!(rebuilt(&path).applications.len(), 3);
    assert_no_duplicate_seq(&path);
    assert!(b.refresh().unwrap());
    assert_eq!(b.document(), a.document());
    assert!(b.take_changes().contains(&Topic::Applications));
}

#[test]
fn an_edit_is_built_from_what_others_stored_not_from_a_stale_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut a = Dossier::open(&path).unwrap();
    let app = a.log_application(quick("Acme")).unwrap();
    let mut b = Dossier::open(&path).unwrap();
    a.set_status(&app.id, ApplicationStatus::Interview).unwrap();
    // b's copy still says `applied`; its note must not undo a's status change.
    b.edit_application(
        &app.id,
        ApplicationPatch {
            notes: Some("Gesprek met Eva".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let stored = rebuilt(&path).applications[&app.id].clone();
    assert_eq!(stored.status, ApplicationStatus::Interview);
    assert_eq!(stored.notes, "Gesprek met Eva");
    assert_eq!(stored.history.len(), 2);
}

#[test]
fn compaction_keeps_what_another_handle_stored_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut long_running = Dossier::open(&path).unwrap();
    long_running.log_application(quick("Acme")).unwrap(); // loads the document
    let mut other = Dossier::open(&path).unwrap();
    let theirs = other.log_application(quick("Globex")).unwrap();
    long_running.compact().unwrap();
    let again = other.log_application(quick("Initech")).unwrap();
    other.compact().unwrap();
    let fresh = Dossier::open(&path).unwrap();
    for id in [&theirs.id, &again.id] {
        assert!(listed(&fresh).contains(id));
        assert!(rebuilt(&path).applications.contains_key(id));
    }
    assert_eq!(rebuilt(&path).applications.len(), 3);
}

#[test]
fn threads_with_their_own_handles_and_forced_compactions_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    Dossier::open(&path).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut d = Dossier::open(&path).unwrap();
                let mut ids = Vec::new();
                for i in 0..25 {
                    let app = d.log_application(quick(&format!("T{t} W{i}"))).unwrap();
                    if i % 5 == 0 {
                        d.set_status(&app.id, ApplicationStatus::Interview).unwrap();
                    }
                    if i % 9 == t {
                        d.compact().unwrap();
                    }
                    ids.push(app.id);
                }
                ids
            })
        })
        .collect();
    let all: BTreeSet<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(all.len(), 100);
    let d = Dossier::open(&path).unwrap();
    assert_eq!(listed(&d), all);
    let doc = rebuilt(&path);
    assert_eq!(
        doc.applications.keys().cloned().collect::<BTreeSet<_>>(),
        all
    );
    assert_eq!(&doc, d.document(), "record cache and change log agree");
    let interviews = doc
        .applications
        .values()
        .filter(|a| a.status == ApplicationStatus::Interview)
        .count();
    assert_eq!(interviews, 20);
    assert_no_duplicate_seq(&path);
}

#[test]
fn two_koers_objects_in_one_process_write_from_several_threads() {
    use crate::ffi::{ApplicationFilter, ApplicationInput, Koers};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db").to_string_lossy().into_owned();
    let objects = [
        Koers::open(path.clone()).unwrap(),
        Koers::open(path.clone()).unwrap(),
    ];
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let koers = objects[t % 2].clone();
            std::thread::spawn(move || {
                (0..20)
                    .map(|i| {
                        let app = koers
                            .log_application(ApplicationInput {
                                employer: format!("T{t} W{i}"),
                                role: "Planner".into(),
                                source: None,
                                vacancy_url: None,
                                location: None,
                                date: None,
                                contact: None,
                                salary: None,
                                notes: None,
                                status: None,
                                follow_up: None,
                            })
                            .unwrap();
                        if i % 7 == 3 {
                            koers.with_dossier(|d| d.compact()).unwrap();
                        }
                        app.id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let all: BTreeSet<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(all.len(), 80);
    for koers in &objects {
        let seen: BTreeSet<String> = koers
            .list_applications(ApplicationFilter::default())
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(seen, all);
        assert_eq!(
            koers
                .with_dossier(|d| Ok(d.document().applications.len()))
                .unwrap(),
            80
        );
    }
    assert_eq!(rebuilt(Path::new(&path)).applications.len(), 80);
    assert_no_duplicate_seq(Path::new(&path));
}

/// A file as the version before schema 6 left it after two processes logged at once: two
/// different changes with the same actor and sequence number, and a record cache written
/// from one of them only.
#[test]
fn a_dossier_with_duplicate_changes_from_the_field_version_repairs_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("field.db");
    let (actor, genesis_changes) = {
        let genesis = genesis_document().unwrap();
        (ActorId::random(), genesis.get_changes(&[]))
    };
    let app = |employer: &str| {
        let mut a = crate::model::fixtures::application(
            &crate::model::new_id(),
            "2026-11-30".parse().unwrap(),
            ApplicationStatus::Applied,
        );
        a.employer = employer.into();
        a
    };
    let first = app("Acme");
    let (left, right) = (app("Globex"), app("Initech"));
    let mut base = genesis_document().unwrap().with_actor(actor.clone());
    let change_of = |doc: &mut Automerge, record: &crate::model::Application| {
        let mut tx = doc.transaction();
        Edit::PutApplication(record.clone())
            .apply_to_doc(&mut tx)
            .unwrap();
        tx.commit();
        doc.get_last_local_change().unwrap()
    };
    let shared = change_of(&mut base, &first);
    let (mut one, mut two) = (base.clone(), base.clone());
    let twin_a = change_of(&mut one, &left);
    let twin_b = change_of(&mut two, &right);
    assert_eq!(
        (twin_a.seq(), twin_a.actor_id()),
        (twin_b.seq(), twin_b.actor_id())
    );
    let after_b = change_of(&mut two, &app("Umbrella")); // built on twin_b
    {
        let mut conn = Connection::open(&path).unwrap();
        schema::migrate_to(&mut conn, 5).unwrap();
        for change in genesis_changes
            .iter()
            .chain([&shared, &twin_a, &twin_b, &after_b])
        {
            conn.execute(
                "INSERT INTO document_changes (hash, bytes) VALUES (?1, ?2)",
                rusqlite::params![change.hash().as_ref(), change.raw_bytes()],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('actor_id', ?1), ('projection_version', ?2)",
            rusqlite::params![actor.to_bytes(), b"2".as_slice()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO journal (id, date, text, energy, created_at, updated_at)
             VALUES ('j1', '2026-11-30', 'Slecht geslapen', 2, 0, 0)",
            [],
        )
        .unwrap();
    }
    // The field version cannot load it.
    {
        let conn = Connection::open(&path).unwrap();
        assert!(StoredDocument::load(&conn).is_err());
    }
    let mut d = Dossier::open(&path).unwrap();
    let employers: BTreeSet<String> = d
        .document()
        .applications
        .values()
        .map(|a| a.employer.clone())
        .collect();
    assert_eq!(
        employers,
        ["Acme", "Globex", "Initech", "Umbrella"]
            .map(String::from)
            .into()
    );
    assert_eq!(listed(&d).len(), 4);
    // The old plain journal was sealed on the way.
    assert_eq!(d.journal(None, None).unwrap()[0].text, "Slecht geslapen");
    // It takes writes again, under a new actor, and loads from then on.
    d.log_application(quick("Hooli")).unwrap();
    assert_ne!(
        Settings::get(d.conn(), ACTOR_KEY).unwrap().unwrap(),
        actor.to_bytes()
    );
    drop(d);
    assert_eq!(rebuilt(&path).applications.len(), 5);
    assert_no_duplicate_seq(&path);
    assert_eq!(listed(&Dossier::open(&path).unwrap()).len(), 5);
}

/// Every file of the database: the file itself, its WAL and shared memory.
fn database_bytes(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(std::path::PathBuf::from(name)) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_journal_is_sealed_at_rest_and_a_deleted_entry_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut d = Dossier::open(&path).unwrap();
    let day = "2026-11-30".parse().unwrap();
    let entry = d
        .add_journal_entry(day, "Rugpijn MARKER-JOURNAAL na het gesprek", 2)
        .unwrap();
    assert_eq!(d.journal_entry(&entry.id).unwrap().energy, 2);
    assert!(!contains(&database_bytes(&path), "MARKER-JOURNAAL"));
    // Another handle with another key reads no text at all.
    let stranger = Dossier::open_with_journal_key(&path, JournalKey::generate()).unwrap();
    let err = stranger.journal(None, None).unwrap_err();
    assert!(err.to_string().contains("sleutel"), "{err}");
    d.delete_journal_entry(&entry.id).unwrap();
    assert!(d.journal(None, None).unwrap().is_empty());
    assert!(!contains(&database_bytes(&path), "MARKER-JOURNAAL"));
}

#[test]
fn a_wipe_leaves_no_byte_of_the_dossier_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut d = Dossier::open(&path).unwrap();
    let app = d
        .log_application(NewApplication {
            notes: Some("MARKER-NOTITIE over de functie".into()),
            ..quick("MARKER-WERKGEVER")
        })
        .unwrap();
    d.comment_on_application(&app.id, "MARKER-COMMENTAAR")
        .unwrap();
    d.add_journal_entry("2026-11-30".parse().unwrap(), "MARKER-JOURNAAL", 3)
        .unwrap();
    d.set_local_secret("token", Some("MARKER-TOKEN")).unwrap();
    d.compact().unwrap();
    let key_before = std::fs::read(JournalKey::file_for(&path)).unwrap();
    assert!(contains(&database_bytes(&path), "MARKER-WERKGEVER"));

    d.sign_out(None, true).unwrap();
    let bytes = database_bytes(&path);
    for marker in [
        "MARKER-WERKGEVER",
        "MARKER-NOTITIE",
        "MARKER-COMMENTAAR",
        "MARKER-JOURNAAL",
        "MARKER-TOKEN",
    ] {
        assert!(!contains(&bytes, marker), "{marker} is still in the files");
    }
    assert_ne!(
        std::fs::read(JournalKey::file_for(&path)).unwrap(),
        key_before
    );
    // An empty dossier, as on a new phone, that takes writes.
    assert!(d.document().applications.is_empty());
    assert!(d.journal(None, None).unwrap().is_empty());
    d.log_application(quick("Acme")).unwrap();
    assert_eq!(listed(&Dossier::open(&path).unwrap()).len(), 1);
}

/// A wipe by one handle (sign-out in the app) while another (a widget, the share
/// extension) holds the dossier: the other must drop what it held, not write its old
/// records back on top of the emptied file.
#[test]
fn a_handle_that_held_the_dossier_before_another_wiped_it_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut app = Dossier::open(&path).unwrap();
    let mut widget = Dossier::open(&path).unwrap();
    for employer in ["Acme", "Globex", "Initech"] {
        widget.log_application(quick(employer)).unwrap(); // loads and extends its document
    }
    app.refresh().unwrap();
    app.sign_out(None, true).unwrap();

    let after = widget.log_application(quick("Umbrella")).unwrap();
    assert_eq!(listed(&widget), BTreeSet::from([after.id.clone()]));
    assert_eq!(
        listed(&Dossier::open(&path).unwrap()),
        BTreeSet::from([after.id])
    );
    assert_eq!(rebuilt(&path).applications.len(), 1);
    assert_no_duplicate_seq(&path);
}

/// Row numbers keep growing across compactions that fold every row, so another handle's
/// cursor never mistakes a new row for one it has read.
#[test]
fn change_rows_are_never_numbered_twice_across_compactions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut a = Dossier::open(&path).unwrap();
    let mut b = Dossier::open(&path).unwrap();
    a.log_application(quick("Acme")).unwrap();
    b.log_application(quick("Globex")).unwrap();
    let highest = |path: &Path| -> i64 {
        let conn = Connection::open(path).unwrap();
        StoredDocument::position(&conn).unwrap().max_seq
    };
    let before = highest(&path);
    b.compact().unwrap(); // folds and deletes every row
    assert_eq!(
        count(&path, "document_changes") + count(&path, "pending_edits"),
        0,
        "no change rows or pending writes left"
    );
    let new = b.log_application(quick("Initech")).unwrap();
    assert!(
        highest(&path) > before,
        "the new row is numbered above every earlier one"
    );
    // a read up to `before`; it must still see b's new application.
    assert!(a.refresh().unwrap());
    assert!(a.document().applications.contains_key(&new.id));
    assert_eq!(listed(&a).len(), 3);
}

#[derive(Debug, Clone)]
enum Step {
    Log(usize),
    Status(usize, usize),
    Compact(usize),
    Sync(usize),
    BureauLogs,
    Reopen(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..2usize).prop_map(Step::Log),
        2 => (0..2usize, 0..64usize).prop_map(|(h, i)| Step::Status(h, i)),
        1 => (0..2usize).prop_map(Step::Compact),
        2 => (0..2usize).prop_map(Step::Sync),
        1 => Just(Step::BureauLogs),
        1 => (0..2usize).prop_map(Step::Reopen),
    ]
}

/// The bureau's side of a sync: it takes every change the handle has and gives back every
/// change it has.
fn sync(handle: &mut Dossier, bureau: &mut Automerge) {
    let ours = handle.automerge().unwrap().get_changes(&[]);
    bureau.apply_changes(ours).unwrap();
    let theirs = bureau.get_changes(&[]);
    handle.merge_changes(theirs, |_| Ok(())).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_over_two_handles_converge_with_every_change(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("koers.db");
        let mut handles = [Dossier::open(&path).unwrap(), Dossier::open(&path).unwrap()];
        let mut bureau = genesis_document().unwrap();
        let mut logged = BTreeSet::new();
        let mut bureau_n = 0;
        for step in steps {
            match step {
                Step::Log(h) => {
                    logged.insert(handles[h].log_application(quick("Werkgever")).unwrap().id);
                }
                Step::Status(h, i) => {
                    handles[h].refresh().unwrap();
                    let ids: Vec<String> = handles[h].document().applications.keys().cloned().collect();
                    if !ids.is_empty() {
                        handles[h].set_status(&ids[i % ids.len()], ApplicationStatus::Interview).unwrap();
                    }
                }
                Step::Compact(h) => handles[h].compact().unwrap(),
                Step::Sync(h) => sync(&mut handles[h], &mut bureau),
                Step::BureauLogs => {
                    bureau_n += 1;
                    let a = crate::model::fixtures::application(
                        &format!("bureau-{bureau_n}"),
                        "2026-11-30".parse().unwrap(),
                        ApplicationStatus::Applied,
                    );
                    let mut tx = bureau.transaction();
                    Edit::PutApplication(a.clone()).apply_to_doc(&mut tx).unwrap();
                    tx.commit();
                    logged.insert(a.id);
                }
                Step::Reopen(h) => handles[h] = Dossier::open(&path).unwrap(),
            }
        }
        sync(&mut handles[0], &mut bureau);
        sync(&mut handles[1], &mut bureau);
        handles[0].refresh().unwrap();
        let file_doc = rebuilt(&path);
        let ids: BTreeSet<String> = file_doc.applications.keys().cloned().collect();
        prop_assert_eq!(&ids, &logged);
        let bureau_doc: DossierDocument = autosurgeon::hydrate(&bureau).unwrap();
        prop_assert_eq!(&bureau_doc, &file_doc);
        for h in &mut handles {
            prop_assert_eq!(h.document(), &file_doc);
            prop_assert_eq!(listed(h), ids.clone());
            let heads = h.automerge().unwrap().get_heads();
            prop_assert_eq!(heads, bureau.get_heads());
        }
        assert_no_duplicate_seq(&path);
    }
}

#[test]
fn a_locked_keystore_keeps_the_journal_shut_and_everything_else_open() {
    use crate::ffi::{ApplicationInput, Koers};
    use crate::session::{SecretStore, SecretStoreError};
    struct Locked;
    impl SecretStore for Locked {
        fn get(&self, _: String) -> Option<String> {
            None
        }
        fn put(&self, _: String, _: String) -> std::result::Result<(), SecretStoreError> {
            Err(SecretStoreError::Unavailable {
                reason: "keychain locked".into(),
            })
        }
        fn delete(&self, _: String) {}
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db").to_string_lossy().into_owned();
    let koers = Koers::open_with_secrets(path, std::sync::Arc::new(Locked)).unwrap();
    koers
        .log_application(ApplicationInput {
            employer: "Acme".into(),
            role: "Planner".into(),
            ..Default::default()
        })
        .unwrap();
    let err = koers
        .with_dossier(|d| d.add_journal_entry("2026-11-30".parse().unwrap(), "moe", 2))
        .unwrap_err();
    assert!(err.to_string().contains("sleutelopslag"), "{err}");
}

/// A write is stored as one pending row; every handle lists it at once (from the record
/// cache and the row, or from the row on top of a loaded document), and it becomes an
/// Automerge change, once, when a handle needs the document.
#[test]
fn a_write_waits_as_one_row_until_a_handle_needs_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut a = Dossier::open(&path).unwrap();
    let mut b = Dossier::open(&path).unwrap();
    b.automerge().unwrap(); // b holds the document
    let changes_before = count(&path, "document_changes");
    let acme = a.log_application(quick("Acme")).unwrap();
    assert_eq!(count(&path, "pending_edits"), 1);
    assert_eq!(count(&path, "document_changes"), changes_before);
    assert!(b.refresh().unwrap());
    assert!(listed(&b).contains(&acme.id));
    assert!(listed(&Dossier::open(&path).unwrap()).contains(&acme.id));
    assert_eq!(rebuilt(&path), *a.document());
    // b needs the document (a sync would): the write becomes a change first.
    let hydrated: DossierDocument = autosurgeon::hydrate(b.automerge().unwrap()).unwrap();
    assert_eq!(hydrated.applications[&acme.id], acme);
    assert_eq!(count(&path, "pending_edits"), 0);
    assert_eq!(count(&path, "document_changes"), changes_before + 1);
    // a builds on that change; b reads a's next write on top of its document.
    let globex = a.log_application(quick("Globex")).unwrap();
    a.set_status(&acme.id, ApplicationStatus::Interview)
        .unwrap();
    assert!(b.refresh().unwrap());
    assert_eq!(b.document(), a.document());
    assert!(b.document().applications.contains_key(&globex.id));
    b.compact().unwrap();
    assert!(a.refresh().unwrap());
    assert_eq!(a.document(), b.document());
    assert_eq!(rebuilt(&path), *a.document());
    assert_no_duplicate_seq(&path);
}

/// The writer that brings the pending writes to `MATERIALIZE_AFTER` makes them changes in
/// its own transaction, so the document never lags far behind.
#[test]
fn pending_writes_become_changes_after_a_bounded_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut a = Dossier::open(&path).unwrap();
    let mut b = Dossier::open(&path).unwrap();
    for i in 0..crate::store::MATERIALIZE_AFTER - 1 {
        let writer = if i % 2 == 0 { &mut a } else { &mut b };
        writer.log_application(quick(&format!("W{i}"))).unwrap();
    }
    assert_eq!(
        count(&path, "pending_edits"),
        crate::store::MATERIALIZE_AFTER - 1
    );
    let changes_before = count(&path, "document_changes");
    a.log_application(quick("Last")).unwrap();
    assert_eq!(count(&path, "pending_edits"), 0);
    assert_eq!(
        count(&path, "document_changes"),
        changes_before + crate::store::MATERIALIZE_AFTER
    );
    b.refresh().unwrap();
    assert_eq!(b.document(), a.document());
    assert_eq!(rebuilt(&path), *a.document());
    assert_eq!(
        a.document().applications.len() as i64,
        crate::store::MATERIALIZE_AFTER
    );
    assert_no_duplicate_seq(&path);
}

/// Pending writes that change nothing become no change rows; their numbers must still not
/// be handed out again, or a handle that read them would skip the next write.
#[test]
fn writes_that_change_nothing_leave_no_number_to_hand_out_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut a = Dossier::open(&path).unwrap();
    let mut b = Dossier::open(&path).unwrap();
    let acme = a.log_application(quick("Acme")).unwrap();
    a.compact().unwrap();
    // Two writes that put back what is there already.
    for _ in 0..2 {
        a.commit_with("unchanged", |current| {
            Ok((
                vec![Edit::PutApplication(current.applications[&acme.id].clone())],
                (),
            ))
        })
        .unwrap();
    }
    assert!(b.refresh().unwrap()); // b has read their numbers
    let changes_before = count(&path, "document_changes");
    a.automerge().unwrap();
    assert_eq!(count(&path, "pending_edits"), 0);
    assert_eq!(
        count(&path, "document_changes"),
        changes_before,
        "no changes"
    );
    let next = a.log_application(quick("Globex")).unwrap();
    b.refresh().unwrap();
    assert!(b.document().applications.contains_key(&next.id));
    assert_eq!(b.document(), a.document());
}

/// A handle holding the document has read another's pending writes into its state only;
/// when the other makes them changes and folds the log, it reads them from the snapshot,
/// and the writes made after the fold as pending rows again.
#[test]
fn a_handle_holding_the_document_reads_a_batch_folded_by_another() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut a = Dossier::open(&path).unwrap();
    let mut b = Dossier::open(&path).unwrap();
    a.automerge().unwrap(); // a holds the document
    let first = b.log_application(quick("Acme")).unwrap();
    assert!(a.refresh().unwrap());
    assert!(a.document().applications.contains_key(&first.id));
    b.compact().unwrap(); // the pending write becomes a change, then the log is folded
    let second = b.log_application(quick("Globex")).unwrap();
    let third = a.log_application(quick("Initech")).unwrap();
    assert!(a.document().applications.contains_key(&second.id));
    let hydrated: DossierDocument = autosurgeon::hydrate(a.automerge().unwrap()).unwrap();
    for id in [&first.id, &second.id, &third.id] {
        assert!(hydrated.applications.contains_key(id));
    }
    assert_eq!(&hydrated, a.document());
    b.refresh().unwrap();
    assert_eq!(b.document(), a.document());
    assert_eq!(rebuilt(&path), *a.document());
    assert_no_duplicate_seq(&path);
}

/// The sync status counts a pending write as the change it will be, without making it one
/// (showing the status must not cost a batch).
#[test]
fn sync_status_counts_pending_writes_without_making_them() {
    let mut d = Dossier::open_in_memory().unwrap();
    d.write_local(|tx| Settings::put(tx, sync::SERVER_KEY, b"https://bureau.test"))
        .unwrap();
    let before = d.sync_status().unwrap().pending_changes;
    d.log_application(quick("Acme")).unwrap();
    d.log_application(quick("Globex")).unwrap();
    assert_eq!(d.sync_status().unwrap().pending_changes, before + 2);
    assert_eq!(d.pending_writes().unwrap(), 2, "still pending");
    d.automerge().unwrap(); // made into changes
    assert_eq!(d.pending_writes().unwrap(), 0);
    assert_eq!(d.sync_status().unwrap().pending_changes, before + 2);
}
