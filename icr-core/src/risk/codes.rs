//! The SNOMED CT concepts the risk signals count by, beyond the eFI deficit sets. Each
//! list is small and named for what it holds; subtypes a source might use instead are
//! not inferred (the SDK carries no terminology server), so a deployment that needs them
//! adds them here with their source.

/// Coded as an emergency admission: 183452005 |Emergency hospital admission|, and its
/// subtypes 183460006 |Obstetric emergency hospital admission| and 183478001 |Emergency
/// hospital admission for asthma|.
pub(super) const EMERGENCY_ADMISSION: [u64; 3] = [183_452_005, 183_460_006, 183_478_001];

/// Coded as an attendance at an emergency department: 4525004 |Emergency department
/// patient visit| and 50849002 |Emergency room admission|.
pub(super) const EMERGENCY_ATTENDANCE: [u64; 2] = [4_525_004, 50_849_002];

/// Falls, as events and findings: the fall concepts of the eFI falls set (1912002 |Fall|,
/// 161898004 |Falls|, 217082002 |Accidental fall|, 217154006 |Fall on same level from
/// slipping, tripping or stumbling|, 279992002 |Recurrent falls|, 298343000 |Finding
/// related to falls|, 298344006 |Elderly fall|), without the set's old-age, alarm and
/// referral concepts, which are deficits but not falls.
pub(super) const FALLS: [u64; 7] = [
    1_912_002,
    161_898_004,
    217_082_002,
    217_154_006,
    279_992_002,
    298_343_000,
    298_344_006,
];

/// A recorded frailty finding, with whether it is frailty that raises the signal:
/// 248279007 |Frailty|, 404904002 |Frail elderly|, 925791000000100 |Mild frailty|
/// (not raised), 925831000000107 |Moderate frailty|, 925861000000102 |Severe frailty|.
pub(super) const FRAILTY_FINDINGS: [(u64, bool); 5] = [
    (248_279_007, true),
    (404_904_002, true),
    (925_791_000_000_100, false),
    (925_831_000_000_107, true),
    (925_861_000_000_102, true),
];

/// A recorded frailty score, with the value from which it raises the signal: the
/// electronic Frailty Index (713634000, and 713636003 |Frailty Index score| used by EMIS
/// since 2018) from 0.25 (moderate), and the Clinical Frailty Scale (763264000 |Canadian
/// Study of Health and Aging Clinical Frailty Scale score|, 445414007 its earlier
/// concept) from 5 (mildly frail).
pub(super) const FRAILTY_SCORES: [(u64, f64); 4] = [
    (713_634_000, 0.25),
    (713_636_003, 0.25),
    (763_264_000, 5.0),
    (445_414_007, 5.0),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_sctid;

    #[test]
    fn every_concept_is_a_valid_snomed_identifier() {
        let all = EMERGENCY_ADMISSION
            .iter()
            .chain(EMERGENCY_ATTENDANCE.iter())
            .chain(FALLS.iter())
            .copied()
            .chain(FRAILTY_FINDINGS.iter().map(|&(c, _)| c))
            .chain(FRAILTY_SCORES.iter().map(|&(c, _)| c));
        for code in all {
            assert_eq!(parse_sctid(&code.to_string()), Ok(code), "{code}");
        }
    }

    #[test]
    fn the_falls_are_in_the_efi_falls_set() {
        let index = super::super::efi::deficits();
        for code in FALLS {
            assert!(index.is_in(code, "falls"), "{code}");
        }
    }
}
