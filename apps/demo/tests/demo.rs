//! The scripted demo binary: a whole lifecycle printed step by step, from an empty directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn the_scripted_demo_prints_every_step_of_the_lifecycle_and_ends_on_free() {
    let dir = tempfile::tempdir().unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_billing-demo")).current_dir(dir.path()).env_clear().output().unwrap();

    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("NO REAL MONEY MOVES"), "{stdout}");
    let states: Vec<&str> = stdout.lines().filter(|line| line.trim_start().starts_with("-> ")).collect();
    assert_eq!(states.len(), 8, "{stdout}");
    assert!(states[1].contains("plan enterprise (active)"), "{stdout}");
    assert!(states[4].contains("past_due") && states[4].contains("failed"), "{stdout}");
    assert!(states[7].contains("plan free (canceled)"), "{stdout}");
    assert!(stdout.contains("proration charged now"), "{stdout}");
    assert!(dir.path().join("data/demo.sqlite").exists(), "the demo keeps its own store");
}
