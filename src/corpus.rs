//! A labelled bounce corpus on disk: message files beside a `labels.jsonl` that says, per file,
//! what each result should be (the format of the project's shared corpus, described in its
//! README).
//!
//! Two jobs need it: measuring the engine (the accuracy test) and training the learned
//! fallback (`bouncedesk model train`). Both read the corpus the same way, split it the same
//! way and pair the engine's results with the labels the same way, so that what is measured is
//! what is trained on.

use crate::classify::{Bounce, Classifier, Kind, Reason, TextModel, Trainer};
use crate::mailfiles;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One expected result of one file.
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    /// The file name inside the corpus folder.
    pub file: String,
    /// The bounced address, where the label carries one.
    pub recipient: Option<String>,
    /// The expected enhanced status code.
    pub status: Option<String>,
    /// The expected SMTP reply code, as text.
    pub reply_code: Option<String>,
    /// The expected reason (Sisimai's vocabulary).
    pub reason: Option<String>,
    /// The expected `hard_bounce`.
    pub hard_bounce: Option<bool>,
    /// Permanent (true) or temporary failure, where the label says only that.
    pub permanent: Option<bool>,
    /// bounce, autoreply, feedback, delivered or notbounce.
    pub kind: String,
    /// Which project the label came from (`sisimai`, `flufl.bounce`, …).
    pub source: String,
}

impl Label {
    /// The expected reason, when the label names one the engine knows.
    pub fn reason(&self) -> Option<Reason> {
        self.reason.as_deref().and_then(Reason::from_name)
    }
}

/// Which half of a corpus a file falls in: the corpus is split in two by content so that a
/// rule written from one half can be checked on the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Half {
    /// The files whose content hash has an even fifth byte.
    A,
    /// The others.
    B,
}

impl Half {
    /// The half of a message, from the SHA-256 of its bytes with CRLF turned into LF (so a
    /// CRLF copy falls with its LF twin). The fifth byte is used because the corpus itself
    /// was split off its held-out part by the first four.
    pub fn of(bytes: &[u8]) -> Half {
        if content_hash(bytes)[4].is_multiple_of(2) {
            Half::A
        } else {
            Half::B
        }
    }
}

/// The fold (0..folds) of a message for k-fold cross-validation, from the same hash as its
/// half (so CRLF twins share a fold, and a model is never tested on a copy of what it saw).
pub fn fold_of(bytes: &[u8], folds: u8) -> u8 {
    content_hash(bytes)[5] % folds.max(1)
}

/// SHA-256 of a message with CRLF turned into LF.
fn content_hash(bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let mut rest = bytes;
    while let Some(at) = memchr::memmem::find(rest, b"\r\n") {
        hasher.update(&rest[..at]);
        hasher.update(b"\n");
        rest = &rest[at + 2..];
    }
    hasher.update(rest);
    hasher.finalize().into()
}

/// One file of the corpus with its labels.
#[derive(Debug, Clone)]
pub struct LabelledFile {
    /// The file name.
    pub name: String,
    /// Its labels, in the order written.
    pub labels: Vec<Label>,
    /// The messages in it (an mbox file holds several), as bytes.
    pub messages: Vec<Vec<u8>>,
    /// The half it falls in.
    pub half: Half,
    /// Its fold of [`FOLDS`], for cross-validation.
    pub fold: u8,
}

impl LabelledFile {
    /// True when the labels say the file is no bounce at all.
    pub fn is_not_a_bounce(&self) -> bool {
        self.labels
            .first()
            .is_some_and(|label| label.kind == "notbounce")
    }

    /// What the engine makes of the file: the kind of its messages and every result.
    pub fn classify(&self, classifier: &Classifier) -> (Kind, Vec<Bounce>) {
        let mut kind = Kind::Notbounce;
        let mut bounces = Vec::new();
        for message in &self.messages {
            let report = classifier.classify(message);
            if report.kind != Kind::Notbounce {
                kind = report.kind;
            }
            bounces.extend(report.bounces);
        }
        (kind, bounces)
    }
}

/// Why a corpus could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// `labels.jsonl` or a message file could not be read.
    #[error("cannot read {path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// A line of `labels.jsonl` is not a label.
    #[error("labels.jsonl line {line}: {error}")]
    Label {
        /// The line number.
        line: usize,
        /// What is wrong with it.
        error: serde_json::Error,
    },
    /// A file named by the labels is missing or unreadable.
    #[error("{0}")]
    Message(String),
}

/// Reads every labelled file of the corpus in `dir`, in name order.
pub fn read(dir: &Path) -> Result<Vec<LabelledFile>, CorpusError> {
    let labels_path = dir.join("labels.jsonl");
    let text = std::fs::read_to_string(&labels_path).map_err(|error| CorpusError::Read {
        path: labels_path,
        error,
    })?;
    let mut by_file: BTreeMap<String, Vec<Label>> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label: Label = serde_json::from_str(line).map_err(|error| CorpusError::Label {
            line: index + 1,
            error,
        })?;
        by_file.entry(label.file.clone()).or_default().push(label);
    }
    by_file
        .into_iter()
        .map(|(name, labels)| {
            let path = dir.join(&name);
            let bytes = std::fs::read(&path).map_err(|error| CorpusError::Read {
                path: path.clone(),
                error,
            })?;
            let messages = mailfiles::walk(&[path])
                .map(|message| {
                    message
                        .map(|message| message.bytes)
                        .map_err(|error| CorpusError::Message(error.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(LabelledFile {
                half: Half::of(&bytes),
                fold: fold_of(&bytes, FOLDS),
                name,
                labels,
                messages,
            })
        })
        .collect()
}

/// Pairs each label of one file with one of the engine's results for it (or none): by
/// recipient where the label has one, then by agreement on reason, status and hard/soft,
/// then by position, so that the order of results does not matter (the corpus README's rule).
pub fn pair<'b>(labels: &[Label], bounces: &'b [Bounce]) -> Vec<Option<&'b Bounce>> {
    let mut used = vec![false; bounces.len()];
    labels
        .iter()
        .enumerate()
        .map(|(position, label)| {
            let best = bounces
                .iter()
                .enumerate()
                .filter(|(index, _)| !used.get(*index).copied().unwrap_or(true))
                .max_by_key(|(index, bounce)| {
                    let recipient = label
                        .recipient
                        .as_ref()
                        .is_some_and(|r| r.eq_ignore_ascii_case(&bounce.recipient));
                    let reason = label.reason.as_deref() == Some(bounce.reason.as_str());
                    let status = label.status.is_some() && label.status == bounce.status;
                    let hard = label.hard_bounce == Some(bounce.hard_bounce);
                    let distance = std::cmp::Reverse(index.abs_diff(position));
                    (recipient, reason, status, hard, distance)
                })
                .map(|(index, _)| index);
            best.and_then(|index| {
                *used.get_mut(index)? = true;
                bounces.get(index)
            })
        })
        .collect()
}

/// Counts the labelled files (those `keep` selects) and every phrase of the rule tables into
/// a trainer: for each label with a reason, the diagnostic of the result paired with it.
/// `classifier` reads the messages; its own model plays no part in the diagnostics.
pub fn train<'f>(
    files: impl IntoIterator<Item = &'f LabelledFile>,
    classifier: &Classifier,
) -> Trainer {
    let mut trainer = Trainer::new();
    for (reason, phrase) in crate::classify::RuleSet::builtin().phrases() {
        trainer.add_phrase(phrase, reason);
    }
    for file in files {
        let (_, bounces) = file.classify(classifier);
        for (label, bounce) in file.labels.iter().zip(pair(&file.labels, &bounces)) {
            if let (Some(reason), Some(bounce)) = (label.reason(), bounce) {
                trainer.add_document(&bounce.diagnostic, reason);
            }
        }
    }
    trainer
}

/// How many folds cross-validation uses.
pub const FOLDS: u8 = 5;

/// Words must be seen this often in all to enter the shipped model.
pub const MIN_WORD_COUNT: u32 = 2;

/// The model as shipped: trained from the labelled corpus in `dir` and the phrase tables. The
/// same input gives the same model; `assets/model/reasons.model` is this for the project's
/// corpus (`bouncedesk model train`), and a test checks that.
pub fn train_model(dir: &Path) -> Result<TextModel, CorpusError> {
    let files = read(dir)?;
    Ok(train(&files, &Classifier::default()).finish(MIN_WORD_COUNT))
}
