#!/usr/bin/env bash
# Control removal checks for docs/hazard-log.md ("Control removal checks").
#
# For each check below: copy the file aside, edit the hazard control out (an exact string
# replace that must match exactly once), run the test that names the control and require
# it to FAIL (a test failure; a compile error is an error of this script), restore the
# file from the copy, and require the same test to pass again.
#
#   scripts/hazard-controls.sh            # builds in $CARGO_TARGET_DIR, default target/
#   CARGO_TARGET_DIR=/elsewhere scripts/hazard-controls.sh
#   HAZARD_CONTROLS_FIND_ONLY=1 scripts/hazard-controls.sh   # only that every control's text
#                                                            # is still where its check says
#
# A check whose old text is not found exactly once means the control has moved or
# changed: update its old/new text below (and the table in docs/hazard-log.md).
# Files are restored from the copy, never with git, so uncommitted edits elsewhere in the
# tree are left alone; they are restored on error and on Ctrl-C too.
# ICR_CORPUS is taken from the environment for checks that need the FHIR corpus.
# HAZARD_CONTROLS_ONLY="H30 H33" runs only the checks of those hazards (every check's
# text is still looked for first).
# HAZARD_CONTROLS_LOGS=DIR keeps cargo's output of every run there (they are otherwise
# kept only when something goes wrong).
#
# Exit status: 0 all controls proven; 1 some test did not fail with its control removed;
# 2 the script could not run a check (old text moved, compile error, restored test fails).
set -euo pipefail

# --- The checks -------------------------------------------------------------------------
# check ID FILE DESCRIPTION PACKAGE CARGO_TARGET TEST OLD NEW [corpus]
#   CARGO_TARGET selects the test binary (--lib, or --test NAME); TEST is the test's full
#   name, run with --exact; OLD/NEW are $'...' strings (\n is a newline); a final
#   "corpus" means the test needs ICR_CORPUS.
CHECK_IDS=() CHECK_FILES=() CHECK_DESCS=() CHECK_PKGS=() CHECK_TARGETS=() CHECK_TESTS=()
CHECK_OLDS=() CHECK_NEWS=() CHECK_CORPUS=()
check() {
  CHECK_IDS+=("$1") CHECK_FILES+=("$2") CHECK_DESCS+=("$3") CHECK_PKGS+=("$4")
  CHECK_TARGETS+=("$5") CHECK_TESTS+=("$6") CHECK_OLDS+=("$7") CHECK_NEWS+=("$8")
  CHECK_CORPUS+=("${9:-}")
}

check H01 icr-core/src/merge/identity.rs \
  "merge::identity::Reference::check: another NHS number accepted" \
  icr-core --lib merge::tests::a_source_about_another_nhs_number_is_discarded_whole \
  $'                Some(n) if n == expected => {}' \
  $'                Some(_) => {}'

check H10 icr-core/src/summary.rs \
  "summary::build: the call to flag_allergy_contradictions deleted" \
  icr-core --lib summary::tests::no_known_allergies_is_a_statement_and_contradicts_an_active_allergy \
  $'    }\n    flag_allergy_contradictions(&mut sections);\n    // Risk signals' \
  $'    }\n    // Risk signals'

check H03 icr-core/src/merge/identity.rs \
  "merge::identity::differing_fields: the date-of-birth comparison disabled" \
  icr-core --lib merge::tests::sources_disagreeing_on_date_of_birth_name_or_gender_are_flagged \
  $'    if a.birth_date.is_some() && b.birth_date.is_some() && a.birth_date != b.birth_date {' \
  $'    if false && b.birth_date.is_some() && a.birth_date != b.birth_date {'

check H08 icr-core/src/merge/group.rs \
  "merge::group::join_medication_lines: the dose dropped from the key that joins lines" \
  icr-core --lib merge::tests::different_doses_stay_separate_and_each_is_flagged \
  $'            .entry(format!("{what}|{dose}|{current}"))' \
  $'            .entry(format!("{what}|{current}{}", dose.len() * 0))'

check H26 icr-core/src/merge/identity.rs \
  "merge::identity::Reference::check: a source differing in two fields is merged" \
  icr-core --lib merge::tests::fidelity::another_persons_record_under_the_same_nhs_number_is_held_not_merged \
  $'        if differing.len() >= 2 {' \
  $'        if differing.len() >= 4 {'

check H27 icr-core/src/merge/fold.rs \
  "merge::fold::fold_allergy: other records' reactions not added" \
  icr-core --lib merge::tests::fidelity::an_allergy_keeps_every_reaction_and_the_highest_criticality_in_either_order \
  $'            add_reaction(reactions, reaction);' \
  $'            let _ = reaction;'

check H27 icr-core/src/merge/group.rs \
  "merge::group::concept_key: placeholder codes grouped without their text" \
  icr-core --lib merge::tests::fidelity::placeholder_codes_merge_only_on_identical_text \
  $'        Some((system, code)) if is_placeholder(system, code) => {' \
  $'        Some((system, code)) if false && is_placeholder(system, code) => {'

check H27 icr-core/src/merge/group.rs \
  "merge::group::same_episode: every dated episode is the same episode" \
  icr-core --lib merge::tests::fidelity::recurrent_episodes_stay_separate_latest_first_and_one_episode_merges_across_sources \
  $'        (Some((a0, a1)), Some((b0, b1))) => a0 <= b1 && b0 <= a1,' \
  $'        (Some(_), Some(_)) => true,'

check H27 icr-core/src/merge/mod.rs \
  "merge::merge: sources taken in the order given" \
  icr-core --lib merge::tests::fidelity::the_summary_does_not_depend_on_the_order_of_sources_or_resources \
  $'    records.sort_by(source_order);' \
  $'    let _ = source_order;'

check H28 icr-core/src/summary/checks.rs \
  "summary::checks::run: contradictions not looked for" \
  icr-core --lib merge::tests::fidelity::a_medicine_stopped_in_one_source_and_current_in_another_is_said_on_both_and_in_the_banner \
  $'    flag_contradictions(items, &pairs, &mut alerts);' \
  $'    let _ = flag_contradictions;'

check H28 icr-core/src/summary/checks.rs \
  "summary::checks::run: allergies to current medicines not looked for" \
  icr-core --lib merge::tests::fidelity::an_allergy_to_a_current_medicine_is_said_on_both \
  $'    flag_allergies_to_active_medicines(items, &ingredients, &mut alerts);' \
  $'    let _ = flag_allergies_to_active_medicines;'

check H29 icr-core/src/ingest/flag.rs \
  "ingest::flag::against_ranges: a range that cannot decide says normal" \
  icr-core --lib ingest::flag::tests::no_interpretation_and_no_range_is_no_flag_never_normal \
  $'    let first = verdicts.next()??;' \
  $'    let first = verdicts.next()?.or(Some(ResultFlag::Normal))?;'

check H29 icr-core/src/ingest/flag.rs \
  "ingest::flag::against: a value below the range is not low" \
  icr-core --lib ingest::flag::tests::below_the_range_is_low_and_above_is_high_without_an_interpretation \
  $'        None => low.is_some_and(|l| v < l),' \
  $'        None => low.is_some_and(|l| v < l) && false,'

check H34 icr-core/src/summary.rs \
  "summary::build: risk signals computed from every item, withheld ones too" \
  icr-core --lib risk::tests::a_withheld_admission_neither_counts_nor_shows \
  $'        let decided = decide(at, entry).and_then(|labels| {' \
  $'        visible_items.push(entry);\n        let decided = decide(at, entry).and_then(|labels| {'

check H34 icr-core/src/risk/events.rs \
  "risk::events::count: the same admission from two organisations counted twice" \
  icr-core --lib risk::tests::an_admission_recorded_by_the_hospital_and_the_gp_counts_once \
  $'            let slack = if members.iter().all(|m| !shares_organisation(m, item)) {\n                1' \
  $'            let slack = if members.iter().all(|m| !shares_organisation(m, item)) {\n                return false;'

check H34 icr-core/src/risk/events.rs \
  "risk::events::Window::place: a partial date straddling the window counts" \
  icr-core --lib risk::tests::partial_dates_at_the_window_edge_are_listed_but_counted_only_when_wholly_inside \
  $'        } else if first > self.before {\n            Placed::Inside' \
  $'        } else if last > self.before {\n            Placed::Inside'

check H35 icr-core/src/summary/administrative.rs \
  "summary::administrative::redact: an appointment keeps its title" \
  icr-core --lib summary::administrative::tests::an_appointment_keeps_who_and_when_and_loses_what \
  $'    e.title = label.to_owned();' \
  $'    let _ = label;'

check H37 icr-core/src/summary.rs \
  "summary::build: trends built from every item, withheld ones too" \
  icr-core --lib trends::tests::a_withheld_result_is_no_point_no_extent_and_no_count \
  $'    let trends = trends::build(&visible_items);' \
  $'    let trends = trends::build(&record.entries.iter().collect::<Vec<_>>());'

check H37 icr-core/src/trends/build.rs \
  "trends::build::of_group: values in different units joined in one trend" \
  icr-core --lib trends::tests::creatinine_in_two_units_is_two_trends_never_converted \
  $'        let key = conversion.map_or(from, |c| c.to);' \
  $'        let key = conversion.map_or(&from[..0], |_| "");'

check H37 icr-core/src/trends/build.rs \
  "trends::build::plottable: a bound value drawn as a point" \
  icr-core --lib trends::tests::partial_dates_are_drawn_across_their_period_and_undated_or_bound_values_listed \
  $'    if r.censored() {' \
  $'    if r.censored() && false {'

check H38 icr-core/src/launch/cis2/mod.rs \
  "launch::cis2::identity: the first CIS2 role taken instead of the selected one" \
  icr-core --lib launch::cis2::tests::the_selected_role_of_three_at_two_organisations_is_used \
  $'        .find(|r| r.person_roleid == selected)' \
  $'        .find(|r| !r.person_roleid.is_empty() || r.person_roleid == selected)'

check H38 icr-core/src/launch/cis2/mod.rs \
  "launch::cis2::identity: a role at another organisation than the launch accepted" \
  icr-core --lib launch::cis2::tests::each_refusal_is_its_own_error \
  $'        if !org.eq_ignore_ascii_case(&role.org_code) {' \
  $'        if !org.eq_ignore_ascii_case(&role.org_code) && false {'

check H38 icr-core/src/session/mod.rs \
  "session::Session::break_glass: a CIS2 user without the emergency-access activity breaks glass" \
  icr-core --lib launch::cis2::tests::break_glass_needs_the_emergency_access_activity_where_the_policy_says \
  $'            && !cis2.has_activity(code)' \
  $'            && !cis2.has_activity(code) && false'

check H11 icr-core/src/ingest/clinical.rs \
  "ingest::clinical::entered_in_error: returns false" \
  icr-core --lib ingest::tests::entered_in_error_is_never_an_item_whatever_the_resource_type \
  $'fn entered_in_error(status: Option<&str>) -> bool {\n    status == Some("entered-in-error")\n}' \
  $'fn entered_in_error(status: Option<&str>) -> bool {\n    let _ = status;\n    false\n}'

check H16 icr-core/src/access/decide.rs \
  "access::decide: the inference rule's deny removed" \
  icr-tests "--test integration" sensitive::no_antiretroviral_in_the_hiv_pack_reaches_a_nurse_by_generic_or_brand_name \
  $'                d.deny(format!("inference:{}", rule.id), WithheldReason::Inference);' \
  $'                let _ = (&d, &rule, WithheldReason::Inference);'

check H04 icr-core/src/summary.rs \
  "summary::freshness: data older than the threshold judged current" \
  icr-core --lib render::tests::failed_and_stale_sources_are_flagged_above_the_sections \
  $'        Some(days) if days > stale_after_days => Freshness::Stale,' \
  $'        Some(days) if days > stale_after_days => Freshness::Current,'

check H04 icr-core/src/summary.rs \
  "summary::freshness: a source without a date judged current" \
  icr-core --lib summary::tests::each_source_is_judged_current_stale_or_undated_in_the_json_by_the_summary_threshold \
  $'        None => Freshness::AgeUnknown,' \
  $'        None => Freshness::Current,'

check H14 icr-core/src/session/mod.rs \
  "session::Session::summary: r.items_shown no longer set" \
  icr-core --lib session::tests::the_audit_names_every_item_shown_and_every_item_withheld \
  $'        r.items_shown = summary\n            .sections' \
  $'        let _unused: Vec<String> = summary\n            .sections'

check H14 icr-core/src/audit/verify.rs \
  "audit::verify::scan: the checkpoint entry's MAC never compared (no rollback found)" \
  icr-core --lib audit::tests::audit_rollback_detected_against_checkpoint \
  $'                rolled_back = cp.mac.as_bytes() != found.mac;' \
  $'                rolled_back = cp.mac.is_empty() && found.mac.is_empty();'

check H22 icr-core/src/access/decide.rs \
  "access::decide::own_labels: the pack look-up of the item's concepts never matches" \
  icr-tests "--test integration" sensitive::every_concept_of_every_default_pack_is_withheld_without_its_category_and_shown_with_it \
  $'        for pack in packs.packs_of(c) {' \
  $'        for pack in packs.packs_of(c).filter(|_| false) {'

check H22 icr-core/src/ingest/links.rs \
  "ingest::links::concepts_of: a procedure's reason codes not collected" \
  icr-tests "--test integration" sensitive::a_sensitive_concept_in_any_code_position_withholds_the_item_from_a_nurse_in_stu3_and_r4 \
  $'            concepts(out, &p.reason_code);' \
  $'            let _ = &p.reason_code;'

check H23 icr-core/src/access/decide.rs \
  "access::decide::labels: linked items' categories not inherited" \
  icr-tests "--test integration" sensitive::gp_connect_problem_linkage_and_consultations_carry_a_problems_sensitivity \
  $'                .linked_at\n                .iter()' \
  $'                .linked_at\n                .iter()\n                .filter(|_| false)'

check H24 icr-core/src/access/pack.rs \
  "access::pack::TermIndex::new: the medicine packs' names left out" \
  icr-tests "--test integration" sensitive::no_antiretroviral_in_the_hiv_pack_reaches_a_nurse_by_generic_or_brand_name \
  $'            .chain(packs.iter().flat_map(|p| p.terms.iter().cloned()))' \
  $'            .chain(packs.iter().flat_map(|p| p.terms.iter().cloned()).filter(|_| false))'

check H25 icr-core/src/summary.rs \
  "summary::Banner::restrict: address and telephone kept" \
  icr-tests "--test integration" sensitive::a_restricted_patients_contact_details_reach_no_role_whether_a_source_or_the_host_says_so \
  $'        self.addresses.clear();\n        self.telecom.clear();\n' \
  ''

check H30 icr-core/src/audit/file.rs \
  "audit::file::FileLock::exclusive: the file lock not taken" \
  icr-core "--test audit_processes" eight_processes_appending_at_once_make_one_unbroken_chain \
  $'        file.lock().map_err(AuditError::io("lock"))?;' \
  $'        let _ = AuditError::io("lock");'

check H30 icr-core/src/postgres/audit.rs \
  "postgres::audit::FINISH_APPEND: no flush after the asynchronous commit" \
  icr-core "--features postgres --test postgres_outage" views_fail_closed_while_the_database_is_down_and_resume_when_it_is_back \
  $'const FINISH_APPEND: &str = "; COMMIT; SELECT pg_logical_emit_message(true, \'icr-audit\', \'\')";' \
  $'const FINISH_APPEND: &str = "; COMMIT";'

check H31 icr-core/src/postgres/state.rs \
  "postgres::state::claim_token_id: a claimed token id may be claimed again at once" \
  icr-core "--features postgres --test postgres" a_token_used_at_one_host_is_refused_at_another \
  $'WHERE icr_token_id.forget_at <= $3 RETURNING 1' \
  $'WHERE icr_token_id.forget_at <= $3 OR true RETURNING 1'

check H32 icr-core/src/session/mod.rs \
  "session::Session::summary: the opt-out register's answer ignored" \
  icr-core "--features postgres --test postgres" an_opt_out_recorded_through_one_host_hides_the_record_at_another \
  $'            Ok(change) => change.is_some_and(|c| c.opted_out),' \
  $'            Ok(_) => false,'

check H33 icr-core/src/session/mod.rs \
  "session::Session::summary: an opt-out register that cannot be read taken as not opted out" \
  icr-core --lib session::tests::when_the_opt_out_register_cannot_be_read_nothing_is_returned_and_that_is_audited \
  $'            Ok(change) => change.is_some_and(|c| c.opted_out),\n            Err(e) => return Err(self.state_failed(e)),' \
  $'            Ok(change) => change.is_some_and(|c| c.opted_out),\n            Err(_) => false,'

# --- Machinery --------------------------------------------------------------------------
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

die() { echo "hazard-controls: $*" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/hazard-controls.XXXXXX")"
ACTIVE_FILE=""   # the file currently carrying an edit, restored by restore_active
ACTIVE_OLD="" ACTIVE_NEW=""

# Restore the file under edit from its copy. If someone changed the file while the edit
# was in place, undo only the edit (new -> old) rather than overwrite their change.
restore_active() {
  [ -n "$ACTIVE_FILE" ] || return 0
  local f="$ACTIVE_FILE"
  if cmp -s "$f" "$WORK/edited"; then
    cat "$WORK/original" > "$f"   # keeps mode and inode; new mtime so cargo rebuilds
  elif OLD="$ACTIVE_NEW" NEW="$ACTIVE_OLD" python3 "$WORK/edit.py" "$f"; then
    echo "hazard-controls: $f changed during the check; undid only the edit" >&2
  else
    echo "hazard-controls: could NOT restore $f: its original is kept at $WORK/original" >&2
    ACTIVE_FILE=""
    return 1
  fi
  ACTIVE_FILE=""
}

on_exit() {
  local rc=$?
  restore_active || rc=2
  if [ -n "${HAZARD_CONTROLS_LOGS:-}" ]; then
    mkdir -p "$HAZARD_CONTROLS_LOGS" && cp "$WORK"/*.log "$HAZARD_CONTROLS_LOGS"/ 2>/dev/null || true
  fi
  if [ "$rc" -eq 0 ]; then rm -rf "$WORK"; else echo "hazard-controls: logs kept in $WORK" >&2; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'echo "hazard-controls: interrupted" >&2; exit 130' INT
trap 'echo "hazard-controls: terminated" >&2; exit 143' TERM HUP

# Exact replace of $OLD by $NEW in file $1, bytes as they are; fails unless $OLD occurs
# exactly once.
cat > "$WORK/edit.py" <<'PY'
import os, sys
path = sys.argv[1]
old, new = os.environb[b"OLD"], os.environb[b"NEW"]
data = open(path, "rb").read()
n = data.count(old)
if n != 1:
    sys.stderr.write(f"{path}: the control's text occurs {n} times, not once\n")
    sys.exit(1)
with open(path, "r+b") as f:
    f.write(data.replace(old, new))
    f.truncate()
PY

# Check every edit before building anything: a control that moved fails here.
for i in "${!CHECK_IDS[@]}"; do
  f="${CHECK_FILES[$i]}"
  [ -f "$f" ] || die "${CHECK_IDS[$i]}: $f does not exist"
  OLD="${CHECK_OLDS[$i]}" python3 - "$f" <<'PY' ||
import os, sys
n = open(sys.argv[1], "rb").read().count(os.environb[b"OLD"])
sys.exit(0 if n == 1 else (sys.stderr.write(f"{sys.argv[1]}: old text occurs {n} times\n") or 1))
PY
    die "${CHECK_IDS[$i]} (${CHECK_DESCS[$i]}): the control's text is not found exactly once in $f; the control has moved, update this check"
done
if [ -n "${HAZARD_CONTROLS_FIND_ONLY:-}" ]; then
  echo "hazard-controls: all ${#CHECK_IDS[@]} controls found where the checks say (nothing built or run)"
  exit 0
fi

# run_test I LOG: run check I's test, output to LOG; sets RESULT to "passed" or "failed",
# or returns 2 when cargo gave no test result. (Not run in $(...): Ctrl-C must reach the
# INT trap of this shell, which restores the file.)
run_test() {
  local i=$1 log=$2 test="${CHECK_TESTS[$1]}" rc=0
  RESULT=""
  local -a target
  read -r -a target <<<"${CHECK_TARGETS[$i]}"
  cargo test -p "${CHECK_PKGS[$i]}" "${target[@]}" -- --exact "$test" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ] && grep -q '^running 1 test' "$log" && grep -q '^test result: ok\. 1 passed' "$log"; then
    RESULT=passed
  elif [ "$rc" -ne 0 ] && grep -qxF "test $test ... FAILED" "$log" && grep -q '^test result: FAILED\.' "$log"; then
    RESULT=failed
  else
    tail -n 30 "$log" >&2
    echo "hazard-controls: ${CHECK_IDS[$i]}: cargo did not run $test to a result (exit $rc; compile error, or the test is not found); see $log" >&2
    return 2
  fi
}

start=$SECONDS
proven=0
total=0
for i in "${!CHECK_IDS[@]}"; do
  id="${CHECK_IDS[$i]}" f="${CHECK_FILES[$i]}" test="${CHECK_TESTS[$i]}"
  if [ -n "${HAZARD_CONTROLS_ONLY:-}" ] && [[ " $HAZARD_CONTROLS_ONLY " != *" $id "* ]]; then
    continue
  fi
  total=$((total + 1))
  if [ "${CHECK_CORPUS[$i]}" = corpus ]; then
    [ -d "${ICR_CORPUS:-}" ] || die "$id: $test needs ICR_CORPUS (the FHIR corpus directory)"
    ICR_CORPUS="$(cd "$ICR_CORPUS" && pwd)"
    export ICR_CORPUS
  fi

  # (a) copy aside, (b) edit the control out
  cp "$f" "$WORK/original"
  ACTIVE_FILE="$f" ACTIVE_OLD="${CHECK_OLDS[$i]}" ACTIVE_NEW="${CHECK_NEWS[$i]}"
  OLD="${CHECK_OLDS[$i]}" NEW="${CHECK_NEWS[$i]}" python3 "$WORK/edit.py" "$f" ||
    die "$id: could not edit $f"
  cp "$f" "$WORK/edited"

  # (c) the test must fail
  run_test "$i" "$WORK/$i-$id-removed.log" || exit 2
  removed=$RESULT

  # (d) restore from the copy, (e) the test must pass
  restore_active || exit 2
  run_test "$i" "$WORK/$i-$id-restored.log" || exit 2
  [ "$RESULT" = passed ] ||
    die "$id: $test fails with $f restored; see $WORK/$i-$id-restored.log"

  if [ "$removed" = failed ]; then
    echo "$id control removed -> $test FAILED as expected; restored -> passed"
    proven=$((proven + 1))
  else
    echo "$id control removed -> $test PASSED: NOT PROVEN ($f: ${CHECK_DESCS[$i]}); restored -> passed"
  fi
done

echo "$proven of $total controls proven ($((SECONDS - start)) s)"
[ "$proven" -eq "$total" ] || exit 1
