//! Strict base64url: unpadded, URL-safe alphabet only, canonical.
//!
//! RFC 7515 says the parts of a compact JWS are base64url without padding. Lenient
//! decoders also take padding, the standard alphabet (`+`, `/`) or non-zero trailing bits,
//! which gives one token many spellings: a token that was refused (or replay-cached) can
//! be re-sent in another spelling with the same signature. Only the one canonical spelling
//! is accepted here; anything else is [`LaunchError::InvalidBase64`].

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::error::{LaunchError, TokenPart};

/// URL-safe alphabet, no padding written, padding refused, trailing bits must be zero.
const STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Encodes bytes as unpadded base64url.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STRICT.encode(bytes)
}

/// Decodes one part of a token, accepting only the canonical unpadded base64url form.
pub(crate) fn decode(text: &str, part: TokenPart) -> Result<Vec<u8>, LaunchError> {
    let invalid = LaunchError::InvalidBase64 { part };
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(invalid);
    }
    let bytes = STRICT.decode(text).map_err(|_| invalid.clone())?;
    // Belt and braces: the engine already refuses padding and trailing bits, but the
    // definition of canonical is "re-encodes to the same text", so check exactly that.
    if STRICT.encode(&bytes) != text {
        return Err(invalid);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: TokenPart = TokenPart::Header;

    #[test]
    fn round_trips_canonical_text() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 250) as u8).collect();
            assert_eq!(decode(&encode(&bytes), H).unwrap(), bytes);
        }
    }

    #[test]
    fn refuses_padding_alphabet_and_trailing_bits() {
        let bad = LaunchError::InvalidBase64 { part: H };
        assert_eq!(encode(b"ab"), "YWI");
        assert_eq!(decode("YWI=", H), Err(bad.clone()));
        assert_eq!(decode("YW+", H), Err(bad.clone()));
        assert_eq!(decode("YW/", H), Err(bad.clone()));
        assert_eq!(decode("YW I", H), Err(bad.clone()));
        // "YWJ" decodes to "ab" leniently but has a non-zero trailing bit.
        assert_eq!(decode("YWJ", H), Err(bad.clone()));
        // a single character can never be valid
        assert_eq!(decode("Y", H), Err(bad));
    }
}
