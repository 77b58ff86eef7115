//! `bouncedesk`: the window, or with a subcommand the same library headless.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    bouncedesk::cli::run(bouncedesk::cli::Cli::parse(), started)
}
