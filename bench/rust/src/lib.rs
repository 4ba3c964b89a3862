//! The JS-call-level benchmark written in Rust with the extref crate
//! (bindings/rust/extref), the two ways a Rust addon reaches a
//! libextref-checked external:
//!
//! - `readExtref`: the README's way, a `#[napi]` function taking
//!   `extref::napi::Extref<T>` (which takes a hold on the payload while
//!   napi-rs converts the argument) and borrowing through it;
//! - `readBorrowed`: a `#[napi]` function taking
//!   `extref::napi::Borrowed<T>` (a shared borrow taken while napi-rs
//!   converts the argument, no hold);
//! - `readJsFn`: the crate's safe fast path, `extref::js_fn!` +
//!   `Call::borrow` (a plain Node-API callback, no hold, no napi-rs per
//!   call), put on the exports by `#[napi(module_exports)]`;
//! - `rawReadFn()`: returns a function registered with plain
//!   `napi_create_function` whose callback is an `unsafe extern "C" fn`
//!   that wraps the raw env with `unsafe { Env::from_raw }` and borrows with
//!   `env.borrow::<T>()` (no napi-rs in the call path; not a safe API, kept
//!   as the reference the fast path is held to).
//!
//! Every function takes one external, reads one field of its 64-byte
//! payload and returns it as a JS number, as the C bench addon does.

use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi::sys;
use napi_derive::napi;

/// The same 64-byte payload as the C addon's (thread-bound type).
#[repr(C)]
pub struct Payload {
  pub value: f64,
  pub pad: [u64; 7],
}

extref::extref_type!(unsafe impl Payload {
  tag: (0x62656e6368727573, 0x745061796c6f6164),
  name: c"BenchRustPayload",
});

/// create(value): a new libextref external owning a Payload.
#[napi]
pub fn create(value: f64) -> extref::napi::NewExtref<Payload> {
  extref::napi::NewExtref::new(Payload { value, pad: [0; 7] })
}

/// The README's way: `#[napi]` + `Extref<T>`, shared borrow.
#[napi]
pub fn read_extref(p: extref::napi::Extref<Payload>) -> extref::napi::Result<f64> {
  Ok(p.borrow()?.value)
}

/// The README's way, exclusive borrow.
#[napi]
pub fn read_extref_mut(p: extref::napi::Extref<Payload>) -> extref::napi::Result<f64> {
  let mut m = p.borrow_mut()?;
  m.pad[0] = m.pad[0].wrapping_add(1);
  Ok(m.value)
}

/// A plain Node-API callback: `unsafe { Env::from_raw }` + `env.borrow`.
unsafe extern "C" fn raw_read(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> sys::napi_value {
  let mut argc = 1usize;
  let mut argv = [ptr::null_mut(); 1];
  // SAFETY: env and info are this call's.
  if unsafe {
    sys::napi_get_cb_info(
      env,
      info,
      &mut argc,
      argv.as_mut_ptr(),
      ptr::null_mut(),
      ptr::null_mut(),
    )
  } != sys::Status::napi_ok
  {
    return ptr::null_mut();
  }
  // SAFETY: the env of the running call; the argument of its scope.
  let e = unsafe { extref::Env::from_raw(env.cast()) };
  let v = unsafe { extref::Value::from_raw(argv[0].cast()) };
  match e.borrow::<Payload>(v) {
    Ok(r) => {
      let mut out = ptr::null_mut();
      // SAFETY: as above.
      unsafe { sys::napi_create_double(env, r.value, &mut out) };
      out
    }
    Err(err) => {
      let _ = err.throw(e);
      ptr::null_mut()
    }
  }
}

/// rawReadFn(): the plain Node-API function around `raw_read`.
#[napi]
pub fn raw_read_fn(env: Env) -> napi::Result<Unknown<'static>> {
  let mut f = ptr::null_mut();
  let name = c"rawRead";
  // SAFETY: env is this call's; the callback has the Node-API signature.
  let st = unsafe {
    sys::napi_create_function(
      env.raw(),
      name.as_ptr(),
      name.to_bytes().len() as isize,
      Some(raw_read),
      ptr::null_mut(),
      &mut f,
    )
  };
  if st != sys::Status::napi_ok {
    return Err(napi::Error::from_reason("napi_create_function failed"));
  }
  // SAFETY: f is a live value of this call's scope, returned to JS now.
  Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), f) })
}

// ---- The extref crate's fast paths --------------------------------------

use extref::napi::{Borrowed, Call};
use napi::bindgen_prelude::Object;

extref::js_fn! {
  /// readJsFn(p): the safe fast path, `extref::js_fn!` + `Call::borrow`.
  pub fn read_js_fn(call: Call<'_, 1>) -> extref::Result<f64> {
    Ok(call.borrow::<Payload>(0)?.value)
  }
}

/// The #[napi] path without a hold: a `Borrowed<T>` argument.
#[napi]
pub fn read_borrowed(p: Borrowed<Payload>) -> f64 {
  p.value
}

#[napi(module_exports)]
pub fn fast_exports(mut exports: Object<'_>) -> napi::Result<()> {
  exports.set("readJsFn", read_js_fn)?;
  Ok(())
}
