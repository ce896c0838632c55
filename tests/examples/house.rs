//! Prints every import that breaks the house rule, one per line:
//! `cargo run -p techreg-tests --example house`.

fn main() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    for line in techreg_tests::house::violations(&techreg_tests::house::read_tree(&src)) {
        println!("{line}");
    }
}
