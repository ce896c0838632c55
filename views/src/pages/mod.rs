pub mod admin;
pub mod claims;
pub mod enterprises;
pub mod errors;
pub mod identity;
pub mod offices;
pub mod portal;
