//! Raw FFI declarations of libextref ABI v1, exactly as `include/extref.h`.
//!
//! libextref owns Node-API externals and enforces Rust's borrow rules on them
//! at run time, across addons, languages and threads. This crate only
//! declares the C ABI; the safe layer is the `extref` crate.
//!
//! The status is a transparent `i32` newtype, [`extref_status_t`], never a
//! Rust enum: the library may return a value this crate does not know, and
//! that must be an ordinary failure, not undefined behaviour.
//!
//! The library is found with `pkg-config` (`extref.pc`); set
//! `PKG_CONFIG_PATH` to its directory when it is not installed system-wide.
//!
//! ```
//! use extref_sys::*;
//! let name = unsafe { extref_status_name(EXTREF_TAKEN) };
//! let name = unsafe { std::ffi::CStr::from_ptr(name) };
//! assert_eq!(name.to_str().unwrap(), "EXTREF_TAKEN");
//! assert_eq!(unsafe { extref_version() } >> 16, EXTREF_VERSION_MAJOR);
//! ```
#![no_std]
#![deny(missing_docs)]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_void};

/// `EXTREF_VERSION_MAJOR`: the ABI major version these declarations match.
pub const EXTREF_VERSION_MAJOR: u32 = 1;
/// `EXTREF_VERSION_MINOR` of the header these declarations were written from.
pub const EXTREF_VERSION_MINOR: u32 = 1;
/// `EXTREF_VERSION_PATCH` of the header these declarations were written from.
pub const EXTREF_VERSION_PATCH: u32 = 0;
/// `EXTREF_VERSION_HEX`: `(major << 16) | (minor << 8) | patch`.
///
/// ```
/// # use extref_sys::*;
/// assert_eq!(EXTREF_VERSION_HEX, 0x010100);
/// ```
pub const EXTREF_VERSION_HEX: u32 = (EXTREF_VERSION_MAJOR << 16)
  | (EXTREF_VERSION_MINOR << 8)
  | EXTREF_VERSION_PATCH;
/// `EXTREF_VERSION_STRING`, NUL-terminated.
///
/// ```
/// # use extref_sys::*;
/// assert_eq!(EXTREF_VERSION_STRING.to_bytes(), b"1.1.0");
/// ```
pub const EXTREF_VERSION_STRING: &core::ffi::CStr = c"1.1.0";

/// Opaque Node-API environment (`struct napi_env__`).
///
/// ```
/// # use extref_sys::*;
/// let env: *mut napi_env__ = core::ptr::null_mut();
/// ```
#[repr(C)]
pub struct napi_env__ {
  _private: [u8; 0],
  _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// Opaque Node-API value (`struct napi_value__`).
///
/// ```
/// # use extref_sys::*;
/// let v: *mut napi_value__ = core::ptr::null_mut();
/// ```
#[repr(C)]
pub struct napi_value__ {
  _private: [u8; 0],
  _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// `napi_env`, the same pointer type as in `<node_api.h>` and `napi-sys`
/// (cast between them freely).
///
/// ```
/// # use extref_sys::*;
/// let env: napi_env = core::ptr::null_mut();
/// ```
pub type napi_env = *mut napi_env__;
/// `napi_value`, the same pointer type as in `<node_api.h>` and `napi-sys`.
///
/// ```
/// # use extref_sys::*;
/// let v: napi_value = core::ptr::null_mut();
/// ```
pub type napi_value = *mut napi_value__;

/// A libextref status (`extref_status_t`, an `int`-sized C enum).
///
/// A transparent newtype rather than a Rust enum, so that a value this crate
/// does not know (one appended in a later minor version) is representable:
/// treat every value other than [`EXTREF_OK`] as failure.
///
/// ```
/// use extref_sys::*;
/// assert!(EXTREF_OK.is_ok());
/// assert!(!extref_status_t(99).is_ok());
/// ```
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct extref_status_t(pub c_int);

impl extref_status_t {
  /// True for [`EXTREF_OK`] only.
  ///
  /// ```
  /// assert!(extref_sys::EXTREF_OK.is_ok());
  /// ```
  #[inline]
  pub const fn is_ok(self) -> bool {
    self.0 == 0
  }
}

macro_rules! statuses {
  ($($(#[$m:meta])* $name:ident = $v:expr;)*) => {
    $($(#[$m])* pub const $name: extref_status_t = extref_status_t($v);)*
    /// Every status of ABI 1.1 with its C name, in value order.
    ///
    /// ```
    /// assert_eq!(extref_sys::ALL_STATUSES[9].1, "EXTREF_MUT_BORROWED");
    /// ```
    pub const ALL_STATUSES: &[(extref_status_t, &str)] =
      &[$(($name, stringify!($name)),)*];
  };
}

statuses! {
  /// 0: success.
  EXTREF_OK = 0;
  /// 1: a NULL or malformed argument, a `struct_size` too small, a borrow
  /// that is not live.
  EXTREF_INVALID_ARG = 1;
  /// 2: an allocation failed; nothing changed.
  EXTREF_NO_MEMORY = 2;
  /// 3: a Node-API call failed; `extref_last_error()` has its `napi_status`.
  EXTREF_NAPI_FAILED = 3;
  /// 4: no Node-API host was found in this process.
  EXTREF_NO_RUNTIME = 4;
  /// 5: the value is not a JS external.
  EXTREF_NOT_EXTERNAL = 5;
  /// 6: an external that this library did not create.
  EXTREF_FOREIGN = 6;
  /// 7: created with another tag, or another `payload_size`.
  EXTREF_TYPE_MISMATCH = 7;
  /// 8: exclusive access refused: shared borrows are live.
  EXTREF_BORROWED = 8;
  /// 9: access refused: an exclusive borrow is live.
  EXTREF_MUT_BORROWED = 9;
  /// 10: the payload was moved out.
  EXTREF_TAKEN = 10;
  /// 11: the type has no `clone` callback.
  EXTREF_NOT_CLONEABLE = 11;
  /// 12: the `clone` callback reported failure.
  EXTREF_CLONE_FAILED = 12;
  /// 13: a thread-bound payload was touched from another thread.
  EXTREF_WRONG_THREAD = 13;
  /// 14: `dst_size` differs from the type's `payload_size`.
  EXTREF_BAD_SIZE = 14;
  /// 15: a borrow or hold count would overflow.
  EXTREF_OVERFLOW = 15;
  /// 16: take refused: holds still share the payload.
  EXTREF_HELD = 16;
  /// 17 (1.1): take-into refused: the creator's type has no `move`
  /// callback (or it was compiled against 1.0, or its move failed).
  EXTREF_NOT_MOVABLE = 17;
}

/// Type flag: payloads may be borrowed, released, held and dropped on any
/// thread (like `Send + Sync`).
///
/// ```
/// # use extref_sys::*;
/// assert_eq!(EXTREF_TYPE_SEND | EXTREF_TYPE_JS_DROP, 3);
/// ```
pub const EXTREF_TYPE_SEND: u32 = 1 << 0;
/// Type flag: the drop needs the JS thread; an off-thread last release
/// queues it there while the env lives.
///
/// ```
/// # use extref_sys::*;
/// assert_eq!(EXTREF_TYPE_JS_DROP, 2);
/// ```
pub const EXTREF_TYPE_JS_DROP: u32 = 1 << 1;

/// Identity of a payload type: 128 bits, the layout of `napi_type_tag`.
///
/// ```
/// # use extref_sys::*;
/// let t = extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 };
/// ```
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct extref_tag_t {
  /// Low 64 bits.
  pub lower: u64,
  /// High 64 bits.
  pub upper: u64,
}

/// Drops a payload: `(payload, type_data, env or NULL)`. Must not unwind.
///
/// ```
/// # use extref_sys::*;
/// use core::ffi::c_void;
/// unsafe extern "C" fn drop_i64(p: *mut c_void, _: *mut c_void, _: napi_env) {
///   drop(Box::from_raw(p as *mut i64));
/// }
/// let cb: extref_drop_cb = Some(drop_i64);
/// ```
pub type extref_drop_cb =
  Option<unsafe extern "C" fn(*mut c_void, *mut c_void, napi_env)>;

/// Clones `*payload` into `dst`: `(payload, dst, type_data)`, 0 = ok. Must
/// not unwind.
///
/// ```
/// # use extref_sys::*;
/// use core::ffi::{c_int, c_void};
/// unsafe extern "C" fn clone_i64(
///   p: *const c_void,
///   d: *mut c_void,
///   _: *mut c_void,
/// ) -> c_int {
///   *(d as *mut i64) = *(p as *const i64);
///   0
/// }
/// let cb: extref_clone_cb = Some(clone_i64);
/// ```
pub type extref_clone_cb = Option<
  unsafe extern "C" fn(*const c_void, *mut c_void, *mut c_void) -> c_int,
>;

/// (1.1) Moves the value of `*payload` into `dst` and frees the payload's
/// own storage with the allocator that made it, without dropping the value:
/// `(payload, dst, type_data)`, 0 = moved; any other value means nothing
/// moved (the payload must be left as it was). Must not unwind.
///
/// ```
/// # use extref_sys::*;
/// use core::ffi::{c_int, c_void};
/// unsafe extern "C" fn move_i64(
///   p: *mut c_void,
///   d: *mut c_void,
///   _: *mut c_void,
/// ) -> c_int {
///   *(d as *mut i64) = *(p as *const i64);
///   drop(Box::from_raw(p as *mut core::mem::MaybeUninit<i64>));
///   0
/// }
/// let cb: extref_move_cb = Some(move_i64);
/// ```
pub type extref_move_cb = Option<
  unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void) -> c_int,
>;

/// `EXTREF_TYPE_SIZE_1_0`: the `struct_size` of a descriptor compiled
/// against 1.0 (no `move` field), the smallest the library accepts.
///
/// ```
/// # use extref_sys::*;
/// assert_eq!(EXTREF_TYPE_SIZE_1_0 + core::mem::size_of::<usize>(),
///            core::mem::size_of::<extref_type_t>());
/// ```
pub const EXTREF_TYPE_SIZE_1_0: usize =
  core::mem::offset_of!(extref_type_t, type_data)
    + core::mem::size_of::<*mut c_void>();

/// A type descriptor (`extref_type_t`). Give it static storage: it must
/// outlive every payload created with it.
///
/// ```
/// # use extref_sys::*;
/// static COUNTER: extref_type_t = extref_type_t {
///   struct_size: core::mem::size_of::<extref_type_t>() as u32,
///   flags: EXTREF_TYPE_SEND,
///   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
///   name: c"Counter".as_ptr(),
///   payload_size: 8,
///   drop: None,
///   clone: None,
///   type_data: core::ptr::null_mut(),
///   r#move: None,
/// };
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct extref_type_t {
  /// `size_of::<extref_type_t>()`.
  pub struct_size: u32,
  /// [`EXTREF_TYPE_SEND`], [`EXTREF_TYPE_JS_DROP`].
  pub flags: u32,
  /// Identity of the type, shared by every addon that uses it.
  pub tag: extref_tag_t,
  /// Shown in error messages; may be NULL.
  pub name: *const c_char,
  /// Bytes that clone-out writes.
  pub payload_size: usize,
  /// May be NULL: nothing to do on drop.
  pub drop: extref_drop_cb,
  /// NULL: not cloneable.
  pub clone: extref_clone_cb,
  /// Passed to `drop`, `clone` and `move`.
  pub type_data: *mut c_void,
  /// (1.1) NULL: not movable (take-into reports `EXTREF_NOT_MOVABLE`).
  /// Read only when `struct_size` covers it.
  pub r#move: extref_move_cb,
}

// SAFETY: a descriptor is immutable static data that the library only reads;
// `name` and `type_data` are read-only from every thread.
unsafe impl Sync for extref_type_t {}
unsafe impl Send for extref_type_t {}

/// A borrow (`extref_borrow_t`); zeroed is "empty". Layout frozen for ABI 1.
///
/// ```
/// # use extref_sys::*;
/// let b = extref_borrow_t::EMPTY;
/// assert_eq!(b.token, 0);
/// ```
#[repr(C)]
#[derive(Debug)]
pub struct extref_borrow_t {
  /// Valid until `extref_borrow_release`.
  pub payload: *mut c_void,
  /// Private to the library.
  pub token: usize,
}

impl extref_borrow_t {
  /// An empty (zeroed) borrow, ready to be filled by a borrow function.
  ///
  /// ```
  /// assert!(extref_sys::extref_borrow_t::EMPTY.payload.is_null());
  /// ```
  pub const EMPTY: extref_borrow_t = extref_borrow_t {
    payload: core::ptr::null_mut(),
    token: 0,
  };
}

/// A hold (`extref_hold_t`), opaque: a counted owner of a payload.
///
/// ```
/// # use extref_sys::*;
/// let h: *mut extref_hold_t = core::ptr::null_mut();
/// assert_eq!(unsafe { extref_hold_release(h) }, EXTREF_OK);
/// ```
#[repr(C)]
pub struct extref_hold_t {
  _private: [u8; 0],
  _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// The last failure on the calling thread (`extref_error_t`).
///
/// ```
/// # use extref_sys::*;
/// let e: &extref_error_t = unsafe { &*extref_last_error() };
/// let _ = e.status;
/// ```
#[repr(C)]
#[derive(Debug)]
pub struct extref_error_t {
  /// The failing status.
  pub status: extref_status_t,
  /// The failing `napi_status` for [`EXTREF_NAPI_FAILED`], else 0.
  pub napi_status: c_int,
  /// Valid until this thread's next `extref_` call.
  pub message: *const c_char,
}

/// Process-wide counters (`extref_stats_t`).
///
/// ```
/// # use extref_sys::*;
/// let mut s = extref_stats_t {
///   struct_size: core::mem::size_of::<extref_stats_t>() as u32,
///   ..Default::default()
/// };
/// unsafe { extref_stats_get(&mut s) };
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct extref_stats_t {
  /// Caller sets `size_of::<extref_stats_t>()`.
  pub struct_size: u32,
  /// Created, not yet dropped or taken.
  pub live_payloads: u64,
  /// Shared and exclusive borrows not yet released.
  pub live_borrows: u64,
  /// Holds not yet released.
  pub live_holds: u64,
  /// Drop callbacks run (or due, for NULL drop).
  pub drops: u64,
  /// Drops that waited for a borrow or hold to end after the external was
  /// gone.
  pub deferred_drops: u64,
  /// Payloads moved out by take.
  pub takes: u64,
  /// Announced with `external_bytes`, not given back.
  pub external_bytes: i64,
}

// With `bundled` the build script links the static archive it compiled.
#[cfg_attr(not(feature = "bundled"), link(name = "extref"))]
extern "C" {
  /// Wraps `payload` in a new external of `type_`; the library owns the payload
  /// on `EXTREF_OK` only (then it drops it with `type_->drop`).
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # static COUNTER: extref_type_t = extref_type_t {
  /// #   struct_size: core::mem::size_of::<extref_type_t>() as u32,
  /// #   flags: EXTREF_TYPE_SEND,
  /// #   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
  /// #   name: c"Counter".as_ptr(), payload_size: 8,
  /// #   drop: None, clone: None, type_data: core::ptr::null_mut(),
  /// #   r#move: None };
  /// # unsafe fn f(env: napi_env, value: napi_value) {
  /// let payload = Box::into_raw(Box::new(5i64));
  /// let mut ext: napi_value = core::ptr::null_mut();
  /// let st = extref_external_create(env, &COUNTER, payload.cast(), 0, &mut ext);
  /// if !st.is_ok() { drop(Box::from_raw(payload)); }
  /// # }
  /// ```
  pub fn extref_external_create(
    env: napi_env,
    type_: *const extref_type_t,
    payload: *mut c_void,
    external_bytes: i64,
    result: *mut napi_value,
  ) -> extref_status_t;
  /// Shared borrow (like `&T`) of an external's payload; end it with
  /// [`extref_borrow_release`].
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # static COUNTER: extref_type_t = extref_type_t {
  /// #   struct_size: core::mem::size_of::<extref_type_t>() as u32,
  /// #   flags: EXTREF_TYPE_SEND,
  /// #   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
  /// #   name: c"Counter".as_ptr(), payload_size: 8,
  /// #   drop: None, clone: None, type_data: core::ptr::null_mut(),
  /// #   r#move: None };
  /// # unsafe fn f(env: napi_env, value: napi_value) {
  /// let mut b = extref_borrow_t::EMPTY;
  /// if extref_external_ref(env, value, &COUNTER, &mut b).is_ok() {
  ///   let v = *(b.payload as *const i64);
  ///   extref_borrow_release(&mut b);
  /// }
  /// # }
  /// ```
  pub fn extref_external_ref(
    env: napi_env,
    value: napi_value,
    type_: *const extref_type_t,
    result: *mut extref_borrow_t,
  ) -> extref_status_t;
  /// Exclusive borrow (like `&mut T`) of an external's payload;
  /// `EXTREF_BORROWED` while shared borrows are live.
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # static COUNTER: extref_type_t = extref_type_t {
  /// #   struct_size: core::mem::size_of::<extref_type_t>() as u32,
  /// #   flags: EXTREF_TYPE_SEND,
  /// #   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
  /// #   name: c"Counter".as_ptr(), payload_size: 8,
  /// #   drop: None, clone: None, type_data: core::ptr::null_mut(),
  /// #   r#move: None };
  /// # unsafe fn f(env: napi_env, value: napi_value) {
  /// let mut b = extref_borrow_t::EMPTY;
  /// if extref_external_mut_ref(env, value, &COUNTER, &mut b).is_ok() {
  ///   *(b.payload as *mut i64) += 1;
  ///   extref_borrow_release(&mut b);
  /// }
  /// # }
  /// ```
  pub fn extref_external_mut_ref(
    env: napi_env,
    value: napi_value,
    type_: *const extref_type_t,
    result: *mut extref_borrow_t,
  ) -> extref_status_t;
  /// Clones the payload, under a shared borrow, into `dst`; `dst_size` must
  /// equal the type's `payload_size` (else `EXTREF_BAD_SIZE`).
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # static COUNTER: extref_type_t = extref_type_t {
  /// #   struct_size: core::mem::size_of::<extref_type_t>() as u32,
  /// #   flags: EXTREF_TYPE_SEND,
  /// #   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
  /// #   name: c"Counter".as_ptr(), payload_size: 8,
  /// #   drop: None, clone: None, type_data: core::ptr::null_mut(),
  /// #   r#move: None };
  /// # unsafe fn f(env: napi_env, value: napi_value) {
  /// let mut dst = core::mem::MaybeUninit::<i64>::uninit();
  /// let st = extref_external_clone_out(env, value, &COUNTER, dst.as_mut_ptr().cast(), 8);
  /// assert_eq!(st, EXTREF_NOT_CLONEABLE); // COUNTER here has no clone callback
  /// # }
  /// ```
  pub fn extref_external_clone_out(
    env: napi_env,
    value: napi_value,
    type_: *const extref_type_t,
    dst: *mut c_void,
    dst_size: usize,
  ) -> extref_status_t;
  /// Moves the payload out of its external (later accesses: `EXTREF_TAKEN`);
  /// refused while borrowed or held.
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # static COUNTER: extref_type_t = extref_type_t {
  /// #   struct_size: core::mem::size_of::<extref_type_t>() as u32,
  /// #   flags: EXTREF_TYPE_SEND,
  /// #   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
  /// #   name: c"Counter".as_ptr(), payload_size: 8,
  /// #   drop: None, clone: None, type_data: core::ptr::null_mut(),
  /// #   r#move: None };
  /// # unsafe fn f(env: napi_env, value: napi_value) {
  /// let mut p: *mut core::ffi::c_void = core::ptr::null_mut();
  /// if extref_external_take(env, value, &COUNTER, &mut p).is_ok() {
  ///   drop(Box::from_raw(p as *mut i64)); // now the caller's
  /// }
  /// # }
  /// ```
  pub fn extref_external_take(
    env: napi_env,
    value: napi_value,
    type_: *const extref_type_t,
    result: *mut *mut c_void,
  ) -> extref_status_t;
  /// (1.1) Moves the payload out of its external into `dst` with the
  /// creator's `move` callback, so the creator's allocator frees the
  /// creator's allocation (later accesses: `EXTREF_TAKEN`). Refused while
  /// borrowed or held; `EXTREF_NOT_MOVABLE` when the creator's type has no
  /// `move`; `EXTREF_BAD_SIZE` when `dst_size != payload_size`.
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # static COUNTER: extref_type_t = extref_type_t {
  /// #   struct_size: core::mem::size_of::<extref_type_t>() as u32,
  /// #   flags: EXTREF_TYPE_SEND,
  /// #   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
  /// #   name: c"Counter".as_ptr(), payload_size: 8,
  /// #   drop: None, clone: None, type_data: core::ptr::null_mut(),
  /// #   r#move: None };
  /// # unsafe fn f(env: napi_env, value: napi_value) {
  /// let mut v = core::mem::MaybeUninit::<i64>::uninit();
  /// if extref_external_take_into(env, value, &COUNTER,
  ///                              v.as_mut_ptr().cast(), 8).is_ok() {
  ///   let v = v.assume_init(); // now the caller's
  /// }
  /// # }
  /// ```
  pub fn extref_external_take_into(
    env: napi_env,
    value: napi_value,
    type_: *const extref_type_t,
    dst: *mut c_void,
    dst_size: usize,
  ) -> extref_status_t;
  /// Creates a hold: a counted owner that keeps the payload alive after the
  /// external is collected; end it with [`extref_hold_release`].
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # static COUNTER: extref_type_t = extref_type_t {
  /// #   struct_size: core::mem::size_of::<extref_type_t>() as u32,
  /// #   flags: EXTREF_TYPE_SEND,
  /// #   tag: extref_tag_t { lower: 0x6c69626578747265, upper: 0x66436f756e746572 },
  /// #   name: c"Counter".as_ptr(), payload_size: 8,
  /// #   drop: None, clone: None, type_data: core::ptr::null_mut(),
  /// #   r#move: None };
  /// # unsafe fn f(env: napi_env, value: napi_value) {
  /// let mut h: *mut extref_hold_t = core::ptr::null_mut();
  /// if extref_external_hold(env, value, &COUNTER, &mut h).is_ok() {
  ///   extref_hold_release(h);
  /// }
  /// # }
  /// ```
  pub fn extref_external_hold(
    env: napi_env,
    value: napi_value,
    type_: *const extref_type_t,
    result: *mut *mut extref_hold_t,
  ) -> extref_status_t;
  /// Ends a shared or exclusive borrow and empties `*borrow`; an empty or
  /// stale borrow is `EXTREF_INVALID_ARG`, never a double release.
  ///
  /// ```
  /// # use extref_sys::*;
  /// let mut empty = extref_borrow_t::EMPTY;
  /// assert_eq!(unsafe { extref_borrow_release(&mut empty) }, EXTREF_INVALID_ARG);
  /// ```
  pub fn extref_borrow_release(borrow: *mut extref_borrow_t)
    -> extref_status_t;
  /// Shared borrow through a hold; on any thread for `EXTREF_TYPE_SEND` types.
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # unsafe fn g(h: *mut extref_hold_t) {
  /// let mut b = extref_borrow_t::EMPTY;
  /// if extref_hold_ref(h, &mut b).is_ok() {
  ///   extref_borrow_release(&mut b);
  /// }
  /// # }
  /// ```
  pub fn extref_hold_ref(
    hold: *mut extref_hold_t,
    result: *mut extref_borrow_t,
  ) -> extref_status_t;
  /// Exclusive borrow through a hold.
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # unsafe fn g(h: *mut extref_hold_t) {
  /// let mut b = extref_borrow_t::EMPTY;
  /// if extref_hold_mut_ref(h, &mut b).is_ok() {
  ///   *(b.payload as *mut i64) = 0;
  ///   extref_borrow_release(&mut b);
  /// }
  /// # }
  /// ```
  pub fn extref_hold_mut_ref(
    hold: *mut extref_hold_t,
    result: *mut extref_borrow_t,
  ) -> extref_status_t;
  /// Clone-out through a hold.
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # unsafe fn g(h: *mut extref_hold_t) {
  /// let mut dst = core::mem::MaybeUninit::<i64>::uninit();
  /// let st = extref_hold_clone_out(h, dst.as_mut_ptr().cast(), 8);
  /// # }
  /// ```
  pub fn extref_hold_clone_out(
    hold: *mut extref_hold_t,
    dst: *mut c_void,
    dst_size: usize,
  ) -> extref_status_t;
  /// Another hold on the payload of a hold.
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # unsafe fn g(h: *mut extref_hold_t) {
  /// let mut h2: *mut extref_hold_t = core::ptr::null_mut();
  /// if extref_hold_dup(h, &mut h2).is_ok() {
  ///   extref_hold_release(h2);
  /// }
  /// # }
  /// ```
  pub fn extref_hold_dup(
    hold: *mut extref_hold_t,
    result: *mut *mut extref_hold_t,
  ) -> extref_status_t;
  /// Ends a hold; NULL is a no-op.
  ///
  /// ```
  /// # use extref_sys::*;
  /// assert_eq!(unsafe { extref_hold_release(core::ptr::null_mut()) }, EXTREF_OK);
  /// ```
  pub fn extref_hold_release(hold: *mut extref_hold_t) -> extref_status_t;
  /// This thread's last failure; never NULL. Borrowed until this thread's
  /// next `extref_` call.
  ///
  /// ```
  /// # use extref_sys::*;
  /// unsafe { extref_borrow_release(core::ptr::null_mut()) };
  /// let e = unsafe { &*extref_last_error() };
  /// assert_eq!(e.status, EXTREF_INVALID_ARG);
  /// ```
  pub fn extref_last_error() -> *const extref_error_t;
  /// Throws a failure into JS (`TypeError` or `Error`, `code` = status name).
  ///
  /// ```no_run
  /// # use extref_sys::*;
  /// # unsafe fn g(env: napi_env) {
  /// extref_throw(env, EXTREF_MUT_BORROWED);
  /// # }
  /// ```
  pub fn extref_throw(
    env: napi_env,
    status: extref_status_t,
  ) -> extref_status_t;
  /// The status name, e.g. `"EXTREF_MUT_BORROWED"`; `"EXTREF_UNKNOWN"` for an
  /// unknown value. Static, never NULL.
  ///
  /// ```
  /// # use extref_sys::*;
  /// let n = unsafe { core::ffi::CStr::from_ptr(extref_status_name(EXTREF_HELD)) };
  /// assert_eq!(n.to_bytes(), b"EXTREF_HELD");
  /// ```
  pub fn extref_status_name(status: extref_status_t) -> *const c_char;
  /// An English sentence for the status. Static, never NULL.
  ///
  /// ```
  /// # use extref_sys::*;
  /// let t = unsafe { core::ffi::CStr::from_ptr(extref_status_text(EXTREF_OK)) };
  /// assert_eq!(t.to_bytes(), b"success");
  /// ```
  pub fn extref_status_text(status: extref_status_t) -> *const c_char;
  /// Reads the process-wide counters (set `struct_size` first).
  ///
  /// ```
  /// # use extref_sys::*;
  /// let mut s = extref_stats_t {
  ///   struct_size: core::mem::size_of::<extref_stats_t>() as u32,
  ///   ..Default::default()
  /// };
  /// assert_eq!(unsafe { extref_stats_get(&mut s) }, EXTREF_OK);
  /// ```
  pub fn extref_stats_get(result: *mut extref_stats_t) -> extref_status_t;
  /// The run-time version as `EXTREF_VERSION_HEX`.
  ///
  /// ```
  /// # use extref_sys::*;
  /// assert_eq!(unsafe { extref_version() } >> 16, EXTREF_VERSION_MAJOR);
  /// ```
  pub fn extref_version() -> u32;
  /// The run-time version as `"MAJOR.MINOR.PATCH"`; static.
  ///
  /// ```
  /// # use extref_sys::*;
  /// let v = unsafe { core::ffi::CStr::from_ptr(extref_version_string()) };
  /// assert!(v.to_bytes().starts_with(b"1."));
  /// ```
  pub fn extref_version_string() -> *const c_char;
}
