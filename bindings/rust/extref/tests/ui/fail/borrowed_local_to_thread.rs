// A Borrowed<T> of a thread-bound type cannot leave its thread.
use extref::napi::Borrowed;

#[repr(C)]
struct Local {
  value: i64,
}
extref::extref_type!(unsafe impl Local { tag: (5, 6), name: c"Local" });

fn f(c: Borrowed<Local>) {
  std::thread::spawn(move || c.value);
}

fn main() {}
