//! The limits a container asks for, independent of the cgroup version.
pub const DEFAULT_CPU_PERIOD: u64 = 100_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// Memory limit in bytes.
    pub memory: Option<i64>,
    /// Memory + swap in bytes (docker's --memory-swap); -1 = unlimited swap.
    pub memory_swap: Option<i64>,
    /// CFS quota in microseconds per period.
    pub cpu_quota: Option<i64>,
    pub cpu_period: Option<u64>,
    /// 0 or negative = unlimited.
    pub pids_limit: Option<i64>,
    /// Device access rules, applied in order after a deny-all (v1 only).
    pub devices: Vec<DeviceRule>,
}

impl Resources {
    pub fn cpu_period(&self) -> u64 {
        self.cpu_period.unwrap_or(DEFAULT_CPU_PERIOD)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRule {
    pub allow: bool,
    /// 'a', 'c' or 'b'.
    pub kind: char,
    pub major: Option<i64>,
    pub minor: Option<i64>,
    pub access: String,
}

impl DeviceRule {
    /// The v1 `devices.allow`/`devices.deny` line, e.g. `c 1:3 rwm`.
    pub fn to_v1(&self) -> String {
        if self.kind == 'a' {
            return "a".into();
        }
        let n = |v: Option<i64>| v.map_or("*".to_string(), |v| v.to_string());
        format!(
            "{} {}:{} {}",
            self.kind,
            n(self.major),
            n(self.minor),
            self.access
        )
    }
}
