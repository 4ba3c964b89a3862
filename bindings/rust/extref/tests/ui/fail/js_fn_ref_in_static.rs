// ... nor in a static (a RefMut is neither Send nor 'static).
use extref::napi::Call;
use std::sync::Mutex;

#[repr(C)]
struct Counter {
  value: i64,
}
extref::extref_type!(unsafe impl Counter {
  tag: (1, 2), name: c"Counter", send: true,
});

static KEPT: Mutex<Vec<extref::RefMut<'static, Counter>>> =
  Mutex::new(Vec::new());

extref::js_fn! {
  fn keep(call: Call<'_, 1>) -> extref::Result<()> {
    KEPT.lock().unwrap().push(call.borrow_mut::<Counter>(0)?);
    Ok(())
  }
}

fn main() {
  let _ = keep;
}
