//! Waking on changes in a container's directory (the shim's log writes and state
//! changes, the directory's removal), instead of polling it.
use crate::error::Result;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

pub(crate) struct DirWatch {
    inotify: Inotify,
}

impl DirWatch {
    /// Watches `dir`; a directory that is gone already gives a watch that only ticks.
    pub(crate) fn new(dir: &Path) -> Result<DirWatch> {
        let inotify = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)?;
        let _ = inotify.add_watch(
            dir,
            AddWatchFlags::IN_MODIFY
                | AddWatchFlags::IN_CREATE
                | AddWatchFlags::IN_MOVED_TO
                | AddWatchFlags::IN_CLOSE_WRITE
                | AddWatchFlags::IN_DELETE_SELF
                | AddWatchFlags::IN_MOVE_SELF,
        );
        Ok(DirWatch { inotify })
    }

    /// Blocks until something changes in the directory, or a second passes (for what
    /// makes no file event, such as a shim that died).
    pub(crate) fn wait(&self) {
        crate::sys::wait_readable(self.inotify.as_fd(), Some(Duration::from_secs(1)));
        while self.inotify.read_events().is_ok_and(|ev| !ev.is_empty()) {}
    }

    /// Blocks until `done()`, checked again after every change.
    pub(crate) fn until(&self, done: impl Fn() -> bool) {
        while !done() {
            self.wait();
        }
    }
}
