//! Safe Rust over libextref: Node-API externals with Rust's borrow rules
//! checked at run time, shared with every other addon and language in the
//! process.
//!
//! - [`extref_type!`] gives a Rust type its 128-bit tag, name and flags.
//! - [`Env`] and [`Value`] wrap raw `napi_env` / `napi_value` pointers, so
//!   this crate works with any Node-API binding layer (napi-rs, neon, raw
//!   `napi-sys`); with the `napi` feature, [`js_fn!`] defines fast Node-API
//!   functions (no hold, no napi-rs per-call machinery: for hot functions)
//!   and the `napi` module adds napi-rs argument and return types.
//! - [`Env::borrow`] / [`Env::borrow_mut`] give [`Ref`] / [`RefMut`] guards
//!   that release on drop; a conflicting borrow from any addon or thread is
//!   an [`Error`], never aliasing.
//! - [`Hold<T>`] keeps a payload alive independently of the JS garbage
//!   collector and borrows it on any thread when the type is a [`SendType`].
//!
//! ```no_run
//! use extref::{Env, Value};
//!
//! #[repr(C)]
//! #[derive(Clone)]
//! pub struct Counter { pub value: i64 }
//! extref::extref_type!(unsafe impl Counter {
//!   tag: (0x6c69626578747265, 0x66436f756e746572),
//!   name: c"Counter", send: true, clone: true,
//! });
//!
//! // Inside any Node-API callback that has a raw env and argument:
//! # fn cb(raw_env: extref::sys::napi_env, raw_arg: extref::sys::napi_value)
//! # -> extref::Result<i64> {
//! let env = unsafe { Env::from_raw(raw_env) };
//! let arg = unsafe { Value::from_raw(raw_arg) };
//! let mut c = env.borrow_mut::<Counter>(arg)?;   // &mut Counter
//! c.value += 1;
//! assert!(env.borrow::<Counter>(arg).is_err());  // EXTREF_MUT_BORROWED
//! # Ok(c.value) }
//! ```
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

pub use extref_sys as sys;

mod error;
mod types;

#[cfg(feature = "napi")]
pub mod napi;

pub use error::{Error, Result};
pub use types::{clone_callback, descriptor, ExtrefType, SendType, Tag};

use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem::{size_of, ManuallyDrop, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

use error::check;

/// A Node-API environment for the duration `'a` of one native call, on its
/// JS thread. Wraps a raw `napi_env`; `Copy`, not `Send`.
///
/// ```no_run
/// # fn f(raw: extref::sys::napi_env) {
/// let env = unsafe { extref::Env::from_raw(raw) };
/// assert_eq!(env.raw(), raw);
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Env<'a> {
  raw: sys::napi_env,
  _scope: PhantomData<&'a *mut ()>,
}

/// A JS value handle (`napi_value`) valid for `'a`, in the env it came from.
///
/// ```no_run
/// # fn f(raw: extref::sys::napi_value) {
/// let v = unsafe { extref::Value::from_raw(raw) };
/// assert_eq!(v.raw(), raw);
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Value<'a> {
  raw: sys::napi_value,
  _scope: PhantomData<&'a *mut ()>,
}

impl<'a> Value<'a> {
  /// Wraps a raw `napi_value`.
  ///
  /// # Safety
  ///
  /// `raw` must be a handle of the current handle scope of the env it will
  /// be used with, valid for all of `'a`.
  ///
  /// ```no_run
  /// # fn f(raw: extref::sys::napi_value) {
  /// let v = unsafe { extref::Value::from_raw(raw) };
  /// # }
  /// ```
  pub unsafe fn from_raw(raw: sys::napi_value) -> Value<'a> {
    Value {
      raw,
      _scope: PhantomData,
    }
  }

  /// The raw `napi_value`, to hand back to any Node-API layer.
  ///
  /// ```no_run
  /// # fn f(v: extref::Value<'_>) -> extref::sys::napi_value {
  /// v.raw()
  /// # }
  /// ```
  pub fn raw(self) -> sys::napi_value {
    self.raw
  }
}

impl<'a> Env<'a> {
  /// Wraps a raw `napi_env`.
  ///
  /// # Safety
  ///
  /// `raw` must be the env of the native call running on this thread, and
  /// `'a` must not outlive that call. (A bogus pointer in a process with no
  /// Node-API host is harmless: every call reports `Error::NoRuntime`.)
  ///
  /// ```no_run
  /// # fn f(raw: extref::sys::napi_env) {
  /// let env = unsafe { extref::Env::from_raw(raw) };
  /// # }
  /// ```
  pub unsafe fn from_raw(raw: sys::napi_env) -> Env<'a> {
    Env {
      raw,
      _scope: PhantomData,
    }
  }

  /// The raw `napi_env`.
  ///
  /// ```no_run
  /// # fn f(env: extref::Env<'_>) -> extref::sys::napi_env {
  /// env.raw()
  /// # }
  /// ```
  pub fn raw(self) -> sys::napi_env {
    self.raw
  }

  /// Moves `value` into a new external that libextref owns; `T`'s `Drop`
  /// runs exactly once, when the external is gone and no borrow or hold is
  /// live. On failure `value` is dropped here.
  ///
  /// ```no_run
  /// # #[derive(Clone)] #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(env: extref::Env<'_>) -> extref::Result<()> {
  /// let external = env.create(Counter { value: 5 })?;
  /// # Ok(()) }
  /// ```
  pub fn create<T: ExtrefType>(self, value: T) -> Result<Value<'a>> {
    self.create_with_bytes(value, 0)
  }

  /// As [`Env::create`], announcing `external_bytes` of native memory that
  /// the payload keeps alive to the engine's garbage collector.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Big([u8; 64]);
  /// # extref::extref_type!(unsafe impl Big { tag: (3, 4), name: c"Big" });
  /// # fn f(env: extref::Env<'_>) -> extref::Result<()> {
  /// let external = env.create_with_bytes(Big([0; 64]), 1 << 20)?;
  /// # Ok(()) }
  /// ```
  pub fn create_with_bytes<T: ExtrefType>(
    self,
    value: T,
    external_bytes: i64,
  ) -> Result<Value<'a>> {
    let payload = Box::into_raw(Box::new(value));
    let mut out: sys::napi_value = ptr::null_mut();
    // SAFETY: the descriptor is static; the library owns payload on OK.
    let st = unsafe {
      sys::extref_external_create(
        self.raw,
        T::DESCRIPTOR,
        payload.cast(),
        external_bytes,
        &mut out,
      )
    };
    if st.is_ok() {
      Ok(Value {
        raw: out,
        _scope: PhantomData,
      })
    } else {
      let err = Error::from_status(st);
      // SAFETY: on failure the caller still owns the payload.
      drop(unsafe { Box::from_raw(payload) });
      Err(err)
    }
  }

  /// A shared borrow (`&T`) of an external's payload. Fails with
  /// [`Error::MutBorrowed`] while an exclusive borrow is live anywhere, and
  /// with [`Error::NotExternal`], [`Error::Foreign`],
  /// [`Error::TypeMismatch`] or [`Error::Taken`] for the wrong value.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) -> extref::Result<i64> {
  /// let c = env.borrow::<Counter>(v)?;
  /// let also = env.borrow::<Counter>(v)?; // shared borrows coexist
  /// Ok(c.value + also.value)
  /// # }
  /// ```
  pub fn borrow<T: ExtrefType>(self, value: Value<'_>) -> Result<Ref<'a, T>> {
    let mut b = sys::extref_borrow_t::EMPTY;
    // SAFETY: env and value are live (their contracts); b is ours.
    check(unsafe {
      sys::extref_external_ref(self.raw, value.raw, T::DESCRIPTOR, &mut b)
    })?;
    Ok(Ref {
      borrow: Borrow::new(b),
      _t: PhantomData,
    })
  }

  /// An exclusive borrow (`&mut T`) of an external's payload. Fails with
  /// [`Error::Borrowed`] while shared borrows are live and
  /// [`Error::MutBorrowed`] while another exclusive one is.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(env: extref::Env<'_>, a: extref::Value<'_>, b: extref::Value<'_>)
  /// # -> extref::Result<()> {
  /// let mut x = env.borrow_mut::<Counter>(a)?;
  /// let mut y = env.borrow_mut::<Counter>(b)?; // Err when a and b alias
  /// std::mem::swap(&mut x.value, &mut y.value);
  /// # Ok(()) }
  /// ```
  pub fn borrow_mut<T: ExtrefType>(
    self,
    value: Value<'_>,
  ) -> Result<RefMut<'a, T>> {
    let mut b = sys::extref_borrow_t::EMPTY;
    // SAFETY: as in borrow.
    check(unsafe {
      sys::extref_external_mut_ref(self.raw, value.raw, T::DESCRIPTOR, &mut b)
    })?;
    Ok(RefMut {
      borrow: Borrow::new(b),
      _t: PhantomData,
    })
  }

  /// A clone of the payload, made under a shared borrow with the type's
  /// clone callback into a `MaybeUninit<T>`. [`Error::NotCloneable`] for a
  /// type declared without `clone`.
  ///
  /// ```no_run
  /// # #[repr(C)] #[derive(Clone)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", clone: true });
  /// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) -> extref::Result<()> {
  /// let copy: Counter = env.clone_out(v)?;
  /// # Ok(()) }
  /// ```
  pub fn clone_out<T: ExtrefType + Clone>(self, value: Value<'_>) -> Result<T> {
    let mut out = MaybeUninit::<T>::uninit();
    // SAFETY: out has size_of::<T>() bytes aligned for T; written on OK.
    check(unsafe {
      sys::extref_external_clone_out(
        self.raw,
        value.raw,
        T::DESCRIPTOR,
        out.as_mut_ptr().cast(),
        size_of::<T>(),
      )
    })?;
    // SAFETY: the clone callback initialised out (EXTREF_OK).
    Ok(unsafe { out.assume_init() })
  }

  /// Moves the payload out of its external and returns it; every later
  /// access reports [`Error::Taken`]. Built on ABI 1.1 take-into: the
  /// creator's `move` callback moves the value into this call's memory and
  /// frees the creator's allocation with the creator's allocator, so a
  /// payload created by another addon (another global allocator, another
  /// language) is taken soundly, and `T`'s `Drop` runs here, once, when the
  /// returned value is dropped. Refused while borrowed ([`Error::Borrowed`],
  /// [`Error::MutBorrowed`]) or held ([`Error::Held`]);
  /// [`Error::NotMovable`] when the creator's type has no `move` (a
  /// descriptor compiled against ABI 1.0).
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) -> extref::Result<()> {
  /// let owned: Counter = env.take(v)?;
  /// # Ok(()) }
  /// ```
  pub fn take<T: ExtrefType>(self, value: Value<'_>) -> Result<T> {
    let mut out = MaybeUninit::<T>::uninit();
    // SAFETY: env and value are live (their contracts); out has
    // size_of::<T>() bytes aligned for T, written only on OK.
    check(unsafe {
      sys::extref_external_take_into(
        self.raw,
        value.raw,
        T::DESCRIPTOR,
        out.as_mut_ptr().cast(),
        size_of::<T>(),
      )
    })?;
    // SAFETY: the creator's move wrote a T (EXTREF_OK); ExtrefType's
    // contract makes every payload of this tag and size a valid T.
    Ok(unsafe { out.assume_init() })
  }

  /// A [`Hold`] on the payload: it stays alive after JS drops the external
  /// and is collected, until the hold (and every borrow) ends.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", send: true });
  /// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) -> extref::Result<()> {
  /// let hold = env.hold::<Counter>(v)?;
  /// std::thread::spawn(move || hold.borrow().map(|c| c.value));
  /// # Ok(()) }
  /// ```
  pub fn hold<T: ExtrefType>(self, value: Value<'_>) -> Result<Hold<T>> {
    let mut out: *mut sys::extref_hold_t = ptr::null_mut();
    // SAFETY: as in borrow.
    check(unsafe {
      sys::extref_external_hold(self.raw, value.raw, T::DESCRIPTOR, &mut out)
    })?;
    match NonNull::new(out) {
      Some(raw) => Ok(Hold {
        raw,
        _t: PhantomData,
      }),
      None => Err(Error::with_message(
        sys::EXTREF_INVALID_ARG,
        "extref_external_hold returned OK and a NULL hold".into(),
        0,
      )),
    }
  }
}

/// A live borrow; released exactly once, on drop.
struct Borrow(sys::extref_borrow_t);

impl Borrow {
  fn new(b: sys::extref_borrow_t) -> Borrow {
    Borrow(b)
  }
}

impl Drop for Borrow {
  fn drop(&mut self) {
    // SAFETY: self.0 is a live borrow filled by the library. A failure can
    // only be WRONG_THREAD (ruled out by the guards' Send bounds unless
    // unsafe code moved one): the borrow then stays live, which is a leak,
    // never a bad free; it is reported, never panicked on (a drop may run
    // inside a callback from C).
    let st = unsafe { sys::extref_borrow_release(&mut self.0) };
    if !st.is_ok() {
      report_release_failure("borrow", st);
    }
  }
}

/// Reports a failed release on stderr (best effort, never panics).
fn report_release_failure(what: &str, st: sys::extref_status_t) {
  use std::io::Write;
  // SAFETY: static text, never NULL.
  let name = unsafe { CStr::from_ptr(sys::extref_status_name(st)) };
  let _ = writeln!(
    std::io::stderr(),
    "extref: releasing a {what} failed with {}; it stays live (leaked)",
    name.to_str().unwrap_or("?")
  );
}

/// A shared borrow of a payload; derefs to `&T`, released on drop.
///
/// ```no_run
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) -> extref::Result<()> {
/// let r: extref::Ref<'_, Counter> = env.borrow(v)?;
/// println!("{}", r.value);
/// drop(r); // released here
/// # Ok(()) }
/// ```
pub struct Ref<'a, T> {
  borrow: Borrow,
  _t: PhantomData<(&'a T, *mut ())>,
}

impl<T> Deref for Ref<'_, T> {
  type Target = T;
  fn deref(&self) -> &T {
    // SAFETY: the payload is a live T for as long as the borrow is.
    unsafe { &*self.borrow.0.payload.cast::<T>() }
  }
}

/// An exclusive borrow of a payload; derefs to `&mut T`, released on drop.
///
/// ```no_run
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
/// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) -> extref::Result<()> {
/// let mut m: extref::RefMut<'_, Counter> = env.borrow_mut(v)?;
/// m.value += 1;
/// # Ok(()) }
/// ```
pub struct RefMut<'a, T> {
  borrow: Borrow,
  _t: PhantomData<(&'a mut T, *mut ())>,
}

impl<T> Deref for RefMut<'_, T> {
  type Target = T;
  fn deref(&self) -> &T {
    // SAFETY: exclusive borrow of a live T.
    unsafe { &*self.borrow.0.payload.cast::<T>() }
  }
}

impl<T> DerefMut for RefMut<'_, T> {
  fn deref_mut(&mut self) -> &mut T {
    // SAFETY: exclusive borrow of a live T; no other borrow exists.
    unsafe { &mut *self.borrow.0.payload.cast::<T>() }
  }
}

/// A counted owner of a payload, independent of the JS garbage collector
/// (like `Arc<T>` with a run-time borrow flag). `Send + Sync` exactly when
/// `T` is a [`SendType`]; then it borrows on any thread.
///
/// ```no_run
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", send: true });
/// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) -> extref::Result<()> {
/// let hold = env.hold::<Counter>(v)?;
/// let t = std::thread::spawn(move || -> extref::Result<i64> {
///   let mut c = hold.borrow_mut()?;
///   c.value += 1;
///   Ok(c.value)
/// });
/// # Ok(()) }
/// ```
///
/// A hold of a thread-bound type cannot leave its thread:
///
/// ```compile_fail
/// #[repr(C)] struct Local { value: i64 }
/// extref::extref_type!(unsafe impl Local { tag: (5, 6), name: c"Local" });
/// fn f(h: extref::Hold<Local>) {
///   std::thread::spawn(move || drop(h));
/// }
/// ```
pub struct Hold<T: ExtrefType> {
  raw: NonNull<sys::extref_hold_t>,
  _t: PhantomData<*mut T>,
}

// SAFETY: a SendType's descriptor has EXTREF_TYPE_SEND, so the library lets
// any thread borrow, dup and release the hold; T itself is Send + Sync.
unsafe impl<T: SendType> Send for Hold<T> {}
unsafe impl<T: SendType> Sync for Hold<T> {}

impl<T: ExtrefType> Hold<T> {
  /// A shared borrow through the hold.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(h: &extref::Hold<Counter>) -> extref::Result<i64> {
  /// Ok(h.borrow()?.value)
  /// # }
  /// ```
  pub fn borrow(&self) -> Result<Ref<'_, T>> {
    let mut b = sys::extref_borrow_t::EMPTY;
    // SAFETY: self.raw is a live hold.
    check(unsafe { sys::extref_hold_ref(self.raw.as_ptr(), &mut b) })?;
    Ok(Ref {
      borrow: Borrow::new(b),
      _t: PhantomData,
    })
  }

  /// An exclusive borrow through the hold (checked at run time, so `&self`
  /// suffices, as with `RefCell`).
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(h: &extref::Hold<Counter>) -> extref::Result<()> {
  /// h.borrow_mut()?.value = 0;
  /// # Ok(()) }
  /// ```
  pub fn borrow_mut(&self) -> Result<RefMut<'_, T>> {
    let mut b = sys::extref_borrow_t::EMPTY;
    // SAFETY: self.raw is a live hold.
    check(unsafe { sys::extref_hold_mut_ref(self.raw.as_ptr(), &mut b) })?;
    Ok(RefMut {
      borrow: Borrow::new(b),
      _t: PhantomData,
    })
  }

  /// A clone of the payload, through the hold.
  ///
  /// ```no_run
  /// # #[repr(C)] #[derive(Clone)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", clone: true });
  /// # fn f(h: &extref::Hold<Counter>) -> extref::Result<Counter> {
  /// h.clone_out()
  /// # }
  /// ```
  pub fn clone_out(&self) -> Result<T>
  where
    T: Clone,
  {
    let mut out = MaybeUninit::<T>::uninit();
    // SAFETY: as in Env::clone_out.
    check(unsafe {
      sys::extref_hold_clone_out(
        self.raw.as_ptr(),
        out.as_mut_ptr().cast(),
        size_of::<T>(),
      )
    })?;
    // SAFETY: initialised on EXTREF_OK.
    Ok(unsafe { out.assume_init() })
  }

  /// Another hold on the same payload (`extref_hold_dup`).
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(h: &extref::Hold<Counter>) -> extref::Result<()> {
  /// let h2 = h.dup()?;
  /// # Ok(()) }
  /// ```
  pub fn dup(&self) -> Result<Hold<T>> {
    let mut out: *mut sys::extref_hold_t = ptr::null_mut();
    // SAFETY: self.raw is a live hold.
    check(unsafe { sys::extref_hold_dup(self.raw.as_ptr(), &mut out) })?;
    NonNull::new(out)
      .map(|raw| Hold {
        raw,
        _t: PhantomData,
      })
      .ok_or_else(|| {
        Error::with_message(
          sys::EXTREF_INVALID_ARG,
          "extref_hold_dup returned OK and a NULL hold".into(),
          0,
        )
      })
  }

  /// Turns the hold into an owning shared borrow that keeps both until it is
  /// dropped: a `'static` guard that can be stored or, for a
  /// [`SendType`], sent to another thread.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(h: extref::Hold<Counter>) -> extref::Result<i64> {
  /// let r = h.into_ref()?;
  /// Ok(r.value)
  /// # }
  /// ```
  pub fn into_ref(self) -> Result<HeldRef<T>> {
    let mut b = sys::extref_borrow_t::EMPTY;
    // SAFETY: self.raw is a live hold.
    check(unsafe { sys::extref_hold_ref(self.raw.as_ptr(), &mut b) })?;
    Ok(HeldRef {
      borrow: ManuallyDrop::new(Borrow::new(b)),
      hold: self,
    })
  }

  /// Turns the hold into an owning exclusive borrow (see
  /// [`Hold::into_ref`]).
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(h: extref::Hold<Counter>) -> extref::Result<()> {
  /// let mut m = h.into_mut()?;
  /// m.value = 7;
  /// # Ok(()) }
  /// ```
  pub fn into_mut(self) -> Result<HeldMut<T>> {
    let mut b = sys::extref_borrow_t::EMPTY;
    // SAFETY: self.raw is a live hold.
    check(unsafe { sys::extref_hold_mut_ref(self.raw.as_ptr(), &mut b) })?;
    Ok(HeldMut {
      borrow: ManuallyDrop::new(Borrow::new(b)),
      hold: self,
    })
  }

  /// The raw hold, still owned by `self` (for the raw `extref_hold_*`
  /// calls, which are `unsafe`).
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(h: &extref::Hold<Counter>) {
  /// let raw: *mut extref::sys::extref_hold_t = h.as_raw().as_ptr();
  /// # }
  /// ```
  pub fn as_raw(&self) -> NonNull<sys::extref_hold_t> {
    self.raw
  }

  /// Gives up ownership of the raw hold (release it with
  /// `extref_hold_release` or [`Hold::from_raw`]).
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(h: extref::Hold<Counter>) {
  /// let raw = h.into_raw();
  /// let h = unsafe { extref::Hold::<Counter>::from_raw(raw) };
  /// # }
  /// ```
  pub fn into_raw(self) -> NonNull<sys::extref_hold_t> {
    let raw = self.raw;
    std::mem::forget(self);
    raw
  }

  /// Takes ownership of a raw hold.
  ///
  /// # Safety
  ///
  /// `raw` must be a live hold of a payload of type `T` that nothing else
  /// releases, usable on this thread.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(raw: std::ptr::NonNull<extref::sys::extref_hold_t>) {
  /// let h = unsafe { extref::Hold::<Counter>::from_raw(raw) };
  /// # }
  /// ```
  pub unsafe fn from_raw(raw: NonNull<sys::extref_hold_t>) -> Hold<T> {
    Hold {
      raw,
      _t: PhantomData,
    }
  }
}

impl<T: ExtrefType> Drop for Hold<T> {
  fn drop(&mut self) {
    // SAFETY: a live hold, released once. WRONG_THREAD is ruled out by
    // Hold's Send bound unless unsafe code moved it; the hold then stays
    // live (a leak, never a bad free) and this is reported, not panicked
    // on: a drop may run in a finalizer called from C.
    let st = unsafe { sys::extref_hold_release(self.raw.as_ptr()) };
    if !st.is_ok() {
      report_release_failure("hold", st);
    }
  }
}

impl<T: ExtrefType> std::fmt::Debug for Hold<T> {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Hold")
      .field("type", &T::NAME)
      .field("raw", &self.raw)
      .finish()
  }
}

/// An owning shared borrow: a [`Hold`] and a borrow through it, released
/// together on drop. Derefs to `&T`.
///
/// ```no_run
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", send: true });
/// # fn f(h: extref::Hold<Counter>) -> extref::Result<()> {
/// let r: extref::HeldRef<Counter> = h.into_ref()?;
/// std::thread::spawn(move || r.value);
/// # Ok(()) }
/// ```
pub struct HeldRef<T: ExtrefType> {
  borrow: ManuallyDrop<Borrow>,
  hold: Hold<T>,
}

/// An owning exclusive borrow: a [`Hold`] and an exclusive borrow through
/// it, released together on drop. Derefs to `&mut T`.
///
/// ```no_run
/// # #[repr(C)] struct Counter { value: i64 }
/// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter", send: true });
/// # fn f(h: extref::Hold<Counter>) -> extref::Result<()> {
/// let mut m: extref::HeldMut<Counter> = h.into_mut()?;
/// std::thread::spawn(move || m.value += 1);
/// # Ok(()) }
/// ```
pub struct HeldMut<T: ExtrefType> {
  borrow: ManuallyDrop<Borrow>,
  hold: Hold<T>,
}

// SAFETY: as for Hold: the library allows any thread for SEND types, and T
// is Send + Sync.
unsafe impl<T: SendType> Send for HeldRef<T> {}
unsafe impl<T: SendType> Sync for HeldRef<T> {}
unsafe impl<T: SendType> Send for HeldMut<T> {}
unsafe impl<T: SendType> Sync for HeldMut<T> {}

impl<T: ExtrefType> HeldRef<T> {
  /// The hold under this borrow.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(r: extref::HeldRef<Counter>) -> extref::Result<()> {
  /// let another = r.hold().dup()?;
  /// # Ok(()) }
  /// ```
  pub fn hold(&self) -> &Hold<T> {
    &self.hold
  }
}

impl<T: ExtrefType> HeldMut<T> {
  /// The hold under this borrow.
  ///
  /// ```no_run
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// # fn f(m: extref::HeldMut<Counter>) -> extref::Result<()> {
  /// let another = m.hold().dup()?;
  /// # Ok(()) }
  /// ```
  pub fn hold(&self) -> &Hold<T> {
    &self.hold
  }
}

impl<T: ExtrefType> Deref for HeldRef<T> {
  type Target = T;
  fn deref(&self) -> &T {
    // SAFETY: a live shared borrow of a T.
    unsafe { &*self.borrow.0.payload.cast::<T>() }
  }
}

impl<T: ExtrefType> Deref for HeldMut<T> {
  type Target = T;
  fn deref(&self) -> &T {
    // SAFETY: a live exclusive borrow of a T.
    unsafe { &*self.borrow.0.payload.cast::<T>() }
  }
}

impl<T: ExtrefType> DerefMut for HeldMut<T> {
  fn deref_mut(&mut self) -> &mut T {
    // SAFETY: a live exclusive borrow of a T.
    unsafe { &mut *self.borrow.0.payload.cast::<T>() }
  }
}

impl<T: ExtrefType> Drop for HeldRef<T> {
  fn drop(&mut self) {
    // SAFETY: dropped once, before the hold field.
    unsafe { ManuallyDrop::drop(&mut self.borrow) };
  }
}

impl<T: ExtrefType> Drop for HeldMut<T> {
  fn drop(&mut self) {
    // SAFETY: dropped once, before the hold field.
    unsafe { ManuallyDrop::drop(&mut self.borrow) };
  }
}

/// Process-wide libextref counters (`extref_stats_get`), across every addon
/// and language in the process.
///
/// ```
/// let s = extref::stats().unwrap();
/// assert!(s.live_borrows <= s.live_payloads + s.live_holds + s.live_borrows);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
  /// Created, not yet dropped or taken.
  pub live_payloads: u64,
  /// Shared and exclusive borrows not yet released.
  pub live_borrows: u64,
  /// Holds not yet released.
  pub live_holds: u64,
  /// Drop callbacks run.
  pub drops: u64,
  /// Drops that waited for a borrow or hold after the external was gone.
  pub deferred_drops: u64,
  /// Payloads moved out by take or take-into.
  pub takes: u64,
  /// Announced with `external_bytes` and not yet given back.
  pub external_bytes: i64,
}

/// Reads the process-wide counters.
///
/// ```
/// assert_eq!(extref::stats().unwrap().live_holds, 0);
/// ```
pub fn stats() -> Result<Stats> {
  let mut s = sys::extref_stats_t {
    struct_size: size_of::<sys::extref_stats_t>() as u32,
    ..Default::default()
  };
  // SAFETY: s is ours and its struct_size is set.
  check(unsafe { sys::extref_stats_get(&mut s) })?;
  Ok(Stats {
    live_payloads: s.live_payloads,
    live_borrows: s.live_borrows,
    live_holds: s.live_holds,
    drops: s.drops,
    deferred_drops: s.deferred_drops,
    takes: s.takes,
    external_bytes: s.external_bytes,
  })
}

/// The run-time library version as `(major, minor, patch)`.
///
/// ```
/// assert_eq!(extref::version().0, 1);
/// ```
pub fn version() -> (u32, u32, u32) {
  // SAFETY: no arguments.
  let v = unsafe { sys::extref_version() };
  (v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// The run-time library version as `"MAJOR.MINOR.PATCH"`.
///
/// ```
/// assert!(extref::version_string().starts_with("1."));
/// ```
pub fn version_string() -> &'static str {
  // SAFETY: static text.
  unsafe { CStr::from_ptr(sys::extref_version_string()) }
    .to_str()
    .unwrap_or("")
}
