//! Outbound HTTPS uses rustls with the ring provider (already in the build
//! through sqlx); it is installed once for the process.

pub fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
