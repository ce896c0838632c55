pub mod errors;
pub mod portal;
