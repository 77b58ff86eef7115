//! Scripted runs of the real window: `--screenshot` waits until the view has its data, writes
//! a PNG of the next frame and closes; `--frame-times` drives the dashboard and the table the
//! way an operator would (period changes, fast scrolling) and reports how long each frame took;
//! `--frame-times writes` does the same while the window syncs every account and makes a rule
//! of the review queue's biggest group, both at once.

use super::app::View;
use super::range::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a scripted run asks the window to do this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nothing.
    Wait,
    /// Show this view.
    View(View),
    /// Show this period.
    Range(Range),
    /// Scroll the table to this offset (points).
    Scroll(f32),
    /// Select the first row of the table or of the recipients (so the detail shows).
    SelectFirst,
    /// Sync every account and make the review queue's biggest group a rule, at once.
    StartWrites,
    /// Give up: the window cannot show its data; close with this error.
    Fail(String),
    /// Close the window.
    Close,
}

/// A scripted run.
#[derive(Debug)]
pub enum Automation {
    /// Write a PNG of the window once its data is shown.
    Screenshot(Screenshot),
    /// Measure frame times over a scripted session.
    FrameTimes(FrameTimes),
}

/// How long a scripted run waits for the window's data before it gives up.
const PATIENCE: Duration = Duration::from_secs(120);

/// The state of a `--screenshot` run.
#[derive(Debug)]
pub struct Screenshot {
    path: PathBuf,
    started: Instant,
    settled_frames: u32,
    selected: bool,
    requested: bool,
    /// How the run ended (for the exit code): `None` until it did. The screenshot callback
    /// fills it from the renderer's thread.
    pub outcome: Arc<Mutex<Option<Result<(), String>>>>,
}

impl Screenshot {
    /// A run that writes `path`.
    pub fn new(path: PathBuf) -> Screenshot {
        Screenshot {
            path,
            started: Instant::now(),
            settled_frames: 0,
            selected: false,
            requested: false,
            outcome: Arc::new(Mutex::new(None)),
        }
    }

    fn finish(&self, outcome: Result<(), String>) {
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(outcome);
        }
    }
}

/// What a `--frame-times` run does while it measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FrameScript {
    /// Change the dashboard's period, then flick through the table.
    #[default]
    Browse,
    /// Sync every account and apply a rule over the history while the dashboard is shown;
    /// only the frames drawn while they run are counted.
    Writes,
}

/// The state of a `--frame-times` run.
#[derive(Debug)]
pub struct FrameTimes {
    script: FrameScript,
    /// When the writes started and when the window had taken them all in (the writes
    /// script).
    writes: Option<(Instant, Option<Duration>)>,
    started: Instant,
    first_frame: Option<Duration>,
    frame: u32,
    cpu: Vec<f32>,
    last_frame: Option<Instant>,
    intervals: Vec<f32>,
    scroll: f32,
    /// The report once the run is over, or why it could not finish.
    pub report: Arc<Mutex<Option<Result<String, String>>>>,
}

impl FrameTimes {
    /// A run of `script` timed from `started` (the process start).
    pub fn new(started: Instant, script: FrameScript) -> FrameTimes {
        FrameTimes {
            script,
            writes: None,
            started,
            first_frame: None,
            frame: 0,
            cpu: Vec::new(),
            last_frame: None,
            intervals: Vec::new(),
            scroll: 0.0,
            report: Arc::new(Mutex::new(None)),
        }
    }

    /// Frames on the dashboard (changing period every 30), then frames scrolling the table.
    const DASHBOARD_FRAMES: u32 = 120;
    const TABLE_FRAMES: u32 = 600;

    fn step(&mut self, frame: &eframe::Frame, view: View, ready: bool, writing: bool) -> Step {
        if self.script == FrameScript::Writes {
            return self.step_writes(frame, view, ready, writing);
        }
        if !ready && self.started.elapsed() > PATIENCE {
            return Step::Fail(format!("no data after {} s", PATIENCE.as_secs()));
        }
        self.frame += 1;
        if self.frame == 2 {
            // The first frame was painted when the second starts.
            self.first_frame = Some(self.started.elapsed());
        }
        let now = Instant::now();
        if self.frame > 2 {
            if let Some(cpu) = frame.info().cpu_usage {
                self.cpu.push(cpu);
            }
            if let Some(last) = self.last_frame {
                self.intervals.push((now - last).as_secs_f32());
            }
        }
        self.last_frame = Some(now);
        let dashboard_end = Self::DASHBOARD_FRAMES;
        let table_end = dashboard_end + Self::TABLE_FRAMES;
        match self.frame {
            n if n < dashboard_end => {
                if view != View::Dashboard {
                    return Step::View(View::Dashboard);
                }
                match n {
                    30 => Step::Range(Range::Last30Days),
                    60 => Step::Range(Range::Last90Days),
                    90 => Step::Range(Range::All),
                    _ => Step::Wait,
                }
            }
            n if n == dashboard_end => Step::View(View::Bounces),
            n if n < table_end => {
                if !ready && self.scroll == 0.0 {
                    // Hold still until the matches are in (the first query of a million rows).
                    self.frame -= 1;
                    return Step::Wait;
                }
                // A fast flick: about 100 rows a frame, the reader fetching pages behind.
                self.scroll += 2_000.0;
                Step::Scroll(self.scroll)
            }
            _ => {
                if let Ok(mut report) = self.report.lock() {
                    *report = Some(Ok(self.summary()));
                }
                Step::Close
            }
        }
    }

    /// The writes script: the dashboard over all time; once its data is in, the writes
    /// start; every frame until the window has taken in their outcome (the views asked
    /// again and answered) is measured.
    fn step_writes(
        &mut self,
        frame: &eframe::Frame,
        view: View,
        ready: bool,
        writing: bool,
    ) -> Step {
        self.frame += 1;
        let Some((since, took)) = self.writes else {
            if self.started.elapsed() > PATIENCE {
                return Step::Fail(format!("no data after {} s", PATIENCE.as_secs()));
            }
            if view != View::Dashboard {
                return Step::View(View::Dashboard);
            }
            if self.frame == 1 {
                return Step::Range(Range::All);
            }
            if !ready {
                return Step::Wait;
            }
            self.writes = Some((Instant::now(), None));
            self.last_frame = Some(Instant::now());
            return Step::StartWrites;
        };
        if took.is_some() {
            return Step::Close;
        }
        let now = Instant::now();
        if let Some(cpu) = frame.info().cpu_usage {
            self.cpu.push(cpu);
        }
        if let Some(last) = self.last_frame {
            self.intervals.push((now - last).as_secs_f32());
        }
        self.last_frame = Some(now);
        // A few frames in, so that the jobs have started and the views asked again.
        if writing || !ready || self.cpu.len() < 3 {
            return Step::Wait;
        }
        let took = since.elapsed();
        self.writes = Some((since, Some(took)));
        if let Ok(mut report) = self.report.lock() {
            *report = Some(Ok(format!(
                "{}\nthe sync and the rule, from the start to every view answered again: {:.1} s",
                self.summary(),
                took.as_secs_f64()
            )));
        }
        Step::Close
    }

    fn summary(&self) -> String {
        format!(
            "frames measured: {}\n\
             frame time (eframe's cpu_usage: build, lay out, paint; vsync wait excluded): {}\n\
             frame interval (wall clock from one frame to the next, vsync included): {}\n\
             start to first frame: {:.0} ms",
            self.cpu.len(),
            spread(&self.cpu),
            spread(&self.intervals),
            self.first_frame.unwrap_or_default().as_secs_f64() * 1000.0
        )
    }
}

/// Median, 99th percentile, worst and the count over 16 ms of `seconds`, in words.
fn spread(seconds: &[f32]) -> String {
    let mut sorted = seconds.to_vec();
    sorted.sort_by(f32::total_cmp);
    let at = |share: f64| {
        sorted
            .get((sorted.len().saturating_sub(1) as f64 * share) as usize)
            .map_or(0.0, |seconds| seconds * 1000.0)
    };
    let over = sorted.iter().filter(|seconds| **seconds > 0.016).count();
    format!(
        "median {:.2} ms, p99 {:.2} ms, worst {:.2} ms, {over} over 16 ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

/// The window as a scripted run sees it at the end of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The view shown.
    pub view: View,
    /// True when the view has all its data.
    pub ready: bool,
    /// True while a sync, a rule change or another write runs.
    pub writing: bool,
    /// What keeps the window from getting its data (or a sync from ending well), if anything.
    pub failure: Option<String>,
}

impl Automation {
    /// Called at the end of every frame; says what the window should do next.
    pub fn step(&mut self, ctx: &egui::Context, frame: &eframe::Frame, seen: Seen) -> Step {
        ctx.request_repaint();
        if let Some(failure) = seen.failure {
            if let Automation::Screenshot(shot) = self {
                shot.finish(Err(failure.clone()));
            }
            return self.failed(failure);
        }
        match self {
            Automation::FrameTimes(run) => {
                match run.step(frame, seen.view, seen.ready, seen.writing) {
                    Step::Fail(why) => self.failed(why),
                    step => step,
                }
            }
            Automation::Screenshot(shot) => shot.step(ctx, seen.view, seen.ready),
        }
    }

    /// Ends the run with `why` (a frame-time run reports it instead of its figures).
    fn failed(&mut self, why: String) -> Step {
        if let Automation::FrameTimes(run) = self
            && let Ok(mut report) = run.report.lock()
        {
            report.get_or_insert(Err(why.clone()));
        }
        Step::Fail(why)
    }
}

impl Screenshot {
    fn step(&mut self, ctx: &egui::Context, view: View, ready: bool) -> Step {
        if let Ok(outcome) = self.outcome.lock()
            && outcome.is_some()
        {
            return Step::Close;
        }
        if self.started.elapsed() > PATIENCE {
            let why = format!("no data after {} s; no screenshot", PATIENCE.as_secs());
            self.finish(Err(why.clone()));
            return Step::Fail(why);
        }
        if self.requested {
            return Step::Wait;
        }
        if !ready {
            self.settled_frames = 0;
            return Step::Wait;
        }
        if matches!(view, View::Bounces | View::Recipients) && !self.selected {
            self.selected = true;
            return Step::SelectFirst;
        }
        // A few quiet frames so that fonts, layout and plot bounds have settled.
        self.settled_frames += 1;
        if self.settled_frames < 5 {
            return Step::Wait;
        }
        self.requested = true;
        let (path, written) = (self.path.clone(), self.outcome.clone());
        let wake = ctx.clone();
        ctx.request_screenshot(move |image| {
            let [width, height] = image.size;
            let rgba: Vec<u8> = image
                .pixels
                .iter()
                .flat_map(|pixel| pixel.to_array())
                .collect();
            let result = image::save_buffer(
                &path,
                &rgba,
                width as u32,
                height as u32,
                image::ColorType::Rgba8,
            )
            .map_err(|error| format!("{}: cannot write the screenshot ({error})", path.display()));
            if let Ok(mut slot) = written.lock() {
                *slot = Some(result);
            }
            wake.request_repaint();
        });
        Step::Wait
    }
}
