//! Payment card numbers: 12 to 19 digits, written in one run or in groups separated by single
//! spaces, dashes or underscores, whose issuer prefix and length are those of a real card network
//! and whose last digit is the Luhn check digit.
//!
//! A run of digits inside a longer number is not a card: a candidate is bounded by non-digits,
//! a run glued to a decimal point (`0.4111111111111111`) is a fraction, and one after a `+`
//! (`+49 1512 3456789`) is a phone number. Digits of
//! every Unicode script count (fullwidth `４１１１…`, Arabic-Indic `٤١١١…`): a person reads them as
//! the same number.

use super::rewrite::Rewriter;

/// Fewest digits of a card number (Maestro).
const MIN_LEN: usize = 12;
/// Most digits of a card number (ISO/IEC 7812-1).
const MAX_LEN: usize = 19;
/// Sizes of the groups of a number written in groups, but the last: 4-4-4-4, Amex's 4-6-5,
/// Diners' 4-6-4, 4-3-3-3 for 13 digits. Lists of small numbers (`1 2 3 4 ... 16`) are not cards.
const GROUP_SIZES: std::ops::RangeInclusive<usize> = 3..=6;
/// Sizes of the last group (the 1 of 4-4-4-4-1 for 17 digits, the 3 of 4-4-4-4-3 for 19).
const LAST_GROUP_SIZES: std::ops::RangeInclusive<usize> = 1..=6;

/// Bit set of allowed lengths, bit `n` for `n` digits.
const fn lengths(shortest: usize, longest: usize) -> u32 {
    let mut bits = 0;
    let mut n = shortest;
    while n <= longest {
        bits |= 1 << n;
        n += 1;
    }
    bits
}

/// One issuer identification number (IIN) range: numbers whose first `digits` digits lie in
/// `first..=last`, with a length in `lengths`.
struct Iin {
    first: u32,
    last: u32,
    digits: u8,
    lengths: u32,
}

const fn iin(first: u32, last: u32, digits: u8, lengths: u32) -> Iin {
    Iin { first, last, digits, lengths }
}

/// The card networks' IIN ranges and number lengths.
///
/// Source: the IIN table of Wikipedia's "Payment card number" article (revision of 2024-2025),
/// which compiles the networks' published ranges under ISO/IEC 7812. Left out on purpose: UATP
/// and GPN's `1946`, whose prefix `1` is also how every Unix timestamp in seconds, milliseconds,
/// microseconds or nanoseconds from 2001 to 2033 starts.
const IINS: &[Iin] = &[
    iin(4, 4, 1, 1 << 13 | 1 << 16 | 1 << 19), // Visa (incl. Visa Electron, Dankort co-brand)
    iin(51, 55, 2, lengths(16, 16)),           // Mastercard, Diners Club US & Canada
    iin(2221, 2720, 4, lengths(16, 16)),       // Mastercard 2-series
    iin(34, 34, 2, lengths(15, 15)),           // American Express
    iin(37, 37, 2, lengths(15, 15)),           // American Express
    iin(6011, 6011, 4, lengths(16, 19)),       // Discover
    iin(644, 649, 3, lengths(16, 19)),         // Discover
    iin(65, 65, 2, lengths(16, 19)),           // Discover, RuPay, Troy
    iin(3528, 3589, 4, lengths(16, 19)),       // JCB (incl. LankaPay 357111, RuPay 353/356)
    iin(300, 305, 3, lengths(14, 19)),         // Diners Club International, Carte Blanche
    iin(3095, 3095, 4, lengths(14, 19)),       // Diners Club International
    iin(36, 36, 2, lengths(14, 19)),           // Diners Club International
    iin(38, 39, 2, lengths(14, 19)),           // Diners Club International
    iin(62, 62, 2, lengths(16, 19)),           // UnionPay (incl. Discover 622126-622925)
    iin(31, 31, 2, lengths(19, 19)),           // China T-Union
    iin(5018, 5018, 4, lengths(12, 19)),       // Maestro
    iin(5020, 5020, 4, lengths(12, 19)),       // Maestro
    iin(5038, 5038, 4, lengths(12, 19)),       // Maestro
    iin(5893, 5893, 4, lengths(12, 19)),       // Maestro
    iin(6304, 6304, 4, lengths(12, 19)),       // Maestro
    iin(6759, 6759, 4, lengths(12, 19)),       // Maestro, Maestro UK
    iin(6761, 6763, 4, lengths(12, 19)),       // Maestro
    iin(676_770, 676_770, 6, lengths(12, 19)), // Maestro UK
    iin(676_774, 676_774, 6, lengths(12, 19)), // Maestro UK
    iin(2200, 2204, 4, lengths(16, 19)),       // Mir
    iin(2205, 2205, 4, lengths(16, 16)),       // BORICA
    iin(5019, 5019, 4, lengths(16, 16)),       // Dankort
    iin(60, 60, 2, lengths(16, 16)),           // RuPay
    iin(81, 82, 2, lengths(16, 16)),           // RuPay
    iin(508, 508, 3, lengths(16, 16)),         // RuPay
    iin(636, 636, 3, lengths(16, 19)),         // InterPayment
    iin(637, 639, 3, lengths(16, 16)),         // InstaPayment
    iin(9792, 9792, 4, lengths(16, 16)),       // Troy
    iin(506_099, 506_198, 6, 1 << 16 | 1 << 18 | 1 << 19), // Verve
    iin(507_865, 507_964, 6, 1 << 16 | 1 << 18 | 1 << 19), // Verve
    iin(650_002, 650_027, 6, 1 << 16 | 1 << 18 | 1 << 19), // Verve
    iin(60_400_100, 60_420_099, 8, lengths(16, 19)), // UkrCard
    iin(8600, 8600, 4, lengths(16, 16)),       // Uzcard
    iin(5614, 5614, 4, lengths(16, 16)),       // Uzcard
    iin(9860, 9860, 4, lengths(16, 16)),       // Humo
    iin(9704, 9704, 4, 1 << 16 | 1 << 19),     // Napas
];

/// Whether `digits` (values 0-9) is a payment card number: a valid Luhn check digit, and a
/// known IIN with a length it issues. The Luhn check goes first: it rejects 9 numbers in 10.
pub(super) fn is_card_number(digits: &[u8]) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&digits.len()) && luhn_valid(digits) && has_card_iin(digits)
}

fn has_card_iin(digits: &[u8]) -> bool {
    // The number's prefixes of 1 to 8 digits.
    let mut prefixes = [0u32; 8];
    let mut value = 0;
    for (prefix, &d) in prefixes.iter_mut().zip(digits) {
        value = value * 10 + u32::from(d);
        *prefix = value;
    }
    let length = 1 << digits.len();
    IINS.iter().any(|range| {
        range.lengths & length != 0 && (range.first..=range.last).contains(&prefixes[usize::from(range.digits) - 1])
    })
}

/// The Luhn (mod 10) check: from the right, every second digit doubled (minus 9 above 9), the
/// sum a multiple of 10.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 { if d > 4 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Code points of the digit zero of every Unicode script with decimal digits (category `Nd`);
/// each is followed by the digits one to nine. Generated from the Unicode Character Database 17
/// (`unicodedata2`), checked against `char::is_numeric` in the tests.
const UNICODE_ZEROS: [u32; 77] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
    0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x10D40, 0x11066, 0x110F0, 0x11136,
    0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x116D0, 0x116DA, 0x11730, 0x118E0, 0x11950, 0x11BF0,
    0x11C50, 0x11D50, 0x11DA0, 0x11DE0, 0x11F50, 0x16130, 0x16A60, 0x16AC0, 0x16B50, 0x16D70, 0x1CCF0, 0x1D7CE,
    0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E5F1, 0x1E950, 0x1FBF0,
];

/// The value of `c` if it is a decimal digit of any script.
pub(super) fn digit_value(c: char) -> Option<u8> {
    let c = u32::from(c);
    let zero = match UNICODE_ZEROS.binary_search(&c) {
        Ok(_) => return Some(0),
        Err(0) => return None,
        Err(next) => UNICODE_ZEROS[next - 1],
    };
    u8::try_from(c - zero).ok().filter(|&d| d < 10)
}

/// The digit at byte `i` of `text`, with its length in bytes.
fn digit_at(text: &str, i: usize) -> Option<(u8, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b.is_ascii_digit() {
        return Some((b - b'0', 1));
    }
    if b < 0x80 {
        return None;
    }
    let c = text.get(i..)?.chars().next()?;
    digit_value(c).map(|d| (d, c.len_utf8()))
}

/// The character ending at byte `end` of `text`.
fn char_before(text: &str, end: usize) -> Option<char> {
    text.get(..end)?.chars().next_back()
}

/// Characters that separate the groups of a card number written in groups.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '_' | '\u{a0}' | '\u{2007}' | '\u{2009}' | '\u{202f}')
}

/// One maximal run of digits.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    /// How many digits the run has; only the first [`MAX_LEN`] are kept.
    len: usize,
    digits: [u8; MAX_LEN],
    /// Next to a decimal point with a digit on its other side: part of a decimal number.
    decimal: bool,
    /// Where the next group starts, when exactly one separator follows this one.
    next: Option<usize>,
}

impl Group {
    /// The run of digits starting at byte `start` (a digit).
    fn at(text: &str, start: usize) -> Self {
        let mut group = Self { start, end: start, len: 0, digits: [0; MAX_LEN], decimal: false, next: None };
        while let Some((digit, width)) = digit_at(text, group.end) {
            if group.len < MAX_LEN {
                group.digits[group.len] = digit;
            }
            group.len += 1;
            group.end += width;
        }
        let before_point =
            char_before(text, start) == Some('.') && char_before(text, start - 1).and_then(digit_value).is_some();
        let after_point = text.as_bytes().get(group.end) == Some(&b'.') && digit_at(text, group.end + 1).is_some();
        group.decimal = before_point || after_point;
        group.next =
            text.get(group.end..).and_then(|rest| rest.chars().next()).filter(|&c| is_separator(c)).and_then(|sep| {
                let next = group.end + sep.len_utf8();
                digit_at(text, next).map(|_| next)
            });
        group
    }

    fn digits(&self) -> &[u8] {
        &self.digits[..self.len.min(MAX_LEN)]
    }
}

/// The first run of digits at or after byte `from`.
fn next_group(text: &str, from: usize) -> Option<Group> {
    let bytes = text.as_bytes();
    // Blocks of 16 bytes with neither a digit nor a non-ASCII byte are skipped by one
    // branch-free test each, which the compiler vectorizes.
    let skipped = bytes[from..]
        .chunks_exact(16)
        .take_while(|block| {
            block.iter().fold(0u8, |any, &b| any | u8::from(b.wrapping_sub(b'0') < 10) | (b & 0x80)) == 0
        })
        .count();
    let mut i = from + 16 * skipped;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() || (b >= 0xC0 && digit_at(text, i).is_some()) {
            return Some(Group::at(text, i));
        }
        i += 1;
    }
    None
}

/// The last group of the longest card number that starts with `first`, if any.
fn card_from(text: &str, first: &Group) -> Option<Group> {
    // `+49 1512 3456789` is a phone number.
    if first.decimal || char_before(text, first.start) == Some('+') {
        return None;
    }
    if first.len >= MIN_LEN {
        return is_card_number(first.digits()).then_some(*first);
    }
    if !GROUP_SIZES.contains(&first.len) {
        return None;
    }
    let mut digits = [0u8; MAX_LEN];
    digits[..first.len].copy_from_slice(first.digits());
    let mut len = first.len;
    let mut last = *first;
    let mut found = None;
    while let Some(next) = last.next {
        let group = Group::at(text, next);
        if group.decimal || !LAST_GROUP_SIZES.contains(&group.len) || len + group.len > MAX_LEN {
            break;
        }
        digits[len..len + group.len].copy_from_slice(group.digits());
        len += group.len;
        if is_card_number(&digits[..len]) {
            found = Some(group);
        }
        if !GROUP_SIZES.contains(&group.len) {
            break;
        }
        last = group;
    }
    found
}

/// Replaces every card number in `text`. Every group is tried as the start of a card, and
/// overlapping candidates are replaced as one: in `2226 4111 1111 1111 1111` both
/// `2226 4111 1111 1111` (a Mastercard number) and `4111 1111 1111 1111` are card numbers, and
/// replacing only the first would leave the last group of the second.
pub(super) fn redact(text: &str, out: &mut Rewriter<'_>) {
    let mut pending: Option<(usize, usize)> = None;
    let mut from = 0;
    while let Some(group) = next_group(text, from) {
        if let Some(last) = card_from(text, &group) {
            pending = match pending {
                Some((start, end)) if group.start < end => Some((start, end.max(last.end))),
                Some((start, end)) => {
                    out.replace(start, end, "card");
                    Some((group.start, last.end))
                }
                None => Some((group.start, last.end)),
            };
        }
        from = group.end;
    }
    if let Some((start, end)) = pending {
        out.replace(start, end, "card");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid(&digits("4111111111111111")));
        assert!(luhn_valid(&digits("79927398713")));
        assert!(!luhn_valid(&digits("4111111111111112")));
    }

    #[test]
    fn test_numbers_of_the_networks() {
        // The networks' published test numbers.
        for number in [
            "4111111111111111",    // Visa
            "4012888888881881",    // Visa
            "4222222222222",       // Visa, 13 digits
            "5555555555554444",    // Mastercard
            "2223003122003222",    // Mastercard 2-series
            "2720994326581252",    // Mastercard 2-series, last range
            "378282246310005",     // American Express
            "371449635398431",     // American Express
            "6011111111111117",    // Discover
            "6011000990139424",    // Discover
            "3530111333300000",    // JCB
            "3566002020360505",    // JCB
            "30569309025904",      // Diners Club
            "38520000023237",      // Diners Club
            "6200000000000005",    // UnionPay
            "6759649826438453",    // Maestro
            "6304000000000000",    // Maestro
            "2200000000000004",    // Mir
            "6243030000000001",    // UnionPay 16
            "6212345678901232",    // UnionPay
            "6250941006528599",    // UnionPay
            "4000056655665556",    // Visa debit
            "5200828282828210",    // Mastercard debit
            "6011981111111113",    // Discover debit
            "3056930009020004",    // Diners 16
            "36227206271667",      // Diners 14
            "6555900000604105",    // Discover 65
            "5018000000000009",    // Maestro 16
            "501800000009",        // Maestro 12
            "6761000000000006",    // Maestro
            "4000000000000000006", // Visa 19
        ] {
            assert!(is_card_number(&digits(number)), "{number}");
        }
    }

    #[test]
    fn wrong_lengths_and_prefixes() {
        // All pass the Luhn check.
        for number in [
            "411111111111116",  // Visa, 15 digits
            "37828224631003",   // Amex, 14 digits
            "5555555555554",    // Mastercard, 13 digits
            "1234567890123452", // no network starts with 1
            "7000000000000005", // nor with 7
            "2100000000000005", // 21 is not Mastercard (2221-2720)
            "2721000000000004", // 2721 is past the 2-series
            "999999999999994",  // no network
        ] {
            assert!(luhn_valid(&digits(number)), "{number}");
            assert!(!is_card_number(&digits(number)), "{number}");
        }
    }

    #[test]
    fn unicode_digits() {
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('٣'), Some(3)); // Arabic-Indic
        assert_eq!(digit_value('۹'), Some(9)); // Extended Arabic-Indic (Persian)
        assert_eq!(digit_value('９'), Some(9)); // fullwidth
        assert_eq!(digit_value('𝟘'), Some(0)); // mathematical double-struck
        assert_eq!(digit_value('५'), Some(5)); // Devanagari
        assert_eq!(digit_value('a'), None);
        assert_eq!(digit_value('²'), None, "superscripts are not decimal digits");
        assert_eq!(digit_value('\u{65f}'), None);
        for zero in UNICODE_ZEROS {
            for n in 0..10 {
                let c = char::from_u32(zero + n).unwrap();
                assert!(c.is_numeric(), "{c:?}");
                assert_eq!(digit_value(c), u8::try_from(n).ok());
            }
        }
        assert!(UNICODE_ZEROS.is_sorted());
    }
}
