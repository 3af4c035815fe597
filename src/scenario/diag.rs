//! Diagnostics: what is wrong, where in the user's text, and what to do about it.

use std::fmt::Write as _;
use std::ops::Range;

/// One problem in a scenario file, located by a byte span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub span: Range<usize>,
    pub message: String,
    pub hint: Option<String>,
    /// For a misspelled key: the table it is in. Its value is missing there, so what later
    /// checks find inside that table is a knock-on of the misspelling and is not reported.
    pub covers: Option<Range<usize>>,
}

impl Diagnostic {
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            span,
            message: message.into(),
            hint: None,
            covers: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

/// A 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders a diagnostic the way compilers do:
///
/// ```text
/// error: unknown key `duraton` in task "train"
///   --> plan.toml:12:1
///    |
/// 12 | duraton = [5, 8, 14]
///    | ^^^^^^^
///    = hint: did you mean `duration`?
/// ```
/// The most characters of the offending line a diagnostic shows.
const WIDTH: usize = 120;

pub fn render(file: &str, text: &str, d: &Diagnostic) -> String {
    let (line, col) = line_col(text, d.span.start);
    let mut out = String::new();
    let _ = writeln!(out, "error: {}", d.message);
    let _ = writeln!(out, "  --> {file}:{line}:{col}");
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let line_chars = line_text.chars().count();
    let span_chars = text
        .get(
            floor_char_boundary(text, d.span.start)
                ..floor_char_boundary(text, d.span.end.min(text.len())),
        )
        .map_or(1, |s| s.lines().next().unwrap_or("").chars().count())
        .clamp(1, (line_chars + 1).saturating_sub(col - 1).max(1));
    // A long line (a minified file, a 10 MB string) is shown as a window around the column;
    // control characters (binary junk) are shown as U+FFFD, never sent to the terminal.
    let first = if line_chars > WIDTH {
        (col - 1).saturating_sub(WIDTH / 3)
    } else {
        0
    };
    let shown: String = line_text
        .chars()
        .skip(first)
        .take(WIDTH)
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect();
    let before = if first > 0 { "..." } else { "" };
    let after = if first + WIDTH < line_chars {
        "..."
    } else {
        ""
    };
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {before}{shown}{after}");
    let caret_at = col - 1 - first + before.len();
    let carets = span_chars
        .min(WIDTH + before.len() - caret_at.min(WIDTH))
        .max(1);
    let _ = writeln!(
        out,
        "{pad} | {}{}",
        " ".repeat(caret_at),
        "^".repeat(carets)
    );
    if let Some(h) = &d.hint {
        let _ = writeln!(out, "{pad} = hint: {h}");
    }
    out
}

/// "did you mean `x`?" for the closest of `candidates` to `word`, when one is close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 9), (2, 4));
    }

    #[test]
    fn render_points_at_the_span() {
        let t = "[[task]]\nduraton = 3\n";
        let d = Diagnostic::new(9..16, "unknown key `duraton`").hint("did you mean `duration`?");
        let r = render("plan.toml", t, &d);
        assert!(r.contains("--> plan.toml:2:1"), "{r}");
        assert!(r.contains("2 | duraton = 3"), "{r}");
        assert!(r.contains("  | ^^^^^^^\n"), "{r}");
        assert!(r.contains("hint: did you mean `duration`?"), "{r}");
    }

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(
            did_you_mean("duraton", ["duration", "name"]).as_deref(),
            Some("did you mean `duration`?")
        );
        assert_eq!(did_you_mean("zzz", ["duration", "name"]), None);
    }
}
