//! Errors: one variant per libextref status.

use std::ffi::CStr;
use std::fmt;

use crate::sys;

/// A libextref failure: one variant per status of ABI 1, each with the
/// library's message for it (which names the type and the conflict, e.g.
/// "cannot borrow Counter mutably: 2 shared borrows are live (1 on this
/// thread)").
///
/// ```
/// use extref::Error;
/// let e = Error::from_status(extref::sys::EXTREF_MUT_BORROWED);
/// assert!(matches!(e, Error::MutBorrowed(_)));
/// assert_eq!(e.name(), "EXTREF_MUT_BORROWED");
/// assert!(e.to_string().starts_with("EXTREF_MUT_BORROWED: "));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
  /// A NULL or malformed argument, or a borrow that is not live.
  InvalidArg(String),
  /// An allocation failed; nothing changed.
  NoMemory(String),
  /// A Node-API call failed.
  NapiFailed {
    /// The failing `napi_status`.
    napi_status: i32,
    /// The library's message.
    message: String,
  },
  /// No Node-API host was found in this process.
  NoRuntime(String),
  /// The value is not a JS external.
  NotExternal(String),
  /// The external was not created by libextref.
  Foreign(String),
  /// The external holds a payload of another type or size.
  TypeMismatch(String),
  /// Exclusive access refused: shared borrows are live.
  Borrowed(String),
  /// Access refused: an exclusive borrow is live.
  MutBorrowed(String),
  /// The payload was moved out of its external.
  Taken(String),
  /// The type has no clone callback.
  NotCloneable(String),
  /// The clone callback failed (for Rust types: `Clone` panicked).
  CloneFailed(String),
  /// A thread-bound payload was touched from another thread.
  WrongThread(String),
  /// The destination size differs from the payload size.
  BadSize(String),
  /// A borrow or hold count would overflow.
  Overflow(String),
  /// Take refused: holds still share the payload.
  Held(String),
  /// Take refused: the creator's type has no `move` callback (ABI 1.1).
  NotMovable(String),
  /// A status this crate does not know (from a newer library).
  Unknown {
    /// The raw status value.
    status: i32,
    /// The library's message.
    message: String,
  },
}

/// `Result<T, extref::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn cstr(p: *const std::ffi::c_char) -> String {
  if p.is_null() {
    String::new()
  } else {
    // SAFETY: the library returns NUL-terminated text, valid until this
    // thread's next extref_ call; it is copied at once.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
  }
}

impl Error {
  /// The error for a failed `status`, with this thread's last-error message
  /// when it is about that status, else the status text. Call it right after
  /// the failing call, before any other `extref_` call on this thread.
  ///
  /// ```
  /// let e = extref::Error::from_status(extref::sys::EXTREF_TAKEN);
  /// assert_eq!(e.status(), extref::sys::EXTREF_TAKEN);
  /// assert!(!e.message().is_empty());
  /// ```
  #[cold]
  #[inline(never)]
  pub fn from_status(status: sys::extref_status_t) -> Error {
    // SAFETY: extref_last_error never returns NULL.
    let last = unsafe { &*sys::extref_last_error() };
    let (message, napi_status) = if last.status == status {
      let m = cstr(last.message);
      let m = if m.is_empty() {
        // SAFETY: static text, never NULL.
        cstr(unsafe { sys::extref_status_text(status) })
      } else {
        m
      };
      (m, last.napi_status)
    } else {
      (cstr(unsafe { sys::extref_status_text(status) }), 0)
    };
    Error::with_message(status, message, napi_status)
  }

  /// The error for `status` with a given message (`napi_status` is kept for
  /// [`Error::NapiFailed`] only).
  ///
  /// ```
  /// use extref::{sys, Error};
  /// let e = Error::with_message(sys::EXTREF_HELD, "held twice".into(), 0);
  /// assert_eq!(e, Error::Held("held twice".into()));
  /// ```
  pub fn with_message(
    status: sys::extref_status_t,
    message: String,
    napi_status: i32,
  ) -> Error {
    use sys::*;
    match status {
      EXTREF_INVALID_ARG => Error::InvalidArg(message),
      EXTREF_NO_MEMORY => Error::NoMemory(message),
      EXTREF_NAPI_FAILED => Error::NapiFailed {
        napi_status,
        message,
      },
      EXTREF_NO_RUNTIME => Error::NoRuntime(message),
      EXTREF_NOT_EXTERNAL => Error::NotExternal(message),
      EXTREF_FOREIGN => Error::Foreign(message),
      EXTREF_TYPE_MISMATCH => Error::TypeMismatch(message),
      EXTREF_BORROWED => Error::Borrowed(message),
      EXTREF_MUT_BORROWED => Error::MutBorrowed(message),
      EXTREF_TAKEN => Error::Taken(message),
      EXTREF_NOT_CLONEABLE => Error::NotCloneable(message),
      EXTREF_CLONE_FAILED => Error::CloneFailed(message),
      EXTREF_WRONG_THREAD => Error::WrongThread(message),
      EXTREF_BAD_SIZE => Error::BadSize(message),
      EXTREF_OVERFLOW => Error::Overflow(message),
      EXTREF_HELD => Error::Held(message),
      EXTREF_NOT_MOVABLE => Error::NotMovable(message),
      other => Error::Unknown {
        status: other.0,
        message,
      },
    }
  }

  /// The raw status of this error (never `EXTREF_OK`).
  ///
  /// ```
  /// let e = extref::Error::Taken(String::new());
  /// assert_eq!(e.status(), extref::sys::EXTREF_TAKEN);
  /// ```
  pub fn status(&self) -> sys::extref_status_t {
    use sys::*;
    match self {
      Error::InvalidArg(_) => EXTREF_INVALID_ARG,
      Error::NoMemory(_) => EXTREF_NO_MEMORY,
      Error::NapiFailed { .. } => EXTREF_NAPI_FAILED,
      Error::NoRuntime(_) => EXTREF_NO_RUNTIME,
      Error::NotExternal(_) => EXTREF_NOT_EXTERNAL,
      Error::Foreign(_) => EXTREF_FOREIGN,
      Error::TypeMismatch(_) => EXTREF_TYPE_MISMATCH,
      Error::Borrowed(_) => EXTREF_BORROWED,
      Error::MutBorrowed(_) => EXTREF_MUT_BORROWED,
      Error::Taken(_) => EXTREF_TAKEN,
      Error::NotCloneable(_) => EXTREF_NOT_CLONEABLE,
      Error::CloneFailed(_) => EXTREF_CLONE_FAILED,
      Error::WrongThread(_) => EXTREF_WRONG_THREAD,
      Error::BadSize(_) => EXTREF_BAD_SIZE,
      Error::Overflow(_) => EXTREF_OVERFLOW,
      Error::Held(_) => EXTREF_HELD,
      Error::NotMovable(_) => EXTREF_NOT_MOVABLE,
      Error::Unknown { status, .. } => extref_status_t(*status),
    }
  }

  /// The status name, e.g. `"EXTREF_BORROWED"` (`"EXTREF_UNKNOWN"` for an
  /// unknown status); the same text as the JS error's `code`.
  ///
  /// ```
  /// assert_eq!(extref::Error::Borrowed(String::new()).name(),
  ///            "EXTREF_BORROWED");
  /// ```
  pub fn name(&self) -> &'static str {
    // SAFETY: static text, never NULL.
    let p = unsafe { sys::extref_status_name(self.status()) };
    unsafe { CStr::from_ptr(p) }
      .to_str()
      .unwrap_or("EXTREF_UNKNOWN")
  }

  /// The library's message.
  ///
  /// ```
  /// assert_eq!(extref::Error::Taken("gone".into()).message(), "gone");
  /// ```
  pub fn message(&self) -> &str {
    match self {
      Error::InvalidArg(m)
      | Error::NoMemory(m)
      | Error::NoRuntime(m)
      | Error::NotExternal(m)
      | Error::Foreign(m)
      | Error::TypeMismatch(m)
      | Error::Borrowed(m)
      | Error::MutBorrowed(m)
      | Error::Taken(m)
      | Error::NotCloneable(m)
      | Error::CloneFailed(m)
      | Error::WrongThread(m)
      | Error::BadSize(m)
      | Error::Overflow(m)
      | Error::Held(m)
      | Error::NotMovable(m) => m,
      Error::NapiFailed { message, .. } | Error::Unknown { message, .. } => {
        message
      }
    }
  }

  /// The failing `napi_status` of [`Error::NapiFailed`], else `None`.
  ///
  /// ```
  /// assert_eq!(extref::Error::Taken(String::new()).napi_status(), None);
  /// ```
  pub fn napi_status(&self) -> Option<i32> {
    match self {
      Error::NapiFailed { napi_status, .. } => Some(*napi_status),
      _ => None,
    }
  }

  /// Whether JS sees this as a `TypeError` (wrong value) rather than an
  /// `Error` (a conflict or a state), as `extref_throw` decides.
  ///
  /// ```
  /// assert!(extref::Error::Foreign(String::new()).is_type_error());
  /// assert!(!extref::Error::Held(String::new()).is_type_error());
  /// ```
  pub fn is_type_error(&self) -> bool {
    matches!(
      self,
      Error::NotExternal(_)
        | Error::Foreign(_)
        | Error::TypeMismatch(_)
        | Error::InvalidArg(_)
    )
  }

  /// Throws this error into JS with `extref_throw`: a `TypeError` or an
  /// `Error` whose `code` is [`Error::name`]. The message is this thread's
  /// last-error message when that is still about this status (it is, right
  /// after the failing call), else the status text. Nothing is thrown when
  /// an exception is already pending.
  ///
  /// ```no_run
  /// # fn f(env: extref::Env<'_>, v: extref::Value<'_>) {
  /// # struct Counter; unsafe impl extref::ExtrefType for Counter {
  /// # const TAG: extref::Tag = extref::Tag::new(1, 2);
  /// # const NAME: &'static std::ffi::CStr = c"Counter";
  /// # const DESCRIPTOR: &'static extref::sys::extref_type_t =
  /// #   &extref::descriptor::<Counter>(0, None); }
  /// if let Err(e) = env.borrow_mut::<Counter>(v) {
  ///   e.throw(env).ok(); // JS sees err.code === "EXTREF_MUT_BORROWED"
  /// }
  /// # }
  /// ```
  pub fn throw(&self, env: crate::Env<'_>) -> Result<()> {
    // SAFETY: env is a live env of this thread (Env's contract).
    let st = unsafe { sys::extref_throw(env.raw(), self.status()) };
    if st.is_ok() {
      Ok(())
    } else {
      Err(Error::from_status(st))
    }
  }
}

impl fmt::Display for Error {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{}: {}", self.name(), self.message())
  }
}

impl std::error::Error for Error {}

/// Turns a status into `Ok(())` or the error with its message.
#[inline]
pub(crate) fn check(status: sys::extref_status_t) -> Result<()> {
  if status.is_ok() {
    Ok(())
  } else {
    Err(Error::from_status(status))
  }
}
