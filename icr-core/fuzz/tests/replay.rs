//! Replays every saved input of every target: the corpora the fuzzer kept
//! (`corpus/<target>/`) and the inputs that once found a fault (`regressions/<target>/`).
//! This is how the README's test command runs the fuzz targets without the fuzzer.

use std::path::PathBuf;

#[test]
fn saved_inputs_replay_without_a_finding() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut total = 0;
    for (name, target) in icr_fuzz::TARGETS {
        let mut files = Vec::new();
        for kind in ["corpus", "regressions"] {
            let dir = root.join(kind).join(name);
            if let Ok(entries) = std::fs::read_dir(&dir) {
                files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            }
        }
        files.sort();
        assert!(
            files.iter().any(|f| f.starts_with(root.join("corpus"))),
            "no saved corpus for {name}"
        );
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            target(&bytes);
        }
        println!("{name}: {} inputs replayed", files.len());
        total += files.len();
    }
    println!("{total} inputs replayed");
}
