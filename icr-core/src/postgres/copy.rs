//! Reading the audit table as the lines of a log: `COPY … TO STDOUT (FORMAT binary)`
//! streams the rows, and this turns them into newline-terminated lines for the same
//! verifier that reads a file. Binary, because the text and CSV formats escape the
//! backslashes and quotes every JSON line holds, which would have to be undone byte by
//! byte; in binary a text field is its UTF-8 bytes.

use std::io::{self, BufRead, Read};

/// The 11-byte signature that starts binary COPY output.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// The rows of a one-column binary COPY, each followed by a newline.
pub(crate) struct CopyLines<R> {
    inner: R,
    started: bool,
    done: bool,
    row: Vec<u8>,
    at: usize,
}

impl<R: BufRead> CopyLines<R> {
    pub(crate) fn new(inner: R) -> CopyLines<R> {
        CopyLines {
            inner,
            started: false,
            done: false,
            row: Vec::with_capacity(1024),
            at: 0,
        }
    }

    fn bad(what: &str) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("binary COPY: {what}"))
    }

    fn read_array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut out = [0u8; N];
        self.inner.read_exact(&mut out)?;
        Ok(out)
    }

    /// Reads the next row into `row`; false after the trailer.
    fn next_row(&mut self) -> io::Result<bool> {
        if !self.started {
            if &self.read_array::<11>()? != SIGNATURE {
                return Err(Self::bad("signature"));
            }
            let _flags = self.read_array::<4>()?;
            let extension = u32::from_be_bytes(self.read_array::<4>()?);
            io::copy(
                &mut (&mut self.inner).take(u64::from(extension)),
                &mut io::sink(),
            )?;
            self.started = true;
        }
        let fields = i16::from_be_bytes(self.read_array::<2>()?);
        if fields == -1 {
            self.done = true;
            return Ok(false);
        }
        if fields != 1 {
            return Err(Self::bad("expected one column"));
        }
        self.row.clear();
        // A NULL (length -1) cannot be stored (the column is NOT NULL); it would be an
        // empty line, which the verifier reports as not an entry.
        let len = i32::from_be_bytes(self.read_array::<4>()?);
        if let Ok(len) = usize::try_from(len) {
            self.row.resize(len, 0);
            self.inner.read_exact(&mut self.row)?;
        }
        self.row.push(b'\n');
        self.at = 0;
        Ok(true)
    }
}

impl<R: BufRead> Read for CopyLines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.row.len() && (self.done || !self.next_row()?) {
            return Ok(0);
        }
        let pending = self.row.get(self.at..).unwrap_or_default();
        let n = pending.len().min(out.len());
        if let (Some(to), Some(from)) = (out.get_mut(..n), pending.get(..n)) {
            to.copy_from_slice(from);
        }
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_of(rows: &[&[u8]]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend([0, 0, 0, 0, 0, 0, 0, 2, b'x', b'y']);
        for row in rows {
            out.extend(1i16.to_be_bytes());
            out.extend(i32::try_from(row.len()).unwrap().to_be_bytes());
            out.extend(*row);
        }
        out.extend((-1i16).to_be_bytes());
        out
    }

    #[test]
    fn rows_become_lines() {
        let bytes = copy_of(&[b"{\"seq\":1}", b"", b"a\\\"b"]);
        let mut text = String::new();
        CopyLines::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{\"seq\":1}\n\na\\\"b\n");
    }

    #[test]
    fn a_stream_that_is_not_binary_copy_is_an_error() {
        let mut text = String::new();
        let err = CopyLines::new(&b"seq,line\n1,x\n"[..])
            .read_to_string(&mut text)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_stream_cut_short_is_an_error() {
        let bytes = copy_of(&[b"{\"seq\":1}"]);
        let mut text = String::new();
        let err = CopyLines::new(&bytes[..bytes.len() - 5])
            .read_to_string(&mut text)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
