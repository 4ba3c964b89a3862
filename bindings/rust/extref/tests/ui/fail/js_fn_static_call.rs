// A body cannot ask for a Call<'static> (whose Values and borrows would
// then be 'static): the call's lifetime is a local of the callback.
use extref::napi::Call;
use std::cell::Cell;

thread_local! {
  static KEPT: Cell<Option<extref::Value<'static>>> = const { Cell::new(None) };
}

extref::js_fn! {
  fn keep(call: Call<'static, 1>) {
    KEPT.with(|k| k.set(Some(call.arg(0))));
  }
}

fn main() {
  let _ = keep;
}
