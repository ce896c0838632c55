pub mod admin;
pub mod claims;
pub mod errors;
pub mod identity;
pub mod offices;
pub mod portal;
pub mod reports;
