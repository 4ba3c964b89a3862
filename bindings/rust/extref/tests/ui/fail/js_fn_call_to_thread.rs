// Nor can the Call itself (its env and arguments) go to another thread.
use extref::napi::Call;

extref::js_fn! {
  fn spawn(call: Call<'_, 1>) {
    std::thread::spawn(move || call.len());
  }
}

fn main() {
  let _ = spawn;
}
