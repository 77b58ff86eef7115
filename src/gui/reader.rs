//! The window's reader: one thread with its own store connection answers what the views ask
//! (summaries, which bounces match, pages of rows, one bounce's detail), so that no frame ever
//! waits on SQLite. WAL lets it read while a sync writes on another connection.
//!
//! Answers carry the generation of the question; an answer to a question asked again since is
//! dropped, so a slow query can never overwrite a newer one.

use crate::store::Store;
use crate::store::browse::{BounceDetail, BounceFilter, BounceRow, BounceSort, PAGE};
use crate::store::stats::{Period, Summary};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

/// A question for the reader thread.
enum Question {
    Summaries {
        generation: u64,
        current: Period,
        previous: Option<Period>,
    },
    Matches {
        generation: u64,
        filter: BounceFilter,
        sort: BounceSort,
    },
    Page {
        version: u64,
        page: usize,
        ids: Vec<i64>,
    },
    Detail {
        id: i64,
    },
}

/// An answer from the reader thread.
enum Answer {
    Summaries {
        generation: u64,
        current: Box<Summary>,
        previous: Option<Box<Summary>>,
    },
    Matches {
        generation: u64,
        ids: Arc<[i64]>,
    },
    Page {
        version: u64,
        page: usize,
        rows: Vec<BounceRow>,
    },
    Detail(Box<BounceDetail>),
    Failed(String),
}

/// The dashboard's numbers for a period and the one before it (for "vs last week").
#[derive(Debug, Clone)]
pub struct Summaries {
    /// The chosen period.
    pub current: Box<Summary>,
    /// The period of the same length just before, when the period has one.
    pub previous: Option<Box<Summary>>,
}

/// The window's side of the reader: asks, and keeps the latest answers.
pub struct Reader {
    questions: Sender<Question>,
    answers: Receiver<Answer>,
    summary_generation: u64,
    match_generation: u64,
    /// Counts the match answers taken in; pages are asked for and kept per version, so a
    /// page of the old matches never lands among the new ones.
    matches_version: u64,
    /// The latest summaries (kept while a newer one is computed, so charts never blank).
    pub summaries: Option<Summaries>,
    /// True while a summary question is open.
    pub summaries_pending: bool,
    /// Ids of the bounces the table shows, in order; `None` until the first answer.
    pub matches: Option<Arc<[i64]>>,
    /// True while a match question is open.
    pub matches_pending: bool,
    pages: HashMap<usize, Vec<BounceRow>>,
    pages_asked: HashSet<usize>,
    /// The bounce whose detail is shown.
    pub detail: Option<Box<BounceDetail>>,
    detail_pending: bool,
    /// The last error, in words (cleared by the next good answer).
    pub error: Option<String>,
}

impl Reader {
    /// Starts the reader thread on the store at `path`; `wake` is called after every answer
    /// (the window's repaint request).
    pub fn start(path: PathBuf, wake: impl Fn() + Send + 'static) -> Reader {
        let (questions, inbox) = channel();
        let (outbox, answers) = channel();
        std::thread::Builder::new()
            .name("store reader".into())
            .spawn(move || serve(&path, &inbox, &outbox, &wake))
            .map_err(|error| eprintln!("bouncedesk: cannot start the store reader: {error}"))
            .ok();
        Reader {
            questions,
            answers,
            summary_generation: 0,
            match_generation: 0,
            matches_version: 0,
            summaries: None,
            summaries_pending: false,
            matches: None,
            matches_pending: false,
            pages: HashMap::new(),
            pages_asked: HashSet::new(),
            detail: None,
            detail_pending: false,
            error: None,
        }
    }

    fn ask(&mut self, question: Question) {
        if self.questions.send(question).is_err() {
            self.error = Some("the store reader stopped; restart Bounce Desk".into());
        }
    }

    /// Asks for the summaries of `current` (and `previous`, for comparison).
    pub fn ask_summaries(&mut self, current: Period, previous: Option<Period>) {
        self.summary_generation += 1;
        self.summaries_pending = true;
        let generation = self.summary_generation;
        self.ask(Question::Summaries {
            generation,
            current,
            previous,
        });
    }

    /// Asks which bounces match `filter`, in `sort` order (the old matches stay shown until
    /// the answer comes).
    pub fn ask_matches(&mut self, filter: BounceFilter, sort: BounceSort) {
        self.match_generation += 1;
        self.matches_pending = true;
        let generation = self.match_generation;
        self.ask(Question::Matches {
            generation,
            filter,
            sort,
        });
    }

    /// Asks for bounce `id` in full.
    pub fn ask_detail(&mut self, id: i64) {
        self.detail_pending = true;
        self.ask(Question::Detail { id });
    }

    /// Row `index` of the matches, if its page is here; otherwise asks for the page.
    pub fn row(&mut self, index: usize) -> Option<&BounceRow> {
        let page = index / PAGE;
        if !self.pages.contains_key(&page) && self.pages_asked.insert(page) {
            let ids = self.matches.as_ref().map(|ids| {
                let end = ids.len().min((page + 1) * PAGE);
                ids.get(page * PAGE..end).unwrap_or_default().to_vec()
            });
            if let Some(ids) = ids {
                let version = self.matches_version;
                self.ask(Question::Page { version, page, ids });
            }
        }
        self.pages.get(&page)?.get(index % PAGE)
    }

    /// Takes in every answer that arrived; returns true when something changed.
    pub fn receive(&mut self) -> bool {
        let mut changed = false;
        while let Ok(answer) = self.answers.try_recv() {
            changed = true;
            match answer {
                Answer::Summaries {
                    generation,
                    current,
                    previous,
                } if generation == self.summary_generation => {
                    self.summaries = Some(Summaries { current, previous });
                    self.summaries_pending = false;
                    self.error = None;
                }
                Answer::Matches { generation, ids } if generation == self.match_generation => {
                    self.matches = Some(ids);
                    self.matches_version += 1;
                    self.pages.clear();
                    self.pages_asked.clear();
                    self.matches_pending = false;
                    self.error = None;
                }
                Answer::Page {
                    version,
                    page,
                    rows,
                } if version == self.matches_version => {
                    self.pages.insert(page, rows);
                }
                Answer::Detail(detail) => {
                    self.detail = Some(detail);
                    self.detail_pending = false;
                }
                Answer::Failed(error) => {
                    self.summaries_pending = false;
                    self.matches_pending = false;
                    self.detail_pending = false;
                    let pages = &self.pages;
                    self.pages_asked.retain(|page| pages.contains_key(page));
                    self.error = Some(error);
                }
                _ => {} // an answer to a question asked again since
            }
        }
        changed
    }

    /// True while any question is open (tests and screenshots wait for this).
    pub fn busy(&self) -> bool {
        self.summaries_pending
            || self.matches_pending
            || self.detail_pending
            || self.pages.len() < self.pages_asked.len()
    }
}

/// The reader thread: answers questions until the window goes away. Of several questions of
/// the same sort waiting, only the newest is answered. The store is opened at the first
/// question, so that a reader replaced before it was asked anything never touches its file.
fn serve(path: &std::path::Path, inbox: &Receiver<Question>, outbox: &Sender<Answer>, wake: &dyn Fn()) {
    let mut store: Option<Store> = None;
    while let Ok(first) = inbox.recv() {
        let mut waiting = vec![first];
        waiting.extend(inbox.try_iter());
        for question in newest_only(waiting) {
            let opened = match store.take() {
                Some(open) => Ok(open),
                None => Store::open(path),
            };
            let answer = match opened {
                Ok(open) => {
                    let answer = answer(&open, question).unwrap_or_else(|error| {
                        Answer::Failed(format!("{error}; the view shows the last good data"))
                    });
                    store = Some(open);
                    answer
                }
                Err(error) => Answer::Failed(error.to_string()),
            };
            if outbox.send(answer).is_err() {
                return;
            }
            wake();
        }
    }
}

/// Drops summary and match questions that a newer one of the same sort replaces.
fn newest_only(questions: Vec<Question>) -> Vec<Question> {
    let last_summary = questions
        .iter()
        .rposition(|q| matches!(q, Question::Summaries { .. }));
    let last_matches = questions
        .iter()
        .rposition(|q| matches!(q, Question::Matches { .. }));
    questions
        .into_iter()
        .enumerate()
        .filter(|(index, question)| match question {
            Question::Summaries { .. } => Some(*index) == last_summary,
            Question::Matches { .. } => Some(*index) == last_matches,
            _ => true,
        })
        .map(|(_, question)| question)
        .collect()
}

fn answer(store: &Store, question: Question) -> crate::store::Result<Answer> {
    Ok(match question {
        Question::Summaries {
            generation,
            current,
            previous,
        } => Answer::Summaries {
            generation,
            current: Box::new(store.summary(current)?),
            previous: match previous {
                Some(period) => Some(Box::new(store.summary(period)?)),
                None => None,
            },
        },
        Question::Matches {
            generation,
            filter,
            sort,
        } => Answer::Matches {
            generation,
            ids: store.bounce_ids(&filter, sort)?.into(),
        },
        Question::Page { version, page, ids } => Answer::Page {
            version,
            page,
            rows: store.bounce_rows(&ids)?,
        },
        Question::Detail { id } => Answer::Detail(Box::new(store.bounce_detail(id)?)),
    })
}
