//! A small HTTP/1.1 server on raw tokio TCP for the fetch tests and benchmark: it serves
//! what a handler says, including the faults a real client meets (no answer, late
//! headers, a trickle, a reset, a short body, a lying Content-Length, chunked floods).
//! Loopback only; every connection task ends when the server is dropped.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What to do with a request.
pub(crate) enum Reply {
    /// A complete response with Content-Length.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Arc<Vec<u8>>,
    },
    /// Read the request, never answer (the connection stays open).
    Hang,
    /// Wait, then do the inner reply.
    After(Duration, Box<Reply>),
    /// Headers, then the body one byte per `every`.
    Trickle {
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        every: Duration,
    },
    /// Declare `declared` bytes, send `sent`, then reset the connection (RST).
    ResetMidBody { declared: usize, sent: Vec<u8> },
    /// Declare `declared` bytes, send `sent`, then close normally (FIN).
    Truncated { declared: usize, sent: Vec<u8> },
    /// A chunked body: `chunk` repeated `count` times.
    Chunked {
        content_type: String,
        chunk: Vec<u8>,
        count: usize,
    },
}

pub(crate) fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    typed(status, "application/fhir+json", body)
}

pub(crate) fn typed(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Full {
        status,
        headers: vec![("content-type".into(), content_type.into())],
        body: Arc::new(body.into()),
    }
}

pub(crate) fn shared(status: u16, body: Arc<Vec<u8>>) -> Reply {
    Reply::Full {
        status,
        headers: vec![("content-type".into(), "application/fhir+json".into())],
        body,
    }
}

pub(crate) fn with_header(reply: Reply, name: &str, value: &str) -> Reply {
    match reply {
        Reply::Full {
            status,
            mut headers,
            body,
        } => {
            headers.push((name.into(), value.into()));
            Reply::Full {
                status,
                headers,
                body,
            }
        }
        other => other,
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

pub(crate) struct Server {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Serves on `ip` (an ephemeral port); `handler` gets each request and its 0-based
    /// number.
    pub(crate) async fn start(
        ip: &str,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let task = {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut connections = JoinSet::new();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    // As real servers do: no Nagle delay between the head and the body.
                    let _ = stream.set_nodelay(true);
                    let log = Arc::clone(&log);
                    let handler = Arc::clone(&handler);
                    connections.spawn(async move {
                        let _ = serve(stream, log, handler).await;
                    });
                    while connections.try_join_next().is_some() {}
                }
            })
        };
        Server { addr, log, task }
    }

    /// `http://ip:port` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

/// A port on which nothing listens (bound, then closed).
pub(crate) async fn closed_port(ip: &str) -> SocketAddr {
    let l = TcpListener::bind((ip, 0)).await.unwrap();
    l.local_addr().unwrap()
}

async fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Some(Request {
        method,
        target,
        headers,
        body,
    }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn head(status: u16, headers: &[(String, String)], extra: &str) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str(extra);
    h.push_str("\r\n");
    h.into_bytes()
}

async fn serve(
    stream: TcpStream,
    log: Arc<Mutex<Vec<Request>>>,
    handler: Arc<Handler>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    // One request per connection: every reply says `connection: close`.
    let Some(request) = read_request(&mut reader).await? else {
        return Ok(());
    };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    let reply = handler(&request, n);
    let mut stream = reader.into_inner();
    respond(&mut stream, reply).await
}

async fn respond(stream: &mut TcpStream, mut reply: Reply) -> std::io::Result<()> {
    loop {
        match reply {
            Reply::After(wait, inner) => {
                tokio::time::sleep(wait).await;
                reply = *inner;
            }
            Reply::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Ok(());
            }
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let extra = format!("content-length: {}\r\nconnection: close\r\n", body.len());
                stream.write_all(&head(status, &headers, &extra)).await?;
                stream.write_all(&body).await?;
                stream.flush().await?;
                return stream.shutdown().await;
            }
            Reply::Trickle {
                headers,
                body,
                every,
            } => {
                let extra = format!("content-length: {}\r\nconnection: close\r\n", body.len());
                stream.write_all(&head(200, &headers, &extra)).await?;
                for b in body {
                    stream.write_all(&[b]).await?;
                    stream.flush().await?;
                    tokio::time::sleep(every).await;
                }
                return stream.shutdown().await;
            }
            Reply::ResetMidBody { declared, sent } => {
                let headers = vec![("content-type".into(), "application/fhir+json".into())];
                let extra = format!("content-length: {declared}\r\nconnection: close\r\n");
                stream.write_all(&head(200, &headers, &extra)).await?;
                stream.write_all(&sent).await?;
                stream.flush().await?;
                tokio::time::sleep(Duration::from_millis(50)).await;
                // SO_LINGER 0: closing sends RST instead of FIN.
                stream.set_zero_linger()?;
                return Ok(());
            }
            Reply::Truncated { declared, sent } => {
                let headers = vec![("content-type".into(), "application/fhir+json".into())];
                let extra = format!("content-length: {declared}\r\nconnection: close\r\n");
                stream.write_all(&head(200, &headers, &extra)).await?;
                stream.write_all(&sent).await?;
                stream.flush().await?;
                return stream.shutdown().await;
            }
            Reply::Chunked {
                content_type,
                chunk,
                count,
            } => {
                let headers = vec![("content-type".to_owned(), content_type)];
                let extra = "transfer-encoding: chunked\r\nconnection: close\r\n";
                stream.write_all(&head(200, &headers, extra)).await?;
                for _ in 0..count {
                    stream
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .await?;
                    stream.write_all(&chunk).await?;
                    stream.write_all(b"\r\n").await?;
                }
                stream.write_all(b"0\r\n\r\n").await?;
                return stream.shutdown().await;
            }
        }
    }
}
