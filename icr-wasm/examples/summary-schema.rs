//! Prints the JSON Schema (draft-07) of the summary JSON the panel reads, as `icr-core`'s
//! serde attributes write it: the source of the npm package's TypeScript declarations
//! (`scripts/panel-tests.sh` turns it into `summary.d.ts` with json-schema-to-typescript).
//!
//! ```sh
//! cargo run -q -p icr-wasm --features ts --example summary-schema > summary.schema.json
//! ```
//!
//! The schema describes what the SDK writes (schemars' serialize contract): a field that
//! serde skips when empty or absent is optional, one always written is required, and
//! `schema_version` is the one this panel reads.

use icr_core::PatientSummary;
use icr_core::summary::SCHEMA_VERSION;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut schema = SchemaSettings::draft07()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<PatientSummary>();
    schema.insert(
        "$comment".into(),
        Value::from(format!(
            "ICR PatientSummary JSON, schema_version {SCHEMA_VERSION}: generated from icr-core, do not edit"
        )),
    );
    // The panel reads one version: a host's types say which.
    let version = schema
        .pointer_mut("/properties/schema_version")
        .and_then(Value::as_object_mut)
        .ok_or("the schema has no properties.schema_version")?;
    version.insert("const".into(), json!(SCHEMA_VERSION));
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}
