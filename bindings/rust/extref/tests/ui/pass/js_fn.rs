// Controls: js_fn! bodies that use their call's borrows and values inside
// the call, return a Value or an error, and keep what may be kept (a Hold,
// a Borrowed<T> of a Send type); registration through napi-rs.
use extref::napi::{Borrowed, Call, Failure, JsFn, Napi};
use napi::bindgen_prelude::Object;
use std::cell::RefCell;
use std::sync::Mutex;

#[repr(C)]
struct Counter {
  value: i64,
}
extref::extref_type!(unsafe impl Counter {
  tag: (1, 2), name: c"Counter", send: true,
});

thread_local! {
  static HOLDS: RefCell<Vec<extref::Hold<Counter>>> =
    const { RefCell::new(Vec::new()) };
}
static BORROWS: Mutex<Vec<Borrowed<Counter>>> = Mutex::new(Vec::new());

extref::js_fn! {
  /// Documented.
  pub fn get(call: Call<'_, 1>) -> extref::Result<f64> {
    Ok(call.borrow::<Counter>(0)?.value as f64)
  }
}

extref::js_fn! {
  fn two(call: Call<'_, 2>) -> Result<i64, Failure> {
    let n = call.i64(1)?;
    let mut a = call.borrow_mut::<Counter>(0)?;
    a.value += n;
    Ok(a.value)
  }
}

extref::js_fn! {
  fn first(call: Call<'_>) -> extref::Value<'_> {
    call.arg(0)
  }
}

extref::js_fn! {
  fn create(call: Call<'_, 0>) -> extref::Result<Option<extref::Value<'_>>> {
    call.env().create(Counter { value: 1 }).map(Some)
  }
}

extref::js_fn! {
  fn keep(call: Call<'_, 1>) -> extref::Result<()> {
    let h = call.env().hold::<Counter>(call.arg(0))?;
    HOLDS.with(|v| v.borrow_mut().push(h));
    Ok(())
  }
}

extref::js_fn! {
  fn nothing(_call: Call<'_, 0>) {}
}

extref::js_fn! {
  fn text(_call: Call<'_, 0>) -> Napi<String> {
    Napi(String::from("x"))
  }
}

fn keep_borrowed(b: Borrowed<Counter>) {
  BORROWS.lock().unwrap().push(b);
}

fn send_borrowed(b: Borrowed<Counter>) {
  std::thread::spawn(move || b.value);
}

fn exports(mut exports: Object<'_>) -> napi::Result<()> {
  for (name, f) in [
    ("get", get),
    ("two", two),
    ("first", first),
    ("create", create),
    ("keep", keep),
    ("nothing", nothing),
    ("text", text),
  ] {
    exports.set(name, f)?;
  }
  let _: JsFn = get;
  Ok(())
}

fn main() {
  let _ = (exports, keep_borrowed, send_borrowed);
}
