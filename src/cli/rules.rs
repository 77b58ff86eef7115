//! `bouncedesk rules …` and `bouncedesk label`: the operator's own rules and labels from the
//! command line, the same store operations the window's review and rules views use.

use super::store::{fail, open, print_changes};
use super::{LabelArgs, RuleAction, RuleArgs};
use crate::classify::{Class, OwnRule, OwnRules, Reason};
use crate::store::{RuleChange, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs one `rules` action.
pub fn run(db: Option<PathBuf>, action: RuleAction) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    match action {
        RuleAction::List => list(&store),
        RuleAction::Add { rule, dry_run } => match rule_from(&rule, 0) {
            Ok(rule) => change(&mut store, &RuleChange::Add(rule), dry_run),
            Err(problem) => fail(problem),
        },
        RuleAction::Edit { id, rule, dry_run } => match rule_from(&rule, id) {
            Ok(rule) => change(&mut store, &RuleChange::Update(rule), dry_run),
            Err(problem) => fail(problem),
        },
        RuleAction::Remove { id, dry_run } => change(&mut store, &RuleChange::Remove(id), dry_run),
        RuleAction::Export { output } => export(&store, &output),
        RuleAction::Import { file, dry_run } => import(&mut store, &file, dry_run),
    }
}

/// `bouncedesk label BOUNCE_ID --class C --reason R [--note N]`
pub fn label(db: Option<PathBuf>, args: LabelArgs) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let (class, reason) = match verdict(&args.class, args.reason.as_deref()) {
        Ok(verdict) => verdict,
        Err(problem) => return fail(problem),
    };
    match store.label(args.bounce, class, reason, &args.note) {
        Ok(()) => {
            say!(
                "bounce {} labelled {}/{} by hand",
                args.bounce,
                class.as_str(),
                reason
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

fn list(store: &Store) -> ExitCode {
    let rules = match store.rules() {
        Ok(rules) => rules,
        Err(error) => return fail(error),
    };
    if rules.is_empty() {
        say!("no rules yet: make one from the review queue, or with `bouncedesk rules add`");
    }
    for rule in &rules {
        say!(
            "{:>4}  {:<10} {:<16} {:<8} {:<24} \"{}\"{}",
            rule.id,
            rule.class.as_str(),
            rule.reason,
            rule.status.as_deref().unwrap_or("-"),
            rule.reporting_mta.as_deref().unwrap_or("-"),
            rule.phrase,
            if rule.note.is_empty() {
                String::new()
            } else {
                format!("  ({})", rule.note)
            }
        );
    }
    ExitCode::SUCCESS
}

/// Shows what `change` does to the history, then makes it unless `dry_run`.
fn change(store: &mut Store, change: &RuleChange, dry_run: bool) -> ExitCode {
    if dry_run {
        return match store.rule_effect(change) {
            Ok(summary) => {
                print_changes(&summary);
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        };
    }
    match store.change_rule(change) {
        Ok((id, summary)) => {
            print_changes(&summary);
            let done = match change {
                RuleChange::Add(_) => "added",
                RuleChange::Update(_) => "changed",
                RuleChange::Remove(_) => "removed",
            };
            say!(
                "rule {id} {done}; later syncs, ingests and reclassifies apply the rules as they are now"
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

fn export(store: &Store, output: &Path) -> ExitCode {
    let rules = match store.rules() {
        Ok(rules) => rules,
        Err(error) => return fail(error),
    };
    let count = rules.len();
    let text = OwnRules::new(rules).to_text();
    match crate::files::write_atomically(output, |out| out.write_all(text.as_bytes())) {
        Ok(()) => {
            say!("{count} rule(s) written to {}", output.display());
            ExitCode::SUCCESS
        }
        Err(error) => fail(format!("cannot write {}: {error}", output.display())),
    }
}

/// Adds every rule of a file (in the format `rules export` writes), after showing what the
/// file as a whole would change.
fn import(store: &mut Store, file: &Path, dry_run: bool) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) => return fail(format!("cannot read {}: {error}", file.display())),
    };
    let rules = match OwnRules::parse(&text) {
        Ok(rules) => rules,
        Err(problems) => {
            for problem in &problems {
                eprintln!("bouncedesk: {}: {problem}", file.display());
            }
            return fail(format!(
                "{} was not imported: fix the lines above (the format is that of `rules export`)",
                file.display()
            ));
        }
    };
    say!("{} rule(s) in {}", rules.len(), file.display());
    for rule in rules {
        let code = change(store, &RuleChange::Add(rule), dry_run);
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    ExitCode::SUCCESS
}

/// The rule the arguments describe.
fn rule_from(args: &RuleArgs, id: i64) -> Result<OwnRule, String> {
    let (class, reason) = verdict(&args.class, args.reason.as_deref())?;
    let status = match &args.status {
        Some(status) => Some(
            crate::classify::StatusCode::parse(status)
                .map(|code| code.to_string())
                .ok_or_else(|| format!("`{status}` is no enhanced status code (like 5.7.1)"))?,
        ),
        None => None,
    };
    Ok(OwnRule {
        id,
        phrase: args.phrase.trim().to_lowercase(),
        status,
        reporting_mta: args.mta.as_ref().map(|mta| mta.trim().to_ascii_lowercase()),
        class,
        reason,
        note: args.note.clone(),
    })
}

/// A class and a reason from their names: the reason defaults to the class's first one, and
/// a reason alone gives its own class.
fn verdict(class: &str, reason: Option<&str>) -> Result<(Class, Reason), String> {
    let class = Class::from_name(class).ok_or_else(|| {
        format!("`{class}` is no class (hard, soft, sender, complaint, auto_reply, not_bounce)")
    })?;
    let reason = match reason {
        Some(name) => Reason::from_name(name)
            .ok_or_else(|| format!("`{name}` is no reason (see `bouncedesk classify --help`)"))?,
        None => Reason::ALL
            .iter()
            .copied()
            .find(|reason| reason.class() == class)
            .ok_or_else(|| format!("name a reason for class {}", class.as_str()))?,
    };
    Ok((class, reason))
}
