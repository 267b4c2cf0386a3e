"""Which isolation this machine allows, and the uid leases and folder
permissions the isolations rely on.

Levels, best first (the reports name the one that ran):
- "bubblewrap": new mount, pid, network, ipc and uts namespaces; the child sees
  only the Python runtime (read-only), its own scratch copy of the submission
  and an empty /tmp; it runs as an unprivileged uid; when the call ends the pid
  namespace dies with every process in it.
- "unprivileged-user": no namespaces; the child drops to an unprivileged uid
  and the kit's secret folders are made unreadable to other users.
- "rlimits-only": neither is possible (not root); resource limits only. As root
  it is never chosen, only asked for: student code would run as root.
"""
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .paths import SECRET_DIRS
# The zygote's own sweep (it runs inside the sandbox too): one definition for both sides.
from .zygote import kill_uid as kill_processes_of_uid

# Each grader process leases its own unprivileged uid (no passwd entry needed)
# from this range, so that the process limit and the after-call cleanup
# ("kill every process of the uid") never touch another grader's child.
UID_RANGE = range(61000, 61256)
UID_LOCK_DIR = Path(tempfile.gettempdir()) / "autograder-uid-leases"


def _python_home():
    return Path(os.path.realpath(sys.executable)).parents[1]


def _site_packages():
    import numpy
    return Path(numpy.__file__).resolve().parents[1]


def _world_traversable(path):
    """Whether a user other than the owner can reach path (o+x on every folder)."""
    path = Path(path).resolve()
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents])


def _bwrap_works():
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    probe = subprocess.run([bwrap, "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/",
                            "--proc", "/proc", "--dev", "/dev", "true"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


class IsolationUnavailable(Exception):
    """Running as root, and neither bubblewrap nor an unprivileged uid can hold student code."""


def detect_isolation():
    """The best isolation this machine allows (AUTOGRADER_ISOLATION forces one, for tests).
    Raises IsolationUnavailable as root when the best would be none: student code never
    runs as root unless asked for (--isolation rlimits-only)."""
    forced = os.environ.get("AUTOGRADER_ISOLATION")
    if forced:
        return forced
    if os.geteuid() != 0:
        return "rlimits-only"
    if _bwrap_works():
        return "bubblewrap"
    # The child preloads the standard library before it drops to the uid, so an interpreter
    # under /root (pyenv) will do; numpy's folder must be reachable by the uid.
    if _world_traversable(_site_packages()):
        return "unprivileged-user"
    raise IsolationUnavailable(
        "running as root, but student code can be held neither by bubblewrap (not installed or not working: "
        "`make sandbox-deps`, or apt-get install bubblewrap) nor by an unprivileged uid (%s cannot be reached "
        "by other users); pass --isolation rlimits-only to run student code as root anyway" % _site_packages())


ISOLATION_TEXT = {
    "bubblewrap": "bubblewrap sandbox (no network, private /tmp and process table, read-only "
                  "runtime, only the submission's scratch copy visible) as an unprivileged uid",
    "unprivileged-user": "unprivileged uid with the kit's folders unreadable to it (no bubblewrap: "
                         "network not isolated)",
    "rlimits-only": "resource limits only (no bubblewrap and not root: the student code could "
                    "read files this user can read)",
}


def protect_secret_dirs():
    """Fallback mode: make the kit's secret folders unreadable to other users."""
    for folder in SECRET_DIRS:
        if folder.exists():
            os.chmod(folder, os.stat(folder).st_mode & ~0o007)



def lease_uid():
    """An unused sandbox uid, held (flock) until the returned file is closed."""
    UID_LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    if os.stat(UID_LOCK_DIR).st_uid != os.geteuid():
        raise RuntimeError("%s is not owned by the grader's user" % UID_LOCK_DIR)
    for uid in UID_RANGE:
        lease = open(UID_LOCK_DIR / str(uid), "w")
        try:
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lease.close()
            continue
        kill_processes_of_uid(uid)   # leftovers of a grader that crashed
        return uid, lease
    raise RuntimeError("no free sandbox uid in %s" % UID_RANGE)


