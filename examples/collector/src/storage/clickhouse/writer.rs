//! The insert batcher: one thread per collector process turning queued rows
//! into `INSERT ... FORMAT JSONEachRow` statements, and answering each
//! row's ticket with the result of the insert that carried it, so ingest
//! acknowledges a payload only once ClickHouse has acknowledged it.
//!
//! Bounds: at most one insert in flight; a batch holds at most `max_rows`
//! rows; consecutive inserts start at least `interval` apart (each insert
//! makes a part ClickHouse merges later, so their rate is what to bound),
//! but a row arriving after a quiet spell is sent at once. A row thus waits
//! at most `interval` plus the insert before it. A failed insert fails every
//! ticket of its batch (ingest answers 503, the SDK retries); nothing is
//! retried here, so nothing is acknowledged that ClickHouse did not take.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::http::Client;
use crate::storage::{StorageError, Ticket};

/// Queued rows before ingest answers 503 (back-pressure).
const QUEUE: usize = 16_384;

type Reply = oneshot::Sender<Result<(), StorageError>>;

enum Cmd {
    Row(String, Reply),
    Close,
}

/// When batches are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batching {
    /// Least time between the starts of two inserts.
    pub interval: Duration,
    /// Most rows in one insert.
    pub max_rows: usize,
}

pub struct Writer {
    tx: SyncSender<Cmd>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the thread; rows go to `insert` (the statement's head, e.g.
    /// `INSERT INTO db.pageviews FORMAT JSONEachRow`).
    pub fn start(
        client: Arc<Client>,
        insert: String,
        batching: Batching,
    ) -> Result<Writer, StorageError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("iob-clickhouse-writer".into())
            .spawn(move || run(&client, &insert, batching, rx))
            .map_err(|e| StorageError::Backend(format!("cannot start the writer: {e}")))?;
        Ok(Writer {
            tx,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queues one encoded row; the ticket resolves with its insert.
    pub fn push(&self, row: String) -> Result<Ticket<()>, StorageError> {
        let (reply, ticket) = oneshot::channel();
        self.tx
            .try_send(Cmd::Row(row, reply))
            .map_err(|e| match e {
                TrySendError::Full(_) => StorageError::Busy,
                TrySendError::Disconnected(_) => StorageError::Closed,
            })?;
        Ok(ticket)
    }

    /// Sends what is queued, then stops the thread (blocking). Rows queued
    /// later fail with [`StorageError::Closed`].
    pub fn close(&self) {
        // A full queue still drains: wait for room rather than drop the close.
        let _ = self.tx.send(Cmd::Close);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

fn run(client: &Client, insert: &str, batching: Batching, rx: Receiver<Cmd>) {
    let mut last_start: Option<Instant> = None;
    let mut closing = false;
    while !closing {
        let Ok(first) = rx.recv() else { break };
        let mut batch = vec![first];
        let due = last_start.map(|t| t + batching.interval);
        loop {
            if batch.len() >= batching.max_rows || matches!(batch.last(), Some(Cmd::Close)) {
                break;
            }
            let wait = due.map_or(Duration::ZERO, |d| {
                d.saturating_duration_since(Instant::now())
            });
            let next = if wait.is_zero() {
                rx.try_recv().ok()
            } else {
                match rx.recv_timeout(wait) {
                    Ok(cmd) => Some(cmd),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => None,
                }
            };
            match next {
                Some(cmd) => batch.push(cmd),
                None => break,
            }
        }
        closing = batch.iter().any(|c| matches!(c, Cmd::Close));
        last_start = Some(Instant::now());
        send_batch(client, insert, batch);
    }
}

/// One insert of the batch's rows; every ticket gets its result.
fn send_batch(client: &Client, insert: &str, batch: Vec<Cmd>) {
    let mut body = String::with_capacity(insert.len() + 1 + batch.len() * 700);
    body.push_str(insert);
    let mut replies = Vec::with_capacity(batch.len());
    for cmd in batch {
        if let Cmd::Row(row, reply) = cmd {
            body.push('\n');
            body.push_str(&row);
            replies.push(reply);
        }
    }
    if replies.is_empty() {
        return;
    }
    let result = client
        .execute(body.as_bytes())
        .map(|_| ())
        .map_err(|e| StorageError::Backend(e.summary()));
    for reply in replies {
        let _ = reply.send(result.clone());
    }
}
