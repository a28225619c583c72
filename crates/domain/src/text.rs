//! Text that must say something: reasons, opinions, purposes, findings, legal bases are facts of the record.
//!
//! A text is blank when every character is white space (Unicode `White_Space`, e.g. U+3000 ideographic
//! space) or an invisible format character: a zero-width space, non-joiner or joiner (U+200B–U+200D), a word
//! joiner (U+2060), a byte-order mark (U+FEFF), a soft hyphen (U+00AD), a direction mark or embedding
//! (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the invisible operators (U+2061–U+2064), the deprecated
//! format characters (U+206A–U+206F), the Mongolian vowel separator (U+180E), the combining grapheme joiner
//! (U+034F) or a Hangul filler (U+115F, U+1160, U+3164, U+FFA0). Such a text shows nothing to a reader, so
//! it states nothing.

/// Whether `c` shows nothing: white space or an invisible format character.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Whether `text` says nothing: empty, or only white space and invisible format characters.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_invisible)
}

/// `text` without leading and trailing white space and invisible format characters.
pub fn trim_invisible(text: &str) -> &str {
    text.trim_matches(is_invisible)
}

/// The number of visible characters of `text` (neither white space nor invisible format characters).
pub fn visible_chars(text: &str) -> usize {
    text.chars().filter(|c| !is_invisible(*c)).count()
}
