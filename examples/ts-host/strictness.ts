// The generated summary types are exact, so `satisfies PatientSummary` on the demo JSON
// (generated/demo-summary.ts) really checks it: each line below must be a type error,
// and tsc fails when one is not (`@ts-expect-error` unused).
import type { Detail, PatientSummary, Section } from "@icr-sdk/panel";
import { summary } from "./generated/demo-summary.js";

// @ts-expect-error a field the Rust type does not have
export const extraField = { ...summary, not_in_rust: true } satisfies PatientSummary;

// @ts-expect-error a required field left out
export const missingField = { ...summary, sections: undefined } satisfies PatientSummary;

// @ts-expect-error another schema_version than the panel reads
export const newerVersion = { ...summary, schema_version: 5 } satisfies PatientSummary;

// @ts-expect-error an item kind that does not exist
export const unknownKind: Detail = { kind: "not-a-kind" };

// @ts-expect-error a section key as it was before schema 3 (snake_case)
export const oldSectionKey: Section = "care_plans";
