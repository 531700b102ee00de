// Turns the summary JSON's schema (from icr-core's serde attributes, printed by
// `cargo run -p icr-wasm --features ts --example summary-schema`) into the npm package's
// summary.d.ts with json-schema-to-typescript. Run by scripts/panel-tests.sh:
//
//   node tools/summary-dts.mjs summary.schema.json summary.d.ts
//
// Exact object types (no index signatures): a field the declarations lack is an error in
// a host's object literal, so `satisfies PatientSummary` on real JSON finds any drift.
import { readFileSync, writeFileSync } from "node:fs";
import { compile } from "json-schema-to-typescript";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node tools/summary-dts.mjs SCHEMA.json OUT.d.ts");
  process.exit(2);
}
const schema = JSON.parse(readFileSync(input, "utf8"));
const dts = await compile(schema, "PatientSummary", {
  additionalProperties: false,
  strictIndexSignatures: true,
  unreachableDefinitions: false,
  declareExternallyReferenced: true,
  enableConstEnums: false,
  inferStringEnumKeysFromValues: false,
  bannerComment: [
    "/**",
    " * The ICR summary JSON (`PatientSummary` and everything in it), generated from",
    " * icr-core's Rust definitions: do not edit. Made by scripts/panel-tests.sh from",
    " * summary.schema.json (schemars) with json-schema-to-typescript.",
    " */",
  ].join("\n"),
});
writeFileSync(output, dts);
