//! Outbound clients of other systems, each behind a trait so tests put a
//! local server in its place: the SMS gateway, the antivirus scanner, the
//! platform's signature service.

pub mod antivirus;
pub mod http_client;
pub mod remote_signer;
pub mod sms;
