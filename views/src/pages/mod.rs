pub mod admin;
pub mod claims;
pub mod dictionaries;
pub mod errors;
pub mod identity;
pub mod offices;
pub mod portal;
