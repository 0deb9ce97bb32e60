//! Comments: a remark on one application, or a general note in the dossier.

use super::check::finish;
use super::{Acting, Done};
use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{new_id, Comment, DossierDocument, Timestamp};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewComment {
    /// The application it is about; `None` for a general note.
    pub application_id: Option<String>,
    pub text: String,
    /// The name shown with it (the coach's); may be empty.
    pub author_name: String,
}

pub fn comment(
    doc: &DossierDocument,
    by: Acting,
    new: NewComment,
    now: Timestamp,
) -> Result<Done<Comment>> {
    if let Some(id) = &new.application_id {
        super::applications::find(doc, id)?;
    }
    let text = input::text("text", &new.text)?;
    let text = text.trim_start();
    if text.is_empty() {
        return Err(KoersError::invalid("text", input::EMPTY));
    }
    let c = Comment {
        id: new_id(),
        application_id: new.application_id,
        author: by.actor,
        author_name: input::optional_line("author_name", Some(&new.author_name))?
            .unwrap_or_default(),
        text: text.to_string(),
        at: now,
    };
    finish(doc, by, vec![Edit::PutComment(c.clone())], c)
}
