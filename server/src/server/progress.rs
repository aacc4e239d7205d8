//! Work-done progress while registry lookups run ("Registry: resolving python:3.12-slim (2 left)"), for clients that show it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::notification::Progress;
use tower_lsp_server::ls_types::{
    NumberOrString, ProgressParams, ProgressParamsValue, ProgressToken, WorkDoneProgress,
    WorkDoneProgressEnd, WorkDoneProgressReport,
};

const TITLE: &str = "Registry";

/// What lookups tell the reporting task.
#[derive(Debug)]
enum Event {
    Started(String),
    Finished(String),
}

/// Reports lookups as work-done progress. Lookups only send events on a channel: a task
/// of its own talks to the client, so that no lookup or diagnostic waits for the client,
/// and begin, reports and end reach it in order.
#[derive(Debug, Clone)]
pub(crate) struct LookupProgress {
    /// The client advertised `window.workDoneProgress`.
    enabled: Arc<AtomicBool>,
    events: UnboundedSender<Event>,
}

/// One lookup being reported: its end is reported when this is dropped, however the
/// lookup ended.
#[derive(Debug)]
pub(crate) struct Tracked {
    reference: String,
    events: UnboundedSender<Event>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let _ = self
            .events
            .send(Event::Finished(std::mem::take(&mut self.reference)));
    }
}

impl LookupProgress {
    /// Starts the reporting task (it ends with the last copy of this).
    pub fn spawn(client: Client) -> LookupProgress {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(report(client, receiver));
        LookupProgress {
            enabled: Arc::default(),
            events: sender,
        }
    }

    /// Whether the client shows progress (from its capabilities, at `initialize`).
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    /// Reports the lookup of `reference` until the returned value is dropped; `None`
    /// when the client does not show progress.
    pub fn track(&self, reference: &str) -> Option<Tracked> {
        if !self.enabled.load(Ordering::Relaxed) {
            return None;
        }
        self.events
            .send(Event::Started(reference.to_owned()))
            .ok()?;
        Some(Tracked {
            reference: reference.to_owned(),
            events: self.events.clone(),
        })
    }
}

/// The lookups running, in the order they started (a reference looked up twice at
/// once counts twice and shows once), and how many started and finished since the
/// progress began.
#[derive(Debug, Default)]
struct Tally {
    running: Vec<(String, usize)>,
    started: u64,
    finished: u64,
    /// The last message while something ran: what a begin that comes after the lookups
    /// already ended says.
    last_message: String,
}

impl Tally {
    fn apply(&mut self, event: Event) {
        match event {
            Event::Started(reference) => {
                self.started += 1;
                match self.running.iter_mut().find(|(r, _)| *r == reference) {
                    Some((_, count)) => *count += 1,
                    None => self.running.push((reference, 1)),
                }
            }
            Event::Finished(reference) => {
                if let Some(i) = self.running.iter().position(|(r, _)| *r == reference) {
                    self.finished += 1;
                    self.running[i].1 -= 1;
                    if self.running[i].1 == 0 {
                        self.running.remove(i);
                    }
                }
            }
        }
        if let Some(message) = self.message() {
            self.last_message = message;
        }
    }

    /// `resolving python:3.12-slim (2 left)`: the oldest lookup running, and how many
    /// references are being looked up.
    fn message(&self) -> Option<String> {
        let (first, _) = self.running.first()?;
        Some(match self.running.len() {
            1 => format!("resolving {first}"),
            left => format!("resolving {first} ({left} left)"),
        })
    }

    fn percentage(&self) -> u32 {
        if self.started == 0 {
            return 0;
        }
        u32::try_from(self.finished.min(self.started) * 100 / self.started).unwrap_or(100)
    }

    /// A new progress counts from here.
    fn restart_counts(&mut self) {
        self.started = self.running.iter().map(|(_, n)| *n as u64).sum();
        self.finished = 0;
    }
}

/// Where the client's progress stands.
enum State {
    Idle,
    /// Begun under this token, last showing this message.
    Shown(ProgressToken, String),
    /// The client refused to create a token: nothing is shown until the lookups end.
    Refused,
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// The reporting task: takes every event already queued, brings the client up to date,
/// and goes on until nothing new came while it talked to the client.
async fn report(client: Client, mut events: UnboundedReceiver<Event>) {
    let mut tally = Tally::default();
    let mut state = State::Idle;
    while let Some(event) = events.recv().await {
        tally.apply(event);
        drain(&mut events, &mut tally);
        loop {
            state = step(&client, state, &mut tally).await;
            if drain(&mut events, &mut tally) == 0 {
                break;
            }
        }
    }
    if let State::Shown(token, _) = state {
        end(&client, token).await;
    }
}

fn drain(events: &mut UnboundedReceiver<Event>, tally: &mut Tally) -> usize {
    let mut taken = 0;
    while let Ok(event) = events.try_recv() {
        tally.apply(event);
        taken += 1;
    }
    taken
}

/// Sends what the client needs to match `tally`: create and begin, a report, or the end.
async fn step(client: &Client, state: State, tally: &mut Tally) -> State {
    let running = !tally.running.is_empty();
    match state {
        State::Idle if running => {
            let token = NumberOrString::String(format!(
                "dockerfile-lsp/registry/{}",
                NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)
            ));
            if let Err(error) = client.create_work_done_progress(token.clone()).await {
                tracing::debug!("window/workDoneProgress/create: {error}");
                return State::Refused;
            }
            tally.restart_counts();
            // Lookups may have ended while the client answered: a created token still gets
            // its begin, and the end follows at once.
            let message = tally
                .message()
                .unwrap_or_else(|| tally.last_message.clone());
            let _ = client
                .progress(token.clone(), TITLE)
                .with_percentage(tally.percentage())
                .with_message(message.clone())
                .begin()
                .await;
            State::Shown(token, message)
        }
        State::Shown(token, shown) if running => {
            let Some(message) = tally.message() else {
                return State::Shown(token, shown);
            };
            if message == shown {
                return State::Shown(token, shown);
            }
            send(
                client,
                &token,
                WorkDoneProgress::Report(WorkDoneProgressReport {
                    cancellable: Some(false),
                    message: Some(message.clone()),
                    percentage: Some(tally.percentage()),
                }),
            )
            .await;
            State::Shown(token, message)
        }
        State::Shown(token, _) => {
            end(client, token).await;
            State::Idle
        }
        State::Refused | State::Idle if !running => State::Idle,
        state => state,
    }
}

async fn end(client: &Client, token: ProgressToken) {
    send(
        client,
        &token,
        WorkDoneProgress::End(WorkDoneProgressEnd { message: None }),
    )
    .await;
}

async fn send(client: &Client, token: &ProgressToken, value: WorkDoneProgress) {
    client
        .send_notification::<Progress>(ProgressParams {
            token: token.clone(),
            value: ProgressParamsValue::WorkDone(value),
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(tally: &mut Tally, reference: &str) {
        tally.apply(Event::Started(reference.to_owned()));
    }

    fn finished(tally: &mut Tally, reference: &str) {
        tally.apply(Event::Finished(reference.to_owned()));
    }

    #[test]
    fn the_message_names_the_oldest_lookup_and_how_many_are_left() {
        let mut tally = Tally::default();
        assert_eq!(tally.message(), None);
        started(&mut tally, "python:3.12-slim");
        assert_eq!(tally.message().unwrap(), "resolving python:3.12-slim");
        started(&mut tally, "alpine:3.20");
        started(&mut tally, "node:20");
        assert_eq!(
            tally.message().unwrap(),
            "resolving python:3.12-slim (3 left)"
        );
        finished(&mut tally, "python:3.12-slim");
        assert_eq!(tally.message().unwrap(), "resolving alpine:3.20 (2 left)");
        assert_eq!(tally.percentage(), 33);
        finished(&mut tally, "alpine:3.20");
        finished(&mut tally, "node:20");
        assert_eq!(tally.message(), None);
        assert_eq!(tally.last_message, "resolving node:20");
        assert_eq!(tally.percentage(), 100);
    }

    #[test]
    fn a_reference_looked_up_twice_at_once_shows_once_until_both_end() {
        let mut tally = Tally::default();
        started(&mut tally, "node:20");
        started(&mut tally, "node:20");
        assert_eq!(tally.message().unwrap(), "resolving node:20");
        finished(&mut tally, "node:20");
        assert_eq!(tally.message().unwrap(), "resolving node:20");
        finished(&mut tally, "node:20");
        assert_eq!(tally.message(), None);
        // An end nobody started changes nothing.
        finished(&mut tally, "node:20");
        assert_eq!(tally.finished, 2);
    }

    #[test]
    fn a_new_progress_counts_only_what_runs_from_then_on() {
        let mut tally = Tally::default();
        started(&mut tally, "a:1");
        started(&mut tally, "b:1");
        finished(&mut tally, "a:1");
        tally.restart_counts();
        assert_eq!(tally.percentage(), 0);
        finished(&mut tally, "b:1");
        assert_eq!(tally.percentage(), 100);
    }
}
