//! Writes what the packages install beside the binary, generated from the command line's own
//! definition so that they never drift from it: the man page (`bouncedesk.1`, clap_mangen) and
//! completions for bash, zsh and fish (clap_complete).
//!
//! `cargo run --release --example package_assets -- DIR` (scripts/package-deb.sh runs it).

use clap::CommandFactory;
use clap_complete::Shell;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: package_assets DIR");
        return ExitCode::FAILURE;
    };
    match write(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("package_assets: {}: {error}", dir.display());
            ExitCode::FAILURE
        }
    }
}

fn write(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let command = bouncedesk::cli::Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    std::fs::write(dir.join("bouncedesk.1"), page)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut command.clone(), "bouncedesk", dir)?;
    }
    Ok(())
}
