//! The JS-call-level benchmark written with napi-rs 3: a payload wrapped in
//! `External<T>`, read through `&External<T>` (one field, returned as a JS
//! number), the same work the C bench addon does through libextref.

use napi::bindgen_prelude::External;
use napi_derive::napi;

/// The same 64-byte payload as the C addon's.
pub struct Payload {
  pub value: f64,
  pub pad: [u64; 7],
}

#[napi]
pub fn create(value: f64) -> External<Payload> {
  External::new(Payload { value, pad: [0; 7] })
}

#[napi]
pub fn read(p: &External<Payload>) -> f64 {
  p.value
}

#[napi]
pub fn read_mut(p: &mut External<Payload>) -> f64 {
  p.pad[0] = p.pad[0].wrapping_add(1);
  p.value
}
