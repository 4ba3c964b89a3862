// A js_fn! borrow cannot be sent to another thread, even of a Send type
// (Ref is never Send, and it borrows from the call).
use extref::napi::Call;

#[repr(C)]
struct Counter {
  value: i64,
}
extref::extref_type!(unsafe impl Counter {
  tag: (1, 2), name: c"Counter", send: true,
});

extref::js_fn! {
  fn spawn(call: Call<'_, 1>) -> extref::Result<()> {
    let r = call.borrow::<Counter>(0)?;
    std::thread::spawn(move || r.value);
    Ok(())
  }
}

fn main() {
  let _ = spawn;
}
