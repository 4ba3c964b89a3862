//! napi-rs integration (cargo feature `napi`, napi-rs 3).
//!
//! - [`js_fn!`](crate::js_fn): the fast path for hot functions. A plain
//!   Node-API callback, registered with napi-rs (`exports.set("name",
//!   name)` in a `#[napi(module_exports)]` fn), whose body gets a
//!   [`Call<'a, N>`](Call) and borrows externals straight from its
//!   arguments: one `napi_get_cb_info`, one `extref_external_ref` or
//!   `mut_ref` and one `extref_borrow_release` per call, no hold, no
//!   allocation, none of napi-rs's per-call machinery. Nothing from the
//!   call outlives it (compile errors).
//! - [`Borrowed<T>`] / [`BorrowedMut<T>`]: `#[napi]` arguments that borrow
//!   while napi-rs converts them (no hold): the cheapest `#[napi]` way, at
//!   the cost of napi-rs's own `&External<T>`.
//! - [`Extref<T>`]: a `#[napi]` argument that is a libextref external of
//!   type `T`. Converting the argument takes a *hold* on the payload, so an
//!   `Extref<T>` owns nothing that dies with the call: stored in a
//!   `thread_local!`, a `static`, a `#[napi]` class or an `External`, it
//!   keeps the same payload alive and every later use sees that payload or
//!   a status, never another object.
//! - [`Taken<T>`]: a `#[napi]` argument that moves the payload out of its
//!   external (ABI 1.1 take-into) while the arguments are converted.
//! - [`NewExtref<T>`]: a return value that moves a `T` into a new external.
//! - [`Hold<T>`](crate::Hold) is itself a `#[napi]` argument (what
//!   `Extref<T>` derefs to).
//! - Errors: return [`Result<T>`](type@Result) (`napi::Result<T, Code>`) from
//!   a synchronous `#[napi]` fn and plain `?` throws the libextref error with
//!   `code` = `"EXTREF_…"` and the error's own message. A `#[napi] async fn`
//!   returns [`Settled<T>`] built with [`settle`]: its rejection carries the
//!   same `code`; a synchronous fn that also propagates napi-rs errors (a JS
//!   callback's exception, passed on unchanged) uses [`Settled::run`].
//!
//! ```no_run
//! use extref::napi::{settle, Extref, NewExtref, Settled};
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
//! pub fn increment(c: Extref<Counter>) -> extref::napi::Result<i64> {
//!   let mut m = c.borrow_mut()?; // JS: err.code === 'EXTREF_MUT_BORROWED'
//!   m.value += 1;
//!   Ok(m.value)
//! }
//!
//! // #[napi]: runs on a worker thread; the hold survives GC.
//! pub async fn read_later(c: extref::Hold<Counter>) -> Settled<i64> {
//!   settle(async move { Ok(c.borrow()?.value) }).await
//! }
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use napi::bindgen_prelude::{
  FromNapiValue, ToNapiValue, TypeName, Unknown, ValidateNapiValue,
  ValueType,
};
use napi::Status;

use crate::{sys, Env, Error, ExtrefType, Hold, SendType, Value};

mod fast;

pub use fast::{Call, JsFn, Napi, RawCallback, ToJs};

/// Used by [`js_fn!`](crate::js_fn); not an API.
#[doc(hidden)]
pub mod __private {
  pub use super::fast::{__finish as finish, Call, Scope};
  pub use napi::sys::{napi_callback_info, napi_env, napi_value};
}

fn to_extref_env(env: napi::sys::napi_env) -> sys::napi_env {
  env.cast()
}

fn to_extref_value(v: napi::sys::napi_value) -> sys::napi_value {
  v.cast()
}

impl<'a> Env<'a> {
  /// The libextref view of a napi-rs env.
  ///
  /// # Safety
  ///
  /// `env` must be the env of the native call running on this thread (as
  /// napi-rs passes it to a `#[napi]` function or a callback), and the
  /// result must not be used after that call returns. napi-rs lets safe
  /// code build an `Env` from any pointer (`napi::Env::from_raw`), so this
  /// cannot be checked here.
  ///
  /// ```no_run
  /// # fn f(env: &napi::Env) {
  /// let env = unsafe { extref::Env::from_napi(env) };
  /// # }
  /// ```
  pub unsafe fn from_napi(env: &'a napi::Env) -> Env<'a> {
    // SAFETY: the caller's contract.
    unsafe { Env::from_raw(to_extref_env(env.raw())) }
  }
}

/// The JS `code` of an error thrown from a `#[napi]` function returning
/// [`Result<T>`](type@Result): a libextref status (`"EXTREF_MUT_BORROWED"`)
/// or a napi-rs status (`"InvalidArg"`, …). napi-rs uses it as the
/// `S: AsRef<str>` of `napi::Error<S>`.
///
/// ```
/// use extref::napi::Code;
/// let c = Code::Extref(extref::sys::EXTREF_HELD);
/// assert_eq!(c.as_ref(), "EXTREF_HELD");
/// assert_eq!(Code::Napi(napi::Status::InvalidArg).as_ref(), "InvalidArg");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
  /// A libextref status (never `EXTREF_OK`).
  Extref(sys::extref_status_t),
  /// A napi-rs status.
  Napi(Status),
}

impl AsRef<str> for Code {
  fn as_ref(&self) -> &str {
    match self {
      Code::Extref(st) => {
        // SAFETY: static text, never NULL.
        let p = unsafe { sys::extref_status_name(*st) };
        unsafe { std::ffi::CStr::from_ptr(p) }
          .to_str()
          .unwrap_or("EXTREF_UNKNOWN")
      }
      Code::Napi(st) => st.as_ref(),
    }
  }
}

/// The result of a synchronous `#[napi]` function that uses libextref: with
/// it, plain `?` on an [`extref::Error`](crate::Error) throws a JS `Error`
/// whose `code` is the status name and whose message is the error's own
/// (captured when the call failed). napi-rs errors convert with
/// [`coded`] (`.map_err(coded)?`), which keeps their status and reason but
/// not a caught JS exception object: a function that calls back into JS
/// returns [`Settled<T>`] ([`Settled::run`]) instead.
///
/// ```no_run
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// // #[napi]
/// fn get(c: extref::napi::Extref<Counter>) -> extref::napi::Result<i64> {
///   Ok(c.borrow()?.value) // err.code === 'EXTREF_MUT_BORROWED'
/// }
/// ```
pub type Result<T> = napi::Result<T, Code>;

impl From<Error> for napi::Error<Code> {
  /// `code` = the status name, message = the error's own message.
  fn from(e: Error) -> napi::Error<Code> {
    napi::Error::new(Code::Extref(e.status()), e.message().to_string())
  }
}

impl From<Error> for napi::Error {
  /// For a function that returns plain `napi::Result`: the reason is
  /// `"EXTREF_…: message"`, the status (JS `code`) `GenericFailure`. Return
  /// [`Result<T>`](type@Result) or [`Settled<T>`] to keep the code.
  fn from(e: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, e.to_string())
  }
}

/// A napi-rs error as an error of [`Result<T>`](type@Result), keeping its
/// status (JS `code`) and reason.
///
/// ```
/// let e = extref::napi::coded(napi::Error::new(napi::Status::InvalidArg, "no"));
/// assert_eq!(e.status.as_ref(), "InvalidArg");
/// ```
pub fn coded(e: napi::Error) -> napi::Error<Code> {
  napi::Error::new(Code::Napi(e.status), e.reason.clone())
}

/// Builds the JS error object for a libextref status: a `TypeError` for
/// NOT_EXTERNAL, FOREIGN, TYPE_MISMATCH and INVALID_ARG (as `extref_throw`),
/// else an `Error`; `code` = `code`, message = `message`. `None` when
/// Node-API refused (an exception pending, a dying env).
///
/// # Safety
///
/// `env` is the env of the running call (or conversion), on its JS thread.
unsafe fn error_object(
  env: napi::sys::napi_env,
  code: &str,
  message: &str,
  type_error: bool,
) -> Option<napi::sys::napi_value> {
  use napi::sys as s;
  let mut c = std::ptr::null_mut();
  let mut m = std::ptr::null_mut();
  let mut obj = std::ptr::null_mut();
  // SAFETY: the caller's contract; the strings are valid for their lengths.
  let ok = unsafe {
    s::napi_create_string_utf8(
      env,
      code.as_ptr().cast(),
      code.len() as isize,
      &mut c,
    ) == s::Status::napi_ok
      && s::napi_create_string_utf8(
        env,
        message.as_ptr().cast(),
        message.len() as isize,
        &mut m,
      ) == s::Status::napi_ok
      && if type_error {
        s::napi_create_type_error(env, c, m, &mut obj)
      } else {
        s::napi_create_error(env, c, m, &mut obj)
      } == s::Status::napi_ok
  };
  if ok && !obj.is_null() {
    Some(obj)
  } else {
    None
  }
}

/// [`error_object`] wrapped as a napi-rs error that refers to that object,
/// so napi-rs throws it (sync) or rejects with it (async) unchanged.
///
/// # Safety
///
/// `env` is the env napi-rs is converting a value in, on its JS thread.
unsafe fn js_error(
  env: napi::sys::napi_env,
  code: &str,
  message: &str,
  type_error: bool,
) -> napi::Error {
  // SAFETY: the caller's contract.
  match unsafe { error_object(env, code, message, type_error) } {
    // SAFETY: obj is a live value of this env's current scope.
    Some(obj) => {
      napi::Error::from(unsafe { Unknown::from_raw_unchecked(env, obj) })
    }
    None => {
      napi::Error::new(Status::GenericFailure, format!("{code}: {message}"))
    }
  }
}

/// [`js_error`] for a libextref error.
unsafe fn extref_js_error(env: napi::sys::napi_env, e: &Error) -> napi::Error {
  // SAFETY: the caller's contract.
  unsafe { js_error(env, e.name(), e.message(), e.is_type_error()) }
}

/// The error of a [`Settled`] computation: a libextref error or a napi-rs
/// error (for instance a JS callback's exception), each kept as it is, so
/// plain `?` works on both.
///
/// ```
/// use extref::napi::Failure;
/// let f: Failure = extref::Error::Held(String::new()).into();
/// assert!(matches!(f, Failure::Extref(_)));
/// let f: Failure = napi::Error::from_reason("no").into();
/// assert!(matches!(f, Failure::Napi(_)));
/// ```
#[derive(Debug)]
pub enum Failure {
  /// Thrown or rejected as a JS error with `code` = the status name.
  Extref(Error),
  /// Thrown or rejected by napi-rs as it is (a JS exception it caught is
  /// thrown again unchanged).
  Napi(napi::Error),
}

impl From<Error> for Failure {
  fn from(e: Error) -> Failure {
    Failure::Extref(e)
  }
}

impl From<napi::Error> for Failure {
  fn from(e: napi::Error) -> Failure {
    Failure::Napi(e)
  }
}

/// The value of a `#[napi]` function (an `async fn`, or a synchronous one
/// that also propagates napi-rs errors such as a JS callback's exception),
/// made by [`settle`] or [`Settled::run`]: resolves with (returns) `T`, or
/// rejects with (throws) a JS error whose `code` is the libextref status name
/// (a `TypeError` for the wrong-value statuses) and whose message is the
/// error's own; a napi-rs error is passed on unchanged.
///
/// napi-rs converts the `Err` of an `async fn` that returns `napi::Result`
/// into `napi::Error<Status>` on a worker thread, where no JS error can be
/// built: its `code` can only be a napi-rs status. `Settled<T>` is the `Ok`
/// of that conversion; the JS error is built when napi-rs settles the
/// promise, on the JS thread.
///
/// ```no_run
/// use extref::napi::{settle, Settled};
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", send: true });
/// // #[napi]
/// async fn read(h: extref::Hold<Counter>) -> Settled<i64> {
///   settle(async move { Ok(h.borrow()?.value) }).await
/// }
/// ```
pub struct Settled<T>(std::result::Result<T, Failure>);

impl<T> Settled<T> {
  /// Runs `f` now (a synchronous `#[napi]` function's body that uses `?` on
  /// libextref and napi-rs errors alike).
  ///
  /// ```
  /// let s = extref::napi::Settled::run(|| Ok(3));
  /// assert_eq!(s.into_result().unwrap(), 3);
  /// ```
  pub fn run<F>(f: F) -> Settled<T>
  where
    F: FnOnce() -> std::result::Result<T, Failure>,
  {
    Settled(f())
  }

  /// The outcome.
  ///
  /// ```
  /// let s = extref::napi::Settled::from_result(Ok(3));
  /// assert_eq!(s.into_result().unwrap(), 3);
  /// ```
  pub fn into_result(self) -> std::result::Result<T, Failure> {
    self.0
  }

  /// From an outcome.
  ///
  /// ```
  /// let s = extref::napi::Settled::<i64>::from_result(
  ///   Err(extref::Error::Held(String::new()).into()));
  /// assert!(s.into_result().is_err());
  /// ```
  pub fn from_result(r: std::result::Result<T, Failure>) -> Settled<T> {
    Settled(r)
  }
}

/// Runs `f` (an `async` block that may use plain `?` on libextref and
/// napi-rs errors) and keeps its outcome for the JS thread.
///
/// ```no_run
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", send: true });
/// # async fn f(h: extref::Hold<Counter>) -> extref::napi::Settled<i64> {
/// extref::napi::settle(async move { Ok(h.borrow_mut()?.value) }).await
/// # }
/// ```
pub async fn settle<T, F>(f: F) -> Settled<T>
where
  F: Future<Output = std::result::Result<T, Failure>>,
{
  Settled(f.await)
}

impl<T: ToNapiValue> ToNapiValue for Settled<T> {
  unsafe fn to_napi_value(
    env: napi::sys::napi_env,
    val: Self,
  ) -> napi::Result<napi::sys::napi_value> {
    match val.0 {
      // SAFETY: napi-rs's contract for this call.
      Ok(v) => unsafe { T::to_napi_value(env, v) },
      // SAFETY: napi-rs converts on the env's JS thread.
      Err(Failure::Extref(e)) => Err(unsafe { extref_js_error(env, &e) }),
      Err(Failure::Napi(e)) => Err(e),
    }
  }
}

impl<T: TypeName> TypeName for Settled<T> {
  fn type_name() -> &'static str {
    T::type_name()
  }
  fn value_type() -> ValueType {
    T::value_type()
  }
}

/// Sealed: the env sources that unsafe code may trust.
mod sealed {
  pub trait Sealed {}
}

/// Something that names the env to throw into: only [`Env`] (whose
/// construction is `unsafe`) and references to it. Sealed, so that no other
/// type can hand the unsafe code behind [`ResultExt::or_throw`] a bogus
/// pointer.
///
/// ```no_run
/// # fn f(env: extref::Env<'_>) {
/// use extref::napi::AsRawEnv;
/// assert_eq!(env.as_raw_env(), env.raw());
/// # }
/// ```
pub trait AsRawEnv: sealed::Sealed {
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

impl sealed::Sealed for Env<'_> {}
impl AsRawEnv for Env<'_> {
  fn as_raw_env(&self) -> sys::napi_env {
    self.raw()
  }
}

impl<E: AsRawEnv + ?Sized> sealed::Sealed for &E {}
impl<E: AsRawEnv + ?Sized> AsRawEnv for &E {
  fn as_raw_env(&self) -> sys::napi_env {
    (**self).as_raw_env()
  }
}

/// Throws libextref errors into JS through an [`Env`] (code that works with
/// raw `napi_env` pointers; with [`Extref`], return
/// [`Result<T>`](type@Result) and use `?`).
///
/// ```no_run
/// use extref::napi::ResultExt;
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// fn get(env: extref::Env<'_>, c: extref::Value<'_>) -> napi::Result<i64> {
///   Ok(env.borrow::<Counter>(c).or_throw(env)?.value)
/// }
/// ```
pub trait ResultExt<T> {
  /// On `Err`, throws it into JS with `extref_throw` (code `"EXTREF_…"`)
  /// and returns a `PendingException` error, which napi-rs does not throw
  /// again.
  ///
  /// ```no_run
  /// use extref::napi::ResultExt;
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// fn get(env: &napi::Env, c: extref::Value<'_>) -> napi::Result<i64> {
  ///   // SAFETY: env is the env of this #[napi] call.
  ///   let e = unsafe { extref::Env::from_napi(env) };
  ///   Ok(e.borrow::<Counter>(c).or_throw(e)?.value)
  /// }
  /// ```
  fn or_throw<E: AsRawEnv>(self, env: E) -> napi::Result<T>;
}

impl<T> ResultExt<T> for crate::Result<T> {
  fn or_throw<E: AsRawEnv>(self, env: E) -> napi::Result<T> {
    match self {
      Ok(v) => Ok(v),
      Err(e) => {
        // SAFETY: the only AsRawEnv sources are Envs, built under their
        // unsafe contract (the env of the current call).
        let env = unsafe { Env::from_raw(env.as_raw_env()) };
        match e.throw(env) {
          Ok(()) => Err(napi::Error::new(Status::PendingException, e.to_string())),
          Err(_) => Err(napi::Error::from(e)),
        }
      }
    }
  }
}

/// A libextref external of type `T` passed to a `#[napi]` function.
///
/// Converting the argument takes a [`Hold`] on its payload (on the JS
/// thread, while napi-rs converts the arguments); `Extref<T>` derefs to that
/// hold: `borrow`, `borrow_mut`, `clone_out`, `dup`. It keeps nothing that
/// dies with the call, so it may be kept anywhere safe Rust can put it — a
/// `thread_local!`, a `static Mutex` (when `T` is a
/// [`SendType`]), a `#[napi]` class field, an `External` —
/// and used in a later call: it refers to the same payload, alive, and
/// borrows report the usual statuses. While it lives, take of that payload
/// is refused with `EXTREF_HELD`; take with a [`Taken<T>`] argument instead.
///
/// A failed conversion (not an external, a foreign external, another type,
/// a taken payload) throws the libextref error: a `TypeError` or `Error`
/// with `code` = `"EXTREF_…"`.
///
/// Cost: a hold (`extref_external_hold`, `extref_hold_release`) per call on
/// top of napi-rs's per-call work and the borrows, which go through the
/// hold. A function that only borrows for the call is cheaper with
/// [`Borrowed<T>`] / [`BorrowedMut<T>`], and cheapest with
/// [`js_fn!`](crate::js_fn).
///
/// `Send + Sync` exactly when `T` is a [`SendType`]; a
/// thread-bound one cannot leave its thread:
///
/// ```compile_fail
/// #[repr(C)] struct Local { value: i64 }
/// extref::extref_type!(unsafe impl Local { tag: (5, 6), name: c"Local" });
/// fn f(c: extref::napi::Extref<Local>) {
///   std::thread::spawn(move || drop(c));
/// }
/// ```
///
/// ```no_run
/// use extref::napi::Extref;
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// // #[napi]
/// fn swap(a: Extref<Counter>, b: Extref<Counter>) -> extref::napi::Result<()> {
///   let mut x = a.borrow_mut()?;
///   let mut y = b.borrow_mut()?; // swap(x, x): EXTREF_MUT_BORROWED
///   std::mem::swap(&mut x.value, &mut y.value);
///   Ok(())
/// }
/// ```
pub struct Extref<T: ExtrefType> {
  hold: Hold<T>,
}

impl<T: ExtrefType> Extref<T> {
  /// The hold this argument owns.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(c: extref::napi::Extref<Counter>) {
  /// let h: extref::Hold<Counter> = c.into_hold();
  /// # }
  /// ```
  pub fn into_hold(self) -> Hold<T> {
    self.hold
  }
}

impl<T: ExtrefType> Deref for Extref<T> {
  type Target = Hold<T>;
  fn deref(&self) -> &Hold<T> {
    &self.hold
  }
}

impl<T: ExtrefType> std::fmt::Debug for Extref<T> {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Extref").field("hold", &self.hold).finish()
  }
}

impl<T: ExtrefType> FromNapiValue for Extref<T> {
  /// Takes a hold on the external's payload; a failure is the libextref
  /// error as a JS error object.
  unsafe fn from_napi_value(
    env: napi::sys::napi_env,
    napi_val: napi::sys::napi_value,
  ) -> napi::Result<Self> {
    // SAFETY: napi-rs passes the current call's env and argument.
    let hold = unsafe { Hold::<T>::from_napi_value(env, napi_val) }?;
    Ok(Extref { hold })
  }
}


/// A `#[napi]` argument that moves the payload out of its external while
/// the arguments are converted ([`Env::take`]: ABI 1.1 take-into with the
/// creator's `move`, so a payload that another addon or language created is
/// freed by its creator's allocator). The external reports `EXTREF_TAKEN`
/// from then on. Refusals (`EXTREF_BORROWED`, `EXTREF_MUT_BORROWED`,
/// `EXTREF_HELD`, `EXTREF_TAKEN`, `EXTREF_NOT_MOVABLE`, and the wrong-value
/// statuses) are thrown with their `code`.
///
/// ```no_run
/// use extref::napi::Taken;
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// // #[napi]
/// fn consume(c: Taken<Counter>) -> i64 {
///   let c: Counter = c.into_inner(); // dropped here, by this addon
///   c.value
/// }
/// ```
pub struct Taken<T>(T);

impl<T> Taken<T> {
  /// The value.
  ///
  /// ```no_run
  /// # fn f(t: extref::napi::Taken<i64>) -> i64 {
  /// t.into_inner()
  /// # }
  /// ```
  pub fn into_inner(self) -> T {
    self.0
  }
}

impl<T> Deref for Taken<T> {
  type Target = T;
  fn deref(&self) -> &T {
    &self.0
  }
}

impl<T> DerefMut for Taken<T> {
  fn deref_mut(&mut self) -> &mut T {
    &mut self.0
  }
}

impl<T: ExtrefType> FromNapiValue for Taken<T> {
  unsafe fn from_napi_value(
    env: napi::sys::napi_env,
    napi_val: napi::sys::napi_value,
  ) -> napi::Result<Self> {
    // SAFETY: napi-rs passes the current call's env and argument, used only
    // during this conversion.
    let e = unsafe { Env::from_raw(to_extref_env(env)) };
    let v = unsafe { Value::from_raw(to_extref_value(napi_val)) };
    match e.take::<T>(v) {
      Ok(t) => Ok(Taken(t)),
      // SAFETY: as above.
      Err(err) => Err(unsafe { extref_js_error(env, &err) }),
    }
  }
}


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
    // SAFETY: napi-rs calls this with the current call's env, on its JS
    // thread; the value is handed straight back to napi-rs.
    let e = unsafe { Env::from_raw(to_extref_env(env)) };
    match e.create_with_bytes(val.value, val.external_bytes) {
      Ok(v) => Ok(v.raw().cast()),
      // SAFETY: as above.
      Err(err) => Err(unsafe { extref_js_error(env, &err) }),
    }
  }
}

impl<T: ExtrefType> FromNapiValue for Hold<T> {
  /// Takes a hold on the external's payload while the arguments are
  /// converted on the JS thread; a failure is the libextref error as a JS
  /// error object (`code` = `"EXTREF_…"`).
  unsafe fn from_napi_value(
    env: napi::sys::napi_env,
    napi_val: napi::sys::napi_value,
  ) -> napi::Result<Self> {
    // SAFETY: napi-rs passes the current call's env and argument, used only
    // during this conversion.
    let e = unsafe { Env::from_raw(to_extref_env(env)) };
    let v = unsafe { Value::from_raw(to_extref_value(napi_val)) };
    match e.hold::<T>(v) {
      Ok(h) => Ok(h),
      // SAFETY: as above.
      Err(err) => Err(unsafe { extref_js_error(env, &err) }),
    }
  }
}


/// A `#[napi]` argument that is a shared borrow (`&T`) of a libextref
/// external's payload, taken while napi-rs converts the arguments
/// (`extref_external_ref`) and released when it is dropped
/// (`extref_borrow_release`) — normally at the end of the call. Derefs to
/// `&T`; no `?` needed in the body.
///
/// The cheapest `#[napi]` way to reach an external: no hold. It owns its
/// borrow, which keeps the payload alive, so keeping it past the call is
/// sound too (it then keeps the payload shared-borrowed: exclusive borrows
/// and take are refused until it is dropped). `Send + Sync` exactly when `T`
/// is a [`SendType`].
///
/// A failed conversion throws the libextref error with its `code`
/// (`EXTREF_MUT_BORROWED`, and the wrong-value statuses as `TypeError`s).
///
/// ```no_run
/// use extref::napi::{Borrowed, BorrowedMut};
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// // #[napi]
/// fn get(c: Borrowed<Counter>) -> i64 {
///   c.value
/// }
/// // #[napi]: add_into(x, x) throws EXTREF_BORROWED while converting.
/// fn add_into(src: Borrowed<Counter>, mut dst: BorrowedMut<Counter>) -> i64 {
///   dst.value += src.value;
///   dst.value
/// }
/// ```
///
/// A thread-bound type's borrow cannot leave its thread:
///
/// ```compile_fail
/// #[repr(C)] struct Local { value: i64 }
/// extref::extref_type!(unsafe impl Local { tag: (5, 6), name: c"Local" });
/// fn f(c: extref::napi::Borrowed<Local>) {
///   std::thread::spawn(move || drop(c));
/// }
/// ```
pub struct Borrowed<T: ExtrefType> {
  borrow: crate::Borrow,
  _t: PhantomData<*mut T>,
}

/// A `#[napi]` argument that is an exclusive borrow (`&mut T`) of a
/// libextref external's payload, taken while napi-rs converts the arguments
/// (`extref_external_mut_ref`) and released when it is dropped. Derefs to
/// `&mut T`. The same external passed for two `BorrowedMut` arguments (or a
/// `Borrowed` and a `BorrowedMut`) throws `EXTREF_MUT_BORROWED`
/// (`EXTREF_BORROWED`) while converting: `&mut` never aliases.
///
/// As [`Borrowed`]: no hold, sound to keep past the call (it then keeps the
/// payload exclusively borrowed), `Send + Sync` exactly when `T` is a
/// [`SendType`].
///
/// ```no_run
/// use extref::napi::BorrowedMut;
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// // #[napi]: swap(x, x) throws EXTREF_MUT_BORROWED.
/// fn swap(mut a: BorrowedMut<Counter>, mut b: BorrowedMut<Counter>) {
///   std::mem::swap(&mut a.value, &mut b.value);
/// }
/// ```
pub struct BorrowedMut<T: ExtrefType> {
  borrow: crate::Borrow,
  _t: PhantomData<*mut T>,
}

// SAFETY: a SendType's payloads may be borrowed and released on any thread
// (EXTREF_TYPE_SEND) and T is Send + Sync.
unsafe impl<T: SendType> Send for Borrowed<T> {}
unsafe impl<T: SendType> Sync for Borrowed<T> {}
unsafe impl<T: SendType> Send for BorrowedMut<T> {}
unsafe impl<T: SendType> Sync for BorrowedMut<T> {}

impl<T: ExtrefType> Deref for Borrowed<T> {
  type Target = T;
  #[inline(always)]
  fn deref(&self) -> &T {
    // SAFETY: a live shared borrow of a T.
    unsafe { &*self.borrow.0.payload.cast::<T>() }
  }
}

impl<T: ExtrefType> Deref for BorrowedMut<T> {
  type Target = T;
  #[inline(always)]
  fn deref(&self) -> &T {
    // SAFETY: a live exclusive borrow of a T.
    unsafe { &*self.borrow.0.payload.cast::<T>() }
  }
}

impl<T: ExtrefType> DerefMut for BorrowedMut<T> {
  #[inline(always)]
  fn deref_mut(&mut self) -> &mut T {
    // SAFETY: a live exclusive borrow of a T; no other borrow exists.
    unsafe { &mut *self.borrow.0.payload.cast::<T>() }
  }
}

impl<T: ExtrefType> FromNapiValue for Borrowed<T> {
  /// Borrows the payload (shared); a failure is the libextref error as a JS
  /// error object.
  #[inline]
  unsafe fn from_napi_value(
    env: napi::sys::napi_env,
    napi_val: napi::sys::napi_value,
  ) -> napi::Result<Self> {
    // SAFETY: napi-rs passes the current call's env and argument, used only
    // during this conversion.
    let e = unsafe { Env::from_raw(to_extref_env(env)) };
    let v = unsafe { Value::from_raw(to_extref_value(napi_val)) };
    match e.borrow::<T>(v) {
      Ok(crate::Ref { borrow, .. }) => Ok(Borrowed {
        borrow,
        _t: PhantomData,
      }),
      // SAFETY: as above.
      Err(err) => Err(unsafe { extref_js_error(env, &err) }),
    }
  }
}

impl<T: ExtrefType> FromNapiValue for BorrowedMut<T> {
  /// Borrows the payload (exclusive); a failure is the libextref error as a
  /// JS error object.
  #[inline]
  unsafe fn from_napi_value(
    env: napi::sys::napi_env,
    napi_val: napi::sys::napi_value,
  ) -> napi::Result<Self> {
    // SAFETY: as in Borrowed.
    let e = unsafe { Env::from_raw(to_extref_env(env)) };
    let v = unsafe { Value::from_raw(to_extref_value(napi_val)) };
    match e.borrow_mut::<T>(v) {
      Ok(crate::RefMut { borrow, .. }) => Ok(BorrowedMut {
        borrow,
        _t: PhantomData,
      }),
      // SAFETY: as above.
      Err(err) => Err(unsafe { extref_js_error(env, &err) }),
    }
  }
}


impl<T: ExtrefType> std::fmt::Debug for Borrowed<T> {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Borrowed").field("type", &T::NAME).finish()
  }
}

impl<T: ExtrefType> std::fmt::Debug for BorrowedMut<T> {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("BorrowedMut")
      .field("type", &T::NAME)
      .finish()
  }
}

/// Every extref type that stands for a JS external in a `#[napi]`
/// signature: named "External" to napi-rs; the argument types are also
/// validated as externals.
macro_rules! external_in_signatures {
  ($($t:ident),* ; $($arg:ident),*) => {
    $(impl<T: ExtrefType> TypeName for $t<T> {
      fn type_name() -> &'static str {
        "External"
      }
      fn value_type() -> ValueType {
        ValueType::External
      }
    })*
    $(impl<T: ExtrefType> ValidateNapiValue for $arg<T> {})*
  };
}
external_in_signatures!(Extref, Taken, NewExtref, Hold, Borrowed, BorrowedMut;
                        Extref, Taken, Hold, Borrowed, BorrowedMut);
