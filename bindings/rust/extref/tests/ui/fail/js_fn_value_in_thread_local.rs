// A Value (napi_value) of a js_fn! call cannot be kept past the call
// (napi-rs issue #1994).
use extref::napi::Call;
use std::cell::Cell;

thread_local! {
  static KEPT: Cell<Option<extref::Value<'static>>> = const { Cell::new(None) };
}

extref::js_fn! {
  fn keep(call: Call<'_, 1>) {
    KEPT.with(|k| k.set(Some(call.arg(0))));
  }
}

fn main() {
  let _ = keep;
}
