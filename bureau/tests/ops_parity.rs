//! Every operation through the phone's write path (`Dossier`, which runs `koers_core::ops`
//! inside `commit_with`) and through the bureau's (`coach_api`, which runs the same ops on
//! its copy) from the same dossier: the same record, or the same refusal, and every refusal
//! in Dutch, as the employee and the coach read it.

mod common;

use common::Bureau;
use koers_bureau::coach_api::{self, AppointmentChange, NewAction, NewAppointment, NewComment};
use koers_bureau::BureauError;
use koers_core::edit::Edit;
use koers_core::model::fixtures::{self, day, ts};
use koers_core::model::{Actor, ApplicationStatus, AppointmentKind, AppointmentStatus, Phase};
use koers_core::ops;
use koers_core::Dossier;
use serde_json::Value;

/// The seeded dossier: an application of the employee, an appointment the coach proposed
/// (m-coach), one the employee proposed (m-own), a confirmed one (m-conf), a cancelled one
/// (m-cancel), and an action of the coach (c1).
fn seed() -> Vec<Edit> {
    let at = |h: u32| ts(&format!("2026-12-10T{h:02}:00:00Z"));
    let mut own = fixtures::appointment("m-own", at(9), at(10));
    own.proposed_by = Actor::Employee;
    let mut conf = fixtures::appointment("m-conf", at(11), at(12));
    conf.status = AppointmentStatus::Confirmed;
    let mut cancel = fixtures::appointment("m-cancel", at(13), at(14));
    cancel.status = AppointmentStatus::Cancelled;
    vec![
        Edit::PutApplication(fixtures::application(
            "a1",
            day("2026-11-30"),
            ApplicationStatus::Applied,
        )),
        Edit::PutAppointment(fixtures::appointment("m-coach", at(15), at(16))),
        Edit::PutAppointment(own),
        Edit::PutAppointment(conf),
        Edit::PutAppointment(cancel),
        Edit::PutAction(fixtures::action("c1", "Vacatures sturen", Actor::Coach)),
    ]
}

/// One operation through the phone's path ...
type OnPhone = Box<dyn Fn(&mut Dossier) -> koers_core::Result<Value>>;
/// ... and through the bureau's (bureau, coach id, employee id).
type AtBureau = Box<dyn Fn(&Bureau, &str, &str) -> Result<Value, BureauError>>;

struct Case {
    name: &'static str,
    phone: OnPhone,
    bureau: AtBureau,
}

fn json<T: serde::Serialize>(v: T) -> Value {
    let mut v = serde_json::to_value(v).unwrap();
    // Ids and clock readings differ between two runs, and only the bureau knows the coach's
    // name to sign a comment with; everything else must not differ.
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in [
                    "id",
                    "created_at",
                    "updated_at",
                    "done_at",
                    "at",
                    "author_name",
                ] {
                    if m.contains_key(k) {
                        m.insert(k.into(), Value::Null);
                    }
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

fn case(
    name: &'static str,
    phone: impl Fn(&mut Dossier) -> koers_core::Result<Value> + 'static,
    bureau: impl Fn(&Bureau, &str, &str) -> Result<Value, BureauError> + 'static,
) -> Case {
    Case {
        name,
        phone: Box::new(phone),
        bureau: Box::new(bureau),
    }
}

fn cases() -> Vec<Case> {
    let at = |d: u32, h: u32| ts(&format!("2026-12-{d:02}T{h:02}:00:00Z"));
    let new_appointment = move |start, end| NewAppointment {
        starts_at: start,
        ends_at: end,
        kind: AppointmentKind::Coaching,
        location: "Kantoor".into(),
        agenda: "CV".into(),
    };
    let as_ops = |n: &NewAppointment| ops::NewAppointment {
        starts_at: n.starts_at,
        ends_at: n.ends_at,
        kind: n.kind,
        location: n.location.clone(),
        agenda: n.agenda.clone(),
        notes: String::new(),
    };
    let moved = move |id: &'static str| {
        let change = AppointmentChange {
            starts_at: Some(at(17, 9)),
            ends_at: Some(at(17, 10)),
            ..Default::default()
        };
        let patch = ops::AppointmentPatch {
            starts_at: change.starts_at,
            ends_at: change.ends_at,
            ..Default::default()
        };
        case(
            "move",
            move |d| d.update_appointment(id, patch.clone()).map(json),
            move |b, c, e| {
                coach_api::change_appointment(&b.srv().state, c, e, "", id, &change).map(json)
            },
        )
    };
    let status = move |name, id: &'static str, s: AppointmentStatus| {
        case(
            name,
            move |d| {
                match s {
                    AppointmentStatus::Confirmed => d.confirm_appointment(id),
                    AppointmentStatus::Cancelled => d.cancel_appointment(id),
                    _ => d.complete_appointment(id, None),
                }
                .map(json)
            },
            move |b, c, e| {
                let change = AppointmentChange {
                    status: Some(s),
                    ..Default::default()
                };
                coach_api::change_appointment(&b.srv().state, c, e, "", id, &change).map(json)
            },
        )
    };
    let action = |name, title: String, appointment: Option<&'static str>| {
        let input = NewAction {
            title,
            due: Some(day("2026-12-20")),
            owner: None,
            appointment_id: appointment.map(str::to_string),
        };
        let new = ops::NewAction {
            title: input.title.clone(),
            due: input.due,
            owner: input.owner,
            appointment_id: input.appointment_id.clone(),
        };
        case(
            name,
            move |d| d.add_action(new.clone()).map(json),
            move |b, c, e| coach_api::add_action(&b.srv().state, c, e, "", &input).map(json),
        )
    };
    let good = new_appointment(at(18, 9), at(18, 10));
    let backwards = new_appointment(at(18, 10), at(18, 9));
    let (g1, g2) = (good.clone(), as_ops(&good));
    let (b1, b2) = (backwards.clone(), as_ops(&backwards));
    vec![
        case(
            "propose",
            move |d| d.schedule_appointment(g2.clone()).map(json),
            move |b, c, e| coach_api::schedule_appointment(&b.srv().state, c, e, "", &g1).map(json),
        ),
        case(
            "propose backwards",
            move |d| d.schedule_appointment(b2.clone()).map(json),
            move |b, c, e| coach_api::schedule_appointment(&b.srv().state, c, e, "", &b1).map(json),
        ),
        moved("m-conf"),
        moved("m-own"),
        moved("m-cancel"),
        moved("unknown"),
        status(
            "confirm the employee's proposal",
            "m-own",
            AppointmentStatus::Confirmed,
        ),
        status(
            "confirm a confirmed one",
            "m-conf",
            AppointmentStatus::Confirmed,
        ),
        status("cancel", "m-coach", AppointmentStatus::Cancelled),
        status("hold", "m-conf", AppointmentStatus::Done),
        status("hold a cancelled one", "m-cancel", AppointmentStatus::Done),
        status(
            "confirm a cancelled one",
            "m-cancel",
            AppointmentStatus::Confirmed,
        ),
        status(
            "confirm an unknown one",
            "unknown",
            AppointmentStatus::Confirmed,
        ),
        action("action", "CV bijwerken".into(), Some("m-coach")),
        action(
            "action with a 5,000-character title",
            "x".repeat(5_000),
            None,
        ),
        action(
            "action for an unknown appointment",
            "CV".into(),
            Some("unknown"),
        ),
        action("action without a title", "  ".into(), None),
        case(
            "tick off an action",
            |d| d.set_action_done("c1", true).map(json),
            |b, c, e| {
                coach_api::apply_op(&b.srv().state, c, e, "", |d, by, now| {
                    ops::set_action_done(d, by, "c1", true, now)
                })
                .map(json)
            },
        ),
        case(
            "delete an action",
            |d| d.delete_action("c1").map(json),
            |b, c, e| {
                coach_api::apply_op(&b.srv().state, c, e, "", |d, by, _| {
                    ops::delete_action(d, by, "c1")
                })
                .map(json)
            },
        ),
        case(
            "comment",
            |d| d.comment_on_application("a1", "Goed gesprek!").map(json),
            |b, c, e| {
                let input = NewComment {
                    application_id: Some("a1".into()),
                    text: "Goed gesprek!".into(),
                };
                coach_api::add_comment(&b.srv().state, c, e, "", &input).map(json)
            },
        ),
        case(
            "comment without text",
            |d| d.comment(None, "   ").map(json),
            |b, c, e| {
                let input = NewComment {
                    application_id: None,
                    text: "   ".into(),
                };
                coach_api::add_comment(&b.srv().state, c, e, "", &input).map(json)
            },
        ),
        case(
            "edit an action to an empty title",
            |d| d.edit_action("c1", Some(" ".into()), None).map(json),
            |b, c, e| {
                let change = coach_api::ActionChange {
                    title: Some(" ".into()),
                    ..Default::default()
                };
                coach_api::change_action(&b.srv().state, c, e, "", "c1", &change).map(json)
            },
        ),
        case(
            "edit an action to 301 characters",
            |d| d.edit_action("c1", Some("y".repeat(301)), None).map(json),
            |b, c, e| {
                let change = coach_api::ActionChange {
                    title: Some("y".repeat(301)),
                    ..Default::default()
                };
                coach_api::change_action(&b.srv().state, c, e, "", "c1", &change).map(json)
            },
        ),
        case(
            "tick off an unknown action",
            |d| d.set_action_done("zz", true).map(json),
            |b, c, e| {
                coach_api::apply_op(&b.srv().state, c, e, "", |d, by, now| {
                    ops::set_action_done(d, by, "zz", true, now)
                })
                .map(json)
            },
        ),
        case(
            "start before the first sick day",
            |d| {
                d.update_trajectory(ops::TrajectoryPatch {
                    first_sick_day: Some(Some(day("2026-06-01"))),
                    start_date: Some(Some(day("2026-05-01"))),
                    ..Default::default()
                })
                .map(json)
            },
            |b, c, e| {
                coach_api::edit_trajectory(
                    &b.srv().state,
                    c,
                    e,
                    "",
                    ops::TrajectoryPatch {
                        first_sick_day: Some(Some(day("2026-06-01"))),
                        start_date: Some(Some(day("2026-05-01"))),
                        ..Default::default()
                    },
                )
                .map(json)
            },
        ),
        case(
            "comment on an unknown application",
            |d| d.comment_on_application("zz", "Hallo").map(json),
            |b, c, e| {
                let input = NewComment {
                    application_id: Some("zz".into()),
                    text: "Hallo".into(),
                };
                coach_api::add_comment(&b.srv().state, c, e, "", &input).map(json)
            },
        ),
        case(
            "phase",
            |d| {
                d.update_trajectory(ops::TrajectoryPatch {
                    phase: Some(Phase::JobHunting),
                    ..Default::default()
                })
                .map(|t| json(t.phase))
            },
            |b, c, e| {
                coach_api::set_phase(&b.srv().state, c, e, "", Phase::JobHunting)?;
                Ok(json(b.dossier(e).trajectory.phase))
            },
        ),
        case(
            "weekly target of 51",
            |d| {
                d.update_trajectory(ops::TrajectoryPatch {
                    weekly_target: Some(51),
                    ..Default::default()
                })
                .map(json)
            },
            |b, c, e| coach_api::set_weekly_target(&b.srv().state, c, e, "", 51).map(json),
        ),
        case(
            "the coach logs an application",
            |d| {
                d.log_application(ops::NewApplication {
                    employer: "Acme".into(),
                    role: "Planner".into(),
                    ..Default::default()
                })
                .map(json)
            },
            |b, c, e| {
                coach_api::apply_op(&b.srv().state, c, e, "", |d, by, now| {
                    ops::log_application(
                        d,
                        by,
                        ops::NewApplication {
                            employer: "Acme".into(),
                            role: "Planner".into(),
                            ..Default::default()
                        },
                        now,
                    )
                })
                .map(json)
            },
        ),
        case(
            "the coach writes the employee's notes",
            |d| {
                d.update_appointment(
                    "m-own",
                    ops::AppointmentPatch {
                        notes: Some("niet van mij".into()),
                        ..Default::default()
                    },
                )
                .map(json)
            },
            |b, c, e| {
                coach_api::apply_op(&b.srv().state, c, e, "", |d, by, now| {
                    let patch = ops::AppointmentPatch {
                        notes: Some("niet van mij".into()),
                        ..Default::default()
                    };
                    ops::update_appointment(d, by, "m-own", patch, now)
                })
                .map(json)
            },
        ),
    ]
}

/// English words that gave a refusal away as half translated (before, e.g. "Niet opgeslagen:
/// omschrijving (title): may not be empty", "Niet gevonden: appointment unknown").
const ENGLISH: [&str; 22] = [
    "must",
    "invalid",
    "not found",
    "characters",
    "only",
    "cannot",
    "may",
    "empty",
    "longer",
    "after",
    "before",
    "the",
    "is not",
    "appointment",
    "action",
    "application",
    "title",
    "ends_at",
    "cancelled",
    "confirmed",
    "proposed",
    "done",
];

fn assert_dutch(case: &str, text: &str) {
    let lower = text.to_lowercase();
    // Whole words only ("the" is not in "thema"); the test ids ("unknown", "m-own") are no text.
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    let joined = format!(" {} ", words.join(" "));
    for english in ENGLISH {
        assert!(
            !joined.contains(&format!(" {english} ")),
            "{case}: English {english:?} in the refusal {text:?}"
        );
    }
}

#[test]
fn the_blacklist_catches_what_the_refusals_said_before() {
    for before in [
        "Niet opgeslagen: omschrijving (title): may not be empty.",
        "Niet gevonden: appointment unknown.",
        "ends_at: the end must be after the start",
        "an appointment that is cancelled cannot become done",
    ] {
        let caught = std::panic::catch_unwind(|| assert_dutch("before", before));
        assert!(caught.is_err(), "{before:?} passed");
    }
    assert_dutch("now", "Niet opgeslagen (omschrijving): mag niet leeg zijn.");
}

#[test]
fn every_operation_gives_the_same_result_or_refusal_on_the_phone_and_at_the_bureau() {
    let b = Bureau::start();
    let coach = b.coach("parity@bureau.test");
    let mut refused = Vec::new();
    for case in cases() {
        let (employee, _) = b.employee(&coach, case.name);
        let state = &b.srv().state;
        state
            .documents
            .edit(&employee, |slot| {
                let mut fork = slot.doc.fork();
                let mut tx = fork.transaction();
                for e in seed() {
                    e.apply_to_doc(&mut tx).unwrap();
                }
                tx.commit();
                Ok(((), Some(fork), koers_bureau::documents::Persist::default()))
            })
            .unwrap();
        let doc = state.documents.read(&employee, |d| d.fork()).unwrap();
        let mut phone = Dossier::open_in_memory().unwrap();
        phone.replace_document(doc, |_| Ok(())).unwrap();
        phone.act_as(Actor::Coach);

        let on_phone = (case.phone)(&mut phone);
        let at_bureau = (case.bureau)(&b, &coach, &employee);
        match (on_phone, at_bureau) {
            (Ok(p), Ok(s)) => {
                assert_eq!(p, s, "{}: different results", case.name);
                let mut phone_doc = json(phone.document());
                let mut bureau_doc = json(b.dossier(&employee));
                // Records created on each side have their own ids: compare the contents.
                for d in [&mut phone_doc, &mut bureau_doc] {
                    for coll in ["applications", "appointments", "actions", "comments"] {
                        let values: Vec<Value> =
                            d[coll].as_object().unwrap().values().cloned().collect();
                        d[coll] = Value::Array(values);
                    }
                }
                assert_eq!(phone_doc, bureau_doc, "{}: different dossiers", case.name);
            }
            (Err(p), Err(s)) => {
                // What the phone shows (the error's message) and what the coach reads
                // (the API's reason, the web view's notice) are Dutch, nothing half English.
                assert_dutch(case.name, &p.to_string());
                assert_dutch(case.name, &s.to_string());
                assert_eq!(
                    coach_api::refusal(p).to_string(),
                    s.to_string(),
                    "{}: different refusals",
                    case.name
                );
                refused.push((case.name, s.to_string()));
            }
            (p, s) => panic!("{}: phone {p:?}, bureau {s:?}", case.name),
        }
    }
    let reason = |name: &str| {
        refused
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{name} was not refused"))
    };
    assert!(reason("hold a cancelled one").contains("geannuleerd is, kan niet meer gehouden"));
    assert!(reason("action with a 5,000-character title").contains("langer dan 300 tekens"));
    assert!(reason("action for an unknown appointment").contains("afspraak unknown"));
    assert!(reason("action without a title").contains("omschrijving"));
    assert!(reason("propose backwards").contains("na het begin"));
    assert!(reason("comment without text").contains("mag niet leeg zijn"));
    assert!(reason("the coach logs an application").contains("alleen de werknemer"));
    assert!(reason("the coach writes the employee's notes").contains("notities"));
    assert!(reason("weekly target of 51").contains("50"));
    reason("move");
}

#[test]
fn a_moved_confirmed_appointment_is_proposed_again_through_the_json_api() {
    let b = Bureau::start();
    let coach = b.coach("move@bureau.test");
    let (employee, _) = b.employee(&coach, "Sanne");
    let token = b.coach_token("move@bureau.test");
    let state = &b.srv().state;
    let m = coach_api::schedule_appointment(
        state,
        &coach,
        &employee,
        "",
        &NewAppointment {
            starts_at: ts("2026-12-18T09:00:00Z"),
            ends_at: ts("2026-12-18T10:00:00Z"),
            kind: AppointmentKind::Coaching,
            location: String::new(),
            agenda: String::new(),
        },
    )
    .unwrap();
    let client = reqwest::blocking::Client::new();
    let url = format!(
        "{}/v1/coach/employees/{employee}/appointments/{}",
        b.url(),
        m.id
    );
    let patch = |body: Value| {
        let r = client
            .patch(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().unwrap())
    };
    assert_eq!(
        patch(serde_json::json!({"status": "confirmed"})).1["status"],
        "confirmed"
    );
    let (code, moved) = patch(serde_json::json!({
        "starts_at": "2026-12-19T09:00:00.000Z", "ends_at": "2026-12-19T10:00:00.000Z"
    }));
    assert_eq!(code, 200);
    assert_eq!(moved["status"], "proposed");
    assert_eq!(patch(serde_json::json!({"status": "cancelled"})).0, 200);
    let (code, body) = patch(serde_json::json!({"status": "done"}));
    assert_eq!(code, 400, "{body}");
    let (code, _) = client
        .patch(format!(
            "{}/v1/coach/employees/{employee}/appointments/nope",
            b.url()
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"status": "cancelled"}))
        .send()
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(code, 404);
}
