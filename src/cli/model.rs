//! `bouncedesk model …`: trains the learned fallback from a labelled corpus, or retrains it
//! with the labels the operator gave by hand.

use super::ModelAction;
use super::store::{fail, open};
use crate::corpus;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs one `model` action.
pub fn run(db: Option<PathBuf>, action: ModelAction) -> ExitCode {
    match action {
        ModelAction::Train { corpus, output } => train(&corpus, &output),
        ModelAction::Retrain => retrain(db),
        ModelAction::Forget => forget(db),
    }
}

fn train(dir: &Path, output: &Path) -> ExitCode {
    let text = match corpus::train_model(dir) {
        Ok(model) => model.to_text(),
        Err(error) => return fail(format!("{error}; is {} a labelled corpus?", dir.display())),
    };
    if let Err(error) = std::fs::write(output, &text) {
        return fail(format!("cannot write {}: {error}", output.display()));
    }
    let words = text.lines().filter(|line| line.contains('\t')).count() - 1;
    say!("wrote {} ({words} words and pairs)", output.display());
    ExitCode::SUCCESS
}

fn retrain(db: Option<PathBuf>) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    match store.retrain_model() {
        Ok(done) if done.labels == 0 => {
            say!(
                "no labels given by hand yet: the model stays as shipped ({} bounces); label \
                 bounces in the review queue, then retrain",
                done.documents
            );
            ExitCode::SUCCESS
        }
        Ok(done) => {
            say!(
                "retrained with {} label(s) of yours ({} bounces in all); syncs and ingests \
                 use it now — `bouncedesk reclassify --dry-run` shows what it changes",
                done.labels,
                done.documents
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

fn forget(db: Option<PathBuf>) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    match store.forget_model() {
        Ok(()) => {
            say!("the retrained model is gone: the shipped one decides again");
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}
