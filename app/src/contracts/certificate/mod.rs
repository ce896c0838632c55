//! The registration certificate (上海市技术合同认定登记证明): canonical text
//! of the certified data, SM2 signature with the registration seal key, the
//! PDF, and public verification by registration number and code.

pub mod canonical;
pub mod download;
pub mod pdf;
pub mod routes;
pub mod service;

pub use canonical::{CertifiedData, PartyRef, canonical_text};
pub use service::{CertError, Issued, Status};
