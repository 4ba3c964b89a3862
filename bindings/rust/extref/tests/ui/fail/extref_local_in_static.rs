// ... nor sit in a static that another thread could drop it from.
use extref::napi::Extref;
use std::sync::Mutex;

#[repr(C)]
struct Local {
  value: i64,
}
extref::extref_type!(unsafe impl Local { tag: (5, 6), name: c"Local" });

static KEPT: Mutex<Vec<Extref<Local>>> = Mutex::new(Vec::new());

fn main() {}
