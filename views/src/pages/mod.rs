pub mod errors;
pub mod identity;
pub mod portal;
