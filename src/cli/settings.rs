//! `bouncedesk settings [KEY [VALUE]]`: every setting with its value and meaning, one of them,
//! or a new value for one (checked; a policy change re-evaluates every recipient).

use super::store::{fail, open};
use crate::store::SETTING_KEYS;
use std::path::PathBuf;
use std::process::ExitCode;

/// Lists, shows or sets settings.
pub fn run(db: Option<PathBuf>, key: Option<&str>, value: Option<&str>) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let mut settings = match store.settings() {
        Ok(settings) => settings,
        Err(error) => return fail(error),
    };
    match (key, value) {
        (None, _) => {
            for (key, meaning) in SETTING_KEYS {
                let value = settings.value_of(key).unwrap_or_default();
                say!("{key:<28} {value:<8} {meaning}");
            }
            ExitCode::SUCCESS
        }
        (Some(key), None) => match settings.value_of(key) {
            Some(value) => {
                say!("{value}");
                ExitCode::SUCCESS
            }
            None => fail(format!("no setting `{key}` (see `bouncedesk settings`)")),
        },
        (Some(key), Some(value)) => {
            if let Err(problem) = settings.set(key, value) {
                return fail(problem);
            }
            match store.save_settings(&settings) {
                Ok(changed) => {
                    say!("{key} = {value}");
                    if changed > 0 {
                        say!("{changed} recipient state(s) changed under the new policy");
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error),
            }
        }
    }
}
