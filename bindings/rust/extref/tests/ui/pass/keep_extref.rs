// Controls: every way of keeping an Extref<T> of a Send type compiles, and
// is sound at run time (bindings/rust/examples/napi-addon/test/stored.test.js
// runs the same patterns, with #[napi] classes and External).
use extref::napi::Extref;
use std::cell::RefCell;
use std::sync::Mutex;

#[repr(C)]
struct Counter {
  value: i64,
}
extref::extref_type!(unsafe impl Counter {
  tag: (1, 2), name: c"Counter", send: true,
});

#[repr(C)]
struct Local {
  value: i64,
}
extref::extref_type!(unsafe impl Local { tag: (5, 6), name: c"Local" });

thread_local! {
  static TLS: RefCell<Vec<Extref<Counter>>> = const { RefCell::new(Vec::new()) };
  static TLS_LOCAL: RefCell<Vec<Extref<Local>>> = const { RefCell::new(Vec::new()) };
}
static KEPT: Mutex<Vec<Extref<Counter>>> = Mutex::new(Vec::new());

struct Field {
  c: Extref<Counter>,
}

fn keep(a: Extref<Counter>, b: Extref<Counter>, l: Extref<Local>, f: Field) {
  TLS.with(|v| v.borrow_mut().push(a));
  KEPT.lock().unwrap().push(b);
  TLS_LOCAL.with(|v| v.borrow_mut().push(l));
  std::thread::spawn(move || f.c.borrow().map(|c| c.value).ok());
}

fn with_env(env: &napi::Env) {
  // SAFETY: the contract of Env::from_napi (the env of the current call).
  let _ = unsafe { extref::Env::from_napi(env) };
}

fn main() {
  let _ = (keep, with_env);
}
