//! Reading the audit table as the lines of a log, a page of rows per query, while the
//! previous page is verified: each page is one simple query whose rows arrive together,
//! and its lines (each followed by a newline) go to the same verifier that reads a file.
//!
//! Pages, not `COPY … TO STDOUT`: the blocking client returns a `COPY` one row per call
//! into its runtime. Fetched on a second thread, so the database's sending and the
//! HMACs overlap instead of taking turns. Simple queries return text as it is stored
//! (no escaping to undo). The pages need no common snapshot: rows are only ever appended,
//! in `seq` order under the chain's lock, so each page sees a longer prefix of one chain.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, sync_channel};

use postgres::SimpleQueryMessage;

/// Rows per page: a few megabytes of lines.
const PAGE_ROWS: usize = 8192;

/// Pages fetched ahead of the verifier.
const PAGES_AHEAD: usize = 2;

/// Runs `read` over the rows of `icr_audit` numbered above `after`, in order, as
/// newline-terminated lines. A database error ends the lines early and is returned
/// instead of what `read` made of them.
pub(crate) fn read_lines<T>(
    client: &mut postgres::Client,
    after: u64,
    read: impl FnOnce(PageReader) -> T,
) -> Result<T, postgres::Error> {
    let mut after = i64::try_from(after).unwrap_or(i64::MAX);
    std::thread::scope(|scope| {
        let (pages, arrived) = sync_channel(PAGES_AHEAD);
        let fetcher = scope.spawn(move || -> Result<(), postgres::Error> {
            loop {
                let (page, rows) = fetch_page(client, &mut after)?;
                // A closed channel: the verifier stopped early (it found a problem).
                if pages.send(page).is_err() || rows < PAGE_ROWS {
                    return Ok(());
                }
            }
        });
        let result = read(PageReader {
            arrived,
            page: Vec::new(),
            at: 0,
        });
        match fetcher.join() {
            Ok(fetched) => fetched.map(|()| result),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// One page of lines after `after`, which moves on to the page's last row.
fn fetch_page(
    client: &mut postgres::Client,
    after: &mut i64,
) -> Result<(Vec<u8>, usize), postgres::Error> {
    let query = format!(
        "SELECT seq, line FROM icr_audit WHERE seq > {after} ORDER BY seq LIMIT {PAGE_ROWS}"
    );
    let mut page = Vec::new();
    let mut rows = 0;
    for message in client.simple_query(&query)? {
        if let SimpleQueryMessage::Row(row) = message {
            rows += 1;
            if let Some(seq) = row.get(0).and_then(|s| s.parse().ok()) {
                *after = seq;
            }
            page.extend_from_slice(row.get(1).unwrap_or_default().as_bytes());
            page.push(b'\n');
        }
    }
    Ok((page, rows))
}

/// The lines as they arrive from the fetching thread.
pub(crate) struct PageReader {
    arrived: Receiver<Vec<u8>>,
    page: Vec<u8>,
    at: usize,
}

impl Read for PageReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.page.len() {
            match self.arrived.recv() {
                Ok(page) => {
                    self.page = page;
                    self.at = 0;
                }
                // The fetcher is done, or failed (its error is returned by read_lines).
                Err(_) => return Ok(0),
            }
        }
        let pending = self.page.get(self.at..).unwrap_or_default();
        let n = pending.len().min(out.len());
        if let (Some(to), Some(from)) = (out.get_mut(..n), pending.get(..n)) {
            to.copy_from_slice(from);
        }
        self.at += n;
        Ok(n)
    }
}
