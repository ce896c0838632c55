//! Virus scanning of uploads through clamd's INSTREAM command over its Unix
//! socket, when `antivirus.clamd_socket` is configured. Uploads are refused
//! when the scanner finds something or cannot be reached (fail closed).

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Infected(String),
}

/// clamd accepts chunks of at most its StreamMaxLength; 64 KiB is safe.
const CHUNK: usize = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(30);

pub async fn scan(socket: &Path, bytes: &[u8]) -> std::io::Result<Verdict> {
    tokio::time::timeout(TIMEOUT, scan_inner(socket, bytes))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "clamd timed out"))?
}

async fn scan_inner(socket: &Path, bytes: &[u8]) -> std::io::Result<Verdict> {
    let mut s = UnixStream::connect(socket).await?;
    s.write_all(b"zINSTREAM\0").await?;
    for chunk in bytes.chunks(CHUNK) {
        s.write_all(&(chunk.len() as u32).to_be_bytes()).await?;
        s.write_all(chunk).await?;
    }
    s.write_all(&0u32.to_be_bytes()).await?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await?;
    let text = String::from_utf8_lossy(&reply);
    let text = text.trim_end_matches(['\0', '\n']).trim();
    // "stream: OK", "stream: Eicar-Signature FOUND", "... ERROR"
    let body = text.strip_prefix("stream:").unwrap_or(text).trim();
    if body == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(name) = body.strip_suffix("FOUND") {
        Ok(Verdict::Infected(name.trim().to_owned()))
    } else {
        Err(std::io::Error::other(format!("clamd: {text}")))
    }
}
