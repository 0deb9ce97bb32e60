//! Sync measurements for docs/PERFORMANCE.md ("## Sync"): bytes on the wire and round trips
//! for the common cases, the first full sync of a two-year dossier, and the server's
//! throughput and memory with 1,000 enrolled devices each pushing one change; and the
//! server's CPU per sync session and the caseload's time when every dossier is a two-year
//! one (docs/PERFORMANCE.md, "Bureau: cost per sync on a two-year dossier").
//!
//! Run: `cargo bench -p koers-bureau --bench sync` (add `-- --quick` for a smaller load,
//! `-- --two-year` for only the two-year part).
//! Client and server run in this one process on loopback; on a 2-core machine they share
//! the cores, so the throughput is a lower bound for the server alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::Automerge;
use koers_bureau::coach_api::{self, NewEmployee};
use koers_bureau::summary;
use koers_bureau::testkit::{Proxy, TestServer};
use koers_core::incremental::{RecordRef, Touched};
use koers_core::model::{
    genesis_document, Action, Actor, ApplicationStatus, Appointment, AppointmentKind,
    AppointmentStatus, StatusChange, Timestamp, TrajectoryKind,
};
use koers_core::sync::{adopt_enrolment, HttpTransport, PeerState};

// The bureau binary's allocator (bureau/src/main.rs), so the server CPU measured in this
// process is what the binary spends.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
use common::{
    application, ms, put_application, spread, two_year_dossier, two_year_employee, Phone, Res,
};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn employee(server: &TestServer, coach: &str, name: &str) -> Res<String> {
    Ok(coach_api::create_employee(
        &server.state,
        coach,
        &NewEmployee {
            name: name.into(),
            kind: TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: Some(3),
            bureau: None,
        },
    )?
    .enrolment_code)
}

/// CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write to; the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Server CPU per sync session and the caseload, with every dossier a two-year one.
fn two_year(
    server: &TestServer,
    data_dir: &std::path::Path,
    dossiers: usize,
    sessions: usize,
) -> Res<()> {
    use koers_bureau::auth::Principal;
    use koers_core::sync::{absorb, prepare};
    use koers_protocol::{SyncRequest, PROTOCOL_VERSION};

    let state = &server.state;
    let coach = coach_api::create_coach(
        state,
        "twee@bureau.example",
        "Twee",
        "twee-wachtwoord",
        false,
    )?
    .id;
    // One two-year dossier as the core's demo writes it (the phone's and the coach's edits),
    // merged into every employee's document on the server, as if synced over two years.
    let build = Instant::now();
    let filled = two_year_dossier()?;
    let mut employees = Vec::with_capacity(dossiers);
    for n in 0..dossiers {
        let created = two_year_employee(state, &coach, format!("Twee jaar {n}"), &filled)?;
        employees.push(created);
    }
    println!(
        "\n(d) {dossiers} two-year dossiers ({} changes, saved {} bytes each) stored in {:.1} s",
        filled.get_changes(&[]).len(),
        filled.save().len(),
        build.elapsed().as_secs_f64()
    );

    // A phone back from two years offline: every change of the dossier is its backlog. What
    // its fast push sends (docs/SYNC.md, "The fast path") beside the forms it chooses from.
    {
        let genesis = genesis_document()?;
        let mut backlog = filled.get_changes(&genesis.get_heads());
        let one_by_one: usize = backlog.iter_mut().map(|c| c.bytes().len()).sum();
        let plain: Vec<koers_protocol::Bytes> = backlog
            .iter()
            .map(|c| koers_protocol::Bytes(c.raw_bytes().to_vec()))
            .collect();
        let packed = koers_protocol::pack_changes(&plain).map_or(0, |p| p.0.len());
        let saved = filled.save().len();
        let mut peer = PeerState::acknowledged(genesis.get_heads());
        let push = koers_protocol::encode(&prepare(&filled, "d", &mut peer))?.len();
        println!(
            "    a backlog of {} changes: one by one {one_by_one} bytes ({:.1}x the saved document), packed {packed} ({:.1}x), saved document {saved}; the fast push sends {push} bytes ({:.2}x)",
            backlog.len(),
            one_by_one as f64 / saved as f64,
            packed as f64 / saved as f64,
            push as f64 / saved as f64
        );
    }

    // A phone of the first employee, in step with the bureau.
    let first = &employees[0];
    let body = koers_protocol::encode(&koers_protocol::EnrolRequest {
        v: PROTOCOL_VERSION,
        code: first.enrolment_code.clone(),
        device_name: "bench".into(),
        request_id: None,
    })?;
    let e = koers_bureau::devices::redeem(state, "10.9.0.1", &body)?;
    let mut doc = genesis_document()?.with_actor(automerge::ActorId::random());
    let (mut peer, _) = adopt_enrolment(&mut doc, &e.document.0)?;
    let who = Principal::Device {
        device_id: e.device_id.clone(),
        employee_id: e.employee_id.clone(),
    };
    let round_on = |state: &koers_bureau::AppState,
                    doc: &mut Automerge,
                    peer: &mut PeerState|
     -> Res<Duration> {
        let request = SyncRequest {
            v: PROTOCOL_VERSION,
            documents: vec![prepare(doc, &e.employee_id, peer)],
        };
        let cpu = thread_cpu();
        let mut reply = koers_bureau::sync::handle(state, &who, None, "10.9.0.1", request)?;
        let used = thread_cpu() - cpu;
        let reply = reply.documents.pop().ok_or("no reply")?;
        absorb(doc, peer, reply)?;
        Ok(used)
    };
    let round = |doc: &mut Automerge, peer: &mut PeerState| round_on(state, doc, peer);
    round(&mut doc, &mut peer)?;
    // Sessions that each add one application (written as the phone writes it).
    let mut cpu = Vec::with_capacity(sessions);
    for n in 0..sessions {
        let id = koers_core::model::new_id();
        put_application(&mut doc, &application(&id, 10_000 + n))?;
        cpu.push(round(&mut doc, &mut peer)?);
        if peer.in_full_sync() {
            return Err("the session fell back to the full protocol".into());
        }
    }
    let (p50, p90, mean) = spread(cpu);
    println!(
        "    server CPU per sync session adding one application ({sessions} sessions, sync::handle on this thread): p50 {p50:.1} ms, p90 {p90:.1} ms, mean {mean:.1} ms"
    );

    // The coach on the same dossier: adding an action (an operation of `koers_core::ops`,
    // stored with the coach's actor) and opening the dossier, on this thread.
    let mut edits = Vec::with_capacity(sessions);
    let mut views = Vec::with_capacity(sessions);
    for n in 0..sessions {
        let action = coach_api::NewAction {
            title: format!("Bel werkgever {n}"),
            due: None,
            owner: None,
            appointment_id: None,
        };
        let cpu = thread_cpu();
        coach_api::add_action(state, &coach, &e.employee_id, "10.9.0.2", &action)?;
        edits.push(thread_cpu() - cpu);
        let cpu = thread_cpu();
        coach_api::dossier(state, &coach, &e.employee_id, "10.9.0.2")?;
        views.push(thread_cpu() - cpu);
    }
    let (edit50, edit90, _) = spread(edits);
    let (view50, view90, _) = spread(views);
    println!(
        "    coach on the same dossier ({sessions} times each, on this thread): adding an action p50 {edit50:.1} ms, p90 {edit90:.1} ms; opening the dossier p50 {view50:.1} ms, p90 {view90:.1} ms"
    );

    // The caseload summary written with every session's change, on its own: computed whole
    // from the hydrated dossier, against brought up from the last summary's kept inputs by
    // the one application the session touched (what a node does), each timed after other
    // data filled the CPU caches (as a session's disk wait leaves them).
    let mut dossier: koers_core::model::DossierDocument = autosurgeon::hydrate(&doc)?;
    let now = Timestamp::now();
    let (_, mut kept) = summary::of_kept(&dossier, now, None, &Touched::Everything)?;
    let mut other = vec![1u8; 32 << 20];
    let mut evict = || {
        for b in other.iter_mut().step_by(64) {
            *b = b.wrapping_add(1);
        }
        std::hint::black_box(&other);
    };
    let (mut whole, mut updated) = (Vec::new(), Vec::new());
    for n in 0..sessions {
        let id = koers_core::model::new_id();
        dossier
            .applications
            .insert(id.clone(), application(&id, 30_000 + n));
        evict();
        let started = Instant::now();
        let computed = summary::of(&dossier, now)?;
        whole.push(started.elapsed());
        evict();
        let started = Instant::now();
        let touched = Touched::Records([RecordRef::Application(id)].into());
        let (brought_up, k) = summary::of_kept(&dossier, now, Some(kept), &touched)?;
        updated.push(started.elapsed());
        kept = k;
        if brought_up != computed {
            return Err("the summary from kept inputs differs from the one computed whole".into());
        }
    }
    let (whole50, whole90, _) = spread(whole);
    let (updated50, updated90, _) = spread(updated);
    println!(
        "    the caseload summary of a session ({sessions} sessions, caches filled with other data before each): computed whole p50 {whole50:.3} ms, p90 {whole90:.3} ms; from the kept inputs p50 {updated50:.3} ms, p90 {updated90:.3} ms"
    );

    // The caseload of all of them: first on a node that just started (a second server on
    // the same database: every document is loaded from storage), then again.
    let restarted = TestServer::start(data_dir, None)?;
    let started = Instant::now();
    let lines = coach_api::caseload(&restarted.state, &coach)?;
    let cold = started.elapsed();
    let mut warm = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        coach_api::caseload(&restarted.state, &coach)?;
        warm.push(started.elapsed());
    }
    restarted.stop();
    let (warm50, _, _) = spread(warm);
    println!(
        "    caseload of {} two-year dossiers (coach_api::caseload): {:.0} ms after a restart (every document loaded), {warm50:.1} ms after that (p50 of 5)",
        lines.len(),
        ms(cold),
    );

    // A node's first session of a dossier: a node that just started (on the same database)
    // loads the document from storage, then serves the phone's session adding one application.
    round(&mut doc, &mut peer)?; // the coach's actions reach the phone first
    let mut first = Vec::new();
    for n in 0..5 {
        let restarted = TestServer::start(data_dir, None)?;
        let id = koers_core::model::new_id();
        put_application(&mut doc, &application(&id, 20_000 + n))?;
        first.push(round_on(&restarted.state, &mut doc, &mut peer)?);
        restarted.stop();
        if peer.in_full_sync() {
            return Err("the session fell back to the full protocol".into());
        }
    }
    let (first50, first90, _) = spread(first);
    println!(
        "    a node's first session of a two-year dossier (a node that just started; load included, on this thread): p50 {first50:.1} ms, p90 {first90:.1} ms (5 restarts)"
    );
    Ok(())
}

fn main() -> Res<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let only_two_year = std::env::args().any(|a| a == "--two-year");
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path(), None)?;
    let coach = coach_api::create_coach(
        &server.state,
        "bench@bureau.example",
        "Bench",
        "bench-wachtwoord",
        false,
    )?
    .id;
    let proxy = Proxy::start(server.addr)?;

    if only_two_year {
        two_year(&server, dir.path(), if quick { 20 } else { 100 }, 50)?;
        server.stop();
        return Ok(());
    }
    println!("## Sync measurements\n");
    // (a) one new application after a settled sync.
    let code = employee(&server, &coach, "A")?;
    let mut phone = Phone::enrol(&proxy.url, &code)?;
    phone.add_application(0)?;
    phone.sync()?;
    proxy.reset_counts();
    let t0 = phone.transport.traffic();
    phone.add_application(1)?;
    let started = Instant::now();
    let rounds = phone.sync()?;
    let took = started.elapsed();
    let (up, down, _) = proxy.counts();
    let t1 = phone.transport.traffic();
    println!(
        "(a) one new application: {rounds} round trip(s), {} bytes on the wire ({up} up + {down} down, HTTP headers included), bodies {} + {} bytes, {:.1} ms",
        up + down,
        t1.bytes_sent - t0.bytes_sent,
        t1.bytes_received - t0.bytes_received,
        took.as_secs_f64() * 1000.0
    );

    // (b) 20 applications made offline.
    for n in 0..20 {
        phone.add_application(100 + n)?;
    }
    proxy.reset_counts();
    let rounds = phone.sync()?;
    let (up, down, _) = proxy.counts();
    println!(
        "(b) 20 offline applications: {rounds} round trip(s), {} bytes on the wire ({up} up + {down} down)",
        up + down
    );

    // (c) a two-year dossier: 500 applications edited ~6 times, 60 appointments, 100 actions.
    let code = employee(&server, &coach, "C")?;
    let mut big = Phone::enrol(&proxy.url, &code)?;
    let build = Instant::now();
    let statuses = [
        ApplicationStatus::Interview,
        ApplicationStatus::SecondInterview,
        ApplicationStatus::Offer,
        ApplicationStatus::Rejected,
    ];
    for n in 0..500 {
        let id = koers_core::model::new_id();
        let mut app = application(&id, n);
        put_application(&mut big.doc, &app)?;
        // Five more edits: four status changes and a note, each its own change.
        for status in statuses {
            app.status = status;
            app.history.push(StatusChange {
                status,
                at: Timestamp::now(),
                by: Actor::Employee,
            });
            app.updated_at = Timestamp::now();
            put_application(&mut big.doc, &app)?;
        }
        app.notes = "Gesprek met teamleider; terugkoppeling volgt.".into();
        app.updated_at = Timestamp::now();
        put_application(&mut big.doc, &app)?;
    }
    // Appointments and actions are the coach's: made on the server, as in real life.
    for n in 0..60 {
        coach_api::edit_dossier(&server.state, &coach, &big.employee, "", |d| {
            let id = koers_core::model::new_id();
            let now = Timestamp::now();
            d.appointments.insert(
                id.clone(),
                Appointment {
                    id,
                    starts_at: now,
                    ends_at: Timestamp(now.0 + chrono::Duration::hours(1)),
                    kind: AppointmentKind::Coaching,
                    location: "Kantoor Utrecht".into(),
                    agenda: format!("Gesprek {n}"),
                    status: AppointmentStatus::Done,
                    proposed_by: Actor::Coach,
                    notes: String::new(),
                    created_at: now,
                    updated_at: now,
                },
            );
            Ok(())
        })?;
    }
    for n in 0..100 {
        coach_api::edit_dossier(&server.state, &coach, &big.employee, "", |d| {
            let id = koers_core::model::new_id();
            d.actions.insert(
                id.clone(),
                Action {
                    id,
                    appointment_id: None,
                    title: format!("Actie {n}: netwerkgesprek plannen"),
                    due: None,
                    owner: Actor::Employee,
                    done: n % 2 == 0,
                    done_at: None,
                    created_at: Timestamp::now(),
                },
            );
            Ok(())
        })?;
    }
    let built = build.elapsed();
    // The phone pushes its two years of applications (never synced: the saved document).
    big.state = PeerState::new();
    proxy.reset_counts();
    let started = Instant::now();
    let rounds = big.sync()?;
    let push_time = started.elapsed();
    let (up, down, _) = proxy.counts();
    let saved = big.doc.save().len();
    println!(
        "(c) two-year dossier ({} changes, saved document {saved} bytes, built in {:.1} s):",
        big.doc.get_changes(&[]).len(),
        built.as_secs_f64()
    );
    println!(
        "    phone's first full sync (push): {rounds} round trip(s), {:.0} ms, {} bytes on the wire = {:.2}x the saved document ({up} up = {:.2}x, {down} down: the coach's 160 edits the phone lacked)",
        push_time.as_secs_f64() * 1000.0,
        up + down,
        (up + down) as f64 / saved as f64,
        up as f64 / saved as f64
    );
    // A new device of the same employee gets the whole dossier at enrolment.
    let code = coach_api::new_code(&server.state, &coach, &big.employee, "")?.enrolment_code;
    proxy.reset_counts();
    let started = Instant::now();
    let mut second = Phone::enrol(&proxy.url, &code)?;
    let rounds = second.sync()?;
    let pull_time = started.elapsed();
    let (up, down, _) = proxy.counts();
    println!(
        "    new device's first full sync (enrol + sync): {} round trip(s), {:.0} ms, {} bytes on the wire = {:.2}x the saved document",
        rounds + 1,
        pull_time.as_secs_f64() * 1000.0,
        up + down,
        (up + down) as f64 / saved as f64
    );
    // Plain automerge::sync with no state, for comparison.
    {
        use automerge::sync::{State, SyncDoc};
        let mut a = big.doc.clone();
        let mut b = genesis_document()?;
        let (mut sa, mut sb) = (State::new(), State::new());
        let (mut bytes, mut msgs) = (0, 0);
        for _ in 0..20 {
            let m1 = a.generate_sync_message(&mut sa);
            let m2 = b.generate_sync_message(&mut sb);
            if m1.is_none() && m2.is_none() {
                break;
            }
            if let Some(m) = m1 {
                let e = m.encode();
                bytes += e.len();
                msgs += 1;
                b.receive_sync_message(&mut sb, automerge::sync::Message::decode(&e)?)?;
            }
            if let Some(m) = m2 {
                let e = m.encode();
                bytes += e.len();
                msgs += 1;
                a.receive_sync_message(&mut sa, automerge::sync::Message::decode(&e)?)?;
            }
        }
        println!(
            "    (plain automerge::sync from nothing: {msgs} messages, {bytes} bytes = {:.2}x)",
            bytes as f64 / saved as f64
        );
    }

    two_year(&server, dir.path(), if quick { 20 } else { 100 }, 50)?;

    // Throughput: N enrolled devices each pushing one change.
    let devices = if quick { 200 } else { 1000 };
    let threads = 4;
    let mut phones = Vec::with_capacity(devices);
    let enrolling = Instant::now();
    for n in 0..devices {
        let code = employee(&server, &coach, &format!("T{n}"))?;
        // Straight to the function: the HTTP enrolment is rate limited per IP.
        let body = koers_protocol::encode(&koers_protocol::EnrolRequest {
            v: koers_protocol::PROTOCOL_VERSION,
            code,
            device_name: "bench".into(),
            request_id: None,
        })?;
        let e = koers_bureau::devices::redeem(
            &server.state,
            &format!("10.0.{}.{}", n / 250, n % 250),
            &body,
        )?;
        let mut doc = genesis_document()?.with_actor(automerge::ActorId::random());
        let (state, _) = adopt_enrolment(&mut doc, &e.document.0)?;
        let mut p = Phone {
            doc,
            state,
            employee: e.employee_id,
            token: e.token,
            transport: HttpTransport::new(&server.url)?,
        };
        p.add_application(n)?;
        phones.push(p);
    }
    println!(
        "\nthroughput: {devices} devices enrolled in {:.1} s; RSS {} MiB before the load",
        enrolling.elapsed().as_secs_f64(),
        rss_kib() / 1024
    );
    let queue = Arc::new(std::sync::Mutex::new(phones));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut handles = vec![];
    for _ in 0..threads {
        let q = queue.clone();
        let d = done.clone();
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            loop {
                let next = q.lock().map_err(|e| e.to_string())?.pop();
                let Some(mut p) = next else { return Ok(()) };
                let rounds = p.sync().map_err(|e| e.to_string())?;
                if rounds != 1 {
                    return Err(format!("{rounds} round trips"));
                }
                d.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for h in handles {
        h.join().map_err(|_| "worker panicked")??;
    }
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    println!(
        "throughput: {} sync sessions in {:.2} s = {:.0} sessions/s ({threads} client threads, same 2 cores as the server); RSS {} MiB after",
        done.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        done.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
        rss_kib() / 1024
    );
    server.stop();
    Ok(())
}
