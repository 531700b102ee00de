// Loads the wasm panel and shows the demo patient's summary. A host EPR does the same
// with the PatientSummary JSON its ICR back end returns for the patient in context.
//
// The panel is the npm package @icr-sdk/panel, installed by `npm install` (package.json).
// This page has no bundler, so it imports the package's entry by URL; with a bundler it
// is `import { load } from "@icr-sdk/panel"`.
import { load } from "./node_modules/@icr-sdk/panel/icr-patient-summary.js";

const status = document.getElementById("status");
const record = document.getElementById("record");

record.addEventListener("icr-rendered", () => {
  status.textContent = "Shared care record loaded.";
});
record.addEventListener("icr-error", (event) => {
  // IcrError: { name: "IcrError", kind, message }; the message holds no patient data.
  const error = event.detail;
  status.textContent = `The shared care record could not be shown (${error.kind ?? "error"}): ${error.message}`;
});

try {
  const [response] = await Promise.all([fetch("./demo-summary.json"), load()]);
  if (!response.ok) throw new Error(`demo-summary.json: HTTP ${response.status}`);
  record.summary = await response.text();
} catch (error) {
  status.textContent = `The shared care record could not be loaded: ${error.message}`;
}
