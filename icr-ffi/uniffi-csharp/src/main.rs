//! `uniffi-csharp`: the C# binding of a uniffi 0.32 library, generated from the library's
//! own metadata.
//!
//! ```text
//! uniffi-csharp --library target/release/libicr_ffi.so --config icr-ffi/uniffi.toml \
//!               --out target/ffi/gen/csharp/IcrSdk.cs
//! uniffi-csharp --library target/release/libicr_ffi.so --api icr-ffi/api.txt [--check]
//! ```
//!
//! The interface is read with `uniffi_bindgen`'s loader (the same code path as
//! `uniffi-bindgen generate --library`), so FFI symbol names, checksums and the contract
//! version come from the library itself. `--api` writes the API listing instead (see
//! `api`); `--check` regenerates in memory and fails when the file on disk differs (the
//! API drift check).
//!
//! Supported shapes (what `icr-ffi` uses, and a little more): primitives, strings, bytes,
//! `Option`, `Vec`, `HashMap`, records, enums with and without fields, errors (flat or
//! with fields), objects with constructors and methods, top-level functions, default
//! argument values that are literals or `None`, custom types (as their builtin type),
//! several components in one library (one crate's records and enums used by another's
//! objects: written into one namespace, with the runtime, the P/Invoke declarations, the
//! load checks and each converter once), and callback interfaces
//! (`#[uniffi::export(callback_interface)]`, taken as `Box<dyn Trait>` or
//! `Option<Box<dyn Trait>>`).
//!
//! A callback interface `Name` becomes a C# interface `IName` the host implements. An
//! object passed to the library is kept in a handle map (odd handles, a new one per
//! call) until the library drops it through the vtable's free entry; the vtable (free,
//! clone, then one entry per method, uniffi 0.32's layout) is unmanaged memory given once
//! to `uniffi_<crate>_fn_init_callback_vtable_<name>` after the load checks, and its
//! delegates are static fields so the JIT's thunks stay valid for the life of the process.
//! Each entry lifts the arguments, calls the host's object and lowers the return value
//! into the slot Rust gave; an exception never crosses into Rust: the error the method
//! declares is lowered as such (status 1), any other exception is reported as an
//! unexpected error with its type and message (status 2). `UniffiCallbacks.Live()` counts
//! the objects the library holds, for hosts' leak checks.
//!
//! Not supported (the generator stops with an error): async functions, async callback
//! methods, trait interfaces (objects implemented by the host, `with_foreign`),
//! timestamps and durations.

mod api;
mod config;
mod generate;
mod names;

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use camino::Utf8PathBuf;
use uniffi_bindgen::{BindgenLoader, BindgenPaths, GlobalConfig};

struct Args {
    library: Utf8PathBuf,
    config: Option<Utf8PathBuf>,
    out: Utf8PathBuf,
    api: bool,
    check: bool,
}

fn parse_args() -> Result<Args> {
    let mut library = None;
    let mut config = None;
    let mut out = None;
    let mut api = false;
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--library" => library = args.next().map(Utf8PathBuf::from),
            "--config" => config = args.next().map(Utf8PathBuf::from),
            "--out" => out = args.next().map(Utf8PathBuf::from),
            "--api" => {
                api = true;
                out = args.next().map(Utf8PathBuf::from);
            }
            "--check" => check = true,
            other => bail!(
                "unknown argument {other}; usage: uniffi-csharp --library LIB ([--config uniffi.toml] --out FILE.cs | --api FILE.txt [--check])"
            ),
        }
    }
    Ok(Args {
        library: library.context("--library is required")?,
        config,
        out: out.context("--out or --api is required")?,
        api,
        check,
    })
}

fn run() -> Result<bool> {
    let args = parse_args()?;
    let loader = BindgenLoader::new(BindgenPaths::default(), GlobalConfig::default());
    let metadata = loader
        .load_metadata(&args.library)
        .with_context(|| format!("reading uniffi metadata from {}", args.library))?;
    let mut cis = loader.load_cis(metadata)?;
    let code = if args.api {
        api::listing(&cis)?
    } else {
        csharp(&mut cis, &args)?
    };
    write_or_check(&args, &code)
}

/// The C# file for every component in the library.
fn csharp(
    cis: &mut [uniffi_bindgen::interface::ComponentInterface],
    args: &Args,
) -> Result<String> {
    let config = config::Config::read(args.config.as_deref(), &args.library)?;
    for ci in cis.iter_mut() {
        uniffi_bindgen::interface::apply_exclusions(ci, &config.exclude);
        ci.derive_ffi_funcs()?;
    }
    generate::generate(cis, &config)
}

fn write_or_check(args: &Args, code: &str) -> Result<bool> {
    if args.check {
        let current =
            std::fs::read_to_string(&args.out).with_context(|| format!("reading {}", args.out))?;
        if current == code {
            println!("{} matches the library", args.out);
            return Ok(true);
        }
        eprintln!(
            "{} differs from what {} generates: regenerate it (run without --check)",
            args.out, args.library
        );
        return Ok(false);
    }
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {dir}"))?;
    }
    std::fs::write(&args.out, code).with_context(|| format!("writing {}", args.out))?;
    println!("wrote {}", args.out);
    Ok(true)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("uniffi-csharp: {e:#}");
            ExitCode::from(2)
        }
    }
}
