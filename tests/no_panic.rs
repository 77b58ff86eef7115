//! The engine must never panic, whatever bytes a mailbox hands it: random bytes, and real
//! messages (our samples and, when present, the corpus) cut short, spliced and bit-flipped.

use bouncedesk::classify::classify;
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::LazyLock;

static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("BOUNCE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus/dev"));
    let mut seeds = Vec::new();
    for dir in [root.join("assets/samples"), corpus] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        seeds.extend(
            paths
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .filter_map(|p| std::fs::read(p).ok()),
        );
    }
    seeds
});

/// A mutation of a seed message: truncate, flip bytes, and splice in structure-breaking text.
#[derive(Debug, Clone)]
struct Mutation {
    seed: usize,
    cut: f64,
    flips: Vec<(f64, u8)>,
    splice: (f64, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let splices = prop::sample::select(vec![
        "\r\n\r\n",
        "--",
        "Content-Type: multipart/report; boundary=\"\"\r\n",
        "Final-Recipient: rfc822;\n",
        "Status: 5.\n",
        "=?utf-8?B?////?=",
        "\0\u{ff}\u{fe}",
        "Content-Transfer-Encoding: base64\n\n!!!!",
        "<@>:\n",
        "\n\t \n",
    ]);
    (
        any::<usize>(),
        0.0..=1.0f64,
        prop::collection::vec((0.0..1.0f64, any::<u8>()), 0..16),
        (0.0..=1.0f64, splices),
    )
        .prop_map(|(seed, cut, flips, splice)| Mutation {
            seed,
            cut,
            flips,
            splice,
        })
}

fn apply(mutation: &Mutation) -> Vec<u8> {
    let Some(seed) = SEEDS.get(mutation.seed % SEEDS.len().max(1)) else {
        return Vec::new();
    };
    let mut bytes = seed.clone();
    let at = |fraction: f64, len: usize| ((len as f64) * fraction) as usize;
    for (position, byte) in &mutation.flips {
        let index = at(*position, bytes.len());
        if let Some(slot) = bytes.get_mut(index) {
            *slot = *byte;
        }
    }
    let splice_at = at(mutation.splice.0, bytes.len()).min(bytes.len());
    bytes.splice(splice_at..splice_at, mutation.splice.1.bytes());
    let keep = at(mutation.cut, bytes.len()).max(1).min(bytes.len());
    bytes.truncate(keep);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = classify(&bytes);
    }

    #[test]
    fn mutated_real_messages_never_panic(mutation in mutation()) {
        let report = classify(&apply(&mutation));
        for bounce in &report.bounces {
            prop_assert!(!bounce.why.is_empty());
        }
    }
}

#[test]
fn seeds_were_found() {
    assert!(SEEDS.len() >= 7, "the shipped samples are always there");
}
