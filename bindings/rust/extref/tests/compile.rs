//! Compile-time guarantees of the safe API (trybuild, offline once its
//! crates are fetched): each `ui/fail` snippet was accepted before and let
//! safe code reach undefined behaviour; each `ui/pass` snippet is a way of
//! keeping an `Extref<T>` that must stay possible (the Node tests of the
//! example addon show it is sound at run time). The expected compiler
//! errors are in `ui/fail/*.stderr`. Needs the `napi` feature.
#![cfg(feature = "napi")]

#[test]
fn compile_fail_and_controls() {
  let t = trybuild::TestCases::new();
  t.compile_fail("tests/ui/fail/*.rs");
  t.pass("tests/ui/pass/*.rs");
}
