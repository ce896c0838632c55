pub mod admin;
pub mod errors;
pub mod identity;
pub mod portal;
