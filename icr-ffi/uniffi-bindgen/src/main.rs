//! `uniffi-bindgen`, pinned to the workspace's uniffi: `cargo run -p uniffi-bindgen --
//! generate --library target/release/libicr_ffi.so --language kotlin --out-dir DIR`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
