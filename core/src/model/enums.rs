//! The dossier's closed vocabularies (status, phase, kind ...), each stored in the document
//! as a stable snake_case word and shown to people in Dutch.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use serde::{Deserialize, Serialize};

/// The word was not one of the vocabulary's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    pub vocabulary: &'static str,
    pub word: String,
    pub expected: Vec<&'static str>,
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}; expected one of: {}",
            self.vocabulary,
            self.word,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownWord {}

/// Declares a unit enum with its stored word and Dutch label per variant, and derives the
/// text, serde, autosurgeon and uniffi mappings from that one table.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => ($word:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, uniffi::Enum)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable word used in the document, the database and on the command line.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// The Dutch label a person sees.
            pub fn label_nl(&self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        /// For the shells: the stored word (their string catalogues key labels by it) and
        /// every case in order (for pickers), so no shell keeps its own list.
        #[uniffi::export]
        impl $name {
            /// The stable word, as `as_str` gives it.
            pub fn word(&self) -> String {
                self.as_str().to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_lowercase().replace(['-', ' '], "_");
                $(if wanted == $word { return Ok($name::$variant); })+
                Err(UnknownWord {
                    vocabulary: $what,
                    word: s.to_string(),
                    expected: vec![$($word),+],
                })
            }
        }

        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.as_str())
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
                s.parse().map_err(|e: UnknownWord| HydrateError::unexpected($what, e.word))
            }
        }
    };
}

vocabulary!(
    /// Why the employee looks for work elsewhere.
    TrajectoryKind, "trajectory kind", {
        Spoor2 => ("spoor2", "Spoor 2"),
        Outplacement => ("outplacement", "Outplacement"),
    }
);

vocabulary!(
    /// Where the trajectory stands; not always passed through in this order.
    Phase, "phase", {
        Intake => ("intake", "Intake"),
        Orientation => ("orientation", "Heroriëntatie"),
        Training => ("training", "Scholing"),
        JobHunting => ("job_hunting", "Solliciteren"),
        WorkPlacement => ("work_placement", "Werkervaringsplaats"),
        Placed => ("placed", "Geplaatst"),
        Aftercare => ("aftercare", "Nazorg"),
    }
);

vocabulary!(
    /// The pipeline a job application moves through.
    ApplicationStatus, "application status", {
        Interest => ("interest", "Interesse"),
        Applied => ("applied", "Gesolliciteerd"),
        Interview => ("interview", "Gesprek"),
        SecondInterview => ("second_interview", "Tweede gesprek"),
        Offer => ("offer", "Aanbod"),
        Hired => ("hired", "Aangenomen"),
        Rejected => ("rejected", "Afgewezen"),
        Withdrawn => ("withdrawn", "Teruggetrokken"),
    }
);

vocabulary!(
    /// Where the employee found the vacancy.
    Source, "source", {
        VacancySite => ("vacancy_site", "Vacaturesite"),
        Network => ("network", "Netwerk"),
        OpenApplication => ("open_application", "Open sollicitatie"),
        Recruiter => ("recruiter", "Recruiter of uitzendbureau"),
        JobFair => ("job_fair", "Banenmarkt"),
        Coach => ("coach", "Via de coach"),
        Other => ("other", "Anders"),
    }
);

vocabulary!(
    /// What a coach appointment is for.
    AppointmentKind, "appointment kind", {
        Intake => ("intake", "Intake"),
        Coaching => ("coaching", "Coachingsgesprek"),
        Evaluation => ("evaluation", "Evaluatie"),
        Workshop => ("workshop", "Workshop"),
        LabourExpertAssessment => ("labour_expert_assessment", "Arbeidsdeskundig onderzoek"),
        Other => ("other", "Anders"),
    }
);

vocabulary!(
    /// Where an appointment stands.
    AppointmentStatus, "appointment status", {
        Proposed => ("proposed", "Voorgesteld"),
        Confirmed => ("confirmed", "Bevestigd"),
        Cancelled => ("cancelled", "Geannuleerd"),
        Done => ("done", "Gehouden"),
    }
);

vocabulary!(
    /// Who did something in the shared dossier.
    Actor, "actor", {
        Employee => ("employee", "Werknemer"),
        Coach => ("coach", "Coach"),
    }
);

/// The statuses after which an application is over: the one place this rule is written
/// (the lists' filters and the shells ask `is_closed`).
pub const CLOSED_STATUSES: &[ApplicationStatus] = &[
    ApplicationStatus::Hired,
    ApplicationStatus::Rejected,
    ApplicationStatus::Withdrawn,
];

#[uniffi::export]
impl ApplicationStatus {
    /// Whether the application is over (no follow-up expected).
    pub fn is_closed(&self) -> bool {
        CLOSED_STATUSES.contains(self)
    }
}

/// Every application status in pipeline order, for the shells' pickers and filters.
#[uniffi::export]
pub fn application_statuses() -> Vec<ApplicationStatus> {
    ApplicationStatus::ALL.to_vec()
}

/// Every source, for the shells' pickers.
#[uniffi::export]
pub fn sources() -> Vec<Source> {
    Source::ALL.to_vec()
}

/// Every appointment kind, for the shells' pickers.
#[uniffi::export]
pub fn appointment_kinds() -> Vec<AppointmentKind> {
    AppointmentKind::ALL.to_vec()
}

/// Every phase, for the shells' pickers.
#[uniffi::export]
pub fn phases() -> Vec<Phase> {
    Phase::ALL.to_vec()
}

/// Every appointment status, for the shells' filters.
#[uniffi::export]
pub fn appointment_statuses() -> Vec<AppointmentStatus> {
    AppointmentStatus::ALL.to_vec()
}

/// Both actors.
#[uniffi::export]
pub fn actors() -> Vec<Actor> {
    Actor::ALL.to_vec()
}

/// Every trajectory kind, for the shells' pickers.
#[uniffi::export]
pub fn trajectory_kinds() -> Vec<TrajectoryKind> {
    TrajectoryKind::ALL.to_vec()
}

impl ApplicationStatus {
    /// Whether the employee actually applied (counts toward the weekly target).
    pub fn counts_as_applied(&self) -> bool {
        !matches!(self, Self::Interest)
    }
}

impl AppointmentStatus {
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Proposed | Self::Confirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_leniently_and_round_trip() {
        for s in ApplicationStatus::ALL {
            assert_eq!(s.as_str().parse::<ApplicationStatus>().unwrap(), *s);
        }
        assert_eq!(
            "Second interview".parse::<ApplicationStatus>().unwrap(),
            ApplicationStatus::SecondInterview
        );
        let err = "maybe".parse::<ApplicationStatus>().unwrap_err();
        assert!(err.to_string().contains("interest"), "{err}");
        assert_eq!(
            ApplicationStatus::SecondInterview.word(),
            "second_interview"
        );
    }

    #[test]
    fn the_closed_statuses_are_the_final_ones() {
        let closed: Vec<&str> = ApplicationStatus::ALL
            .iter()
            .filter(|s| s.is_closed())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(closed, ["hired", "rejected", "withdrawn"]);
    }
}
