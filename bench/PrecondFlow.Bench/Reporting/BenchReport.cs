using PrecondFlow.Bench.Measurement;
using PrecondFlow.Devices;

namespace PrecondFlow.Bench.Reporting;

/// <summary>The machine-readable output of a bench run (written as snake_case JSON).</summary>
/// <param name="Implementation">"precondflow" here, "pytorch" in the reference script.</param>
/// <param name="DateUtc">When the run started, ISO 8601.</param>
/// <param name="Runtime">Versions, device, threads, OS, processors.</param>
/// <param name="OmpWaitPolicy">OMP_WAIT_POLICY as libtorch saw it ("default" when unset).</param>
/// <param name="Quick">Whether the smoke-test plan was used.</param>
/// <param name="Results">One entry per workload.</param>
/// <param name="Soak">The soak run, when asked for.</param>
/// <param name="SgemmGflops">The measured float32 2048³ matrix-product rate, when measured.</param>
/// <param name="NativeHeap">"keep" when glibc keeps freed blocks for reuse (<see cref="NativeHeapReuse"/>), else "system".</param>
/// <param name="CpuKernels">ATEN_CPU_CAPABILITY as libtorch saw it ("default" when unset; see <see cref="CpuKernelChoice"/>).</param>
internal sealed record BenchReport(
    string Implementation,
    string DateUtc,
    RuntimeInfo Runtime,
    string OmpWaitPolicy,
    bool Quick,
    IReadOnlyList<WorkloadResult> Results,
    SoakResult? Soak,
    double? SgemmGflops = null,
    string NativeHeap = "system",
    string CpuKernels = "default");
