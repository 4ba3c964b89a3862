//! The JS-call-level benchmark written with napi-rs 3, the same work the C
//! bench addon does through libextref (one external or object in, one field
//! read, returned as a JS number):
//! - `read` / `readMut`: a payload wrapped in `External<T>`, read through
//!   `&External<T>` / `&mut External<T>`;
//! - `Holder.read()`: a `#[napi]` class, read in a `&mut self` method;
//! - `empty(x)`: an empty one-argument `#[napi]` function returning a
//!   constant: the framework's own floor.

use napi::bindgen_prelude::{External, Unknown};
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

/// One argument, no work: returns the constant the others read (1.5).
#[napi]
pub fn empty(_x: Unknown<'_>) -> f64 {
  1.5
}

/// The payload as a `#[napi]` class.
#[napi]
pub struct Holder {
  value: f64,
  #[allow(dead_code)]
  pad: [u64; 7],
}

#[napi]
impl Holder {
  #[napi(constructor)]
  pub fn new(value: f64) -> Self {
    Holder { value, pad: [0; 7] }
  }

  /// `&mut self` (napi-rs unwraps the object and checks its class); reads
  /// the field only, the same work as every other variant.
  #[napi]
  pub fn read(&mut self) -> f64 {
    self.value
  }
}
