//! The frame every page shares: document head, skip link, header with navigation and
//! logout, notices; and small pieces forms reuse (the CSRF field, badges).

use axum::http::StatusCode;
use maud::{html, Markup, DOCTYPE};

use super::csrf;
use super::session::CoachSession;

/// Which main navigation item is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Caseload,
    NewEmployee,
    None,
}

/// A message at the top of a page.
#[derive(Debug, Clone)]
pub enum Notice {
    Done(String),
    Problem(String),
}

pub fn notice(n: &Notice) -> Markup {
    match n {
        Notice::Done(text) => html! {
            div.notice.notice-ok role="status" { (text) }
        },
        // A refusal of the core's operations comes framed already ("Niet opgeslagen (...)",
        // "Niet toegestaan: ..."): no second frame around it.
        Notice::Problem(text) => html! {
            div.notice.notice-problem role="alert" {
                @if !text.starts_with("Niet ") { strong { "Niet opgeslagen. " } }
                (text)
            }
        },
    }
}

/// The hidden CSRF field every form of a logged-in coach carries.
pub fn csrf_field(session: &CoachSession) -> Markup {
    html! { input type="hidden" name=(csrf::FIELD) value=(session.csrf); }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="robots" content="noindex, nofollow";
            title { (title) " · Koers voor coaches" }
            link rel="icon" href="data:,";
            link rel="stylesheet" href="/coach/static/koers.css";
            script src="/coach/static/koers.js" defer {}
        }
    }
}

/// A page for a logged-in coach.
pub fn page(title: &str, session: &CoachSession, nav: Nav, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            (head(title))
            body {
                a.skip href="#inhoud" { "Naar de inhoud" }
                header.topbar {
                    div.topbar-inner {
                        a.brand href="/coach" {
                            span.brand-mark aria-hidden="true" { "K" }
                            span { "Koers" span.brand-sub { " voor coaches" } }
                        }
                        nav aria-label="Hoofdmenu" {
                            a href="/coach" aria-current=[(nav == Nav::Caseload).then_some("page")] { "Caseload" }
                            a href="/coach/werknemers/nieuw" aria-current=[(nav == Nav::NewEmployee).then_some("page")] { "Nieuwe werknemer" }
                        }
                        div.who {
                            span.who-name { (session.coach_name) }
                            form method="post" action="/coach/uitloggen" {
                                (csrf_field(session))
                                button.button.button-quiet type="submit" { "Uitloggen" }
                            }
                        }
                    }
                }
                main id="inhoud" tabindex="-1" { (body) }
            }
        }
    }
}

/// A page without a session (login, errors).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            (head(title))
            body.bare {
                a.skip href="#inhoud" { "Naar de inhoud" }
                main id="inhoud" tabindex="-1" { (body) }
            }
        }
    }
}

pub fn error_page(status: StatusCode, title: &str, text: &str) -> Markup {
    bare(
        title,
        html! {
            div.card.narrow {
                p.eyebrow { "Foutcode " (status.as_u16()) }
                h1 { (title) }
                p { (text) }
                p { a.button href="/coach" { "Naar de caseload" } }
            }
        },
    )
}

/// A coloured label; `tone` is one of ok, warn, bad, info, muted.
pub fn badge(tone: &str, text: &str) -> Markup {
    html! { span class={"badge badge-" (tone)} { (text) } }
}
