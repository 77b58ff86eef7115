//! Classification throughput over the real corpus (messages/s and MB/s, one core), with the
//! shipped learned model and, to show what the model costs, with an empty one that never
//! guesses.
//!
//! Reads `$BOUNCE_CORPUS` or `../shared/corpus/dev`; falls back to the shipped samples (and
//! says so) when the corpus is absent. `scripts/bench-vs-sisimai.sh` runs this and Debian's
//! Sisimai over the same files in one go.

use bouncedesk::classify::{Classifier, TextModel};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

fn messages() -> (String, Vec<Vec<u8>>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("BOUNCE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus/dev"));
    for dir in [corpus, root.join("assets/samples")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        paths.sort();
        let files: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
        if !files.is_empty() {
            return (dir.display().to_string(), files);
        }
    }
    (String::from("nothing"), Vec::new())
}

fn classify_corpus(c: &mut Criterion) {
    let (source, files) = messages();
    let bytes: usize = files.iter().map(Vec::len).sum();
    eprintln!(
        "classify bench: {} messages, {:.2} MB from {source}",
        files.len(),
        bytes as f64 / 1e6
    );
    let shipped = Classifier::default();
    let without_model = Classifier::default().with_model(Arc::new(TextModel::default()));
    let run = |classifier: &Classifier, files: &[Vec<u8>]| {
        for raw in files {
            black_box(classifier.classify(black_box(raw)));
        }
    };
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function("messages", |b| b.iter(|| run(&shipped, &files)));
    group.bench_function("messages without the model", |b| {
        b.iter(|| run(&without_model, &files))
    });
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("bytes", |b| b.iter(|| run(&shipped, &files)));
    group.finish();
}

criterion_group!(benches, classify_corpus);
criterion_main!(benches);
