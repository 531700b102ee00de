use super::*;

#[test]
fn every_default_pack_loads_with_its_provenance_and_the_code_packs_hold_over_3000_concepts() {
    let packs = built_in();
    assert_eq!(packs.len(), BUILT_IN.len(), "a shipped pack failed to load");
    for (text, pack) in BUILT_IN.iter().zip(packs) {
        Pack::from_tsv(None, None, text).unwrap_or_else(|e| panic!("{}: {e}", pack.id));
        assert!(
            pack.provenance.source.is_some(),
            "{} has no source",
            pack.id
        );
        assert!(pack.provenance.date.is_some(), "{} has no date", pack.id);
    }
    let mut all: Vec<u64> = packs
        .iter()
        .flat_map(|p| p.codes().iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    assert!(all.len() >= 3000, "{} concepts", all.len());
    let hiv = packs
        .iter()
        .find(|p| p.id == "rcgp-hiv")
        .expect("the HIV pack");
    assert_eq!(hiv.category, SensitiveCategory::Hiv);
    assert!(
        hiv.codes().contains(&86_406_008),
        "HIV infection is in the HIV pack"
    );
    let sti = packs
        .iter()
        .find(|p| p.id == "rcgp-sexual-health")
        .expect("STI pack");
    assert!(
        !sti.codes().contains(&86_406_008),
        "HIV members left the STI pack"
    );
    assert_eq!(sti.provenance.refset.as_deref(), Some("999004381000000103"));
}

const HEADER: &str = "# pack\tlocal\n# category\thiv\n# source\ttest\ncode\tdisplay\n";

#[test]
fn a_spreadsheet_mangled_code_refuses_the_pack_naming_its_line() {
    let text = format!("{HEADER}86406008\tHIV\n1.03E+15\tmangled\n");
    assert_eq!(
        Pack::from_tsv(None, None, &text),
        Err(PackError::MalformedCode {
            line: 6,
            code: "1.03E+15".into(),
            reason: crate::model::SctIdError::NotDigits
        })
    );
    let bad_check = format!("{HEADER}86406009\tHIV\n");
    assert!(matches!(
        Pack::from_tsv(None, None, &bad_check),
        Err(PackError::MalformedCode {
            line: 5,
            reason: crate::model::SctIdError::CheckDigit,
            ..
        })
    ));
}

#[test]
fn unknown_category_empty_pack_oversized_pack_and_bad_rows_are_typed_errors() {
    let unknown = "# pack\tx\n# category\tastrology\ncode\tdisplay\n86406008\tHIV\n";
    assert_eq!(
        Pack::from_tsv(None, None, unknown),
        Err(PackError::UnknownCategory {
            line: 2,
            name: "astrology".into()
        })
    );
    assert_eq!(
        Pack::from_tsv(None, None, HEADER),
        Err(PackError::Empty("local".into()))
    );
    let huge = format!(
        "{HEADER}{}",
        "86406008\tHIV\n".repeat(50 * 1024 * 1024 / 13)
    );
    assert!(matches!(
        Pack::from_tsv(None, None, &huge),
        Err(PackError::TooLarge {
            max: MAX_PACK_BYTES,
            ..
        })
    ));
    assert!(matches!(
        Pack::from_tsv(None, None, "# pack\tx\n# category\thiv\nfoo\tbar\n"),
        Err(PackError::Malformed { line: 3, .. })
    ));
    assert!(matches!(
        Pack::from_tsv(
            None,
            None,
            "# pack\tx\n# category\thiv\nkind\tterm\npill\tTruvada\n"
        ),
        Err(PackError::Malformed { line: 4, .. })
    ));
    assert_eq!(
        Pack::from_tsv(
            None,
            Some(SensitiveCategory::MentalHealth),
            HEADER
                .replace("code\tdisplay\n", "code\tdisplay\n86406008\n")
                .as_str()
        ),
        Err(PackError::CategoryConflict {
            named: "hiv".into(),
            given: "mental-health".into()
        })
    );
    assert_eq!(
        Pack::from_tsv(None, None, "# category\thiv\ncode\n86406008\n"),
        Err(PackError::NoId)
    );
}

#[test]
fn a_value_set_is_read_from_compose_and_expansion_and_an_intensional_one_is_refused() {
    let vs = r#"{"resourceType":"ValueSet","url":"https://example.org/vs","date":"2026-01-01",
      "compose":{"include":[{"system":"http://snomed.info/sct","concept":[{"code":"86406008"}]}]},
      "expansion":{"contains":[{"system":"http://snomed.info/sct","code":"165816005",
         "contains":[{"system":"https://dmd.nhs.uk","code":"62479008"}]}]}}"#;
    let pack = Pack::from_value_set("local-hiv", SensitiveCategory::Hiv, vs).expect("pack");
    assert_eq!(pack.codes(), &[62_479_008, 86_406_008, 165_816_005]);
    assert_eq!(
        pack.provenance.refset.as_deref(),
        Some("https://example.org/vs")
    );
    let filtered = r#"{"resourceType":"ValueSet","compose":{"include":[{"system":"http://snomed.info/sct","filter":[{"property":"concept","op":"is-a","value":"86406008"}]}]}}"#;
    assert!(matches!(
        Pack::from_value_set("x", SensitiveCategory::Hiv, filtered),
        Err(PackError::ValueSet(m)) if m.contains("expand")
    ));
    let read = r#"{"resourceType":"ValueSet","compose":{"include":[{"system":"http://read.info/readv2","concept":[{"code":"86406008"}]}]}}"#;
    assert!(matches!(
        Pack::from_value_set("x", SensitiveCategory::Hiv, read),
        Err(PackError::ValueSet(_))
    ));
    assert!(matches!(
        Pack::from_value_set("x", SensitiveCategory::Hiv, r#"{"resourceType":"Patient"}"#),
        Err(PackError::ValueSet(_))
    ));
    assert!(matches!(
        Pack::from_value_set(
            "x",
            SensitiveCategory::Hiv,
            r#"{"resourceType":"ValueSet"}"#
        ),
        Err(PackError::Empty(_))
    ));
}

#[test]
fn names_match_as_whole_words_in_any_case_and_punctuation() {
    let pack = Pack::from_tsv(
        None,
        None,
        "# pack\tm\n# category\tfertility\nkind\tterm\tnote\nbrand\tGonal-f\tx\ngeneric\tclomifene\tx\nbrand\tSustanon 250\tx\n",
    )
    .expect("pack");
    let index = TermIndex::new(std::iter::empty(), &[&pack]);
    assert!(index.matches("GONAL-F 75 IU pen", &[]));
    assert!(index.matches("Clomifene 50mg tablets", &[]));
    assert!(index.matches("sustanon  250 injection", &[]));
    assert!(
        !index.matches("clomifenes", &[]),
        "part of a word is not the word"
    );
    assert!(!index.matches("sustanon 100", &[]));
    assert!(!index.matches("gonal", &[]));
}

#[test]
fn a_value_set_error_names_the_element_that_holds_the_bad_code() {
    let vs = r#"{"resourceType":"ValueSet","compose":{"include":[{"system":"http://snomed.info/sct",
        "concept":[{"code":"86406008"},{"code":"1.03E+15"}]}]}}"#;
    match Pack::from_value_set("x", SensitiveCategory::Hiv, vs) {
        Err(PackError::ValueSet(m)) => {
            assert!(
                m.starts_with("compose.include[0].concept[1]: '1.03E+15'"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
}
