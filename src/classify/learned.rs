//! The learned fallback: a small text model that proposes a reason, with a probability, when
//! neither a phrase of the tables nor a status code decides.
//!
//! A multinomial naive Bayes over the words (and pairs of neighbouring words) of the server's
//! diagnostic. It is small on purpose: every count it holds can be read in a text file, it
//! trains in milliseconds from labelled bounces and the phrase tables, and the operator's own
//! labels retrain it on their machine. Below [`TextModel::THRESHOLD`] its guess is not used and
//! the bounce stays in the review queue.
//!
//! Words are cleaned so that the model learns what servers say, not who they said it about:
//! addresses, host names, numbers and ids are dropped; SMTP reply codes and enhanced status
//! codes are kept, since they are part of the wording.

use super::model::{Class, Reason};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The first line of a model file; a file that does not start with it is refused.
const HEADER: &str = "bouncedesk-reason-model 1";

/// Additive smoothing of the word counts: an unseen word neither rules a reason out nor in.
const SMOOTHING: f64 = 0.1;

/// The reason a model proposes for a text, and how sure it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guess {
    /// The most probable reason.
    pub reason: Reason,
    /// Its posterior probability, between 0 and 1.
    pub probability: f64,
}

/// A trained model: per reason, how many labelled bounces had it and how often each word
/// appeared in their diagnostics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextModel {
    /// Labelled bounces per reason: the prior.
    documents: BTreeMap<Reason, u32>,
    /// Word → (reason, count) for every reason whose bounces used it, in reason order. A hash
    /// map with a fast hash: it is looked up for every word of every diagnostic the model reads.
    words: foldhash::HashMap<String, Vec<(Reason, u32)>>,
    /// Words counted per reason (derived from `words`).
    totals: BTreeMap<Reason, u64>,
}

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ModelError {
    /// The line of the file.
    pub line: usize,
    /// What is wrong with it.
    pub problem: String,
}

impl TextModel {
    /// Guesses below this probability are not used: the bounce stays `onhold` for a person.
    /// Chosen by cross-validation on the labelled corpus (see `tests/corpus_accuracy.rs`).
    pub const THRESHOLD: f64 = 0.90;

    /// The model shipped with the app, trained by `bouncedesk model train` from the labelled
    /// corpus and the phrase tables. An unreadable file (a broken build) gives an empty model,
    /// which never guesses; a unit test keeps the shipped one readable.
    pub fn builtin() -> &'static TextModel {
        static MODEL: std::sync::LazyLock<TextModel> = std::sync::LazyLock::new(|| {
            TextModel::parse(include_str!("../../assets/model/reasons.model")).unwrap_or_default()
        });
        &MODEL
    }

    /// True when the model has learnt nothing.
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// Labelled bounces the model was trained on.
    pub fn document_count(&self) -> u32 {
        self.documents.values().sum()
    }

    /// The most probable reason for `text` (a server's diagnostic), with its probability;
    /// `None` when the text has no word the model can use.
    pub fn guess(&self, text: &str) -> Option<Guess> {
        if self.documents.is_empty() {
            return None;
        }
        let mut known: Vec<&[(Reason, u32)]> = Vec::new();
        for_each_token(text, |token| {
            if let Some(counts) = self.words.get(token) {
                known.push(counts);
            }
        });
        if known.is_empty() {
            return None;
        }
        // Each known word adds ln(count + smoothing) for every reason; most counts are zero,
        // so start from the zero term for all and add what the non-zero counts change.
        let unseen = SMOOTHING.ln();
        let mut seen: BTreeMap<Reason, f64> = BTreeMap::new();
        for counts in &known {
            for (reason, count) in *counts {
                *seen.entry(*reason).or_default() += (f64::from(*count) + SMOOTHING).ln() - unseen;
            }
        }
        let words = known.len() as f64;
        let vocabulary = self.words.len() as f64;
        let all_documents = f64::from(self.document_count());
        let reasons = self.documents.len() as f64;
        // Words of one diagnostic are far from independent (a pair repeats its two words),
        // so plain naive Bayes is sure of everything. Scaling the evidence by 1/sqrt(words)
        // keeps the ranking and makes the probability mean something: chosen by
        // cross-validation on the labelled corpus (see `tests/corpus_accuracy.rs`).
        let scale = 1.0 / words.sqrt();
        let scores: Vec<(Reason, f64)> = self
            .documents
            .iter()
            .map(|(reason, documents)| {
                let prior = ((f64::from(*documents) + 1.0) / (all_documents + reasons)).ln();
                let total = self.totals.get(reason).copied().unwrap_or(0) as f64;
                let denominator = (total + SMOOTHING * vocabulary).ln();
                let likelihood =
                    words * (unseen - denominator) + seen.get(reason).copied().unwrap_or(0.0);
                (*reason, prior + likelihood * scale)
            })
            .collect();
        let best = scores.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
        let normaliser: f64 = scores.iter().map(|(_, score)| (score - best.1).exp()).sum();
        Some(Guess {
            reason: best.0,
            probability: 1.0 / normaliser,
        })
    }

    /// This model with more labelled examples counted in: how the operator's own labels
    /// retrain the shipped model on their machine.
    pub fn with_examples<'a>(&self, examples: impl IntoIterator<Item = (&'a str, Reason)>) -> Self {
        let mut trainer = Trainer {
            documents: self.documents.clone(),
            words: self
                .words
                .iter()
                .map(|(word, counts)| (word.clone(), counts.iter().copied().collect()))
                .collect(),
        };
        for (text, reason) in examples {
            trainer.add_document(text, reason);
        }
        trainer.finish(1)
    }

    /// Reads a model file written by [`TextModel::to_text`].
    pub fn parse(text: &str) -> Result<TextModel, ModelError> {
        let problem = |line: usize, problem: &str| ModelError {
            line,
            problem: problem.to_string(),
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
        match lines.next() {
            Some((_, line)) if line == HEADER => {}
            Some((number, _)) => return Err(problem(number, "not a Bounce Desk reason model")),
            None => return Err(problem(1, "the file is empty")),
        }
        let mut model = TextModel::default();
        for (number, line) in lines {
            let (key, counts) = line
                .split_once('\t')
                .ok_or_else(|| problem(number, "expected a word, a tab and counts"))?;
            let counts = parse_counts(counts).map_err(|found| problem(number, &found))?;
            match key.strip_prefix("documents") {
                Some("") => model.documents = counts,
                _ => {
                    model
                        .words
                        .insert(key.to_string(), counts.into_iter().collect());
                }
            }
        }
        model.count_totals();
        Ok(model)
    }

    /// The model as text: a header, the documents per reason, then one line per word with
    /// its counts, in a fixed order, so that training twice gives the same bytes.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{HEADER}\n# Bounce Desk reason model: multinomial naive Bayes over the words of bounce\n\
             # diagnostics (src/classify/learned.rs). Each line: a word or a pair of words, a tab,\n\
             # then reason:count for every reason whose bounces used it.\n"
        );
        let documents = self
            .documents
            .iter()
            .map(|(reason, count)| (*reason, *count));
        let _ = writeln!(out, "documents\t{}", counts_text(documents));
        let mut words: Vec<(&String, &Vec<(Reason, u32)>)> = self.words.iter().collect();
        words.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (word, counts) in words {
            let _ = writeln!(out, "{word}\t{}", counts_text(counts.iter().copied()));
        }
        out
    }

    fn count_totals(&mut self) {
        self.totals.clear();
        for counts in self.words.values() {
            for (reason, count) in counts {
                *self.totals.entry(*reason).or_default() += u64::from(*count);
            }
        }
    }
}

/// Counts labelled texts into a [`TextModel`].
#[derive(Debug, Default)]
pub struct Trainer {
    documents: BTreeMap<Reason, u32>,
    words: BTreeMap<String, BTreeMap<Reason, u32>>,
}

impl Trainer {
    /// An empty trainer.
    pub fn new() -> Trainer {
        Trainer::default()
    }

    /// Counts one labelled bounce: its words, and one document toward the reason's prior.
    /// Reasons that are no failure (complaints, auto-replies, delivery, the review queue) are
    /// not the model's to guess and are skipped.
    pub fn add_document(&mut self, text: &str, reason: Reason) {
        if self.add_words(text, reason) {
            *self.documents.entry(reason).or_default() += 1;
        }
    }

    /// Counts the words of a phrase of the rule tables toward its reason, without counting it
    /// as a bounce (the tables must not skew how common each reason is).
    pub fn add_phrase(&mut self, phrase: &str, reason: Reason) {
        self.add_words(phrase, reason);
    }

    fn add_words(&mut self, text: &str, reason: Reason) -> bool {
        if !is_guessable(reason) {
            return false;
        }
        for token in tokens(text) {
            *self
                .words
                .entry(token)
                .or_default()
                .entry(reason)
                .or_default() += 1;
        }
        true
    }

    /// The model, keeping only the words seen at least `min_count` times in all (a word seen
    /// once is more often a name than a wording).
    pub fn finish(self, min_count: u32) -> TextModel {
        let words = self
            .words
            .into_iter()
            .filter(|(_, counts)| counts.values().sum::<u32>() >= min_count)
            .map(|(word, counts)| (word, counts.into_iter().collect()))
            .collect();
        let mut model = TextModel {
            documents: self.documents,
            words,
            totals: BTreeMap::new(),
        };
        model.count_totals();
        model
    }
}

/// True for the reasons the model may propose: failures of the hard, soft and sender classes.
fn is_guessable(reason: Reason) -> bool {
    matches!(reason.class(), Class::Hard | Class::Soft | Class::Sender)
        && reason != Reason::Suppressed
}

fn counts_text(counts: impl IntoIterator<Item = (Reason, u32)>) -> String {
    let mut out = String::new();
    for (reason, count) in counts {
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = write!(out, "{reason}:{count}");
    }
    out
}

fn parse_counts(text: &str) -> Result<BTreeMap<Reason, u32>, String> {
    text.split_whitespace()
        .map(|pair| {
            let (name, count) = pair
                .split_once(':')
                .ok_or_else(|| format!("`{pair}` is not reason:count"))?;
            let reason = Reason::from_name(name).ok_or_else(|| format!("`{name}` is no reason"))?;
            let count = count
                .parse::<u32>()
                .map_err(|_| format!("`{count}` is no count"))?;
            Ok((reason, count))
        })
        .collect()
}

/// The words of a diagnostic the model reads, then every pair of neighbouring ones.
fn tokens(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for_each_token(text, |token| found.push(token.to_string()));
    found
}

/// Most words read from one diagnostic: the server's own reply comes first, and what follows
/// in a long notice is boilerplate that would only slow the guess.
const MAX_WORDS: usize = 200;

/// Calls `visit` with every word of `text` the model reads, then with every pair of
/// neighbouring ones (`first_second`), borrowing where it can: guessing only looks words up,
/// and a diagnostic has hundreds of them.
fn for_each_token(text: &str, mut visit: impl FnMut(&str)) {
    let words: Vec<Cow<'_, str>> = text
        .split(is_separator)
        .filter_map(word)
        .take(MAX_WORDS)
        .collect();
    for word in &words {
        visit(word);
    }
    let mut pair = String::new();
    for window in words.windows(2) {
        if let [first, second] = window {
            pair.clear();
            pair.push_str(first);
            pair.push('_');
            pair.push_str(second);
            visit(&pair);
        }
    }
}

/// Characters between words: white space and the punctuation that frames addresses, codes
/// and quotes.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';'
                | ':'
                | '('
                | ')'
                | '['
                | ']'
                | '<'
                | '>'
                | '"'
                | '='
                | '/'
                | '|'
                | '!'
                | '?'
                | '*'
                | '`'
        )
}

/// One cleaned word, or `None` for what says who or where rather than what: addresses, host
/// names, numbers and ids. SMTP reply codes and enhanced status codes stay.
fn word(raw: &str) -> Option<Cow<'_, str>> {
    let trimmed = raw.trim_matches(|c: char| matches!(c, '.' | '\'' | '-' | '_' | '#' | '&'));
    if trimmed.chars().nth(1).is_none() || trimmed.contains('@') {
        return None;
    }
    let is_status =
        super::codes::StatusCode::parse(trimmed).is_some_and(|code| code.to_string() == trimmed);
    let is_reply = trimmed.len() == 3
        && trimmed.bytes().all(|b| b.is_ascii_digit())
        && matches!(trimmed.as_bytes().first(), Some(b'2' | b'4' | b'5'));
    if !(is_status || is_reply)
        && (trimmed.bytes().any(|b| b.is_ascii_digit()) || trimmed.contains('.'))
    {
        return None;
    }
    if trimmed.chars().any(char::is_uppercase) {
        Some(Cow::Owned(trimmed.to_lowercase()))
    } else {
        Some(Cow::Borrowed(trimmed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trained() -> TextModel {
        let mut trainer = Trainer::new();
        for _ in 0..3 {
            trainer.add_document("550 5.1.1 no such person at this site", Reason::UserUnknown);
            trainer.add_document("452 4.2.2 the mailbox is stuffed", Reason::MailboxFull);
        }
        trainer.add_phrase("person not here", Reason::UserUnknown);
        trainer.add_document("thanks for your report", Reason::Feedback);
        trainer.finish(1)
    }

    #[test]
    fn words_keep_codes_and_drop_who_and_where() {
        let found =
            tokens("550 5.1.1 <ann@example.org>: User unknown at mx1.example.org id 4f3a2b");
        assert_eq!(
            found,
            vec![
                "550",
                "5.1.1",
                "user",
                "unknown",
                "at",
                "id",
                "550_5.1.1",
                "5.1.1_user",
                "user_unknown",
                "unknown_at",
                "at_id"
            ]
        );
    }

    #[test]
    fn guesses_the_reason_whose_words_it_saw() {
        let model = trained();
        let guess = model.guess("no such person here").expect("known words");
        assert_eq!(guess.reason, Reason::UserUnknown);
        assert!(guess.probability > 0.9, "{guess:?}");
        let full = model.guess("mailbox stuffed").expect("known words");
        assert_eq!(full.reason, Reason::MailboxFull);
        assert_eq!(model.guess("entirely new words"), None);
        assert_eq!(model.guess(""), None);
    }

    #[test]
    fn complaints_are_not_the_models_to_guess() {
        let model = trained();
        assert_eq!(model.guess("thanks for your report"), None);
        assert_eq!(model.document_count(), 6);
    }

    #[test]
    fn the_text_form_reads_back_the_same() {
        let model = trained();
        let text = model.to_text();
        let read = TextModel::parse(&text).expect("its own output");
        assert_eq!(read, model);
        assert_eq!(read.to_text(), text);
    }

    #[test]
    fn broken_files_say_where() {
        assert!(TextModel::parse("").is_err());
        assert!(TextModel::parse("something else\n").is_err());
        let error = TextModel::parse("bouncedesk-reason-model 1\nword\tnosuch:1\n")
            .expect_err("unknown reason");
        assert_eq!(error.line, 2);
        assert!(TextModel::parse("bouncedesk-reason-model 1\nword userunknown:1\n").is_err());
    }

    #[test]
    fn retraining_adds_the_operators_labels() {
        let model = trained();
        assert_eq!(model.guess("zorglub refused"), None);
        let retrained = model.with_examples([("zorglub refused", Reason::Blocked)]);
        assert_eq!(
            retrained.guess("zorglub refused").map(|g| g.reason),
            Some(Reason::Blocked)
        );
        assert_eq!(retrained.document_count(), 7);
    }

    #[test]
    fn the_shipped_model_reads() {
        let model = TextModel::parse(include_str!("../../assets/model/reasons.model"))
            .expect("assets/model/reasons.model is readable");
        assert!(!model.is_empty());
    }
}
