//! Generators shared by the fuzz suites of the decoders (`tests/fuzz.rs` here, and by `#[path]` the suites
//! of `govshare-codec`, `govshare-domain` and `govshare-audit`): arbitrary bytes, JSON of random shapes, and
//! mutations of a valid document (fields dropped, duplicated, renamed or retyped; numbers made huge,
//! negative or fractional; strings made empty, huge, exotic or NUL-bearing; dates made impossible; array
//! entries duplicated, dropped or reordered; bytes of the text flipped, inserted or cut off).
//!
//! Only `proptest` and `serde_json` are used, so that every crate's tests can include the file.
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use serde_json::{Map, Number, Value};

/// The number of cases of a suite: `GOVSHARE_FUZZ_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("GOVSHARE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// The proptest configuration of a suite of `default` cases (see [`cases`]).
pub fn config(default: u32) -> Config {
    Config {
        cases: cases(default),
        // Shrinking a JSON document is slow and its first failure is readable enough.
        max_shrink_iters: 512,
        ..Config::default()
    }
}

/// A marker replaced by raw text after serialization (for what a `Value` cannot hold: duplicate keys,
/// numbers out of the double range, lone surrogates, cut-off tokens).
const SPLICE: &str = "\u{1}govshare-fuzz-splice\u{1}";

/// Strings chosen to break decoders: empty, white space, NUL, control and invisible characters, emoji,
/// right-to-left text, huge, and impossible or extreme dates and instants.
pub fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("\u{0}".to_owned()),
        Just("a\u{0}b".to_owned()),
        Just("\u{200b}\u{feff}\u{202e}".to_owned()),
        Just("👩‍👩‍👧‍👦🇨🇳".to_owned()),
        Just("مرحبا".to_owned()),
        Just("e\u{301}\u{301}\u{301}".to_owned()),
        Just("\n\r\t\\\"".to_owned()),
        Just("河北省政务服务管理办公室".repeat(500)),
        Just("x".repeat(70_000)),
        Just("2026-02-30".to_owned()),
        Just("2026-02-29".to_owned()),
        Just("2024-02-29".to_owned()),
        Just("2026-13-01".to_owned()),
        Just("2026-00-10".to_owned()),
        Just("0000-00-00".to_owned()),
        Just("2026-1-1".to_owned()),
        Just("-2026-01-01".to_owned()),
        Just("+2026-01-01".to_owned()),
        Just("99999-01-01".to_owned()),
        Just("262143-12-31".to_owned()),
        Just("-262144-01-01".to_owned()),
        Just("1948-12-31".to_owned()),
        Just("2200-01-01".to_owned()),
        Just("2026-03-02T25:00:00Z".to_owned()),
        Just("2026-02-30T00:00:00Z".to_owned()),
        Just("2026-03-02T01:00:00+08:00".to_owned()),
        Just("2026-03-02T01:00:00.000000000Z".to_owned()),
        Just("9999-12-31T23:59:59.999999999Z".to_owned()),
        Just("+262142-12-31T23:59:59Z".to_owned()),
        Just("-262143-01-01T00:00:00Z".to_owned()),
        Just("1970-01-01T00:00:00Z".to_owned()),
        "\\PC{0,24}",
        ".{0,8}",
    ]
}

/// Numbers chosen to break decoders: the edges of every integer type, negative, zero, fractional, huge.
pub fn nasty_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::from(0)),
        Just(Value::from(-1)),
        Just(Value::from(1)),
        Just(Value::from(i64::from(i32::MAX))),
        Just(Value::from(i64::from(i32::MAX) + 1)),
        Just(Value::from(i64::from(i32::MIN))),
        Just(Value::from(i64::from(i32::MIN) - 1)),
        Just(Value::from(u64::from(u32::MAX))),
        Just(Value::from(u64::from(u32::MAX) + 1)),
        Just(Value::from(i64::MAX)),
        Just(Value::from(i64::MIN)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(0.5)),
        Just(Value::from(-0.0)),
        Just(Value::from(1.0)),
        Just(Value::from(1e300)),
        Just(Value::from(-1e300)),
        Just(Value::from(99_999)),
        Just(Value::from(2026)),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

/// Raw JSON text no `Value` serializes to: big numbers, lone surrogates, odd escapes.
fn nasty_raw() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1e400".to_owned()),
        Just("-1e400".to_owned()),
        Just("123456789012345678901234567890".to_owned()),
        Just("-0".to_owned()),
        Just("1E2".to_owned()),
        Just("\"\\ud800\"".to_owned()),
        Just("\"\\udc00\\ud800\"".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        Just("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]".to_owned()),
        Just("[".repeat(200) + &"]".repeat(200)),
        Just("{".to_owned()),
        Just("\"".to_owned()),
        Just("tru".to_owned()),
        Just("NaN".to_owned()),
        Just("Infinity".to_owned()),
    ]
}

/// JSON of random shape whose object keys are mostly taken from `keys` (the field names of the format
/// under test, so that random documents reach past the first missing field) and sometimes random.
pub fn arb_json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => proptest::sample::select(keys).prop_map(str::to_owned),
        1 => "[a-z_]{0,10}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        nasty_number(),
        nasty_string().prop_map(Value::String),
        proptest::sample::select(keys).prop_map(|k| Value::String(k.to_owned())),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Arbitrary bytes, as text the way a loader given them would see it: valid UTF-8 kept, anything else
/// replaced by U+FFFD (the loaders take `&str`; invalid UTF-8 never reaches them).
pub fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "\\PC{0,128}",
        "[\\[\\]{}\",:0-9a-z \\-]{0,64}",
    ]
}

/// One edit of a JSON document.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Remove the node (an object's field or an array's entry).
    Remove(Index),
    /// Duplicate the node: an array entry twice; an object's field as a duplicate key (raw text).
    Duplicate(Index),
    /// Rename an object's field (another field name of the format, or a random one).
    Rename(Index, String),
    /// Add a field to an object.
    AddField(Index, String, Value),
    /// Replace the node by a value, often of another type.
    Replace(Index, Value),
    /// Replace the node by raw JSON text.
    ReplaceRaw(Index, String),
    /// Shift a date (`YYYY-MM-DD` prefix) by a number of days or years, keeping the rest of the string.
    ShiftDate(Index, i64, bool),
    /// Swap two entries of an array, or reverse it.
    Reorder(Index, Index),
    /// Reverse an array.
    Reverse(Index),
    /// Replace a string by itself repeated, or with a character appended.
    Grow(Index, String),
}

/// One mutation, with field names taken from `keys`.
pub fn mutation(keys: &'static [&'static str]) -> impl Strategy<Value = Mutation> {
    let key = prop_oneof![
        3 => proptest::sample::select(keys).prop_map(str::to_owned),
        1 => "[a-z_]{1,10}",
    ];
    let value = prop_oneof![
        3 => nasty_number(),
        3 => nasty_string().prop_map(Value::String),
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Array(vec![])),
        1 => Just(Value::Object(Map::new())),
        1 => arb_json(keys),
    ];
    prop_oneof![
        3 => any::<Index>().prop_map(Mutation::Remove),
        2 => any::<Index>().prop_map(Mutation::Duplicate),
        2 => (any::<Index>(), key.clone()).prop_map(|(i, k)| Mutation::Rename(i, k)),
        2 => (any::<Index>(), key, value.clone()).prop_map(|(i, k, v)| Mutation::AddField(i, k, v)),
        6 => (any::<Index>(), value).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => (any::<Index>(), nasty_raw()).prop_map(|(i, r)| Mutation::ReplaceRaw(i, r)),
        4 => (any::<Index>(), prop_oneof![-800i64..800, -3_000_000i64..3_000_000], any::<bool>())
            .prop_map(|(i, n, years)| Mutation::ShiftDate(i, n, years)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(i, j)| Mutation::Reorder(i, j)),
        1 => any::<Index>().prop_map(Mutation::Reverse),
        1 => (any::<Index>(), "\\PC{0,3}").prop_map(|(i, s)| Mutation::Grow(i, s)),
    ]
}

/// One edit of the serialized text.
#[derive(Debug, Clone)]
pub enum ByteEdit {
    /// XOR one byte with a mask.
    Flip(Index, u8),
    /// Cut the text off.
    Truncate(Index),
    /// Insert a byte.
    Insert(Index, u8),
    /// Delete a byte.
    Delete(Index),
}

/// One edit of text.
pub fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        3 => (any::<Index>(), 1u8..=255).prop_map(|(i, m)| ByteEdit::Flip(i, m)),
        1 => any::<Index>().prop_map(ByteEdit::Truncate),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Insert(i, b)),
        2 => any::<Index>().prop_map(ByteEdit::Delete),
    ]
}

/// Applies byte edits to `text`; the result is text as a loader sees it (invalid UTF-8 replaced).
pub fn edit_bytes(text: &str, edits: &[ByteEdit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        if bytes.is_empty() {
            break;
        }
        match edit {
            ByteEdit::Flip(i, m) => {
                let i = i.index(bytes.len());
                bytes[i] ^= m;
            }
            ByteEdit::Truncate(i) => {
                let i = i.index(bytes.len());
                bytes.truncate(i);
            }
            ByteEdit::Insert(i, b) => {
                let i = i.index(bytes.len() + 1);
                bytes.insert(i, *b);
            }
            ByteEdit::Delete(i) => {
                let i = i.index(bytes.len());
                bytes.remove(i);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every node's path in `value`, the root first (paths are object keys and array indexes).
fn paths(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(here.clone());
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    here.push(Step::Key(k.clone()));
                    walk(v, here, out);
                    here.pop();
                }
            }
            Value::Array(items) => {
                for (n, v) in items.iter().enumerate() {
                    here.push(Step::At(n));
                    walk(v, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    At(usize),
}

fn node_mut<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut node = value;
    for step in path {
        node = match (step, node) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (Step::At(n), Value::Array(items)) => items.get_mut(*n)?,
            _ => return None,
        };
    }
    Some(node)
}

fn pick(value: &Value, index: &Index) -> Vec<Step> {
    let all = paths(value);
    all[index.index(all.len())].clone()
}

/// Applies `mutations` to `value` and serializes the result (raw-text edits spliced in).
pub fn mutate(value: &Value, mutations: &[Mutation]) -> String {
    let mut value = value.clone();
    let mut splices: Vec<String> = Vec::new();
    for mutation in mutations {
        apply(&mut value, mutation, &mut splices);
    }
    let mut text = serde_json::to_string(&value).unwrap_or_default();
    for (n, raw) in splices.iter().enumerate() {
        let marker = serde_json::to_string(&format!("{SPLICE}{n}")).unwrap_or_default();
        text = text.replacen(&marker, raw, 1);
    }
    text
}

fn splice(splices: &mut Vec<String>, raw: String) -> Value {
    splices.push(raw);
    Value::String(format!("{SPLICE}{}", splices.len() - 1))
}

fn apply(value: &mut Value, mutation: &Mutation, splices: &mut Vec<String>) {
    match mutation {
        Mutation::Remove(i) => {
            let path = pick(value, i);
            let Some((last, parent)) = path.split_last() else {
                *value = Value::Null;
                return;
            };
            match (last, node_mut(value, parent)) {
                (Step::Key(k), Some(Value::Object(map))) => {
                    map.remove(k);
                }
                (Step::At(n), Some(Value::Array(items))) if *n < items.len() => {
                    items.remove(*n);
                }
                _ => {}
            }
        }
        Mutation::Duplicate(i) => {
            let path = pick(value, i);
            let Some((last, parent)) = path.split_last() else {
                return;
            };
            match (last, node_mut(value, parent)) {
                (Step::At(n), Some(Value::Array(items))) if *n < items.len() => {
                    let copy = items[*n].clone();
                    items.insert(*n, copy);
                }
                (Step::Key(k), Some(node @ Value::Object(_))) => {
                    // A duplicate key: the object written out by hand with the field twice.
                    let Value::Object(map) = &*node else { return };
                    let mut raw = String::from("{");
                    let mut first = true;
                    for (key, v) in map.iter().chain(map.get_key_value(k.as_str())) {
                        if !first {
                            raw.push(',');
                        }
                        first = false;
                        raw.push_str(&serde_json::to_string(key).unwrap_or_default());
                        raw.push(':');
                        raw.push_str(&serde_json::to_string(v).unwrap_or_default());
                    }
                    raw.push('}');
                    *node = splice(splices, raw);
                }
                _ => {}
            }
        }
        Mutation::Rename(i, new) => {
            let path = pick(value, i);
            if let Some((Step::Key(k), parent)) = path.split_last()
                && let Some(Value::Object(map)) = node_mut(value, parent)
                && let Some(v) = map.remove(k)
            {
                map.insert(new.clone(), v);
            }
        }
        Mutation::AddField(i, k, v) => {
            let path = pick(value, i);
            if let Some(Value::Object(map)) = node_mut(value, &path) {
                map.insert(k.clone(), v.clone());
            } else if let Some((_, parent)) = path.split_last()
                && let Some(Value::Object(map)) = node_mut(value, parent)
            {
                map.insert(k.clone(), v.clone());
            }
        }
        Mutation::Replace(i, v) => {
            let path = pick(value, i);
            if let Some(node) = node_mut(value, &path) {
                *node = v.clone();
            }
        }
        Mutation::ReplaceRaw(i, raw) => {
            let path = pick(value, i);
            if path.is_empty() {
                return;
            }
            if let Some(node) = node_mut(value, &path) {
                *node = splice(splices, raw.clone());
            }
        }
        Mutation::ShiftDate(i, n, years) => {
            // Prefer a string node that starts with a date; fall back to the picked node.
            let all = paths(value);
            let start = i.index(all.len());
            for offset in 0..all.len() {
                let path = &all[(start + offset) % all.len()];
                if let Some(Value::String(s)) = node_mut(value, path)
                    && let Some(shifted) = shift_date(s, *n, *years)
                {
                    *s = shifted;
                    return;
                }
            }
        }
        Mutation::Reorder(i, j) => {
            let path = pick(value, i);
            if let Some(Value::Array(items)) = node_mut(value, &path)
                && !items.is_empty()
            {
                let a = i.index(items.len());
                let b = j.index(items.len());
                items.swap(a, b);
            } else if let Some((Step::At(_), parent)) = path.split_last()
                && let Some(Value::Array(items)) = node_mut(value, parent)
                && !items.is_empty()
            {
                let b = j.index(items.len());
                items.swap(0, b);
            }
        }
        Mutation::Reverse(i) => {
            let path = pick(value, i);
            if let Some(Value::Array(items)) = node_mut(value, &path) {
                items.reverse();
            } else if let Some((_, parent)) = path.split_last()
                && let Some(Value::Array(items)) = node_mut(value, parent)
            {
                items.reverse();
            }
        }
        Mutation::Grow(i, s) => {
            let path = pick(value, i);
            if let Some(Value::String(text)) = node_mut(value, &path) {
                if s.is_empty() {
                    *text = text.repeat(64);
                } else {
                    text.push_str(s);
                }
            }
        }
    }
}

/// `text` with its leading `YYYY-MM-DD` moved by `n` days (or `n` years, written as is, which may make the
/// year negative or five digits long), or `None` if it does not start with a date.
fn shift_date(text: &str, n: i64, years: bool) -> Option<String> {
    let head = text.get(..10)?;
    let b = head.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    let y: i64 = head[0..4].parse().ok()?;
    let m: i64 = head[5..7].parse().ok()?;
    let d: i64 = head[8..10].parse().ok()?;
    let rest = &text[10..];
    if years {
        let y = y + n % 10_000;
        let sign = if y < 0 { "-" } else { "" };
        return Some(format!("{sign}{:04}-{m:02}-{d:02}{rest}", y.abs()));
    }
    // Proleptic Gregorian arithmetic on day numbers (civil-from-days), without chrono.
    let days = days_from_civil(y, m, d) + n;
    let (y, m, d) = civil_from_days(days);
    let sign = if y < 0 { "-" } else { "" };
    Some(format!("{sign}{:04}-{m:02}-{d:02}{rest}", y.abs()))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A valid document mutated by one to four edits, as text.
pub fn mutated(
    valid: Vec<Value>,
    keys: &'static [&'static str],
) -> impl Strategy<Value = (usize, String)> {
    let n = valid.len();
    (
        0..n,
        proptest::collection::vec(mutation(keys), 1..5),
        proptest::option::weighted(0.15, proptest::collection::vec(byte_edit(), 1..3)),
    )
        .prop_map(move |(which, mutations, edits)| {
            let text = mutate(&valid[which], &mutations);
            let text = match edits {
                Some(edits) => edit_bytes(&text, &edits),
                None => text,
            };
            (which, text)
        })
}

/// The first path at which two JSON values disagree on a field both have (a key only one side has is
/// skipped: optional fields left out, unknown fields ignored), or `None`. A struct written as an array of
/// its fields (serde's positional form) is not compared, a unit variant written `{"name": null}` agrees
/// with `"name"`, and two strings agree when chrono reads them as the same date or instant.
pub fn disagreement(input: &Value, output: &Value, path: String) -> Option<String> {
    match (input, output) {
        (Value::Object(i), Value::Object(o)) => i.iter().find_map(|(key, value)| {
            o.get(key)
                .and_then(|out| disagreement(value, out, format!("{path}.{key}")))
        }),
        (Value::Array(i), Value::Array(o)) if i.len() == o.len() => i
            .iter()
            .zip(o)
            .enumerate()
            .find_map(|(n, (a, b))| disagreement(a, b, format!("{path}[{n}]"))),
        // serde reads a struct from an array of its fields in declaration order (`"deadlines": [5]` sets the
        // first field): accepted by every derived decoder, and not comparable field by field here.
        (Value::Array(_), Value::Object(_)) => None,
        // A unit variant may be written `{"name": null}` as well as `"name"`.
        (Value::Object(i), Value::String(name))
            if i.len() == 1 && i.get(name).is_some_and(Value::is_null) =>
        {
            None
        }
        (Value::Number(a), Value::Number(b)) => {
            (a.as_f64() != b.as_f64() || a.as_i64() != b.as_i64() || a.as_u64() != b.as_u64())
                .then_some(path)
        }
        (a, b) if a == b => None,
        // chrono reads a date or an instant written loosely (`027-01-07`, `2027-1-7`, an offset) and writes it
        // back canonically: the same value.
        (Value::String(a), Value::String(b)) if same_time(a, b) => None,
        _ => Some(path),
    }
}

/// Whether chrono reads both strings as the same instant or the same date.
fn same_time(a: &str, b: &str) -> bool {
    use chrono::{DateTime, NaiveDate, Utc};
    if let (Ok(x), Ok(y)) = (a.parse::<DateTime<Utc>>(), b.parse::<DateTime<Utc>>()) {
        return x == y;
    }
    matches!((a.parse::<NaiveDate>(), b.parse::<NaiveDate>()), (Ok(x), Ok(y)) if x == y)
}
