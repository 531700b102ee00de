//! The conversions between fieldless mirror enums and their core enums, written once.

/// The two `From`s between a fieldless mirror enum and its core enum, variant for variant
/// by name. The core enums are `non_exhaustive`: a core variant newer than the bindings
/// becomes `$fallback`.
macro_rules! mirror_enum {
    ($ffi:ident, $core:path, $fallback:ident, [$($variant:ident),+ $(,)?]) => {
        impl From<$core> for $ffi {
            fn from(value: $core) -> Self {
                use $core as Core;
                match value {
                    $(Core::$variant => $ffi::$variant,)+
                    _ => $ffi::$fallback,
                }
            }
        }

        impl From<$ffi> for $core {
            fn from(value: $ffi) -> Self {
                use $core as Core;
                match value {
                    $($ffi::$variant => Core::$variant,)+
                }
            }
        }
    };
}
