//! The fast path: Node-API callbacks written with [`js_fn!`](crate::js_fn),
//! without napi-rs's per-call machinery and without a hold.

use std::any::Any;
use std::marker::PhantomData;
use std::ptr;

use napi::bindgen_prelude::{ToNapiValue, TypeName, ValueType};
use napi::sys as s;
use napi::Status;

use super::{error_object, Failure};
use crate::{Env, ExtrefType, Ref, RefMut, Value};

/// A raw Node-API callback, as `napi_create_function` takes it.
pub type RawCallback =
  unsafe extern "C" fn(s::napi_env, s::napi_callback_info) -> s::napi_value;

/// The arguments of one call of a function defined with
/// [`js_fn!`](crate::js_fn): up to `N` of them (default 4), read with one
/// `napi_get_cb_info` into an array on the stack.
///
/// Everything it hands out — [`Value`]s, [`Ref`]/[`RefMut`] borrows, the
/// [`Env`] — carries its lifetime `'a`, which ends when the call returns:
/// none of it can be kept in a `static`, a `thread_local!`, a returned value
/// or another thread (compile errors; see `tests/ui/fail/js_fn_*.rs`). To
/// keep an external past the call, take a [`Hold`](crate::Hold)
/// ([`Env::hold`]).
///
/// `Copy`; neither `Send` nor `Sync`.
///
/// ```no_run
/// use extref::napi::{Call, Failure};
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// extref::js_fn! {
///   /// setValue(counter, v): an exclusive borrow and a number argument.
///   pub fn set_value(call: Call<'_, 2>) -> Result<(), Failure> {
///     let v = call.i64(1)?;
///     call.borrow_mut::<Counter>(0)?.value = v;
///     Ok(())
///   }
/// }
/// ```
#[derive(Clone, Copy)]
pub struct Call<'a, const N: usize = 4> {
  env: Env<'a>,
  this: s::napi_value,
  argc: usize,
  argv: [s::napi_value; N],
}

/// Ties a [`Call`]'s lifetime to a local of the generated callback, so that
/// a body declared with `Call<'static>` does not compile.
#[doc(hidden)]
pub struct Scope(PhantomData<*mut ()>);

impl Scope {
  #[doc(hidden)]
  #[inline(always)]
  pub fn new() -> Scope {
    Scope(PhantomData)
  }
}

impl Default for Scope {
  fn default() -> Scope {
    Scope::new()
  }
}

impl<'a, const N: usize> Call<'a, N> {
  /// Reads the call's arguments (used by [`js_fn!`](crate::js_fn)).
  ///
  /// # Safety
  ///
  /// `env` and `info` are the ones Node-API passed to the running callback,
  /// on its JS thread.
  #[doc(hidden)]
  #[inline(always)]
  pub unsafe fn __new(
    env: s::napi_env,
    info: s::napi_callback_info,
    _scope: &'a Scope,
  ) -> Call<'a, N> {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    let mut this = ptr::null_mut();
    // SAFETY: the caller's contract; argv has room for argc values.
    let st = unsafe {
      s::napi_get_cb_info(
        env,
        info,
        &mut argc,
        argv.as_mut_ptr(),
        &mut this,
        ptr::null_mut(),
      )
    };
    if st != s::Status::napi_ok {
      // Every argument stays NULL: borrows report EXTREF_INVALID_ARG.
      argc = 0;
    }
    Call {
      // SAFETY: the env of this call, for no longer than the call ('a is
      // a borrow of a local of the callback).
      env: unsafe { Env::from_raw(env.cast()) },
      this,
      argc,
      argv,
    }
  }

  /// The env of this call.
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// extref::js_fn! {
  ///   fn create(call: Call<'_, 0>) -> extref::Result<extref::Value<'_>> {
  ///     call.env().create(Counter { value: 0 })
  ///   }
  /// }
  /// ```
  #[inline(always)]
  pub fn env(&self) -> Env<'a> {
    self.env
  }

  /// How many arguments JS passed (may be more or fewer than `N`).
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// extref::js_fn! {
  ///   fn count(call: Call<'_, 0>) -> f64 { call.len() as f64 }
  /// }
  /// ```
  #[inline(always)]
  #[allow(clippy::len_without_is_empty)]
  pub fn len(&self) -> usize {
    self.argc
  }

  /// Argument `i`: `undefined` when JS passed fewer. Panics (a thrown
  /// `RUST_PANIC` error) when `i >= N`.
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// extref::js_fn! {
  ///   fn first(call: Call<'_, 1>) -> extref::Value<'_> { call.arg(0) }
  /// }
  /// ```
  #[inline(always)]
  pub fn arg(&self, i: usize) -> Value<'a> {
    // SAFETY: a handle of this call's scope, valid for 'a.
    unsafe { Value::from_raw(self.argv[i].cast()) }
  }

  /// The receiver (`this`).
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// extref::js_fn! {
  ///   fn me(call: Call<'_, 0>) -> extref::Value<'_> { call.this() }
  /// }
  /// ```
  #[inline(always)]
  pub fn this(&self) -> Value<'a> {
    // SAFETY: as in arg.
    unsafe { Value::from_raw(self.this.cast()) }
  }

  /// A shared borrow of argument `i`'s payload ([`Env::borrow`]): no hold,
  /// released when the [`Ref`] is dropped, at the latest when the call
  /// returns.
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// extref::js_fn! {
  ///   fn get(call: Call<'_, 1>) -> extref::Result<f64> {
  ///     Ok(call.borrow::<Counter>(0)?.value as f64)
  ///   }
  /// }
  /// ```
  #[inline(always)]
  pub fn borrow<T: ExtrefType>(&self, i: usize) -> crate::Result<Ref<'a, T>> {
    self.env.borrow::<T>(self.arg(i))
  }

  /// An exclusive borrow of argument `i`'s payload ([`Env::borrow_mut`]).
  /// The same external passed twice gives `EXTREF_MUT_BORROWED` for the
  /// second exclusive borrow: `&mut` never aliases.
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// extref::js_fn! {
  ///   fn swap(call: Call<'_, 2>) -> extref::Result<()> {
  ///     let mut a = call.borrow_mut::<Counter>(0)?;
  ///     let mut b = call.borrow_mut::<Counter>(1)?; // swap(x, x): Err
  ///     std::mem::swap(&mut a.value, &mut b.value);
  ///     Ok(())
  ///   }
  /// }
  /// ```
  #[inline(always)]
  pub fn borrow_mut<T: ExtrefType>(
    &self,
    i: usize,
  ) -> crate::Result<RefMut<'a, T>> {
    self.env.borrow_mut::<T>(self.arg(i))
  }

  /// Argument `i` as a number (`napi_get_value_double`); a
  /// `NumberExpected` napi-rs error for anything else.
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// extref::js_fn! {
  ///   fn twice(call: Call<'_, 1>) -> napi::Result<f64> {
  ///     Ok(call.f64(0)? * 2.0)
  ///   }
  /// }
  /// ```
  pub fn f64(&self, i: usize) -> napi::Result<f64> {
    let mut out = 0f64;
    // SAFETY: this call's env and argument.
    let st = unsafe {
      s::napi_get_value_double(self.env.raw().cast(), self.argv[i], &mut out)
    };
    if st == s::Status::napi_ok {
      Ok(out)
    } else {
      Err(number_expected(i))
    }
  }

  /// Argument `i` as an integer (`napi_get_value_int64`: truncated,
  /// saturated); a `NumberExpected` napi-rs error when it is not a number.
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// extref::js_fn! {
  ///   fn next(call: Call<'_, 1>) -> napi::Result<i64> { Ok(call.i64(0)? + 1) }
  /// }
  /// ```
  pub fn i64(&self, i: usize) -> napi::Result<i64> {
    let mut out = 0i64;
    // SAFETY: this call's env and argument.
    let st = unsafe {
      s::napi_get_value_int64(self.env.raw().cast(), self.argv[i], &mut out)
    };
    if st == s::Status::napi_ok {
      Ok(out)
    } else {
      Err(number_expected(i))
    }
  }
}

#[cold]
fn number_expected(i: usize) -> napi::Error {
  napi::Error::new(
    Status::NumberExpected,
    format!("argument {i} is not a number"),
  )
}

/// What a [`js_fn!`](crate::js_fn) body returns: converted to the JS return
/// value in the call, or thrown.
///
/// Implemented for `()` (`undefined`), `bool`, `f64`, `i32`, `u32`, `i64`
/// (a JS number), [`Value<'a>`](Value) (returned as it is), `Option<T>`
/// (`None` is `null`), [`Napi<T>`] (any napi-rs `ToNapiValue`), and
/// `Result<T, E>` where `E` converts into [`Failure`] (`extref::Error`,
/// `napi::Error`, `Failure`): an `extref::Error` is thrown as a JS error with
/// `code` = `"EXTREF_…"` (a `TypeError` for NOT_EXTERNAL, FOREIGN,
/// TYPE_MISMATCH and INVALID_ARG) and the error's own message; a
/// `napi::Error` as napi-rs throws it.
///
/// ```
/// use extref::napi::{Failure, ToJs};
/// fn returns<'a, T: ToJs<'a>>() {}
/// returns::<Result<f64, Failure>>();
/// returns::<extref::Result<Option<extref::Value<'_>>>>();
/// ```
pub trait ToJs<'a> {
  /// The JS value (`None`: `undefined`), or the failure to throw.
  ///
  /// ```no_run
  /// use extref::napi::ToJs;
  /// # fn f(env: extref::Env<'_>) {
  /// let v = 1.5f64.to_js(env);
  /// # }
  /// ```
  fn to_js(self, env: Env<'a>) -> Result<Option<Value<'a>>, Failure>;
}

impl<'a> ToJs<'a> for () {
  #[inline(always)]
  fn to_js(self, _env: Env<'a>) -> Result<Option<Value<'a>>, Failure> {
    // A callback that returns NULL returns undefined (Node-API).
    Ok(None)
  }
}

impl<'a> ToJs<'a> for Value<'a> {
  #[inline(always)]
  fn to_js(self, _env: Env<'a>) -> Result<Option<Value<'a>>, Failure> {
    Ok(Some(self))
  }
}

macro_rules! to_js_via {
  ($t:ty, $f:ident, $as:ty) => {
    impl<'a> ToJs<'a> for $t {
      #[inline(always)]
      fn to_js(self, env: Env<'a>) -> Result<Option<Value<'a>>, Failure> {
        let mut out = ptr::null_mut();
        // SAFETY: the env of the running call, on its JS thread (Env's
        // contract).
        let st = unsafe { s::$f(env.raw().cast(), self as $as, &mut out) };
        if st == s::Status::napi_ok {
          // SAFETY: a new handle in this call's scope.
          Ok(Some(unsafe { Value::from_raw(out.cast()) }))
        } else {
          Err(conversion_failed(st))
        }
      }
    }
  };
}

to_js_via!(f64, napi_create_double, f64);
to_js_via!(i32, napi_create_int32, i32);
to_js_via!(u32, napi_create_uint32, u32);
to_js_via!(i64, napi_create_int64, i64);
to_js_via!(bool, napi_get_boolean, bool);

#[cold]
fn conversion_failed(st: s::napi_status) -> Failure {
  Failure::Napi(napi::Error::new(
    Status::from(st),
    "converting the return value failed".to_string(),
  ))
}

impl<'a, T: ToJs<'a>> ToJs<'a> for Option<T> {
  fn to_js(self, env: Env<'a>) -> Result<Option<Value<'a>>, Failure> {
    match self {
      Some(v) => v.to_js(env),
      None => {
        let mut out = ptr::null_mut();
        // SAFETY: as in to_js_via.
        let st = unsafe { s::napi_get_null(env.raw().cast(), &mut out) };
        if st == s::Status::napi_ok {
          // SAFETY: a handle of this call's scope.
          Ok(Some(unsafe { Value::from_raw(out.cast()) }))
        } else {
          Err(conversion_failed(st))
        }
      }
    }
  }
}

impl<'a, T: ToJs<'a>, E: Into<Failure>> ToJs<'a> for Result<T, E> {
  #[inline(always)]
  fn to_js(self, env: Env<'a>) -> Result<Option<Value<'a>>, Failure> {
    match self {
      Ok(v) => v.to_js(env),
      Err(e) => Err(e.into()),
    }
  }
}

/// Any napi-rs return type (`String`, `Vec<T>`, `#[napi(object)]`
/// structs, …) as the value of a [`js_fn!`](crate::js_fn) body.
///
/// ```no_run
/// use extref::napi::{Call, Napi};
/// extref::js_fn! {
///   fn hello(call: Call<'_, 0>) -> Napi<String> { Napi("hi".into()) }
/// }
/// ```
pub struct Napi<T>(pub T);

impl<'a, T: ToNapiValue> ToJs<'a> for Napi<T> {
  fn to_js(self, env: Env<'a>) -> Result<Option<Value<'a>>, Failure> {
    // SAFETY: ToNapiValue's contract: the env of the running call, on its
    // JS thread.
    let v = unsafe { T::to_napi_value(env.raw().cast(), self.0) }?;
    // SAFETY: a handle of this call's scope.
    Ok(Some(unsafe { Value::from_raw(v.cast()) }))
  }
}

/// A function defined with [`js_fn!`](crate::js_fn), ready to be put on
/// the exports (or any object) with napi-rs: it is a napi-rs
/// `ToNapiValue`, which creates the JS function (`napi_create_function`).
///
/// ```no_run
/// use extref::napi::Call;
/// use napi::bindgen_prelude::Object;
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// extref::js_fn! {
///   pub fn get_value(call: Call<'_, 1>) -> extref::Result<f64> {
///     Ok(call.borrow::<Counter>(0)?.value as f64)
///   }
/// }
///
/// // #[napi_derive::napi(module_exports)]
/// pub fn init(mut exports: Object<'_>) -> napi::Result<()> {
///   exports.set("getValue", get_value)?;
///   Ok(())
/// }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct JsFn {
  name: &'static str,
  cb: RawCallback,
}

impl JsFn {
  /// Wraps a callback generated by [`js_fn!`](crate::js_fn).
  ///
  /// # Safety
  ///
  /// `cb` must be sound to call with the env and callback info of any
  /// Node-API call of the function it becomes.
  #[doc(hidden)]
  pub const unsafe fn __new(name: &'static str, cb: RawCallback) -> JsFn {
    JsFn { name, cb }
  }

  /// The Rust name (also the JS function's `name`).
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// extref::js_fn! { fn nothing(call: Call<'_, 0>) {} }
  /// assert_eq!(nothing.name(), "nothing");
  /// ```
  pub fn name(&self) -> &'static str {
    self.name
  }

  /// The raw callback, for other Node-API layers (`napi_create_function`,
  /// `napi_property_descriptor`). Calling it is `unsafe`: only Node-API may,
  /// with the env and callback info of a call of the function.
  ///
  /// ```no_run
  /// # use extref::napi::Call;
  /// extref::js_fn! { fn nothing(call: Call<'_, 0>) {} }
  /// let cb: extref::napi::RawCallback = nothing.raw();
  /// ```
  pub fn raw(&self) -> RawCallback {
    self.cb
  }
}

impl ToNapiValue for JsFn {
  unsafe fn to_napi_value(
    env: s::napi_env,
    val: Self,
  ) -> napi::Result<s::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: napi-rs's contract (the env of the running call); the name is
    // valid for its length; the callback is sound for this function.
    let st = unsafe {
      s::napi_create_function(
        env,
        val.name.as_ptr().cast(),
        val.name.len() as isize,
        Some(val.cb),
        ptr::null_mut(),
        &mut out,
      )
    };
    if st == s::Status::napi_ok {
      Ok(out)
    } else {
      Err(napi::Error::new(
        Status::from(st),
        format!("napi_create_function({}) failed", val.name),
      ))
    }
  }
}

impl TypeName for JsFn {
  fn type_name() -> &'static str {
    "Function"
  }
  fn value_type() -> ValueType {
    ValueType::Function
  }
}

/// Ends a generated callback: the return value, or the thrown error (an
/// `Err`, or a panic as a `RUST_PANIC` error). Never panics.
///
/// # Safety
///
/// `env` is the env of the running callback, on its JS thread.
#[doc(hidden)]
#[inline(always)]
pub unsafe fn __finish(
  env: s::napi_env,
  name: &'static str,
  r: std::thread::Result<Result<Option<Value<'_>>, Failure>>,
) -> s::napi_value {
  match r {
    Ok(Ok(Some(v))) => v.raw().cast(),
    Ok(Ok(None)) => ptr::null_mut(),
    // SAFETY: the caller's contract.
    Ok(Err(f)) => unsafe { throw_failure(env, f) },
    // SAFETY: the caller's contract.
    Err(p) => unsafe { throw_panic(env, name, p) },
  }
}

/// Throws a failure into JS; returns NULL (the callback's value).
#[cold]
#[inline(never)]
unsafe fn throw_failure(env: s::napi_env, f: Failure) -> s::napi_value {
  match f {
    Failure::Extref(e) => {
      // SAFETY: the caller's contract.
      match unsafe {
        error_object(env, e.name(), e.message(), e.is_type_error())
      } {
        // SAFETY: as above.
        Some(obj) => unsafe {
          s::napi_throw(env, obj);
        },
        None => {
          // SAFETY: as above.
          unsafe {
            napi::JsError::<super::Code>::from(
              napi::Error::<super::Code>::from(e),
            )
            .throw_into(env)
          };
        }
      }
    }
    // SAFETY: as above; napi-rs throws its error (or leaves a pending
    // exception alone).
    Failure::Napi(e) => unsafe { napi::JsError::from(e).throw_into(env) },
  }
  ptr::null_mut()
}

/// Throws a caught panic as an `Error` with `code` `"RUST_PANIC"` and the
/// panic message; the payload is disposed of without unwinding.
#[cold]
#[inline(never)]
unsafe fn throw_panic(
  env: s::napi_env,
  name: &'static str,
  p: Box<dyn Any + Send>,
) -> s::napi_value {
  let text = if let Some(m) = p.downcast_ref::<&'static str>() {
    (*m).to_string()
  } else if let Some(m) = p.downcast_ref::<String>() {
    m.clone()
  } else {
    "a panic with a non-text payload".to_string()
  };
  crate::types::dispose_panic(p);
  let message = format!("{name} panicked: {text}");
  // SAFETY: the caller's contract. Nothing is thrown when an exception is
  // already pending (napi_throw fails then).
  if let Some(obj) = unsafe { error_object(env, "RUST_PANIC", &message, false) }
  {
    // SAFETY: as above.
    unsafe { s::napi_throw(env, obj) };
  }
  ptr::null_mut()
}

/// Defines a fast, safe Node-API function: the body borrows libextref
/// externals straight from its arguments — one `napi_get_cb_info`, one
/// `extref_external_ref`/`mut_ref` and one `extref_borrow_release` per
/// borrow, the return conversion, and nothing else (no hold, no
/// allocation, no napi-rs per-call machinery).
///
/// ```text
/// extref::js_fn! {
///   /// docs
///   pub fn name(call: Call<'_, N>) -> R { body }
/// }
/// ```
///
/// defines `pub const name: `[`JsFn`](crate::napi::JsFn), which napi-rs
/// puts on an object (`exports.set("name", name)?` in a
/// `#[napi(module_exports)]` function). The body gets a
/// [`Call<'_, N>`](crate::napi::Call) (up to `N` arguments, default 4) and
/// returns any [`ToJs`](crate::napi::ToJs): `()`, numbers, `bool`, a
/// [`Value`](crate::Value), `Result<_, extref::Error | napi::Error |
/// Failure>` (an error is thrown with its `code`), [`Napi<T>`](crate::napi::Napi).
/// The body runs under `catch_unwind`: a panic is thrown as an `Error` with
/// `code` `"RUST_PANIC"`; no unwind reaches Node-API.
///
/// The call's lifetime is a local of the generated callback, so nothing
/// from the call — `Value`, `Ref`, `RefMut`, `Env` — can outlive it: not in
/// a `static`, a `thread_local!`, another thread, or a body declared with
/// `Call<'static>` (compile errors).
///
/// ```no_run
/// use extref::napi::Call;
/// use napi::bindgen_prelude::Object;
///
/// #[repr(C)]
/// pub struct Counter { pub value: i64 }
/// extref::extref_type!(unsafe impl Counter {
///   tag: (0x6c69626578747265, 0x66436f756e746572),
///   name: c"Counter", send: true,
/// });
///
/// extref::js_fn! {
///   /// increment(counter): adds 1, returns the new value.
///   pub fn increment(call: Call<'_, 1>) -> extref::Result<f64> {
///     let mut c = call.borrow_mut::<Counter>(0)?; // EXTREF_MUT_BORROWED, …
///     c.value += 1;
///     Ok(c.value as f64)
///   }
/// }
///
/// // #[napi_derive::napi(module_exports)]
/// pub fn init(mut exports: Object<'_>) -> napi::Result<()> {
///   exports.set("increment", increment)
/// }
/// ```
///
/// A borrow cannot outlive its call:
///
/// ```compile_fail
/// use extref::napi::Call;
/// # #[repr(C)] pub struct Counter { pub value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// thread_local! {
///   static KEEP: std::cell::RefCell<Option<extref::Ref<'static, Counter>>> =
///     const { std::cell::RefCell::new(None) };
/// }
/// extref::js_fn! {
///   fn keep(call: Call<'_, 1>) -> extref::Result<()> {
///     let r = call.borrow::<Counter>(0)?;
///     KEEP.with(|k| *k.borrow_mut() = Some(r));
///     Ok(())
///   }
/// }
/// ```
#[macro_export]
macro_rules! js_fn {
  (
    $(#[$attr:meta])*
    $vis:vis fn $name:ident ($call:ident : $cty:ty) $(-> $ret:ty)? $body:block
  ) => {
    $(#[$attr])*
    #[allow(non_upper_case_globals)]
    $vis const $name: $crate::napi::JsFn = {
      #[inline(always)]
      fn __extref_body($call: $cty) $(-> $ret)? $body

      unsafe extern "C" fn __extref_cb(
        env: $crate::napi::__private::napi_env,
        info: $crate::napi::__private::napi_callback_info,
      ) -> $crate::napi::__private::napi_value {
        let scope = $crate::napi::__private::Scope::new();
        // SAFETY: Node-API calls this callback with the env and callback
        // info of the running call, on its JS thread; the Call borrows
        // `scope`, so nothing from it outlives this function.
        let call = unsafe {
          $crate::napi::__private::Call::__new(env, info, &scope)
        };
        let r = ::std::panic::catch_unwind(
          ::std::panic::AssertUnwindSafe(move || {
            $crate::napi::ToJs::to_js(__extref_body(call), call.env())
          }),
        );
        // SAFETY: as above.
        unsafe { $crate::napi::__private::finish(env, stringify!($name), r) }
      }

      // SAFETY: __extref_cb is sound for any Node-API call of the function.
      unsafe { $crate::napi::JsFn::__new(stringify!($name), __extref_cb) }
    };
  };
}
