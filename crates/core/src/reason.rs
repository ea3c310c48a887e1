//! The reason a person gives for changing recorded data (21 CFR 11.10(e): who, when and why).
//! A reason must say something: text made only of punctuation, digits, spaces or invisible
//! characters (a zero-width space, a soft hyphen) is refused, whatever its length.

use crate::error::{Violation, required_text};

/// Characters that take no room on screen, so a reason made of them would look empty.
fn invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}')
}

/// Checks a reason: required, at most `max_chars`, no control characters, and at least one
/// word (two or more letters in a row). Returns it trimmed of whitespace and invisible
/// characters at either end.
pub fn meaningful_reason(field: &str, value: &str, max_chars: usize) -> Result<String, Violation> {
    let trimmed = value.trim_matches(|c: char| c.is_whitespace() || invisible(c));
    let text = required_text(field, trimmed, max_chars)?;
    let mut run = 0;
    let has_word = text.chars().any(|c| {
        run = if c.is_alphabetic() { run + 1 } else { 0 };
        run >= 2
    });
    if !has_word {
        return Err(Violation::new(
            field,
            "words",
            format!("{field} must say in words why (at least one word of two or more letters); got {value:?}"),
        ));
    }
    Ok(text)
}

/// Checks a name someone gives (an event's own term, a label): required, at most `max_chars`,
/// no control characters, and at least one letter or digit once invisible characters are
/// taken away. Returns it trimmed of whitespace and invisible characters at either end.
pub fn visible_name(field: &str, value: &str, max_chars: usize) -> Result<String, Violation> {
    let trimmed = value.trim_matches(|c: char| c.is_whitespace() || invisible(c));
    let text = required_text(field, trimmed, max_chars)?;
    if !text.chars().any(char::is_alphanumeric) {
        return Err(Violation::new(
            field,
            "visible",
            format!("{field} must name something (at least one letter or digit); got {value:?}"),
        ));
    }
    Ok(text)
}

/// Checks free text someone writes in their own words, over several lines (a participant's
/// report, a reporter's account): required, at most `max_chars`, line breaks and tabs allowed
/// but no other control character, nothing that reorders text as shown, and at least one letter
/// or digit once invisible characters are taken away.
pub fn visible_paragraphs(field: &str, value: &str, max_chars: usize) -> Result<String, Violation> {
    crate::error::no_bidi_controls(field, value)?;
    let trimmed = value.trim_matches(|c: char| c.is_whitespace() || invisible(c));
    if trimmed.is_empty() {
        return Err(Violation::required(field));
    }
    if trimmed.chars().count() > max_chars {
        return Err(Violation::new(field, "max_length", format!("{field} must be at most {max_chars} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Violation::new(
            field,
            "no_control_characters",
            format!("{field} must not contain control characters other than line breaks and tabs"),
        ));
    }
    if !trimmed.chars().any(char::is_alphanumeric) {
        return Err(Violation::new(field, "visible", format!("{field} must say something (a letter or digit)")));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_need_words() {
        for bad in ["", " ", ".", "\u{200B}", "\u{200B}\u{200B}.", "...", "123", "- -", "a", "\u{FEFF}x\u{200B}"] {
            let err = meaningful_reason("reason", bad, 100).unwrap_err();
            assert!(matches!(err.rule.as_str(), "required" | "words"), "{bad:?}: {err:?}");
        }
        assert_eq!(meaningful_reason("reason", "\u{200B} typo \u{200B}", 100).unwrap(), "typo");
        assert_eq!(meaningful_reason("reason", "moved away", 100).unwrap(), "moved away");
        assert!(meaningful_reason("reason", "患者撤回", 100).is_ok());
        assert!(meaningful_reason("reason", "ok", 100).is_ok());
        assert_eq!(meaningful_reason("reason", "x".repeat(101).as_str(), 100).unwrap_err().rule, "max_length");
        assert_eq!(meaningful_reason("reason", "bad\u{0007}bell", 100).unwrap_err().rule, "no_control_characters");
    }

    #[test]
    fn paragraphs_keep_their_lines_and_refuse_what_hides_or_reorders() {
        assert_eq!(
            visible_paragraphs("f", " I cannot sleep.\r\nMy chest is tight. ", 100).unwrap(),
            "I cannot sleep.\r\nMy chest is tight."
        );
        assert_eq!(visible_paragraphs("f", "\u{200B}\u{200B}", 100).unwrap_err().rule, "required");
        assert_eq!(visible_paragraphs("f", "-\u{200B}-", 100).unwrap_err().rule, "visible");
        assert_eq!(visible_paragraphs("f", "a\u{0007}b", 100).unwrap_err().rule, "no_control_characters");
        assert_eq!(visible_paragraphs("f", "\u{202E}1-DNI", 100).unwrap_err().rule, "no_bidi_controls");
        assert_eq!(
            crate::error::required_text("reference", "\u{202E}1-DNI", 100).unwrap_err().rule,
            "no_bidi_controls"
        );
        assert!(visible_paragraphs("f", "שלום עולם", 100).is_ok(), "right-to-left text needs no controls");
    }

    #[test]
    fn names_need_a_letter_or_digit() {
        for bad in ["", "\u{200B}", "\u{200B}\u{FEFF}", "--", " . "] {
            let err = visible_name("other_term", bad, 100).unwrap_err();
            assert!(matches!(err.rule.as_str(), "required" | "visible"), "{bad:?}: {err:?}");
        }
        assert_eq!(visible_name("other_term", "\u{200B}tinnitus\u{200B}", 100).unwrap(), "tinnitus");
        assert!(visible_name("other_term", "Q", 100).is_ok());
    }
}
