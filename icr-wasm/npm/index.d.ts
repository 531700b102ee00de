// The host API of @icr-sdk/panel (icr-patient-summary.js, which re-exports the wasm
// module's mountPanel and unmount). The summary JSON's types (PatientSummary and
// everything in it) are generated from icr-core's Rust definitions into summary.d.ts.
import type { PatientSummary } from "./summary.js";

export type * from "./summary.js";

/** What `mountPanel` and the element take: the summary as JSON text or as an object. */
export type SummaryInput = PatientSummary | string;

/** Panel options; every member is optional. Days and counts are whole numbers. */
export interface PanelOptions {
  /** Prefix of the ids inside the panel's shadow root (two panels on a page differ). */
  idPrefix?: string;
  /** A source older than this many days is shown as possibly out of date (0..36500). */
  staleAfterDays?: number;
  /** Medication changes within this many days are shown as recent (0..36500). */
  recentChangeDays?: number;
  /**
   * Items rendered at once (default 120): the sections holding them are rendered by
   * `mountPanel`, the rest a part per task (see `PanelHandle.whenRendered`).
   */
  eagerItems?: number;
}

/** The stable `kind` of an `IcrError`, for hosts to switch on. */
export type IcrErrorKind =
  | "invalid-json"
  | "invalid-summary"
  | "schema-version"
  | "no-element"
  | "shadow-root"
  | "invalid-options";

/**
 * What the panel throws (and the element dispatches as `icr-error`): a JS `Error` named
 * `IcrError` with a stable `kind`. The message never contains patient data.
 */
export interface IcrError extends Error {
  readonly name: "IcrError";
  readonly kind: IcrErrorKind;
  readonly message: string;
}

/** True for an error the panel threw (`name === "IcrError"` with a `kind`). */
export function isIcrError(error: unknown): error is IcrError;

/** A mounted panel. */
export interface PanelHandle {
  /** The host element. */
  readonly element: Element;
  /**
   * Removes this panel and its listeners. False when it was already removed or replaced
   * by a later `mountPanel` on the same element.
   */
  unmount(): boolean;
  /** Resolves once every part of the panel is rendered (at once for a small record). */
  whenRendered(): Promise<void>;
  /** Frees the handle's wasm memory (the panel stays mounted). */
  free(): void;
}

/**
 * Loads and instantiates the wasm module once; by default `icr_wasm_bg.wasm` next to
 * this module. Call (and await) it before `mountPanel`; the element calls it itself.
 */
export function load(
  moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<unknown>;

/**
 * Renders the summary into `element`'s open shadow root (created if needed) and wires its
 * controls, replacing a panel already there. Throws an `IcrError`; nothing in the page
 * changes when it throws. Needs `load()` first.
 */
export function mountPanel(
  element: Element,
  summary: SummaryInput,
  options?: PanelOptions,
): PanelHandle;

/** Removes the panel mounted in `element`, if any. Returns whether there was one. */
export function unmount(element: Element): boolean;

/** The events `<icr-patient-summary>` dispatches. */
export interface IcrPatientSummaryEventMap extends HTMLElementEventMap {
  /** After each render. */
  "icr-rendered": CustomEvent<void>;
  /** When the summary cannot be shown; `detail` is the `IcrError`. */
  "icr-error": CustomEvent<IcrError>;
}

/**
 * `<icr-patient-summary>`: set `summary` (and optionally `options`) and it renders when
 * in the document; it unmounts when it leaves.
 */
export class IcrPatientSummary extends HTMLElement {
  /** The PatientSummary, as JSON text or as an object; `null` until set. */
  get summary(): SummaryInput | null;
  set summary(value: SummaryInput | null);
  /** Panel options. */
  get options(): PanelOptions;
  set options(value: PanelOptions | null | undefined);
  connectedCallback(): void;
  disconnectedCallback(): void;
  addEventListener<K extends keyof IcrPatientSummaryEventMap>(
    type: K,
    listener: (this: IcrPatientSummary, event: IcrPatientSummaryEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof IcrPatientSummaryEventMap>(
    type: K,
    listener: (this: IcrPatientSummary, event: IcrPatientSummaryEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "icr-patient-summary": IcrPatientSummary;
  }
}
