// A TypeScript host EPR page showing the ICR panel: the patient in context's summary
// JSON from the host's ICR back end, mounted with options, errors handled by kind.
// Type-checked (tsc --strict --noEmit) by scripts/panel-tests.sh; a bundler would serve
// it as is.
import {
  isIcrError,
  load,
  mountPanel,
  type Detail,
  type IcrError,
  type PanelHandle,
  type PanelOptions,
  type PatientSummary,
} from "@icr-sdk/panel";

const OPTIONS: PanelOptions = {
  idPrefix: "icr",
  staleAfterDays: 30,
  recentChangeDays: 90,
  eagerItems: 120,
};

/** What the host shows instead of the panel, by error kind. Messages hold no patient data. */
export function explain(error: IcrError): string {
  switch (error.kind) {
    case "schema-version":
      return "The shared care record service is newer than this page: reload to update.";
    case "invalid-json":
    case "invalid-summary":
      return `The shared care record could not be read (${error.kind}): ${error.message}`;
    case "no-element":
    case "shadow-root":
    case "invalid-options":
      return `The page cannot show the shared care record (${error.kind}).`;
    default: {
      // Every kind is handled: a new kind in the package fails this assignment.
      const unhandled: never = error.kind;
      return `The shared care record could not be shown (${String(unhandled)}).`;
    }
  }
}

/** Mounts the summary into `host`; resolves once every part is rendered. */
export async function showRecord(
  host: HTMLElement,
  status: HTMLElement,
  summary: PatientSummary | string,
): Promise<PanelHandle | null> {
  await load();
  try {
    const panel = mountPanel(host, summary, OPTIONS);
    await panel.whenRendered();
    status.textContent = "Shared care record loaded.";
    return panel;
  } catch (error) {
    if (!isIcrError(error)) throw error;
    status.textContent = explain(error);
    return null;
  }
}

/** The same with the custom element: it loads the module itself and reports by events. */
export function showWithElement(summary: PatientSummary, status: HTMLElement): void {
  const element = document.createElement("icr-patient-summary");
  element.options = { idPrefix: "record" };
  element.addEventListener("icr-rendered", () => {
    status.textContent = "Shared care record loaded.";
  });
  element.addEventListener("icr-error", (event) => {
    status.textContent = explain(event.detail);
  });
  element.summary = summary;
  document.querySelector("main")?.append(element);
}

/** One line per item kind: the summary's types are a discriminated union on `kind`. */
export function oneLine(detail: Detail): string {
  switch (detail.kind) {
    case "medication":
      return detail.dosage ?? "no dosage recorded";
    case "allergy":
      return `${detail.clinical_status}${detail.criticality ? `, ${detail.criticality}` : ""}`;
    case "observation":
      return detail.result.value ?? "";
    case "investigation":
      return `${detail.results?.length ?? 0} results`;
    default:
      return detail.kind;
  }
}

/** What the host's own banner needs before the panel renders. */
export function bannerAlerts(summary: PatientSummary): string[] {
  const alerts = summary.sections.find((section) => section.key === "alerts");
  return [
    ...(summary.banner_alerts ?? []).map((alert) => alert.text),
    ...(alerts?.items ?? []).map((item) => item.title),
  ];
}

/** The page: fetch the summary the back end made for the patient in context, show it. */
export async function main(): Promise<void> {
  const host = document.getElementById("record");
  const status = document.getElementById("status");
  if (!host || !status) return;
  const response = await fetch("./demo-summary.json");
  if (!response.ok) {
    status.textContent = `The shared care record could not be loaded (HTTP ${response.status}).`;
    return;
  }
  const summary = (await response.json()) as PatientSummary;
  document.title = `${summary.patient?.name ?? "Patient"}: shared care record`;
  await showRecord(host, status, summary);
}
