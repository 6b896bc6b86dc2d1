//! The evaluation environment (ISO/IEC TS 4213 clause 5.3.11): operating
//! system, processor and thread count, as far as the machine tells them.

use serde::Serialize;

/// Where an assessment ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Environment {
    /// Operating-system family (`linux`, `macos`, `windows`, …).
    pub os: &'static str,
    /// The distribution or release name, when the system tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_release: Option<String>,
    /// Kernel release, when the system tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Processor architecture.
    pub arch: &'static str,
    /// Processor model, when the system tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// Logical processors available to the process.
    pub logical_cpus: usize,
    /// Worker threads the computation used.
    pub threads: usize,
}

impl Environment {
    /// Read the environment of this process.
    pub fn current() -> Self {
        let os_release = std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim().trim_matches('"').to_owned())
            });
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| {
                        let k = k.trim();
                        k == "model name" || k == "Model" || k == "cpu model"
                    })
                    .map(|(_, v)| v.trim().to_owned())
            });
        Self {
            os: std::env::consts::OS,
            os_release,
            kernel,
            arch: std::env::consts::ARCH,
            cpu_model,
            logical_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            threads: rayon::current_num_threads(),
        }
    }
}
