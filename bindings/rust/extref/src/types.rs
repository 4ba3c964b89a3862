//! Giving a Rust type its libextref identity.

use std::ffi::{c_int, c_void, CStr};
use std::mem::size_of;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::sys;

/// A 128-bit type tag (the layout of `napi_type_tag`). Addons in any
/// language share a type by sharing its tag and its payload size.
///
/// ```
/// const TAG: extref::Tag = extref::Tag::new(0x6c69626578747265, 0x66436f756e746572);
/// assert_eq!(TAG.upper, 0x66436f756e746572);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Tag {
  /// Low 64 bits.
  pub lower: u64,
  /// High 64 bits.
  pub upper: u64,
}

impl Tag {
  /// A tag from its two halves.
  ///
  /// ```
  /// assert_eq!(extref::Tag::new(1, 2).lower, 1);
  /// ```
  pub const fn new(lower: u64, upper: u64) -> Tag {
    Tag { lower, upper }
  }
}

/// A Rust type that libextref can own as the payload of an external.
///
/// Implement it with [`extref_type!`](crate::extref_type), which builds the
/// static descriptor: a `drop` that drops the `Box<T>` (a panic in `Drop` is
/// caught, never unwound into C), a `clone` that writes `T::clone()` into the
/// caller's `MaybeUninit<T>` (only when the type is declared `clone`), a
/// `move` for take-into, and the `SEND` flag together with [`SendType`].
///
/// # Safety
///
/// The implementer promises that:
/// - every payload that carries [`TAG`](Self::TAG) with `size_of::<T>()`
///   bytes, whichever addon or language created it, is a valid `T` (the
///   same `#[repr(C)]` layout and invariants), so it may be read as `&T`,
///   written as `&mut T`, and cloned bytewise by another language's clone;
/// - [`DESCRIPTOR`](Self::DESCRIPTOR) has that tag and
///   `payload_size == size_of::<T>()` (use [`descriptor`]);
/// - a `T` may be moved bytewise to another address (every Rust type can):
///   take moves it out with the creator's `move` callback (ABI 1.1
///   take-into), so whichever addon or language created the payload frees
///   its own allocation; a creator without `move` is `Error::NotMovable`.
pub unsafe trait ExtrefType: Sized + 'static {
  /// The 128-bit identity of the type.
  ///
  /// ```
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// use extref::ExtrefType;
  /// assert_eq!(Counter::TAG, extref::Tag::new(1, 2));
  /// ```
  const TAG: Tag;
  /// The name shown in error messages, e.g. `c"Counter"`.
  ///
  /// ```
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// use extref::ExtrefType;
  /// assert_eq!(Counter::NAME, c"Counter");
  /// ```
  const NAME: &'static CStr;
  /// The static descriptor handed to the library.
  ///
  /// ```
  /// # #[repr(C)] struct Counter { value: i64 }
  /// # extref::extref_type!(unsafe impl Counter { tag: (1, 2), name: c"Counter" });
  /// use extref::ExtrefType;
  /// assert_eq!(Counter::DESCRIPTOR.payload_size, 8);
  /// ```
  const DESCRIPTOR: &'static sys::extref_type_t;
}

/// Marks an [`ExtrefType`] whose descriptor has `EXTREF_TYPE_SEND`: its
/// payloads may be borrowed, released, held and dropped on any thread, so
/// [`Hold<T>`](crate::Hold) is `Send + Sync`.
///
/// ```compile_fail
/// // A type that is not Send + Sync cannot be a SendType.
/// struct NotSync(std::cell::Cell<i64>);
/// extref::extref_type!(unsafe impl NotSync {
///   tag: (1, 2), name: c"NotSync", send: true,
/// });
/// ```
///
/// # Safety
///
/// The type's descriptor must carry `EXTREF_TYPE_SEND`, and `T`'s drop must
/// be sound on any thread (`Send`) and shared access from many threads
/// (`Sync`) — the supertraits check the latter two.
pub unsafe trait SendType: ExtrefType + Send + Sync {}

/// Builds the descriptor of `T`: its tag, name and size, `flags`, a drop
/// that drops a `Box<T>`, `clone` (use [`clone_callback::<T>()`] for a
/// cloneable type, `None` otherwise) and the ABI 1.1 `move` that take-into
/// uses (moves the `T` out of its box and frees the box with this code's
/// global allocator).
///
/// ```
/// use extref::{descriptor, sys, ExtrefType, Tag};
/// #[repr(C)] struct Pair(i32, i32);
/// unsafe impl ExtrefType for Pair {
///   const TAG: Tag = Tag::new(7, 8);
///   const NAME: &'static std::ffi::CStr = c"Pair";
///   const DESCRIPTOR: &'static sys::extref_type_t =
///     &descriptor::<Pair>(0, None);
/// }
/// assert_eq!(Pair::DESCRIPTOR.payload_size, 8);
/// ```
pub const fn descriptor<T: ExtrefType>(
  flags: u32,
  clone: sys::extref_clone_cb,
) -> sys::extref_type_t {
  sys::extref_type_t {
    struct_size: size_of::<sys::extref_type_t>() as u32,
    flags,
    tag: sys::extref_tag_t {
      lower: T::TAG.lower,
      upper: T::TAG.upper,
    },
    name: T::NAME.as_ptr(),
    payload_size: size_of::<T>(),
    drop: Some(drop_box::<T>),
    clone,
    type_data: std::ptr::null_mut(),
    r#move: Some(move_box::<T>),
  }
}

/// The clone callback for a `Clone` type: clones into the destination.
///
/// ```
/// let cb = extref::clone_callback::<i64>();
/// assert!(cb.is_some());
/// ```
pub const fn clone_callback<T: Clone>() -> sys::extref_clone_cb {
  Some(clone_into::<T>)
}

/// Drops a caught panic payload without letting a panic escape: the
/// payload's own `Drop` may panic too (`panic_any(Bomb)` where `Bomb`'s
/// `Drop` panics); that second payload is leaked, never dropped, so no panic
/// can start while another one is being disposed of.
pub(crate) fn dispose_panic(payload: Box<dyn std::any::Any + Send>) {
  if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
    std::mem::forget(again);
  }
}

/// Reports a contained panic on stderr (best effort: a failing write is
/// ignored, and nothing here can panic).
fn report(what: &str, name: &CStr) {
  use std::io::Write;
  let _ = writeln!(
    std::io::stderr(),
    "extref: {} of {} panicked; the panic was contained",
    what,
    name.to_str().unwrap_or("?")
  );
}

/// The drop callback: drops the `Box<T>` that `payload` came from. A panic
/// in `T`'s `Drop` is caught here and reported on stderr (the payload's
/// memory may then leak); it never unwinds into C, and a panic payload whose
/// own `Drop` panics is leaked.
unsafe extern "C" fn drop_box<T: ExtrefType>(
  payload: *mut c_void,
  _type_data: *mut c_void,
  _env: sys::napi_env,
) {
  if payload.is_null() {
    return;
  }
  let r = catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: payloads of this descriptor are Box<T> (create boxes them).
    drop(unsafe { Box::from_raw(payload.cast::<T>()) });
  }));
  if let Err(p) = r {
    dispose_panic(p);
    report("Drop", T::NAME);
  }
}

/// The clone callback: writes `(*payload).clone()` into `dst`, which is
/// `size_of::<T>()` bytes of uninitialised, suitably aligned memory. A panic
/// in `Clone` is caught and reported as failure (1), which the library turns
/// into `EXTREF_CLONE_FAILED`; its payload is disposed of as in the drop.
unsafe extern "C" fn clone_into<T: Clone>(
  payload: *const c_void,
  dst: *mut c_void,
  _type_data: *mut c_void,
) -> c_int {
  if payload.is_null() || dst.is_null() {
    return 1;
  }
  match catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: payload is a live T under a shared borrow.
    unsafe { &*payload.cast::<T>() }.clone()
  })) {
    Ok(v) => {
      // SAFETY: dst is size_of::<T>() writable bytes aligned for T.
      unsafe { dst.cast::<T>().write(v) };
      0
    }
    Err(p) => {
      dispose_panic(p);
      1
    }
  }
}

/// The move callback (ABI 1.1 take-into): moves the `T` out of its
/// `Box<T>` into `dst` with `ptr::read` and frees the box's memory, without
/// dropping the value, with the global allocator of the code that created
/// the payload — this function is compiled into the creating addon and the
/// library calls the creator's descriptor. Runs no user code; a panic in
/// the allocator's `dealloc` is contained (the value has moved: it returns
/// 0, the box then leaks).
unsafe extern "C" fn move_box<T: ExtrefType>(
  payload: *mut c_void,
  dst: *mut c_void,
  _type_data: *mut c_void,
) -> c_int {
  if payload.is_null() || dst.is_null() {
    return 1;
  }
  // SAFETY: payload is the Box<T> allocation of a live T, marked taken by
  // the library (nothing else touches it); dst is size_of::<T>() writable
  // bytes aligned for T (the caller's MaybeUninit<T>).
  unsafe { std::ptr::copy_nonoverlapping(payload.cast::<T>(), dst.cast::<T>(), 1) };
  let r = catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: the same allocation as a Box of ManuallyDrop<T> (same layout),
    // freed without running T's Drop: the value now lives in dst.
    drop(unsafe { Box::from_raw(payload.cast::<std::mem::ManuallyDrop<T>>()) });
  }));
  if let Err(p) = r {
    dispose_panic(p);
    report("freeing the box", T::NAME);
  }
  0
}

/// Declares a Rust type as a libextref payload type: implements
/// [`ExtrefType`] (and [`SendType`] with `send: true`) with a static
/// descriptor.
///
/// Options after `name`, each optional, in this order: `send: true` (flag
/// `EXTREF_TYPE_SEND`; requires `Send + Sync`), `clone: true` (cloneable
/// through `Clone`), `js_drop: true` (flag `EXTREF_TYPE_JS_DROP`).
///
/// ```
/// /// The shared cross-language test type.
/// #[repr(C)]
/// #[derive(Clone)]
/// pub struct Counter { pub value: i64 }
///
/// extref::extref_type!(unsafe impl Counter {
///   tag: (0x6c69626578747265, 0x66436f756e746572),
///   name: c"Counter",
///   send: true,
///   clone: true,
/// });
///
/// use extref::ExtrefType;
/// assert_eq!(Counter::DESCRIPTOR.flags, extref::sys::EXTREF_TYPE_SEND);
/// assert!(Counter::DESCRIPTOR.clone.is_some());
/// assert!(Counter::DESCRIPTOR.r#move.is_some()); // take-into (ABI 1.1)
/// ```
#[macro_export]
macro_rules! extref_type {
  (unsafe impl $t:ty {
    tag: ($lo:expr, $up:expr $(,)?),
    name: $name:expr
    $(, send: $send:ident)?
    $(, clone: $clone:ident)?
    $(, js_drop: $jsd:ident)?
    $(,)?
  }) => {
    unsafe impl $crate::ExtrefType for $t {
      const TAG: $crate::Tag = $crate::Tag::new($lo, $up);
      const NAME: &'static ::std::ffi::CStr = $name;
      const DESCRIPTOR: &'static $crate::sys::extref_type_t =
        &$crate::descriptor::<$t>(
          $crate::extref_type!(@send_flag [$($send)?])
            | $crate::extref_type!(@js_drop_flag [$($jsd)?]),
          $crate::extref_type!(@clone [$($clone)?] $t),
        );
    }
    $crate::extref_type!(@send_impl [$($send)?] $t);
  };
  (@send_flag []) => { 0u32 };
  (@send_flag [false]) => { 0u32 };
  (@send_flag [true]) => { $crate::sys::EXTREF_TYPE_SEND };
  (@js_drop_flag []) => { 0u32 };
  (@js_drop_flag [false]) => { 0u32 };
  (@js_drop_flag [true]) => { $crate::sys::EXTREF_TYPE_JS_DROP };
  (@clone [] $t:ty) => { None };
  (@clone [false] $t:ty) => { None };
  (@clone [true] $t:ty) => { $crate::clone_callback::<$t>() };
  (@send_impl [] $t:ty) => {};
  (@send_impl [false] $t:ty) => {};
  (@send_impl [true] $t:ty) => {
    unsafe impl $crate::SendType for $t {}
  };
}
