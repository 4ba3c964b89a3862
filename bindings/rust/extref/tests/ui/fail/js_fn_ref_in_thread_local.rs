// A js_fn! borrow cannot be kept in a thread_local! past its call (it
// would outlive the call that the lifetime of Call names).
use extref::napi::Call;
use std::cell::RefCell;

#[repr(C)]
struct Counter {
  value: i64,
}
extref::extref_type!(unsafe impl Counter {
  tag: (1, 2), name: c"Counter", send: true,
});

thread_local! {
  static KEPT: RefCell<Option<extref::Ref<'static, Counter>>> =
    const { RefCell::new(None) };
}

extref::js_fn! {
  fn keep(call: Call<'_, 1>) -> extref::Result<()> {
    let r = call.borrow::<Counter>(0)?;
    KEPT.with(|k| *k.borrow_mut() = Some(r));
    Ok(())
  }
}

fn main() {
  let _ = keep;
}
