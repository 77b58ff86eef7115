//! The store at scale: 1,000,000 synthetic bounces over 100,000 list members, two years.
//!
//! Measures the ingest rate (classify + hash + compress + commit, with the policy and the
//! roll-ups kept up to date) and every dashboard query. The big store is built once and kept
//! in `target/bench-store/` so later runs measure only the queries; delete it to rebuild.
//! `BENCH_BOUNCES` sets the size (default 1,000,000).

#[path = "../tests/support/mod.rs"]
mod support;

use bouncedesk::classify::Classifier;
use bouncedesk::lists::read_list;
use bouncedesk::store::browse::{BounceFilter, BounceSort, PAGE, SortColumn};
use bouncedesk::store::stats::Period;
use bouncedesk::store::{BATCH, Prepared, Source, Store};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;
use support::{HOUR, T0, dsn};

const MEMBERS: usize = 100_000;
const DAYS: i64 = 730;

/// A deterministic pseudo-random sequence (no dependency needed for a bench fixture).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn member(i: u64) -> String {
    // A skewed spread of domains: a few big providers, a long tail of small ones.
    let domains = [
        "gmail.com",
        "outlook.com",
        "yahoo.com",
        "hotmail.co.uk",
        "icloud.com",
        "gmx.de",
    ];
    let domain = match i % 10 {
        0..=5 => domains[(i % 6) as usize].to_string(),
        _ => format!("company{}.example", i % 2_000),
    };
    format!("member{i}@{domain}")
}

fn message(id: usize, rng: &mut Lcg) -> String {
    let recipient = member(rng.below(MEMBERS as u64));
    let at = T0 - DAYS * 24 * HOUR + rng.below((DAYS * 24) as u64) as i64 * HOUR;
    let (action, status, diagnostic) = match rng.below(20) {
        0..=6 => (
            "failed",
            "5.1.1",
            "550 5.1.1 user unknown (in reply to RCPT TO command)",
        ),
        7..=12 => ("failed", "4.2.2", "452 4.2.2 Mailbox full"),
        13..=16 => (
            "failed",
            "5.7.1",
            "554 5.7.1 Client host [192.0.2.9] blocked using zen.spamhaus.org",
        ),
        17 => ("delayed", "4.4.1", "421 4.4.1 Connection timed out"),
        _ => ("failed", "5.0.0", "550 it did not work"),
    };
    dsn(id, &recipient, action, status, diagnostic, at)
}

fn prepare(range: std::ops::Range<usize>, classifier: &Classifier) -> Vec<Prepared> {
    let mut rng = Lcg(range.start as u64 + 1);
    range
        .map(|id| {
            let raw = message(id, &mut rng);
            let source = Source::File {
                path: format!("synthetic/{id}"),
            };
            Prepared::new(source, raw.as_bytes(), classifier).expect("prepared")
        })
        .collect()
}

/// True under `cargo bench`; under `cargo test --all-targets` the bench runs once as a smoke
/// test, on a small store.
fn benchmarking() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn big_store() -> Store {
    let total: usize = std::env::var("BENCH_BOUNCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|_| benchmarking())
        .unwrap_or(if benchmarking() { 1_000_000 } else { 2_000 });
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-store");
    let path = dir.join(format!("bounces-{total}.sqlite"));
    let mut store = Store::open(&path).expect("store");
    let (messages, _) = store.counts().expect("counts");
    if messages as usize >= total {
        eprintln!(
            "store bench: reusing {} ({messages} messages)",
            path.display()
        );
        return store;
    }
    let csv: String = std::iter::once("email,name\n".to_string())
        .chain((0..MEMBERS as u64).map(|i| format!("{},Member {i}\n", member(i))))
        .collect();
    let list = read_list(csv.as_bytes()).expect("members");
    store
        .save_list("members", "synthetic", &list)
        .expect("list");
    let classifier = Classifier::default();
    let started = Instant::now();
    let mut done = messages as usize;
    while done < total {
        let end = (done + 5_000).min(total);
        let batch = prepare(done..end, &classifier);
        for chunk in batch.chunks(BATCH) {
            store.commit(chunk).expect("commit");
        }
        done = end;
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "store bench: built {total} bounces over {MEMBERS} members in {seconds:.1} s = {:.0} messages/s (classify + hash + zstd + commit + policy + roll-ups)",
        (total - messages as usize) as f64 / seconds
    );
    store
}

fn store_bench(c: &mut Criterion) {
    let mut store = big_store();
    let today = (T0 / 86_400) + 1;
    let month = Period::last_days(today, 30);
    let mut group = c.benchmark_group("store");
    group.sample_size(20);
    group.bench_function("summary_all_time", |b| {
        b.iter(|| black_box(store.summary(Period::ALL).expect("summary")))
    });
    group.bench_function("summary_30_days", |b| {
        b.iter(|| black_box(store.summary(month).expect("summary")))
    });
    group.bench_function("per_day_all_time", |b| {
        b.iter(|| black_box(store.per_day(Period::ALL).expect("per day")))
    });
    group.bench_function("codes_all_time", |b| {
        b.iter(|| black_box(store.code_counts(Period::ALL).expect("codes")))
    });
    group.bench_function("per_week_all_time", |b| {
        b.iter(|| black_box(store.per_week(Period::ALL).expect("per week")))
    });
    group.bench_function("domains_and_families_all_time", |b| {
        b.iter(|| black_box(store.domain_groups(Period::ALL).expect("domains")))
    });
    group.bench_function("domains_and_families_30_days", |b| {
        b.iter(|| black_box(store.domain_groups(month).expect("domains")))
    });
    group.bench_function("list_rate_all_time", |b| {
        b.iter(|| black_box(store.list_rate(Period::ALL).expect("rate")))
    });
    group.bench_function("list_rate_30_days", |b| {
        b.iter(|| black_box(store.list_rate(month).expect("rate")))
    });
    group.bench_function("sender_alerts_30_days", |b| {
        b.iter(|| black_box(store.sender_alerts(month).expect("alerts")))
    });
    group.bench_function("suppressed_export_rows", |b| {
        b.iter(|| black_box(store.suppressed().expect("rows")))
    });
    group.finish();

    // The bounce table: which rows match (on the window's reader thread), then the pages it
    // draws and the detail of one bounce.
    let mut table = c.benchmark_group("table");
    table.sample_size(10);
    let everything = BounceFilter::default();
    table.bench_function("ids_all_newest_first", |b| {
        b.iter(|| {
            black_box(
                store
                    .bounce_ids(&everything, BounceSort::default())
                    .expect("ids"),
            )
        })
    });
    let by_recipient = BounceSort {
        column: SortColumn::Recipient,
        descending: false,
    };
    table.bench_function("ids_all_by_recipient", |b| {
        b.iter(|| black_box(store.bounce_ids(&everything, by_recipient).expect("ids")))
    });
    let searched = BounceFilter {
        text: "5.7.1".into(),
        ..BounceFilter::default()
    };
    table.bench_function("ids_text_search_all", |b| {
        b.iter(|| {
            black_box(
                store
                    .bounce_ids(&searched, BounceSort::default())
                    .expect("ids"),
            )
        })
    });
    let sender_30_days = BounceFilter {
        period: month,
        class: Some("sender".into()),
        ..BounceFilter::default()
    };
    table.bench_function("ids_class_30_days", |b| {
        b.iter(|| {
            black_box(
                store
                    .bounce_ids(&sender_30_days, BounceSort::default())
                    .expect("ids"),
            )
        })
    });
    let ids = store
        .bounce_ids(&everything, BounceSort::default())
        .expect("ids");
    let middle = ids.len() / 2;
    let page = &ids[middle..(middle + PAGE).min(ids.len())];
    table.bench_function("page_of_rows", |b| {
        b.iter(|| black_box(store.bounce_rows(page).expect("rows")))
    });
    table.bench_function("one_bounce_in_full", |b| {
        b.iter(|| black_box(store.bounce_detail(ids[middle]).expect("detail")))
    });
    table.finish();

    // One account's dashboard: the account's roll-ups are taken from its bounces (here every
    // bounce, from files: the worst case), then the usual summary runs on them.
    let mut scoped = c.benchmark_group("account");
    scoped.sample_size(10);
    scoped.bench_function("scope_and_summary_all_time", |b| {
        b.iter(|| {
            // Unscoped first, so that every iteration takes the roll-ups afresh.
            store.scope(None).expect("unscope");
            store.scope(Some("")).expect("scope");
            black_box(store.summary(Period::ALL).expect("summary"))
        })
    });
    store.scope(None).expect("unscope");
    scoped.finish();

    // Ingest rate into a fresh store: 2,000 new messages per iteration, in batches of 500.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut fresh = Store::open(&dir.path().join("ingest.sqlite")).expect("store");
    let classifier = Classifier::default();
    let mut next = 10_000_000;
    let mut ingest = c.benchmark_group("ingest");
    ingest.sample_size(10);
    ingest.throughput(criterion::Throughput::Elements(2_000));
    ingest.bench_function("classify_and_commit", |b| {
        b.iter(|| {
            let batch = prepare(next..next + 2_000, &classifier);
            next += 2_000;
            for chunk in batch.chunks(BATCH) {
                fresh.commit(chunk).expect("commit");
            }
        })
    });
    ingest.finish();
}

criterion_group!(benches, store_bench);
criterion_main!(benches);
