# Sourced by the measuring scripts: ICR_CORPUS (default ../shared/fhir-corpus, from the
# repository root) as an absolute path, exported, or a clear stop when it is not a folder.
ICR_CORPUS="${ICR_CORPUS:-../shared/fhir-corpus}"
if [ ! -d "$ICR_CORPUS" ]; then
  echo "!! ICR_CORPUS ($ICR_CORPUS) is not a folder: nothing to measure" >&2
  exit 1
fi
ICR_CORPUS="$(cd "$ICR_CORPUS" && pwd)"
export ICR_CORPUS
