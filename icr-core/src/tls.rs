//! The one TLS client configuration of the SDK, for every connection it makes (the
//! sources over HTTPS, the region's database): rustls over ring, the operating system's
//! trust store through rustls-platform-verifier, certificate and host name verification
//! always on.

use std::sync::{Arc, OnceLock};

/// The configuration, built once per process (loading the system roots is the expensive
/// part); the caller sets its own ALPN protocols on its copy.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, &'static str> {
    use rustls_platform_verifier::BuilderVerifierExt;
    static TLS: OnceLock<Result<rustls::ClientConfig, &'static str>> = OnceLock::new();
    TLS.get_or_init(|| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| "TLS versions")?
            .with_platform_verifier()
            .map_err(|_| "trust store")?
            .with_no_client_auth())
    })
    .clone()
}
