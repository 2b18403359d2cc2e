//! Where gclab-py's `random` stops short of CPython 3.11 (its ints are 64-bit, and a
//! string seed of an unknown version would seed from CPython's randomized `hash()`): a
//! clear error naming what was wrong, never a different number. The behaviour CPython
//! shares is checked byte for byte by the corpus (`tests/corpus/random_*.py`).

use std::process::Command;

/// Runs `code` under `gclab-py -c` and returns (exit status, stdout, stderr).
fn run(code: &str) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["-c", code])
        .output()
        .expect("run gclab-py");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn getrandbits_past_63_bits_is_an_overflow_error_and_draws_nothing() {
    let (status, out, err) = run("import random\n\
         random.seed(5)\n\
         try:\n    random.getrandbits(64)\n\
         except OverflowError as e:\n    print(e)\n\
         x = random.getrandbits(63)\n\
         random.seed(5)\n\
         print(x == random.getrandbits(63))\n");
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(
        out,
        "getrandbits(64): gclab-py ints are 64-bit, so at most 63 bits\nTrue\n"
    );
}

#[test]
fn randrange_wider_than_64_bits_is_an_overflow_error() {
    let (status, out, err) = run("import random\n\
         try:\n    random.randrange(-9223372036854775807, 9223372036854775807)\n\
         except OverflowError as e:\n    print('OverflowError', e)\n");
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(
        out,
        "OverflowError integer result too large for gclab-py (64-bit ints)\n"
    );
}

#[test]
fn string_seed_of_another_version_is_not_implemented() {
    let (status, out, err) = run("import random\n\
         try:\n    random.seed('abc', version=3)\n\
         except NotImplementedError as e:\n    print('NotImplementedError', 'randomized hash' in str(e))\n");
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(out, "NotImplementedError True\n");
}

#[test]
fn subclassing_random_is_refused_as_unsupported_with_status_2() {
    let (status, _, err) = run("import random\n\
         class R(random.Random):\n    pass\n\
         R(1)\n");
    assert_eq!(status, Some(2));
    assert!(
        err.contains("subclassing 'random.Random' is not supported"),
        "{err}"
    );
}
