//! The API listing: every component's custom types (and what they cross as), objects
//! (constructors and methods), callback interfaces (what hosts implement), functions, records (fields) and enums (variants and their
//! fields), with their types, read from a
//! built library's uniffi metadata. Committed as `icr-ffi/api.txt`, it is what a
//! reviewer reads of an API change (the generated bindings are not committed), and the
//! host test command checks it against the library.

use std::fmt::Write as _;

use anyhow::Result;
use uniffi_bindgen::interface::{AsType, Callable, ComponentInterface, DefaultValue, Type};

/// The listing of every component, in a stable order.
pub(crate) fn listing(cis: &[ComponentInterface]) -> Result<String> {
    let mut out = String::new();
    let mut cis: Vec<&ComponentInterface> = cis.iter().collect();
    cis.sort_by(|a, b| a.namespace().cmp(b.namespace()));
    for ci in cis {
        let _ = writeln!(
            out,
            "namespace {} (crate {})",
            ci.namespace(),
            ci.crate_name()
        );
        let mut customs: Vec<(&str, &Type)> = ci
            .iter_local_types()
            .filter_map(|t| match t {
                Type::Custom { name, builtin, .. } => Some((name.as_str(), builtin.as_ref())),
                _ => None,
            })
            .collect();
        customs.sort_by_key(|(name, _)| *name);
        customs.dedup_by_key(|(name, _)| *name);
        for (name, builtin) in customs {
            let _ = writeln!(out, "  custom {name} = {}", ty(builtin));
        }
        let mut records: Vec<_> = ci.record_definitions().iter().collect();
        records.sort_by(|a, b| a.name().cmp(b.name()));
        for r in records {
            let _ = writeln!(out, "  record {}", r.name());
            for f in r.fields() {
                let _ = writeln!(out, "    {}: {}", f.name(), ty(&f.as_type()));
            }
        }
        let mut enums: Vec<_> = ci.enum_definitions().iter().collect();
        enums.sort_by(|a, b| a.name().cmp(b.name()));
        for e in enums {
            let kind = if ci.is_name_used_as_error(e.name()) {
                "error"
            } else {
                "enum"
            };
            let _ = writeln!(out, "  {kind} {}", e.name());
            for v in e.variants() {
                let fields: Vec<String> = v
                    .fields()
                    .iter()
                    .map(|f| format!("{}: {}", f.name(), ty(&f.as_type())))
                    .collect();
                if fields.is_empty() {
                    let _ = writeln!(out, "    {}", v.name());
                } else {
                    let _ = writeln!(out, "    {} {{ {} }}", v.name(), fields.join(", "));
                }
            }
        }
        let mut objects: Vec<_> = ci.object_definitions().iter().collect();
        objects.sort_by(|a, b| a.name().cmp(b.name()));
        for o in objects {
            let _ = writeln!(out, "  object {}", o.name());
            let mut constructors = o.constructors();
            constructors.sort_by(|a, b| a.name().cmp(b.name()));
            for c in constructors {
                let _ = writeln!(out, "    constructor {}", signature(c.name(), c));
            }
            let mut methods = o.methods();
            methods.sort_by(|a, b| a.name().cmp(b.name()));
            for m in methods {
                let _ = writeln!(out, "    fn {}", signature(m.name(), m));
            }
        }
        let mut callbacks: Vec<_> = ci.callback_interface_definitions().iter().collect();
        callbacks.sort_by(|a, b| a.name().cmp(b.name()));
        for cb in callbacks {
            let _ = writeln!(out, "  callback interface {}", cb.name());
            let mut methods = cb.methods();
            methods.sort_by(|a, b| a.name().cmp(b.name()));
            for m in methods {
                let _ = writeln!(out, "    fn {}", signature(m.name(), m));
            }
        }
        let mut functions: Vec<_> = ci.function_definitions().iter().collect();
        functions.sort_by(|a, b| a.name().cmp(b.name()));
        for f in functions {
            let _ = writeln!(out, "  fn {}", signature(f.name(), f));
        }
    }
    Ok(out)
}

/// `name(arg: Type = default, …) -> Type throws Error`.
fn signature<C: Callable + ?Sized>(name: &str, c: &C) -> String {
    let args: Vec<String> = c
        .arguments()
        .iter()
        .map(|a| {
            let default = match a.default_value() {
                Some(DefaultValue::Default) => " = default".to_owned(),
                Some(DefaultValue::Literal(l)) => format!(" = {l:?}"),
                None => String::new(),
            };
            format!("{}: {}{default}", a.name(), ty(&a.as_type()))
        })
        .collect();
    let mut s = format!("{name}({})", args.join(", "));
    if let Some(t) = c.return_type() {
        let _ = write!(s, " -> {}", ty(t));
    }
    if let Some(t) = c.throws_type() {
        let _ = write!(s, " throws {}", ty(t));
    }
    s
}

/// A type as the listing writes it: Rust-like, with named types by name and the crate of
/// a type another crate defines.
fn ty(t: &Type) -> String {
    match t {
        Type::UInt8 => "u8".into(),
        Type::Int8 => "i8".into(),
        Type::UInt16 => "u16".into(),
        Type::Int16 => "i16".into(),
        Type::UInt32 => "u32".into(),
        Type::Int32 => "i32".into(),
        Type::UInt64 => "u64".into(),
        Type::Int64 => "i64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Boolean => "bool".into(),
        Type::String => "String".into(),
        Type::Bytes => "Bytes".into(),
        Type::Timestamp => "Timestamp".into(),
        Type::Duration => "Duration".into(),
        Type::Optional { inner_type } => format!("Option<{}>", ty(inner_type)),
        Type::Sequence { inner_type } => format!("Vec<{}>", ty(inner_type)),
        Type::Map {
            key_type,
            value_type,
        } => format!("Map<{}, {}>", ty(key_type), ty(value_type)),
        Type::Box { inner_type } => ty(inner_type),
        other => other
            .name()
            .map_or_else(|| format!("{other:?}"), str::to_owned),
    }
}
