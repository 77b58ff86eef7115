//! The window's reader: one thread with its own store connection answers what the views ask
//! (summaries, which bounces match, pages of rows, one bounce's detail), so that no frame ever
//! waits on SQLite. WAL lets it read while a sync writes on another connection.
//!
//! Answers carry the generation of the question; an answer to a question asked again since is
//! dropped, so a slow query can never overwrite a newer one. A failure names its question, so
//! it settles that question only.

use super::range::Range;
use crate::classify::OwnRule;
use crate::lists::{ExportFormat, ExportPlan};
use crate::store::browse::{BounceDetail, BounceFilter, BounceRow, BounceSort, PAGE};
use crate::store::stats::Summary;
use crate::store::{
    RecipientFilter, RecipientHistory, RecipientRow, ReclassifySummary, ReviewGroup, RuleChange,
    Store,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Which question an answer (or a failure) belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Summaries { generation: u64 },
    Matches { generation: u64 },
    Page { version: u64, page: usize },
    Detail { id: i64 },
    Review { generation: u64 },
    Rules { generation: u64 },
    RuleEffect { generation: u64 },
    Recipients { generation: u64 },
    History { generation: u64 },
    Lists { generation: u64 },
}

/// A question for the reader thread.
enum Question {
    Summaries {
        generation: u64,
        range: Range,
        today: i64,
        account: Option<String>,
    },
    Matches {
        generation: u64,
        filter: BounceFilter,
        sort: BounceSort,
        account: Option<String>,
    },
    Page {
        version: u64,
        page: usize,
        ids: Vec<i64>,
    },
    Detail {
        id: i64,
    },
    Review {
        generation: u64,
        account: Option<String>,
    },
    Rules {
        generation: u64,
    },
    RuleEffect {
        generation: u64,
        change: RuleChange,
    },
    Recipients {
        generation: u64,
        filter: RecipientFilter,
    },
    History {
        generation: u64,
        address: String,
    },
    Lists {
        generation: u64,
        format: ExportFormat,
        list: Option<String>,
    },
}

impl Question {
    fn asked(&self) -> Asked {
        match self {
            Question::Summaries { generation, .. } => Asked::Summaries {
                generation: *generation,
            },
            Question::Matches { generation, .. } => Asked::Matches {
                generation: *generation,
            },
            Question::Page { version, page, .. } => Asked::Page {
                version: *version,
                page: *page,
            },
            Question::Detail { id } => Asked::Detail { id: *id },
            Question::Review { generation, .. } => Asked::Review {
                generation: *generation,
            },
            Question::Rules { generation } => Asked::Rules {
                generation: *generation,
            },
            Question::RuleEffect { generation, .. } => Asked::RuleEffect {
                generation: *generation,
            },
            Question::Recipients { generation, .. } => Asked::Recipients {
                generation: *generation,
            },
            Question::History { generation, .. } => Asked::History {
                generation: *generation,
            },
            Question::Lists { generation, .. } => Asked::Lists {
                generation: *generation,
            },
        }
    }
}

/// What the reader thread found.
enum Found {
    Summaries(Summaries),
    Matches(Arc<[i64]>),
    Page(Vec<Option<BounceRow>>),
    Detail(Box<DetailShown>),
    Review(Arc<[ReviewGroup]>),
    Rules(Vec<OwnRule>),
    RuleEffect(Box<(RuleChange, ReclassifySummary)>),
    Recipients(Arc<(Vec<RecipientRow>, usize)>),
    History(Box<RecipientHistory>),
    Lists(Box<ListsAnswer>),
}

/// One bounce in full, with its raw message already turned into lines to draw: a message
/// can be megabytes, so that is done here on the reader thread, not in a frame.
#[derive(Debug, Clone)]
pub struct DetailShown {
    /// The bounce and everything known about it.
    pub detail: BounceDetail,
    /// The raw message as text, line by line, tabs as spaces.
    pub raw_lines: Vec<String>,
}

impl DetailShown {
    fn new(detail: BounceDetail) -> DetailShown {
        let raw_lines = String::from_utf8_lossy(&detail.raw)
            .lines()
            .map(|line| line.replace('\t', "    "))
            .collect();
        DetailShown { detail, raw_lines }
    }
}

/// The imported lists and what the export chosen would write.
#[derive(Debug, Clone)]
pub struct ListsAnswer {
    /// The imported lists, newest first, with their subscribers.
    pub names: Vec<(String, i64)>,
    /// The export asked about.
    pub format: ExportFormat,
    /// The list asked about (`None`: the newest).
    pub list: Option<String>,
    /// What it would write.
    pub plan: ExportPlan,
}

/// The dashboard's numbers for a period and the one before it (for "vs last week").
#[derive(Debug, Clone)]
pub struct Summaries {
    /// The period choice these numbers are for (the selector may have moved on).
    pub range: Range,
    /// The chosen period.
    pub current: Box<Summary>,
    /// Failures per class in the period of the same length just before, when the period
    /// has one (the cards' comparison needs nothing more).
    pub previous: Option<BTreeMap<String, i64>>,
}

/// The window's side of the reader: asks, and keeps the latest answers.
pub struct Reader {
    questions: Sender<Question>,
    answers: Receiver<(Asked, Result<Found, String>)>,
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
    pages: HashMap<usize, Vec<Option<BounceRow>>>,
    pages_asked: HashSet<usize>,
    pages_failed: HashSet<usize>,
    /// The bounce whose detail is shown.
    pub detail: Option<Box<DetailShown>>,
    detail_pending: Option<i64>,
    /// The last error, in words (cleared by the next good answer).
    pub error: Option<String>,
    review_generation: u64,
    /// The review queue's groups, biggest first; `None` until the first answer.
    pub review: Option<Arc<[ReviewGroup]>>,
    /// True while a review question is open.
    pub review_pending: bool,
    rules_generation: u64,
    /// The operator's rules; `None` until the first answer.
    pub rules: Option<Vec<OwnRule>>,
    rules_pending: bool,
    effect_generation: u64,
    /// What the last rule change asked about would do to the history, with that change.
    pub rule_effect: Option<Box<(RuleChange, ReclassifySummary)>>,
    /// True while a rule's effect is being worked out.
    pub rule_effect_pending: bool,
    recipients_generation: u64,
    /// The recipients found (at most `RECIPIENTS_SHOWN`) and how many match in all.
    pub recipients: Option<Arc<(Vec<RecipientRow>, usize)>>,
    recipients_pending: bool,
    history_generation: u64,
    /// The history of the recipient shown.
    pub history: Option<Box<RecipientHistory>>,
    history_pending: bool,
    lists_generation: u64,
    /// The imported lists and the export preview.
    pub lists: Option<Box<ListsAnswer>>,
    lists_pending: bool,
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
            pages_failed: HashSet::new(),
            detail: None,
            detail_pending: None,
            error: None,
            review_generation: 0,
            review: None,
            review_pending: false,
            rules_generation: 0,
            rules: None,
            rules_pending: false,
            effect_generation: 0,
            rule_effect: None,
            rule_effect_pending: false,
            recipients_generation: 0,
            recipients: None,
            recipients_pending: false,
            history_generation: 0,
            history: None,
            history_pending: false,
            lists_generation: 0,
            lists: None,
            lists_pending: false,
        }
    }

    /// Asks for the imported lists and what exporting `format` (from `list`) would write.
    pub fn ask_lists(&mut self, format: ExportFormat, list: Option<String>) {
        self.lists_generation += 1;
        self.lists_pending = true;
        let generation = self.lists_generation;
        self.ask(Question::Lists {
            generation,
            format,
            list,
        });
    }

    /// Asks for the recipients matching `filter`.
    pub fn ask_recipients(&mut self, filter: RecipientFilter) {
        self.recipients_generation += 1;
        self.recipients_pending = true;
        let generation = self.recipients_generation;
        self.ask(Question::Recipients { generation, filter });
    }

    /// Asks for everything known about `address`.
    pub fn ask_history(&mut self, address: String) {
        self.history_generation += 1;
        self.history_pending = true;
        let generation = self.history_generation;
        self.ask(Question::History {
            generation,
            address,
        });
    }

    /// Asks for the review queue's groups, in one account's mail or in all.
    pub fn ask_review(&mut self, account: Option<String>) {
        self.review_generation += 1;
        self.review_pending = true;
        let generation = self.review_generation;
        self.ask(Question::Review {
            generation,
            account,
        });
    }

    /// Asks for the operator's rules.
    pub fn ask_rules(&mut self) {
        self.rules_generation += 1;
        self.rules_pending = true;
        let generation = self.rules_generation;
        self.ask(Question::Rules { generation });
    }

    /// Asks what `change` would do to the stored history (the last effect shown is dropped,
    /// so an effect on screen is always that of the change asked about).
    pub fn ask_rule_effect(&mut self, change: RuleChange) {
        self.effect_generation += 1;
        self.rule_effect = None;
        self.rule_effect_pending = true;
        let generation = self.effect_generation;
        self.ask(Question::RuleEffect { generation, change });
    }

    /// Drops the rule effect shown (the change was saved or abandoned).
    pub fn forget_rule_effect(&mut self) {
        self.effect_generation += 1;
        self.rule_effect = None;
        self.rule_effect_pending = false;
    }

    fn ask(&mut self, question: Question) {
        if self.questions.send(question).is_err() {
            self.error = Some("the store reader stopped; restart Bounce Desk".into());
        }
    }

    /// Asks for the summaries of `range` as of `today` (and of the period before it), of
    /// one account's mail or of all.
    pub fn ask_summaries(&mut self, range: Range, today: i64, account: Option<String>) {
        self.summary_generation += 1;
        self.summaries_pending = true;
        let generation = self.summary_generation;
        self.ask(Question::Summaries {
            generation,
            range,
            today,
            account,
        });
    }

    /// Asks which bounces match `filter`, in `sort` order, in one account's mail or in all
    /// (the old matches stay shown until the answer comes).
    pub fn ask_matches(&mut self, filter: BounceFilter, sort: BounceSort, account: Option<String>) {
        self.match_generation += 1;
        self.matches_pending = true;
        let generation = self.match_generation;
        self.ask(Question::Matches {
            generation,
            filter,
            sort,
            account,
        });
    }

    /// Asks for bounce `id` in full (once; asking again while it is on its way does nothing).
    pub fn ask_detail(&mut self, id: i64) {
        if self.detail_pending != Some(id) {
            self.detail_pending = Some(id);
            self.ask(Question::Detail { id });
        }
    }

    /// Drops the detail shown (it changed in the store), so that it is asked again.
    pub fn forget_detail(&mut self) {
        self.detail = None;
        self.detail_pending = None;
    }

    /// The detail of bounce `id`, if that is the one here.
    pub fn detail_of(&self, id: i64) -> Option<&DetailShown> {
        self.detail
            .as_deref()
            .filter(|shown| shown.detail.row.id == id)
    }

    /// Row `index` of the matches, if its page is here; otherwise asks for the page (once).
    /// `None` also for a row deleted since the matches were found.
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
        self.pages.get(&page)?.get(index % PAGE)?.as_ref()
    }

    /// Takes in every answer that arrived.
    pub fn receive(&mut self) {
        while let Ok((asked, result)) = self.answers.try_recv() {
            match result {
                Ok(found) => self.take(asked, found),
                Err(error) => self.failed(asked, error),
            }
        }
    }

    fn take(&mut self, asked: Asked, found: Found) {
        match (asked, found) {
            (Asked::Summaries { generation }, Found::Summaries(summaries))
                if generation == self.summary_generation =>
            {
                self.summaries = Some(summaries);
                self.summaries_pending = false;
                self.error = None;
            }
            (Asked::Matches { generation }, Found::Matches(ids))
                if generation == self.match_generation =>
            {
                self.matches = Some(ids);
                self.matches_pending = false;
                self.matches_version += 1;
                self.pages.clear();
                self.pages_asked.clear();
                self.pages_failed.clear();
                self.error = None;
            }
            (Asked::Page { version, page }, Found::Page(rows))
                if version == self.matches_version =>
            {
                self.pages.insert(page, rows);
            }
            (Asked::Detail { id }, Found::Detail(detail)) => {
                if self.detail_pending == Some(id) {
                    self.detail_pending = None;
                }
                self.detail = Some(detail);
            }
            (Asked::Review { generation }, Found::Review(groups))
                if generation == self.review_generation =>
            {
                self.review = Some(groups);
                self.review_pending = false;
            }
            (Asked::Rules { generation }, Found::Rules(rules))
                if generation == self.rules_generation =>
            {
                self.rules = Some(rules);
                self.rules_pending = false;
            }
            (Asked::RuleEffect { generation }, Found::RuleEffect(effect))
                if generation == self.effect_generation =>
            {
                self.rule_effect = Some(effect);
                self.rule_effect_pending = false;
            }
            (Asked::Recipients { generation }, Found::Recipients(found))
                if generation == self.recipients_generation =>
            {
                self.recipients = Some(found);
                self.recipients_pending = false;
            }
            (Asked::History { generation }, Found::History(history))
                if generation == self.history_generation =>
            {
                self.history = Some(history);
                self.history_pending = false;
            }
            (Asked::Lists { generation }, Found::Lists(lists))
                if generation == self.lists_generation =>
            {
                self.lists = Some(lists);
                self.lists_pending = false;
            }
            _ => {} // an answer to a question asked again since
        }
    }

    /// A question failed: it is settled (a failed page is not asked again until the matches
    /// change, so a broken store never spins the reader).
    fn failed(&mut self, asked: Asked, error: String) {
        let current = match asked {
            Asked::Summaries { generation } if generation == self.summary_generation => {
                self.summaries_pending = false;
                true
            }
            Asked::Matches { generation } if generation == self.match_generation => {
                self.matches_pending = false;
                true
            }
            Asked::Page { version, page } if version == self.matches_version => {
                self.pages_failed.insert(page);
                true
            }
            Asked::Detail { id } if self.detail_pending == Some(id) => {
                self.detail_pending = None;
                true
            }
            Asked::Review { generation } if generation == self.review_generation => {
                self.review_pending = false;
                true
            }
            Asked::Rules { generation } if generation == self.rules_generation => {
                self.rules_pending = false;
                true
            }
            Asked::RuleEffect { generation } if generation == self.effect_generation => {
                self.rule_effect_pending = false;
                true
            }
            Asked::Recipients { generation } if generation == self.recipients_generation => {
                self.recipients_pending = false;
                true
            }
            Asked::History { generation } if generation == self.history_generation => {
                self.history_pending = false;
                true
            }
            Asked::Lists { generation } if generation == self.lists_generation => {
                self.lists_pending = false;
                true
            }
            _ => false,
        };
        if current {
            self.error = Some(format!("{error}; the view shows the last good data"));
        }
    }

    /// True while any question is open (tests and screenshots wait for this).
    pub fn busy(&self) -> bool {
        self.summaries_pending
            || self.matches_pending
            || self.review_pending
            || self.rules_pending
            || self.rule_effect_pending
            || self.recipients_pending
            || self.history_pending
            || self.lists_pending
            || self.detail_pending.is_some()
            || self.pages.len() + self.pages_failed.len() < self.pages_asked.len()
    }
}

/// The reader thread: answers questions until the window goes away. Of several questions of
/// the same sort waiting, only the newest is answered. The store is opened at the first
/// question, so that a reader replaced before it was asked anything never touches its file.
fn serve(
    path: &std::path::Path,
    inbox: &Receiver<Question>,
    outbox: &Sender<(Asked, Result<Found, String>)>,
    wake: &dyn Fn(),
) {
    // Two connections: one narrowed to the account shown, one that always sees all mail, so
    // that a question about all mail never undoes (and makes the next one rebuild) the
    // narrowing of the other.
    let mut narrowed: Option<Store> = None;
    let mut whole: Option<Store> = None;
    while let Ok(first) = inbox.recv() {
        let mut waiting = vec![first];
        waiting.extend(inbox.try_iter());
        for question in newest_only(waiting) {
            let asked = question.asked();
            let slot = match scope_of(&question) {
                Scope::All => &mut whole,
                Scope::Shown(_) | Scope::Any => &mut narrowed,
            };
            let opened = match slot.take() {
                Some(open) => Ok(open),
                None => Store::open(path),
            };
            let result = match opened {
                Ok(mut open) => {
                    let narrowing = match scope_of(&question) {
                        Scope::Shown(account) => open.scope(account),
                        Scope::All | Scope::Any => Ok(()),
                    };
                    let result = narrowing
                        .and_then(|()| answer(&mut open, question))
                        .map_err(|error| error.to_string());
                    *slot = Some(open);
                    result
                }
                Err(error) => Err(error.to_string()),
            };
            if outbox.send((asked, result)).is_err() {
                return;
            }
            wake();
        }
    }
}

/// Drops the questions that a newer one of the same sort replaces (all but pages and
/// details, which each ask for something else).
fn newest_only(questions: Vec<Question>) -> Vec<Question> {
    let last = |sort: fn(&Question) -> bool| questions.iter().rposition(sort);
    let last_summary = last(|q| matches!(q, Question::Summaries { .. }));
    let last_matches = last(|q| matches!(q, Question::Matches { .. }));
    let last_review = last(|q| matches!(q, Question::Review { .. }));
    let last_rules = last(|q| matches!(q, Question::Rules { .. }));
    let last_effect = last(|q| matches!(q, Question::RuleEffect { .. }));
    let last_recipients = last(|q| matches!(q, Question::Recipients { .. }));
    let last_history = last(|q| matches!(q, Question::History { .. }));
    let last_lists = last(|q| matches!(q, Question::Lists { .. }));
    questions
        .into_iter()
        .enumerate()
        .filter(|(index, question)| {
            let newest = match question {
                Question::Summaries { .. } => last_summary,
                Question::Matches { .. } => last_matches,
                Question::Review { .. } => last_review,
                Question::Rules { .. } => last_rules,
                Question::RuleEffect { .. } => last_effect,
                Question::Recipients { .. } => last_recipients,
                Question::History { .. } => last_history,
                Question::Lists { .. } => last_lists,
                Question::Page { .. } | Question::Detail { .. } => return true,
            };
            Some(*index) == newest
        })
        .map(|(_, question)| question)
        .collect()
}

/// Which mail a question is about.
enum Scope<'q> {
    /// The account shown (`None`: all mail), on the narrowed connection.
    Shown(Option<&'q str>),
    /// All mail whatever is shown: a rule acts on all of it, and an address has one standing.
    All,
    /// Rows asked for by id: whichever way the connection is narrowed.
    Any,
}

fn scope_of(question: &Question) -> Scope<'_> {
    match question {
        Question::Summaries { account, .. }
        | Question::Matches { account, .. }
        | Question::Review { account, .. } => Scope::Shown(account.as_deref()),
        Question::RuleEffect { .. }
        | Question::Recipients { .. }
        | Question::History { .. }
        | Question::Lists { .. }
        | Question::Rules { .. } => Scope::All,
        Question::Page { .. } | Question::Detail { .. } => Scope::Any,
    }
}

fn answer(store: &mut Store, question: Question) -> crate::store::Result<Found> {
    Ok(match question {
        Question::Summaries { range, today, .. } => Found::Summaries(Summaries {
            range,
            current: Box::new(store.summary(range.period(today))?),
            previous: match range.previous(today) {
                Some(period) => Some(store.class_counts(period)?),
                None => None,
            },
        }),
        Question::Matches { filter, sort, .. } => {
            Found::Matches(store.bounce_ids(&filter, sort)?.into())
        }
        Question::Page { ids, .. } => Found::Page(store.bounce_rows(&ids)?),
        Question::Detail { id } => {
            Found::Detail(Box::new(DetailShown::new(store.bounce_detail(id)?)))
        }
        Question::Review { .. } => Found::Review(store.review_groups()?.into()),
        Question::Rules { .. } => Found::Rules(store.rules()?),
        Question::RuleEffect { change, .. } => {
            let mut effect = store.rule_effect(&change)?;
            effect.keep_examples(super::rule_form::EXAMPLES);
            Found::RuleEffect(Box::new((change, effect)))
        }
        Question::Recipients { filter, .. } => {
            Found::Recipients(Arc::new(store.recipients(&filter)?))
        }
        Question::History { address, .. } => {
            Found::History(Box::new(store.recipient_history(&address)?))
        }
        Question::Lists { format, list, .. } => Found::Lists(Box::new(ListsAnswer {
            names: store.list_names()?,
            plan: store.export_plan(format, list.as_deref())?,
            format,
            list,
        })),
    })
}
