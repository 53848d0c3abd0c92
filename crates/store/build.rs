//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds
//! the migration files at compile time, and cargo would otherwise not look
//! at a new file in the directory.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
