//! `bouncedesk classify` as a script sees it: one JSON object per line, every input file named
//! at least once, unreadable paths reported on stderr while the run goes on.

use std::path::PathBuf;
use std::process::Command;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/samples")
}

fn bouncedesk(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run bouncedesk: {error}"))
}

#[test]
fn jsonl_names_every_file_and_carries_the_contract_fields() {
    let dir = samples();
    let output = bouncedesk(&[
        "classify".as_ref(),
        "--format".as_ref(),
        "jsonl".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}")))
        .collect();
    let files: std::collections::BTreeSet<_> =
        lines.iter().filter_map(|l| l["file"].as_str()).collect();
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files.len(), on_disk, "every file gets at least one line");
    for line in &lines {
        let kind = line["kind"].as_str().unwrap_or("");
        if kind == "notbounce" {
            assert!(line.get("recipient").is_none(), "{line}");
            continue;
        }
        for field in [
            "recipient",
            "action",
            "status",
            "reply_code",
            "reason",
            "class",
            "hard_bounce",
            "diagnostic",
        ] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
    }
    let qmail = lines
        .iter()
        .filter(|l| {
            l["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("qmail-two-recipients.eml"))
        })
        .count();
    assert_eq!(qmail, 2, "one line per failed recipient");
}

#[test]
fn an_unreadable_path_is_named_on_stderr_and_the_rest_still_runs() {
    let dir = samples();
    let missing = dir.join("no-such-file.eml");
    let output = bouncedesk(&[
        "classify".as_ref(),
        "--format".as_ref(),
        "jsonl".as_ref(),
        missing.as_os_str(),
        dir.join("postfix-user-unknown.eml").as_os_str(),
    ]);
    assert!(
        !output.status.success(),
        "a failed path sets the exit status"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-file.eml"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("\"recipient\":\"ann@example.com\""),
        "{stdout}"
    );
}

#[test]
fn table_format_is_readable() {
    let output = bouncedesk(&[
        "classify".as_ref(),
        samples().join("qmail-two-recipients.eml").as_os_str(),
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("FILE"), "{stdout}");
    assert!(
        stdout.contains("eva@gone.example.info") && stdout.contains("hostunknown"),
        "{stdout}"
    );
}
