//! napi-rs integration (cargo feature `napi`, napi-rs 3).
//!
//! - [`Extref<T>`]: a `#[napi]` argument or return value that is a libextref
//!   external of type `T`; borrow, clone, take or hold its payload.
//! - [`NewExtref<T>`]: a return value that moves a `T` into a new external.
//! - [`Hold<T>`](crate::Hold) is itself a `#[napi]` argument: the hold is
//!   taken on the JS thread while the arguments are converted, so an
//!   `async fn` can take one and borrow it on a worker thread.
//! - [`ResultExt::or_throw`] throws an [`Error`] into JS (a `TypeError` or
//!   `Error` with `code` = `"EXTREF_…"`) and returns the pending-exception
//!   error that napi-rs passes through untouched.
//!
//! ```no_run
//! use extref::napi::{Extref, NewExtref, ResultExt};
//! use napi::bindgen_prelude::*;
//!
//! #[repr(C)]
//! #[derive(Clone)]
//! pub struct Counter { pub value: i64 }
//! extref::extref_type!(unsafe impl Counter {
//!   tag: (0x6c69626578747265, 0x66436f756e746572),
//!   name: c"Counter", send: true, clone: true,
//! });
//!
//! // #[napi]
//! pub fn create_counter(value: i64) -> NewExtref<Counter> {
//!   NewExtref::new(Counter { value })
//! }
//!
//! // #[napi]
//! pub fn increment(c: Extref<Counter>) -> Result<i64> {
//!   let mut m = c.borrow_mut().or_throw(&c)?; // EXTREF_MUT_BORROWED etc.
//!   m.value += 1;
//!   Ok(m.value)
//! }
//!
//! // #[napi] async fn: the hold keeps the payload alive through GC.
//! pub async fn read_later(c: extref::Hold<Counter>) -> Result<i64> {
//!   Ok(c.borrow()?.value)
//! }
//! ```

use std::marker::PhantomData;

use napi::bindgen_prelude::{
  FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue, ValueType,
};
use napi::Status;

use crate::{sys, Env, Error, ExtrefType, Hold, Ref, RefMut, Result, Value};

fn to_extref_env(env: napi::sys::napi_env) -> sys::napi_env {
  env.cast()
}

fn to_extref_value(v: napi::sys::napi_value) -> sys::napi_value {
  v.cast()
}

/// The error napi-rs returns when a JS exception is already pending: the
/// generated glue then leaves that exception alone.
fn pending(e: &Error) -> napi::Error {
  napi::Error::new(Status::PendingException, e.to_string())
}

impl<'a> Env<'a> {
  /// The libextref view of a napi-rs env.
  ///
  /// ```no_run
  /// # fn f(env: &napi::Env) {
  /// let env = extref::Env::from_napi(env);
  /// # }
  /// ```
  pub fn from_napi(env: &'a napi::Env) -> Env<'a> {
    // SAFETY: napi-rs hands out an Env only for the current call's env.
    unsafe { Env::from_raw(to_extref_env(env.raw())) }
  }
}

impl From<Error> for napi::Error {
  /// For paths that cannot throw themselves (an `async fn`'s rejection):
  /// the reason is `"EXTREF_…: message"`, the status `GenericFailure`.
  fn from(e: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, e.to_string())
  }
}

/// Something that names the env to throw into.
///
/// ```no_run
/// # fn f(env: &napi::Env) -> extref::sys::napi_env {
/// use extref::napi::AsRawEnv;
/// env.as_raw_env()
/// # }
/// ```
pub trait AsRawEnv {
  /// The raw `napi_env`.
  ///
  /// ```no_run
  /// # fn f(env: extref::Env<'_>) {
  /// use extref::napi::AsRawEnv;
  /// assert_eq!(env.as_raw_env(), env.raw());
  /// # }
  /// ```
  fn as_raw_env(&self) -> sys::napi_env;
}

impl AsRawEnv for napi::Env {
  fn as_raw_env(&self) -> sys::napi_env {
    to_extref_env(self.raw())
  }
}

impl AsRawEnv for Env<'_> {
  fn as_raw_env(&self) -> sys::napi_env {
    self.raw()
  }
}

impl<T: ExtrefType> AsRawEnv for Extref<T> {
  fn as_raw_env(&self) -> sys::napi_env {
    self.env
  }
}

impl<E: AsRawEnv + ?Sized> AsRawEnv for &E {
  fn as_raw_env(&self) -> sys::napi_env {
    (**self).as_raw_env()
  }
}

/// Throws libextref errors into JS from napi-rs functions.
///
/// ```no_run
/// use extref::napi::{Extref, ResultExt};
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// fn get(c: Extref<Counter>) -> napi::Result<i64> {
///   Ok(c.borrow().or_throw(&c)?.value)
/// }
/// ```
pub trait ResultExt<T> {
  /// On `Err`, throws it into JS with `extref_throw` (code
  /// `"EXTREF_…"`, the library's message) and returns a
  /// `PendingException` error, which napi-rs does not throw again.
  ///
  /// ```no_run
  /// use extref::napi::ResultExt;
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// fn get(env: &napi::Env, c: extref::Value<'_>) -> napi::Result<i64> {
  ///   let e = extref::Env::from_napi(env);
  ///   Ok(e.borrow::<Counter>(c).or_throw(env)?.value)
  /// }
  /// ```
  fn or_throw<E: AsRawEnv>(self, env: E) -> napi::Result<T>;
}

impl<T> ResultExt<T> for Result<T> {
  fn or_throw<E: AsRawEnv>(self, env: E) -> napi::Result<T> {
    match self {
      Ok(v) => Ok(v),
      Err(e) => {
        // SAFETY: env comes from the current call (AsRawEnv's sources).
        let env = unsafe { Env::from_raw(env.as_raw_env()) };
        match e.throw(env) {
          Ok(()) => Err(pending(&e)),
          Err(_) => Err(napi::Error::from(e)),
        }
      }
    }
  }
}

/// A libextref external of type `T` passed to or returned from a `#[napi]`
/// function. Like napi-rs's own handle types it is valid only during the
/// call that received it; it is neither `Send` nor `Sync`.
///
/// Converting the argument checks nothing: the checks (not an external,
/// foreign, wrong type, taken) happen, and report precise errors, when you
/// borrow.
///
/// ```no_run
/// use extref::napi::{Extref, ResultExt};
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// // #[napi]
/// fn swap(a: Extref<Counter>, b: Extref<Counter>) -> napi::Result<()> {
///   let mut x = a.borrow_mut().or_throw(&a)?;
///   let mut y = b.borrow_mut().or_throw(&b)?; // swap(x, x): MUT_BORROWED
///   std::mem::swap(&mut x.value, &mut y.value);
///   Ok(())
/// }
/// ```
pub struct Extref<T: ExtrefType> {
  env: sys::napi_env,
  value: sys::napi_value,
  _t: PhantomData<*mut T>,
}

impl<T: ExtrefType> Extref<T> {
  /// The env of the call.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(c: extref::napi::Extref<Counter>) {
  /// let env: extref::Env<'_> = c.env();
  /// # }
  /// ```
  pub fn env(&self) -> Env<'_> {
    // SAFETY: captured from the current call.
    unsafe { Env::from_raw(self.env) }
  }

  /// The JS value.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(c: extref::napi::Extref<Counter>) {
  /// let raw = c.value().raw();
  /// # }
  /// ```
  pub fn value(&self) -> Value<'_> {
    // SAFETY: captured from the current call.
    unsafe { Value::from_raw(self.value) }
  }

  /// [`Env::borrow`] of this external.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(c: extref::napi::Extref<Counter>) -> extref::Result<i64> {
  /// Ok(c.borrow()?.value)
  /// # }
  /// ```
  pub fn borrow(&self) -> Result<Ref<'_, T>> {
    self.env().borrow(self.value())
  }

  /// [`Env::borrow_mut`] of this external.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(c: extref::napi::Extref<Counter>) -> extref::Result<()> {
  /// c.borrow_mut()?.value += 1;
  /// # Ok(()) }
  /// ```
  pub fn borrow_mut(&self) -> Result<RefMut<'_, T>> {
    self.env().borrow_mut(self.value())
  }

  /// [`Env::clone_out`] of this external.
  ///
  /// ```no_run
  /// # #[repr(C)] #[derive(Clone)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", clone: true });
  /// # fn f(c: extref::napi::Extref<Counter>) -> extref::Result<Counter> {
  /// c.clone_out()
  /// # }
  /// ```
  pub fn clone_out(&self) -> Result<T>
  where
    T: Clone,
  {
    self.env().clone_out(self.value())
  }

  /// [`Env::take`] of this external.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(c: extref::napi::Extref<Counter>) -> extref::Result<i64> {
  /// Ok(c.take()?.value)
  /// # }
  /// ```
  pub fn take(&self) -> Result<Box<T>> {
    self.env().take(self.value())
  }

  /// [`Env::hold`] of this external.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(c: extref::napi::Extref<Counter>) -> extref::Result<()> {
  /// let h = c.hold()?;
  /// # Ok(()) }
  /// ```
  pub fn hold(&self) -> Result<Hold<T>> {
    self.env().hold(self.value())
  }
}

impl<T: ExtrefType> FromNapiValue for Extref<T> {
  unsafe fn from_napi_value(
    env: napi::sys::napi_env,
    napi_val: napi::sys::napi_value,
  ) -> napi::Result<Self> {
    Ok(Extref {
      env: to_extref_env(env),
      value: to_extref_value(napi_val),
      _t: PhantomData,
    })
  }
}

impl<T: ExtrefType> ToNapiValue for Extref<T> {
  unsafe fn to_napi_value(
    _env: napi::sys::napi_env,
    val: Self,
  ) -> napi::Result<napi::sys::napi_value> {
    Ok(val.value.cast())
  }
}

impl<T: ExtrefType> TypeName for Extref<T> {
  fn type_name() -> &'static str {
    "External"
  }
  fn value_type() -> ValueType {
    ValueType::External
  }
}

impl<T: ExtrefType> ValidateNapiValue for Extref<T> {}

/// A return value that moves a `T` into a new libextref external.
///
/// ```no_run
/// use extref::napi::NewExtref;
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// // #[napi]
/// fn create_counter(value: i64) -> NewExtref<Counter> {
///   NewExtref::new(Counter { value })
/// }
/// ```
pub struct NewExtref<T: ExtrefType> {
  value: T,
  external_bytes: i64,
}

impl<T: ExtrefType> NewExtref<T> {
  /// Wraps `value`; the external is created when napi-rs converts it.
  ///
  /// ```
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// let n = extref::napi::NewExtref::new(Counter { value: 1 });
  /// ```
  pub fn new(value: T) -> NewExtref<T> {
    NewExtref {
      value,
      external_bytes: 0,
    }
  }

  /// Announces `bytes` of native memory kept alive by the payload.
  ///
  /// ```
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// let n = extref::napi::NewExtref::new(Counter { value: 1 })
  ///   .with_external_bytes(1 << 20);
  /// ```
  pub fn with_external_bytes(mut self, bytes: i64) -> NewExtref<T> {
    self.external_bytes = bytes;
    self
  }
}

impl<T: ExtrefType> ToNapiValue for NewExtref<T> {
  unsafe fn to_napi_value(
    env: napi::sys::napi_env,
    val: Self,
  ) -> napi::Result<napi::sys::napi_value> {
    // SAFETY: napi-rs calls this with the current call's env.
    let e = unsafe { Env::from_raw(to_extref_env(env)) };
    e.create_with_bytes(val.value, val.external_bytes)
      .map(|v| v.raw().cast())
      .or_throw(e)
  }
}

impl<T: ExtrefType> TypeName for NewExtref<T> {
  fn type_name() -> &'static str {
    "External"
  }
  fn value_type() -> ValueType {
    ValueType::External
  }
}

impl<T: ExtrefType> FromNapiValue for Hold<T> {
  /// Takes a hold on the external's payload while the arguments are
  /// converted on the JS thread; a failure is thrown as the libextref error.
  unsafe fn from_napi_value(
    env: napi::sys::napi_env,
    napi_val: napi::sys::napi_value,
  ) -> napi::Result<Self> {
    // SAFETY: napi-rs passes the current call's env and argument.
    let e = unsafe { Env::from_raw(to_extref_env(env)) };
    let v = unsafe { Value::from_raw(to_extref_value(napi_val)) };
    e.hold::<T>(v).or_throw(e)
  }
}

impl<T: ExtrefType> TypeName for Hold<T> {
  fn type_name() -> &'static str {
    "External"
  }
  fn value_type() -> ValueType {
    ValueType::External
  }
}

impl<T: ExtrefType> ValidateNapiValue for Hold<T> {}
