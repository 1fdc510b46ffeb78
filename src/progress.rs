//! Progress on long work (compiling, downloading): shown on a terminal only, and only once the
//! work has taken more than a second, so quick runs and piped output stay clean.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// (finished, the spinner once shown)
type State = Arc<Mutex<(bool, Option<ProgressBar>)>>;

/// A spinner that appears after one second on a terminal.
pub struct Spinner {
    state: Option<State>,
}

impl Spinner {
    pub fn start(msg: String) -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner { state: None };
        }
        let state: State = Arc::new(Mutex::new((false, None)));
        let s2 = Arc::clone(&state);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if let Ok(mut g) = s2.lock()
                && !g.0
            {
                let pb = ProgressBar::new_spinner();
                if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                    pb.set_style(style);
                }
                pb.set_message(msg);
                pb.enable_steady_tick(Duration::from_millis(120));
                g.1 = Some(pb);
            }
        });
        Spinner { state: Some(state) }
    }

    pub fn finish(self) {
        if let Some(s) = self.state
            && let Ok(mut g) = s.lock()
        {
            g.0 = true;
            if let Some(pb) = g.1.take() {
                pb.finish_and_clear();
            }
        }
    }
}
