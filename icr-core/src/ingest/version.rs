//! Which FHIR version a document is in. GP Connect sends STU3 and everything else R4;
//! DSTU2 and R5 documents are refused with the evidence, never half-read.

use crate::fhir::dispatch::Resource;
use crate::ingest::IngestError;

use super::index::Index;
use super::report::FhirVersion;

const DSTU2_ONLY: &[&str] = &[
    "MedicationOrder",
    "DiagnosticOrder",
    "Order",
    "OrderResponse",
    "DeviceUseRequest",
    "Conformance",
    "SupplyRequest_DSTU2",
];
const STU3_ONLY: &[&str] = &[
    "ReferralRequest",
    "ProcedureRequest",
    "ProcessRequest",
    "ProcessResponse",
    "EligibilityRequest",
    "EligibilityResponse",
    "DeviceComponent",
    "BodySite",
    "ImagingManifest",
    "Sequence",
    "DataElement",
    "ExpansionProfile",
    "ServiceDefinition",
];
const R5_ONLY: &[&str] = &[
    "Transport",
    "InventoryItem",
    "InventoryReport",
    "ArtifactAssessment",
    "NutritionIntake",
    "DeviceUsage",
    "DeviceDispense",
    "Permission",
    "RequestOrchestration",
    "ImagingSelection",
    "GenomicStudy",
    "FormularyItem",
    "Requirements",
    "ActorDefinition",
];

/// Detects the version from resource types and profiles.
pub(super) fn detect(
    root: &Resource<'_>,
    index: &Index<'_, '_>,
) -> Result<FhirVersion, IngestError> {
    let mut stu3 = false;
    let resources = std::iter::once(root).chain(index.nodes.iter().map(|n| n.resource));
    for r in resources {
        let Some(t) = r.type_name() else { continue };
        if DSTU2_ONLY.contains(&t) {
            return Err(unsupported("DSTU2", format!("resource type {t}")));
        }
        if R5_ONLY.contains(&t) {
            return Err(unsupported("R5", format!("resource type {t}")));
        }
        stu3 |= STU3_ONLY.contains(&t);
        if let Some(meta) = r.meta() {
            for p in meta.profile.iter() {
                let p = p.as_str();
                if p.contains("/DSTU2/") {
                    return Err(unsupported("DSTU2", "a DSTU2 profile".to_owned()));
                }
                stu3 |= p.contains("/STU3/");
            }
        }
    }
    Ok(if stu3 {
        FhirVersion::Stu3
    } else {
        FhirVersion::R4
    })
}

fn unsupported(version: &'static str, evidence: String) -> IngestError {
    IngestError::UnsupportedFhirVersion { version, evidence }
}
