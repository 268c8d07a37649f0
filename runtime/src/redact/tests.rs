use proptest::prelude::*;

use super::*;

fn all() -> Redaction {
    Redaction::none().apply_switch("all").unwrap()
}

#[track_caller]
fn check(redaction: &Redaction, input: &str, expected: &str) {
    assert_eq!(redaction.redact(input), expected, "input: {input:?}");
    assert_eq!(redaction.redact(expected), expected, "not idempotent on {expected:?}");
}

#[test]
fn guide_cases() {
    // The guide redacts card numbers written in four groups of four, with or without
    // separators, and email addresses.
    let r = Redaction::default();
    check(&r, "4111-1111-1111-1111", "[REDACTED:card]");
    check(&r, "4111 1111 1111 1111", "[REDACTED:card]");
    check(&r, "4111111111111111", "[REDACTED:card]");
    check(&r, "payment for card 5555555555554444 failed", "payment for card [REDACTED:card] failed");
    check(&r, "john.doe@example.com", "[REDACTED:email]");
    check(&r, "user john.doe+tag@mail.example.co.uk not found", "user [REDACTED:email] not found");
}

#[test]
fn card_formats() {
    let r = Redaction::default();
    check(&r, "amex 3782 822463 10005.", "amex [REDACTED:card].");
    check(&r, "amex 378282246310005", "amex [REDACTED:card]");
    check(&r, "diners 3056-930902-5904", "diners [REDACTED:card]");
    check(&r, "mc2 2223 0031 2200 3222", "mc2 [REDACTED:card]");
    check(&r, "visa 19: 4000 0000 0000 0000 006", "visa 19: [REDACTED:card]");
    check(&r, "maestro 501800000009", "maestro [REDACTED:card]");
    check(&r, "card=4111111111111111&cvv=123", "card=[REDACTED:card]&cvv=123");
    check(&r, r#"{"pan":"4111111111111111"}"#, r#"{"pan":"[REDACTED:card]"}"#);
    check(&r, "(4111111111111111)", "([REDACTED:card])");
    check(&r, "ord_4111111111111111", "ord_[REDACTED:card]");
    check(&r, "two 4111111111111111 and 5555-5555-5555-4444", "two [REDACTED:card] and [REDACTED:card]");
    check(&r, "4111_1111_1111_1111", "[REDACTED:card]");
    check(&r, "4111\u{a0}1111\u{a0}1111\u{a0}1111", "[REDACTED:card]");
}

#[test]
fn cards_next_to_other_numbers() {
    let r = Redaction::default();
    // A number in front, separated: the card is its own group.
    check(&r, "order 2024 4111 1111 1111 1111", "order 2024 [REDACTED:card]");
    check(&r, "12-4111111111111111", "12-[REDACTED:card]");
    check(&r, "4111 1111 1111 1111 99", "[REDACTED:card] 99");
    // Two overlapping candidates: `2226 4111 1111 1111` is a Mastercard number too. Both go.
    check(&r, "order 2226 4111 1111 1111 1111 x", "order [REDACTED:card] x");
    // Digits inside a longer number are not a card.
    check(&r, "id 94111111111111111", "id 94111111111111111");
    check(&r, "id 41111111111111110", "id 41111111111111110");
    check(&r, "id 98765432104111111111111111", "id 98765432104111111111111111");
    // Decimal fractions and numbers with a decimal part.
    check(&r, "ratio 0.4111111111111111", "ratio 0.4111111111111111");
    check(&r, "total 4111111111111111.25", "total 4111111111111111.25");
    check(&r, "f64 0.30000000000000004", "f64 0.30000000000000004");
}

#[test]
fn values_that_only_look_like_cards() {
    let r = Redaction::default();
    for text in [
        // Unix timestamps in s, ms, µs, ns (no card network starts with 1).
        "at 1712345678",
        "at 1712345678901",
        "at 1712345678901234",
        "at 1712345678901234567",
        "since 2024-01-15T12:34:56.789012345Z",
        "2024-01-15 12:34:56",
        "20240115123456",
        // Luhn-valid, but no network issues these prefixes or lengths.
        "ref 1234567890123452",
        "ref 7000000000000005",
        "ref 411111111111116",
        // A network prefix and length, but a wrong check digit.
        "ref 4111111111111112",
        "ref 5555555555554445",
        // Ids, versions, phone numbers, UUIDs, hashes.
        "ord_8f3k2",
        "order 4111-11",
        "v4.1.11.1111",
        "+1 415 555 2671",
        "550e8400-e29b-41d4-a716-446655440000",
        "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "trace 4bf92f3577b34da6a3ce929d0e0e4736",
        // Groups too large to be card formatting.
        "411111111 1111111",
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
    ] {
        check(&r, text, text);
    }
}

#[test]
fn unicode_look_alike_digits() {
    let r = Redaction::default();
    // Fullwidth.
    check(&r, "card ４１１１１１１１１１１１１１１１", "card [REDACTED:card]");
    check(&r, "card ４１１１ １１１１ １１１１ １１１１", "card [REDACTED:card]");
    // Arabic-Indic and Extended Arabic-Indic (Persian).
    check(&r, "بطاقة ٤١١١١١١١١١١١١١١١", "بطاقة [REDACTED:card]");
    check(&r, "کارت ۵۵۵۵-۵۵۵۵-۵۵۵۵-۴۴۴۴", "کارت [REDACTED:card]");
    // Devanagari, and digits of several scripts mixed.
    check(&r, "४१११११११११११११११", "[REDACTED:card]");
    check(&r, "4111１１１1٣١١١1111", "4111１１１1٣١١١1111"); // ٣ (3): the check digit fails
    check(&r, "4111１１１1١١١١1111", "[REDACTED:card]");
    // Look-alikes that are not decimal digits stay.
    check(&r, "⁴¹¹¹¹¹¹¹¹¹¹¹¹¹¹¹", "⁴¹¹¹¹¹¹¹¹¹¹¹¹¹¹¹");
    check(&r, "④①①①①①①①①①①①①①①①", "④①①①①①①①①①①①①①①①");
}

#[test]
fn emails() {
    let r = Redaction::default();
    check(&r, "mailto:alice@example.com", "mailto:[REDACTED:email]");
    check(
        &r,
        "https://example.com/users/alice@example.com/profile",
        "https://example.com/users/[REDACTED:email]/profile",
    );
    check(
        &r,
        "https://example.com/reset?email=alice%40example.com",
        "https://example.com/reset?email=alice%40example.com",
    );
    check(
        &r,
        "https://example.com/reset?email=alice@example.com&x=1",
        "https://example.com/reset?email=[REDACTED:email]&x=1",
    );
    check(&r, "<alice@example.com>, 'bob@example.org'", "<[REDACTED:email]>, '[REDACTED:email]'");
    check(&r, "sent to alice@example.com.", "sent to [REDACTED:email].");
    check(&r, "josé.garcía@correo.es", "[REDACTED:email]");
    check(&r, "user@пример.рф", "[REDACTED:email]");
    check(&r, "user@xn--e1afmkfd.xn--p1ai", "[REDACTED:email]");
    check(&r, "Key (email)=(alice@example.com) already exists", "Key (email)=([REDACTED:email]) already exists");
    // The card glued to the domain hides the address until the card is gone.
    check(&r, "alice@example.com4111111111111111@", "[REDACTED:email][REDACTED:card]@");
    for text in ["react@18.2.0", "@mention", "user@localhost", "a @ b.com", "x@y", "foo@bar.1", "ends with @", "@@"] {
        check(&r, text, text);
    }
}

#[test]
fn url_credentials() {
    let r = Redaction::default();
    check(
        &r,
        "error: connecting to postgres://shop:s3cr3t@db.internal:5432/shop?sslmode=require",
        "error: connecting to postgres://[REDACTED:credentials]@db.internal:5432/shop?sslmode=require",
    );
    check(&r, "redis://:hunter2@cache:6379/0", "redis://[REDACTED:credentials]@cache:6379/0");
    check(&r, "https://alice@example.com/", "https://[REDACTED:credentials]@example.com/");
    check(&r, "jdbc:mysql://root:pw@10.0.0.1/db", "jdbc:mysql://[REDACTED:credentials]@10.0.0.1/db");
    // A password with an unencoded `@`: URL parsers split at the last `@` of the authority.
    check(&r, "amqp://user:p@ss@rabbit/vhost", "amqp://[REDACTED:credentials]@rabbit/vhost");
    check(&r, "https://example.com/a@b", "https://example.com/a@b");
    check(&r, "https://example.com", "https://example.com");
}

#[test]
fn secrets_by_key() {
    let r = Redaction::default().enable(Detector::KvSecrets);
    check(&r, "password=hunter2 user=bob", "password=[REDACTED:secret] user=bob");
    check(&r, "GET /cb?code=1&access_token=abc.def&state=x", "GET /cb?code=1&access_token=[REDACTED:secret]&state=x");
    check(
        &r,
        r#"{"user":"bob","password":"hu\"nter2","n":1}"#,
        r#"{"user":"bob","password":"[REDACTED:secret]","n":1}"#,
    );
    check(&r, r#"{"apiKey": 12345}"#, r#"{"apiKey": [REDACTED:secret]}"#);
    check(&r, r#"body: {\"client_secret\":\"abc\"}"#, r#"body: {\"client_secret\":\"[REDACTED:secret]\"}"#);
    check(&r, "Config { db_password: \"hunter2\", pool: 5 }", "Config { db_password: \"[REDACTED:secret]\", pool: 5 }");
    check(&r, "PGPASSWORD='x y' psql", "PGPASSWORD='[REDACTED:secret]' psql");
    check(&r, "api_key: sk_live_123", "api_key: [REDACTED:secret]");
    check(&r, "Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED:secret]");
    check(&r, "authorization=Bearer abc.def.ghi; next", "authorization=Bearer [REDACTED:secret]; next");
    check(&r, r#""Authorization": "Bearer abc def""#, r#""Authorization": "Bearer [REDACTED:secret]""#);
    check(&r, "authorization: xyz", "authorization: [REDACTED:secret]");
    // Not secrets: other keys, paths, comparisons, empty values.
    for text in ["user=bob", "token::Kind", "max_tokens=100", "password==x", "password=", "a != token", "https://token"]
    {
        check(&r, text, text);
    }
    // Off by default.
    check(&Redaction::default(), "password=hunter2", "password=hunter2");
}

#[test]
fn bearer_tokens() {
    let r = Redaction::default().enable(Detector::Bearer);
    check(&r, "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc-_", "Authorization: Bearer [REDACTED:token]");
    check(&r, "bearer\tsk_live_1234", "bearer\t[REDACTED:token]");
    check(&r, "Bearer dGVzdDp0ZXN0dGVzdA==", "Bearer [REDACTED:token]");
    for text in ["missing bearer token", "Bearer realm=\"api\"", "bearer abc", "the bearer of bad news", "Bearer"] {
        check(&r, text, text);
    }
    // With key-value secrets too, the header keeps its scheme and the token is redacted once.
    let both = r.enable(Detector::KvSecrets);
    check(&both, "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "Authorization: Bearer [REDACTED:token]");
}

#[test]
fn ip_addresses() {
    let r = Redaction::none().enable(Detector::Ipv4).enable(Detector::Ipv6);
    check(&r, "connect 10.0.0.12:5432 refused", "connect [REDACTED:ipv4]:5432 refused");
    check(&r, "from 192.168.1.1.", "from [REDACTED:ipv4].");
    check(&r, "peer [2001:db8::1]:443", "peer [[REDACTED:ipv6]]:443");
    check(&r, "fe80::1ff:fe23:4567:890a and ::1", "[REDACTED:ipv6] and [REDACTED:ipv6]");
    check(&r, "host:fe80::1", "host:[REDACTED:ipv6]");
    check(&r, "mapped ::ffff:10.0.0.1", "mapped [REDACTED:ipv6]");
    for text in ["v1.2.3.4", "1.2.3.4.5", "999.1.1.1", "at 12:30:45", "mac 00:1a:2b:3c:4d:5e", "std::fmt", "1.2.3"] {
        check(&r, text, text);
    }
    // Off by default.
    check(&Redaction::default(), "10.0.0.1 and ::1", "10.0.0.1 and ::1");
}

#[test]
fn patterns_and_labels() {
    let r = Redaction::none().pattern("order_id", r"ord_[0-9a-z]{5}").unwrap();
    check(&r, "order ord_8f3k2 failed", "order [REDACTED:order_id] failed");
    assert_eq!(
        Redaction::none().pattern("bad label", "x").unwrap_err(),
        RedactionError::InvalidLabel { label: "bad label".into() }
    );
    assert!(Redaction::none().pattern(&"x".repeat(33), "x").is_err());
    let err = Redaction::none().pattern("x", "(").unwrap_err();
    assert!(err.to_string().starts_with("redaction pattern `x` is not a valid regular expression: "), "{err}");
    // A pattern that matches markers leaves them alone.
    let greedy = Redaction::default().pattern("upper", "[A-Z]+").unwrap();
    check(&greedy, "card 4111111111111111 OK", "card [REDACTED:card] [REDACTED:upper]");
}

#[test]
fn tags() {
    let r = Redaction::default().enable(Detector::KvSecrets).allow_key("build.id");
    assert_eq!(r.redact_tag("build.id", "4111111111111111"), "4111111111111111");
    assert_eq!(r.redact_tag("card", "4111111111111111"), "[REDACTED:card]");
    assert_eq!(r.redact_tag("db.password", "hunter2"), "[REDACTED:secret]");
    assert_eq!(r.redact_tag("apiKey", "[REDACTED:secret]"), "[REDACTED:secret]");
    assert_eq!(r.redact_tag("password", ""), "");
    assert_eq!(r.redact_tag("region", "eu-west-1"), "eu-west-1");
    // Without key-value secrets, a tag named `password` is only scanned.
    assert_eq!(Redaction::default().redact_tag("password", "hunter2"), "hunter2");
}

#[test]
fn hashing() {
    let unkeyed = Redaction::default();
    assert!(!unkeyed.has_hash_key());
    assert_eq!(unkeyed.hash("alice@example.com"), "[REDACTED:hash]");
    assert_eq!(unkeyed.clone().hash_key("short").unwrap_err(), RedactionError::ShortHashKey { len: 5 });
    let keyed = unkeyed.hash_key("0123456789abcdef").unwrap();
    let hashed = keyed.hash("alice@example.com");
    assert_eq!(hashed.len(), 16);
    assert!(hashed.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{hashed}");
    assert_eq!(dd_instrument_rules::normalize_tag_value(&hashed), hashed);
    assert_eq!(format!("{keyed:?}").matches("0123").count(), 0, "the key never shows in Debug");
}

#[test]
fn long_values() {
    let r = all();
    let filler = "lorem ipsum dolor sit amet ".repeat(400);
    let text = format!("{filler}card 4111 1111 1111 1111 mail alice@example.com {filler}");
    assert!(text.len() > 10_000);
    let out = r.redact(&text);
    assert_eq!(out, format!("{filler}card [REDACTED:card] mail [REDACTED:email] {filler}"));
    // 10k digits: no card inside a longer number, and linear time.
    let digits = "4111111111111111".repeat(700);
    assert_eq!(r.redact(&digits), digits);
    // 10k digits in groups of four: every card in the run is found.
    let grouped = "4111 1111 1111 1111 ".repeat(600);
    assert_eq!(r.redact(&grouped), "[REDACTED:card] ".repeat(600));
    // Many `@`, `=`, `:` and dots without a match.
    for pathological in
        ["@.".repeat(5000), "a=:".repeat(4000), "1.".repeat(6000), ":".repeat(10_000), "x@".repeat(6000)]
    {
        assert_eq!(r.redact(&pathological), pathological);
    }
}

/// A card number of `len` digits starting with `prefix`, with `body` filling the middle and a
/// valid check digit.
fn card(prefix: &str, body: &[u8], len: usize) -> String {
    let mut digits: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
    digits.extend(body.iter().map(|d| d % 10).take(len - 1 - digits.len()));
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 { if d > 4 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    digits.push(u8::try_from((10 - sum % 10) % 10).unwrap());
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// Valid card numbers of several networks, written plain or in groups of four.
fn cards() -> impl Strategy<Value = (String, String)> {
    let networks = prop_oneof![
        Just(("4", 16)),
        Just(("4", 13)),
        Just(("4", 19)),
        Just(("51", 16)),
        Just(("2221", 16)),
        Just(("2720", 16)),
        Just(("34", 15)),
        Just(("37", 15)),
        Just(("6011", 16)),
        Just(("65", 19)),
        Just(("3528", 16)),
        Just(("36", 14)),
        Just(("62", 17)),
        Just(("6759", 12)),
        Just(("2200", 16)),
    ];
    (networks, prop::collection::vec(0u8..10, 19), prop_oneof![Just(""), Just(" "), Just("-")]).prop_map(
        |((prefix, len), body, sep)| {
            let number = card(prefix, &body, len);
            let written = number.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>();
            (number.clone(), written.join(sep))
        },
    )
}

/// Text around a card: anything that does not glue digits or a decimal point to it.
fn surrounding() -> impl Strategy<Value = String> {
    "[a-zA-Z @:=/,;()\\[\\]{}\"'é世\n-]{0,40}"
        .prop_map(|s| s.trim_end_matches(['-', ' ']).trim_start_matches(['-', ' ']).to_owned())
}

/// Text made of the pieces every detector looks at, in any order, with non-ASCII look-alikes.
fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "@",
            ".",
            "://",
            "xn--",
            "=",
            ":",
            "::",
            "\"",
            "'",
            "\\",
            "Bearer ",
            "bearer\t",
            "password",
            "apiKey",
            "authorization",
            "Basic ",
            "4111",
            "1111",
            "4111111111111111",
            "5555-5555-5555-4444",
            " ",
            "-",
            "_",
            "+",
            "٤١١١",
            "４１１１",
            "é",
            "日本",
            "0.",
            "10.0.0.1",
            "fe80::1",
            "[",
            "]",
            "[REDACTED:card]",
            "[REDACTED:",
            "alice",
            "example.com",
            "com",
            "x",
            "&",
            "?",
            "/",
            "\n",
            "\u{a0}",
            "{",
            "}",
        ]),
        0..30,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn card_digits_never_survive((number, written) in cards(), before in surrounding(), after in surrounding()) {
        let text = format!("{before} {written} {after}");
        let out = Redaction::default().redact(&text).into_owned();
        let digits: String = out.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(!digits.contains(&number), "{} in {:?}", number, out);
        prop_assert!(out.contains("[REDACTED:card]"), "{:?}", out);
    }

    #[test]
    fn cards_among_other_numbers_never_survive(
        (number, written) in cards(),
        before in "([0-9]{1,6}[ -]){0,3}",
        after in "([ -][0-9]{1,6}){0,3}",
    ) {
        let text = format!("n {before}{written}{after} n");
        let out = Redaction::default().redact(&text).into_owned();
        let digits: String = out.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(!out.contains(&written) && !digits.contains(&number), "{} in {:?}", number, out);
    }

    #[test]
    fn redaction_is_idempotent(text in "\\PC{0,80}|[0-9 @.:=a-z/-]{0,80}") {
        let r = all();
        let once = r.redact(&text).into_owned();
        prop_assert_eq!(r.redact(&once), once.as_str());
    }

    #[test]
    fn idempotent_on_detector_fragments(text in fragments()) {
        let r = all();
        let once = r.redact(&text).into_owned();
        prop_assert_eq!(r.redact(&once), once.as_str(), "{:?}", text);
    }

    #[test]
    fn idempotent_around_cards((_, written) in cards(), before in surrounding(), after in surrounding()) {
        let r = all();
        let once = r.redact(&format!("{before}{written}{after}")).into_owned();
        prop_assert_eq!(r.redact(&once), once.as_str());
    }

    #[test]
    fn tag_values_stay_valid_and_leak_no_card(
        (number, written) in cards(),
        before in "[a-z0-9_./-]{0,30}",
        after in "[a-z0-9_./-]{0,30}",
    ) {
        let value = format!("{before}:{written}:{after}");
        let redacted = Redaction::default().redact_tag("payment", &value);
        let tag = dd_instrument_rules::tag("payment", &redacted).unwrap();
        // Normalization is a fixpoint on a valid tag.
        let normalized = dd_instrument_rules::normalize_tag(&tag);
        prop_assert_eq!(normalized.as_deref(), Some(tag.as_str()));
        prop_assert!(tag.contains("redacted:card"), "{}", tag);
        let digits: String = tag.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(!digits.contains(&number), "{} in {}", number, tag);
    }

    #[test]
    fn never_panics(text in "\\PC{0,200}|\\PC{0,5}", key in "\\PC{0,20}", parts in fragments()) {
        let r = all().pattern("x", "x+").unwrap();
        let _ = r.redact(&parts);
        let _ = r.redact_tag(&parts, &parts);
        let _ = r.redact(&text);
        let _ = r.redact_tag(&key, &text);
    }
}
