//! The bureau refuses, with a 4xx and a reason, a pushed change that puts a key outside the
//! dossier's model (at the root, inside a record, or as an oversized record id), a change
//! whose checksum does not match its content (fast path and full protocol), and a round
//! that would make an employee's dossier larger than the bound; nothing of a refused round
//! is stored, and the honest phone keeps syncing.

mod common;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ROOT};
use common::{Bureau, Phone};
use koers_bureau::change_check::MAX_DOSSIER_BYTES;
use koers_core::sync::hashes_to_wire;
use koers_protocol::{Bytes, DocumentSync, ErrorCode, Hash, Push, SyncRequest, PROTOCOL_VERSION};

fn raw_sync(url: &str, token: &str, body: Vec<u8>) -> (u16, Option<koers_protocol::ErrorBody>) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header("content-type", "application/cbor")
        .body(body)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().unwrap();
    (status, koers_protocol::decode(&bytes).ok())
}

struct Setup {
    b: Bureau,
    employee: String,
    phone: Phone,
}

fn setup() -> Setup {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let mut phone = Phone::enrol(&b.url(), &code);
    phone.add_application("Acme");
    phone.sync().unwrap();
    Setup { b, employee, phone }
}

impl Setup {
    /// A fork of the phone's document with `edit` applied as one change.
    fn forked(&self, edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) -> Automerge {
        let mut fork = self.phone.doc.fork();
        let mut tx = fork.transaction();
        edit(&mut tx);
        tx.commit();
        fork
    }

    /// Pushes what `fork` has beyond the acknowledged heads on the fast path, with the
    /// chunks passed through `mangle`.
    fn push(
        &self,
        fork: &Automerge,
        mangle: impl Fn(Vec<u8>) -> Vec<u8>,
    ) -> (u16, Option<koers_protocol::ErrorBody>) {
        let base: Vec<Hash> = self
            .phone
            .state
            .acked_heads()
            .iter()
            .map(|h| Hash(h.0.to_vec()))
            .collect();
        let changes = fork
            .get_changes(self.phone.state.acked_heads())
            .into_iter()
            .map(|c| Bytes(mangle(c.raw_bytes().to_vec())))
            .collect();
        let body = koers_protocol::encode(&SyncRequest {
            v: PROTOCOL_VERSION,
            documents: vec![DocumentSync {
                document: self.employee.clone(),
                push: Push::Fast {
                    base,
                    heads: hashes_to_wire(&fork.get_heads()),
                    changes,
                    packed: None,
                },
            }],
        })
        .unwrap();
        raw_sync(&self.b.url(), &self.phone.token, body)
    }

    /// Asserts a refusal with `code` whose message contains `words`, that nothing was
    /// stored, and that the honest phone still syncs.
    fn refused(
        &mut self,
        (status, body): (u16, Option<koers_protocol::ErrorBody>),
        code: ErrorCode,
        words: &str,
    ) {
        let before = self.b.heads(&self.employee);
        let body = body.expect("an error body");
        assert_eq!(body.code, code, "{body:?}");
        assert!((400..500).contains(&status), "{status}");
        assert!(body.message.contains(words), "{}", body.message);
        assert_eq!(self.b.heads(&self.employee), before, "nothing stored");
        let app = self.phone.add_application("Jumbo");
        self.phone.sync().unwrap();
        assert!(self
            .b
            .dossier(&self.employee)
            .applications
            .contains_key(&app));
    }
}

#[test]
fn a_key_outside_the_model_is_refused_wherever_it_is() {
    let mut s = setup();
    let app = s.phone.dossier().applications.into_keys().next().unwrap();

    // One megabyte under a key of its own at the root: what every other device downloaded.
    let junk = s.forked(|tx| {
        tx.put(ROOT, "junk", "x".repeat(1024 * 1024)).unwrap();
    });
    let reply = s.push(&junk, |c| c);
    assert_eq!(reply.0, 422);
    s.refused(reply, ErrorCode::BadChange, "‘junk’");

    // A field the model does not have, inside an application.
    let inside = s.forked(|tx| {
        let apps = tx.get(ROOT, "applications").unwrap().unwrap().1;
        let record = tx.get(&apps, app.as_str()).unwrap().unwrap().1;
        tx.put(&record, "diagnose", "rugpijn").unwrap();
    });
    let reply = s.push(&inside, |c| c);
    s.refused(reply, ErrorCode::BadChange, "applications.<id>.diagnose");

    // A new map nested in the trajectory.
    let nested = s.forked(|tx| {
        let t = tx.get(ROOT, "trajectory").unwrap().unwrap().1;
        let m = tx.put_object(&t, "extra", automerge::ObjType::Map).unwrap();
        tx.put(&m, "a", 1).unwrap();
    });
    let reply = s.push(&nested, |c| c);
    s.refused(reply, ErrorCode::BadChange, "trajectory.extra");

    // A record id far longer than any id.
    let long_id = s.forked(|tx| {
        let apps = tx.get(ROOT, "applications").unwrap().unwrap().1;
        tx.put_object(&apps, "k".repeat(500), automerge::ObjType::Map)
            .unwrap();
    });
    let reply = s.push(&long_id, |c| c);
    s.refused(reply, ErrorCode::BadChange, "applications.kkkk");
}

#[test]
fn a_change_with_a_wrong_checksum_is_refused_on_both_paths() {
    let mut s = setup();
    // An edit through the model, so only the checksum is wrong.
    let mut honest = s.phone.doc.fork();
    {
        let mut d: koers_core::model::DossierDocument = autosurgeon::hydrate(&honest).unwrap();
        let id = koers_core::model::new_id();
        d.applications
            .insert(id.clone(), common::application(&id, "Rabobank"));
        let mut tx = honest.transaction();
        autosurgeon::reconcile(&mut tx, &d).unwrap();
        tx.commit();
    }
    let flip = |mut c: Vec<u8>| {
        c[4] ^= 0xff;
        c
    };
    // Automerge itself applies such a change without complaint.
    let mut lenient = s.phone.doc.fork();
    let change = honest.get_changes(s.phone.state.acked_heads()).remove(0);
    let bad: Vec<u8> = flip(change.raw_bytes().to_vec());
    lenient
        .apply_changes([automerge::Change::try_from(bad.as_slice()).unwrap()])
        .unwrap();
    assert!(lenient.get_change_by_hash(&change.hash()).is_some());
    let reply = s.push(&honest, flip);
    s.refused(reply, ErrorCode::BadChange, "controlesom");

    // The full protocol: a sync message carrying the damaged change.
    let mut state = automerge::sync::State::new();
    let mut message = {
        use automerge::sync::SyncDoc;
        honest.generate_sync_message(&mut state).unwrap()
    };
    message.changes = automerge::sync::ChunkList::from(vec![bad]);
    let body = koers_protocol::encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        documents: vec![DocumentSync {
            document: s.employee.clone(),
            push: Push::Full {
                message: Some(Bytes(message.encode())),
            },
        }],
    })
    .unwrap();
    let reply = raw_sync(&s.b.url(), &s.phone.token, body);
    s.refused(reply, ErrorCode::BadChange, "controlesom");
}

#[test]
fn a_dossier_beyond_its_size_bound_is_refused_with_413() {
    let mut s = setup();
    let app = s.phone.dossier().applications.into_keys().next().unwrap();
    // Notes are a field of the model; what is refused is the size alone.
    let notes = "Lange notitie. ".repeat((MAX_DOSSIER_BYTES as usize) / 15 + 1000);
    let big = s.forked(|tx| {
        let apps = tx.get(ROOT, "applications").unwrap().unwrap().1;
        let record = tx.get(&apps, app.as_str()).unwrap().unwrap().1;
        tx.put(&record, "notes", notes.as_str()).unwrap();
    });
    let reply = s.push(&big, |c| c);
    assert_eq!(reply.0, 413);
    s.refused(reply, ErrorCode::TooLarge, "te groot");
    // Smaller notes are fine.
    s.phone.edit(|d| {
        d.applications.get_mut(&app).unwrap().notes = "Korte notitie".into();
    });
    s.phone.sync().unwrap();
    assert_eq!(
        s.b.dossier(&s.employee).applications[&app].notes,
        "Korte notitie"
    );
}

/// docs/SYNC.md names every key of the document with its type: its table is the one the
/// bureau's check derives from the model.
#[test]
fn sync_md_lists_every_key_of_the_model() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/SYNC.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc
        .find("<!-- keys:begin -->")
        .expect("key table start marker");
    let end = doc.find("<!-- keys:end -->").expect("key table end marker");
    let rows: Vec<&str> = doc[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .collect();
    let want = koers_bureau::change_check::key_table().unwrap();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(
        rows,
        want,
        "docs/SYNC.md's key table is out of date; it should read:\n{}",
        want.join("\n")
    );
}

/// docs/SYNC.md's recipe for the genesis change, followed with plain Automerge calls,
/// gives the very change every peer starts from.
#[test]
fn the_genesis_recipe_of_sync_md_rebuilds_the_change_byte_for_byte() {
    use automerge::transaction::CommitOptions;
    use automerge::{ObjType, ScalarValue};
    let mut doc =
        Automerge::new().with_actor(automerge::ActorId::from(b"koers-genesis-v1".to_vec()));
    let mut tx = doc.transaction();
    // Keys in byte order, each object's keys right after the object is made.
    for key in ["actions", "applications", "appointments", "comments"] {
        tx.put_object(ROOT, key, ObjType::Map).unwrap();
    }
    tx.put(ROOT, "schema", ScalarValue::Uint(1)).unwrap();
    let t = tx.put_object(ROOT, "trajectory", ObjType::Map).unwrap();
    tx.put(&t, "budget_cents", ScalarValue::Null).unwrap();
    tx.put(&t, "budget_end", ScalarValue::Null).unwrap();
    tx.put(&t, "bureau", "").unwrap();
    tx.put(&t, "coach", "").unwrap();
    tx.put(&t, "contract_end", ScalarValue::Null).unwrap();
    tx.put(&t, "first_sick_day", ScalarValue::Null).unwrap();
    tx.put_object(&t, "goals", ObjType::List).unwrap();
    for key in ["kind", "phase", "start_date"] {
        tx.put(&t, key, ScalarValue::Null).unwrap();
    }
    tx.put(&t, "weekly_target", ScalarValue::Uint(0)).unwrap();
    tx.commit_with(
        CommitOptions::default()
            .with_message("genesis")
            .with_time(0),
    );
    let genesis = koers_core::model::genesis_document().unwrap();
    let ours = doc.get_changes(&[]);
    let theirs = genesis.get_changes(&[]);
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].raw_bytes(), theirs[0].raw_bytes());
    let hex: String = theirs[0]
        .hash()
        .0
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sync_md = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/SYNC.md"),
    )
    .unwrap();
    assert!(
        sync_md.contains(&hex),
        "SYNC.md should name the genesis hash {hex}"
    );
}
