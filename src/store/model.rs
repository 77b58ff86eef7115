//! The operator's own copy of the learned fallback: the shipped model retrained with the labels
//! they gave by hand, kept in the store beside the mail it learnt from.
//!
//! The engine's phrase tables say what servers write in general; a person's bounce mailbox has
//! its own regulars (a provider, a gateway, a language). Each label given in the review queue
//! is an example of those, and retraining turns them into guesses for the next unknowns.

use super::{Result, Store, StoreError};
use crate::classify::{Classifier, Reason, TextModel};
use std::sync::Arc;

/// The setting that holds the retrained model, as [`TextModel::to_text`] writes it.
const MODEL_SETTING: &str = "engine.reason_model";

/// What a retraining did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retrained {
    /// Labels given by hand that taught the model (those with a failure reason and words).
    pub labels: usize,
    /// Bounces the model now knows in all, the shipped ones included.
    pub documents: u32,
}

impl Store {
    /// The shipped engine with the operator's VERP pattern and retrained model (the rules
    /// come on top, in `Store::classifier`).
    pub(super) fn model_classifier(&self) -> Result<Classifier> {
        let engine = Classifier::with_verp(self.settings()?.verp);
        Ok(match self.local_model()? {
            Some(model) => engine.with_model(Arc::new(model)),
            None => engine,
        })
    }

    /// The retrained model, if the operator made one.
    pub fn local_model(&self) -> Result<Option<TextModel>> {
        self.setting(MODEL_SETTING)?
            .map(|text| {
                TextModel::parse(&text).map_err(|error| {
                    StoreError::Damaged(format!("the retrained reason model, {error}"))
                })
            })
            .transpose()
    }

    /// The labels given by hand as training examples: each labelled bounce's diagnostic with
    /// the reason the person chose.
    pub fn labelled_examples(&self) -> Result<Vec<(String, Reason)>> {
        let mut statement = self.conn.prepare(
            "SELECT b.diagnostic, l.reason FROM manual_labels l
             JOIN messages m ON m.sha256 = l.sha256
             JOIN bounces b ON b.message_id = m.id AND b.recipient_key = l.recipient_key
             WHERE b.diagnostic <> ''",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut examples = Vec::new();
        for row in rows {
            let (diagnostic, reason) = row?;
            let reason = Reason::from_name(&reason)
                .ok_or_else(|| StoreError::Damaged(format!("label reason `{reason}`")))?;
            examples.push((diagnostic, reason));
        }
        Ok(examples)
    }

    /// Retrains the shipped model with every label given by hand and keeps the result, so
    /// that later syncs, ingests and re-classifications use it.
    pub fn retrain_model(&self) -> Result<Retrained> {
        let examples = self.labelled_examples()?;
        let builtin = TextModel::builtin();
        let model = builtin.with_examples(
            examples
                .iter()
                .map(|(diagnostic, reason)| (diagnostic.as_str(), *reason)),
        );
        let labels = (model.document_count() - builtin.document_count()) as usize;
        self.set_setting(MODEL_SETTING, &model.to_text())?;
        Ok(Retrained {
            labels,
            documents: model.document_count(),
        })
    }

    /// Drops the retrained model: the shipped one decides again.
    pub fn forget_model(&self) -> Result<()> {
        self.conn
            .execute("DELETE FROM settings WHERE key = ?1", [MODEL_SETTING])?;
        Ok(())
    }
}
