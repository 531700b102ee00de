//! Signing a launch context (for hosts that let the SDK sign with their key, and for
//! tests). The context itself is core's `LaunchContext`.

use icr_core::launch::{self, Algorithm, LaunchContext};

use crate::error::IcrError;
use crate::icr::signing_key;

/// Signs `context` as a launch token with the host's private key (`kid` names it in the
/// token's header; the ICR's trust store must hold the public half under the same id).
#[uniffi::export]
pub fn mint_launch_token(
    context: LaunchContext,
    kid: String,
    algorithm: Algorithm,
    private_key: Vec<u8>,
) -> Result<String, IcrError> {
    let key = signing_key(algorithm, &private_key)?;
    Ok(launch::mint(&context, &kid, &key)?)
}
