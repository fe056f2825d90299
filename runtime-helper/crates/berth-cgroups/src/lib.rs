//! cgroup v1, v2 and hybrid hierarchies: detection, limits, stats, OOM; the cgroupfs root is a parameter.
