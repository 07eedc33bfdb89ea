//! Confirmation of destructive commands: the operator types what is about to be changed.

use std::io::{BufRead, Write};

use crate::error::AdminError;

/// Prints `warning` and asks for `expected` to be typed on stdin; anything else (or no input at
/// all, as from a script that forgot `--yes`) refuses. Prompts go to stderr, so stdout keeps only
/// the command's output.
///
/// # Errors
/// [`AdminError::NotConfirmed`] unless the line read is `expected`.
pub fn typed(warning: &str, expected: &str) -> Result<(), AdminError> {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{warning}\nType {expected} to confirm: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    // An unreadable stdin reads as no answer, which refuses.
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer_matches(&answer, expected).then_some(()).ok_or_else(|| AdminError::NotConfirmed(expected.to_owned()))
}

fn answer_matches(answer: &str, expected: &str) -> bool {
    answer.trim() == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_id_confirms() {
        assert!(answer_matches("org_42\n", "org_42"));
        assert!(answer_matches("  org_42  ", "org_42"));
        assert!(!answer_matches("yes\n", "org_42"));
        assert!(!answer_matches("", "org_42"));
        assert!(!answer_matches("org_4", "org_42"));
    }
}
