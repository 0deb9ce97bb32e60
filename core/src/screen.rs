//! Decisions the apps' screens and background work need, made once here so Android and iOS
//! answer alike (their labels stay in the platforms' string catalogues): the link in a
//! shared text, whether a change calls for a sync soon, what the sync card shows, and the
//! file name an export is shared under.

use crate::dossier::{ExportFormat, SyncStatus, Topic};

/// The vacancy link in a text shared from a browser or another app (share sheets often
/// send a page title with the link): the first `http(s)://` word, without trailing
/// punctuation. None when there is no link.
#[uniffi::export]
pub fn shared_link(text: String) -> Option<String> {
    text.split_whitespace().find_map(|word| {
        let start = word.find("https://").or_else(|| word.find("http://"))?;
        let link = word[start..].trim_end_matches(['.', ',', ';', ')', '"', '\'', '>']);
        reqwest::Url::parse(link)
            .ok()
            .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
            .map(|_| link.to_string())
    })
}

/// Whether the changes just told to observers call for a sync soon: a shared record changed
/// (not only the private journal, nor a sync itself) on an enrolled device with something
/// to send.
#[uniffi::export]
pub fn sync_soon_after(topics: Vec<Topic>, status: SyncStatus) -> bool {
    status.enrolled
        && status.pending_changes > 0
        && topics
            .iter()
            .any(|t| !matches!(t, Topic::Journal | Topic::Sync))
}

/// Where syncing stands, for the settings screen's card (each a string-catalogue entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum, serde::Serialize)]
pub enum SyncState {
    /// Not linked to a bureau: show the enrolment form.
    NotLinked,
    /// Everything is at the bureau.
    UpToDate,
    /// Changes wait to be sent (show the count, with the catalogue's plural).
    Waiting,
    /// The last attempt failed (show `last_error`, which says what to do).
    Failed,
}

/// The sync card's state.
#[uniffi::export]
pub fn sync_state(status: SyncStatus) -> SyncState {
    if !status.enrolled {
        SyncState::NotLinked
    } else if status.last_error.is_some() {
        SyncState::Failed
    } else if status.pending_changes > 0 {
        SyncState::Waiting
    } else {
        SyncState::UpToDate
    }
}

/// The file name an export is shared under (Dutch, as the coach and the employer read it).
#[uniffi::export]
pub fn export_file_name(format: ExportFormat) -> String {
    match format {
        ExportFormat::Csv => "sollicitaties.csv",
        ExportFormat::Html => "re-integratieverslag.html",
        ExportFormat::Ics => "afspraken.ics",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(enrolled: bool, pending: u32, error: Option<&str>) -> SyncStatus {
        SyncStatus {
            enrolled,
            server_url: None,
            device_id: None,
            last_synced_at: None,
            last_attempt_at: None,
            pending_changes: pending,
            last_error: error.map(str::to_string),
        }
    }

    /// The cases both apps' tests read too: shared text, then the link expected ("" = none).
    #[test]
    fn the_shared_table_of_links() {
        let table = include_str!("../../tests/cases/shared_link.tsv");
        let mut checked = 0;
        for (n, line) in table.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (text, expected) = line.split_once('\t').expect("two columns");
            let expected = (!expected.is_empty()).then(|| expected.to_string());
            assert_eq!(shared_link(text.to_string()), expected, "line {}", n + 1);
            checked += 1;
        }
        assert!(checked >= 5);
    }

    #[test]
    fn a_sync_is_asked_for_only_when_there_is_something_to_send() {
        let shared = vec![Topic::Applications];
        assert!(sync_soon_after(shared.clone(), status(true, 1, None)));
        assert!(!sync_soon_after(shared.clone(), status(true, 0, None)));
        assert!(!sync_soon_after(shared, status(false, 3, None)));
        assert!(!sync_soon_after(
            vec![Topic::Journal],
            status(true, 1, None)
        ));
        assert!(!sync_soon_after(vec![Topic::Sync], status(true, 1, None)));
    }

    #[test]
    fn exports_have_dutch_file_names_with_their_extension() {
        assert_eq!(export_file_name(ExportFormat::Csv), "sollicitaties.csv");
        assert_eq!(
            export_file_name(ExportFormat::Html),
            "re-integratieverslag.html"
        );
        assert_eq!(export_file_name(ExportFormat::Ics), "afspraken.ics");
    }

    #[test]
    fn the_sync_card_says_where_things_stand() {
        assert_eq!(sync_state(status(false, 0, None)), SyncState::NotLinked);
        assert_eq!(sync_state(status(true, 0, None)), SyncState::UpToDate);
        assert_eq!(sync_state(status(true, 2, None)), SyncState::Waiting);
        assert_eq!(sync_state(status(true, 2, Some("x"))), SyncState::Failed);
    }
}
