// <icr-patient-summary>: the ICR panel as a custom element.
//
// DOM wiring only: loading the wasm module once, mounting the panel into this element's
// shadow root when it has a summary and is in the document, and unmounting it when it
// leaves. Rendering, escaping and the panel's controls are all in the wasm module.
//
// The entry point of the npm package @icr-sdk/panel (types in index.d.ts):
//
//   import "@icr-sdk/panel";            // or its URL, e.g. "./node_modules/@icr-sdk/panel/icr-patient-summary.js"
//   document.querySelector("icr-patient-summary").summary = summaryJson;
//
// Events: "icr-rendered" after each render; "icr-error" with the IcrError as `detail`
// ({name: "IcrError", kind, message}) when the summary cannot be shown.
import init, { mountPanel, unmount } from "./icr_wasm.js";

let ready;

/** Loads the wasm module once; by default from icr_wasm_bg.wasm next to this file. */
export function load(moduleOrPath) {
  ready ??= init(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
  return ready;
}

/** True for an error the panel threw: an Error named "IcrError" with a string `kind`. */
export function isIcrError(error) {
  return error instanceof Error && error.name === "IcrError" && typeof error.kind === "string";
}

export class IcrPatientSummary extends HTMLElement {
  #summary = null;
  #options = {};

  /** The PatientSummary, as JSON text or as an object. */
  get summary() {
    return this.#summary;
  }
  set summary(value) {
    this.#summary = value;
    this.#render();
  }

  /** Panel options: { idPrefix, staleAfterDays, recentChangeDays, eagerItems }. */
  get options() {
    return this.#options;
  }
  set options(value) {
    this.#options = value ?? {};
    this.#render();
  }

  connectedCallback() {
    this.#render();
  }

  disconnectedCallback() {
    if (ready) ready.then(() => unmount(this));
  }

  async #render() {
    if (this.#summary == null || !this.isConnected) return;
    try {
      await load();
      mountPanel(this, this.#summary, this.#options);
      this.dispatchEvent(new CustomEvent("icr-rendered"));
    } catch (error) {
      this.dispatchEvent(new CustomEvent("icr-error", { detail: error }));
    }
  }
}

if (!customElements.get("icr-patient-summary")) {
  customElements.define("icr-patient-summary", IcrPatientSummary);
}

export { mountPanel, unmount };
