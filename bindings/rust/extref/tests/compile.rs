//! Compile-time guarantees of the safe API (trybuild, offline once its
//! crates are fetched): each `ui/fail` snippet was accepted before and let
//! safe code reach undefined behaviour (or, for `js_fn_*`, would: a
//! `Value`, borrow or `Call` of a `js_fn!` call outliving the call); each
//! `ui/pass` snippet is a use that must stay possible: every way of keeping
//! an `Extref<T>`, and `js_fn!` bodies, return types and registration (the
//! Node tests of the example addon show they are sound at run time). The expected compiler
//! errors are in `ui/fail/*.stderr`. Needs the `napi` feature.
#![cfg(feature = "napi")]

#[test]
fn compile_fail_and_controls() {
  let t = trybuild::TestCases::new();
  t.compile_fail("tests/ui/fail/*.rs");
  t.pass("tests/ui/pass/*.rs");
}
